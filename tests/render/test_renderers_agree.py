"""Word, PDF and form draw from one content description: for every variant they are given the same fields."""

from __future__ import annotations

import pytest
from conftest import load_sample, sample_path

from data_schemas import template_of
from generator.authority.profiles import authorities
from generator.forms.plan import plan_form
from generator.pipeline.generate import prepare
from generator.render.model import rows_of
from generator.render.pdfa import _fonts, _Text, payload
from generator.render.word import build_context

VARIANTS = [(p.id, v.id) for p in authorities().values() for v in p.variants.values()
            if {"docx", "pdf", "form"} <= set(v.formats)]


def paths_in(node) -> set[str]:
    """Every data path a renderer's input carries (its "path" and "footer_path" entries), as templates."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("path", "footer_path") and isinstance(value, str):
                found.add(template_of(value))
            else:
                found |= paths_in(value)
    elif isinstance(node, list | tuple):
        for value in node:
            found |= paths_in(value)
    return found


def word_paths(model) -> set[str]:
    return paths_in(build_context(model, model.variant.kind))


def pdf_paths(model) -> set[str]:
    return paths_in(payload(model, _Text(_fonts(model))))


def form_paths(request) -> set[str]:
    plan = plan_form(request.profile, request.variant, request.model.audience, request.record)
    return {template_of(f.spec.path) for f in plan.fields}


@pytest.mark.parametrize(("authority", "variant"), VARIANTS)
def test_blank__word_pdf_and_form_show_the_same_fields(authority, variant):
    request = prepare(authority, variant, "docx", None)
    expected = {template_of(p) for p in request.variant.leaf_paths()}
    assert word_paths(request.model) == expected
    assert pdf_paths(request.model) == expected
    assert form_paths(request) == expected


@pytest.mark.parametrize(("authority", "variant"), VARIANTS)
def test_filled__word_and_pdf_show_the_same_fields(authority, variant):
    if not sample_path(authority, variant).exists():
        pytest.skip("no sample")
    model = prepare(authority, variant, "docx", load_sample(authority, variant)).model
    assert word_paths(model) == pdf_paths(model)
    # "Also recorded" is the record copy's own: the form's values go back into the store, which keeps the rest
    also = {template_of(r.path) for s in model.sections if s.id == "also_recorded" for r in rows_of(s.blocks)}
    assert word_paths(model) - also <= form_paths(prepare(authority, variant, "form", load_sample(authority, variant)))
