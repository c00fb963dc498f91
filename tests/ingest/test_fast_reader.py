"""The qpdf fast path of the reader against the pypdf path, on every form pep makes and on every hostile file.

The fast path may decline (None: the pypdf path then answers), but when it answers it must give exactly what the
pypdf path gives, in the same order; on our own forms it must answer; on hostile files it must never answer.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from clients import hostile
from clients.formkit import build_form
from clients.pypdf_fill import fill

from generator.authority.profiles import authorities
from generator.core.samples import sample_records
from generator.ingest.reader import read_fast, read_pypdf, read_returned
from generator.ingest.safety import Refused
from generator.pipeline.generate import prepare, render
from generator.signing.keys import KeyRing, SigningKey

KEYS = KeyRing([SigningKey("fast-test", bytes(range(32)))], "fast-test", "fast-test")
FORM_VARIANTS = sorted((a.id, v.id) for a in authorities().values() for v in a.variants.values()
                       if "form" in v.formats)


def _same(fast: dict, slow: dict) -> None:
    assert list(fast) == list(slow)
    assert {k: v for k, v in fast.items() if k != "fields"} == {k: v for k, v in slow.items() if k != "fields"}
    assert list(fast["fields"].items()) == list(slow["fields"].items())


def _form(authority: str, variant: str, record: dict | None) -> bytes:
    return render(prepare(authority, variant, "form", record, "school",
                          options={"keys": KEYS, "issue_date": "2026-01-12"}))


@pytest.mark.parametrize(("authority", "variant"), FORM_VARIANTS, ids=[f"{a}-{v}" for a, v in FORM_VARIANTS])
def test_fast_path__answers_as_pypdf_does_on_every_form_blank_filled_and_client_filled(authority, variant):
    samples = sample_records()
    records = [None]
    if (authority, variant) in samples:
        records.append(json.loads(samples[(authority, variant)].read_text(encoding="utf-8"), parse_float=Decimal))
    for record in records:
        issued = _form(authority, variant, record)
        slow = read_pypdf(issued)
        editable = {name: f for name, f in slow["fields"].items() if not f["readonly"]}
        typed = {name: ("Siân ŵŷ, Zażółć\r\nline 2" if f["kind"] == "text" else True if f["kind"] == "checkbox"
                        else (f["options"] or [None])[-1]) for name, f in editable.items()}
        for data in (issued, fill(issued, typed)):
            fast = read_fast(data)
            assert fast is not None, "the fast path declined one of pep's own forms"
            _same(fast, read_pypdf(data))
            _same(read_returned(data), fast)


HOSTILE = hostile.REFUSED
NULLS = [hostile.null_flags, hostile.null_value, hostile.null_in_object_stream, hostile.missing_object_flags,
         hostile.missing_object_in_value]


@pytest.mark.parametrize("build", HOSTILE, ids=[b.__name__ for b in HOSTILE])
def test_fast_path__never_answers_for_a_hostile_file(build):
    assert read_fast(build()) is None


def _answer(read, data: bytes):
    try:
        return read(data)
    except Refused as err:
        return ("refused", str(err))


@pytest.mark.parametrize("build", NULLS, ids=[b.__name__ for b in NULLS])
def test_fast_path__leaves_a_file_with_a_null_entry_to_the_pypdf_path(build):
    data = build()
    assert read_fast(data) is None
    assert _answer(read_returned, data) == _answer(read_pypdf, data)


@pytest.mark.parametrize("build", [hostile.action_cycle, hostile.owner_password_only, build_form],
                         ids=["action-cycle", "owner-password", "test-form"])
def test_fast_path__on_odd_but_readable_files_agrees_with_pypdf_or_declines(build):
    data = build()
    fast = read_fast(data)
    if fast is not None:
        _same(fast, read_pypdf(data))


def test_pypdf_path__reads_a_null_value_as_no_value():
    fields = read_returned(hostile.null_value())["fields"]
    assert [f["value"] for f in fields.values()] == [""]
