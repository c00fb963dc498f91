"""The resolved content of every variant: no wording placeholder left unfilled, every path a real field."""

from __future__ import annotations

import re

import pytest

from data_schemas import catalogue
from generator.authority.profiles import authorities

LEFT_OVER = re.compile(r"\{[a-z][a-z0-9_]*\}")
VARIANTS = [(p.id, v.id) for p in authorities().values() for v in p.variants.values()]


def texts_of(variant):
    yield variant.title
    yield variant.subtitle or ""
    for section in variant.sections:
        yield section.heading
        yield section.intro or ""
        for item in section.walk():
            yield from (item.label, item.help or "", item.text or "", (item.title or "").replace("{n}", "1"))


@pytest.mark.parametrize(("authority", "variant"), VARIANTS)
def test_no_placeholder_is_left_unfilled(authority, variant):
    content = authorities()[authority].variants[variant]
    assert [t for t in texts_of(content) if LEFT_OVER.search(t)] == []


@pytest.mark.parametrize(("authority", "variant"), VARIANTS)
def test_every_item_path_is_a_field_of_the_record(authority, variant):
    content = authorities()[authority].variants[variant]
    paths = [i.path for i in content.walk() if i.path and i.kind != "question"]
    assert [p for p in paths if p not in catalogue()] == []
