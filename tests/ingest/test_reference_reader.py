"""`read_returned` (the qpdf fast path, else pypdf) against an independent reference reader, on every form pep makes.

Every form variant is checked blank, prefilled with its sample record and filled in by pypdf: both readers must
answer, with the same fields. On every hostile or odd file, run in bounded workers, either one refuses or both give
the same fields: they never both answer differently.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from clients import hostile
from clients.formkit import build_form
from clients.pypdf_fill import fill
from clients.reference_reader import read_reference

from generator.authority.profiles import authorities
from generator.core.samples import sample_records
from generator.ingest.reader import read_returned
from generator.ingest.returns import READER
from generator.ingest.safety import Limits, WorkerPool
from generator.pipeline.generate import prepare, render
from generator.signing.keys import KeyRing, SigningKey

KEYS = KeyRing([SigningKey("reference-test", bytes(range(32)))], "reference-test", "reference-test")
FORM_VARIANTS = sorted((a.id, v.id) for a in authorities().values() for v in a.variants.values()
                       if "form" in v.formats)
TYPED = "Siân ŵŷ, Zażółć\r\nline 2\rline 3"
HOSTILE = hostile.REFUSED
READABLE = [hostile.action_cycle, hostile.owner_password_only, build_form]


def _form(authority: str, variant: str, record: dict | None) -> bytes:
    return render(prepare(authority, variant, "form", record, "school",
                          options={"keys": KEYS, "issue_date": "2026-01-12"}))


def _typed(fields: dict[str, dict]) -> dict:
    """A value for every editable field: text with Welsh, Polish and mixed line ends, ticks, each radio's last."""
    return {name: (TYPED if f["kind"] == "text" else True if f["kind"] == "checkbox" else (f["options"] or [None])[-1])
            for name, f in fields.items() if not f["readonly"] and f["kind"] in ("text", "checkbox", "radio")}


@pytest.fixture(scope="module")
def forms() -> dict[str, bytes]:
    """Every variant's form blank, prefilled with its sample and filled in by pypdf, made once for this module."""
    samples, out = sample_records(), {}
    for authority, variant in FORM_VARIANTS:
        records = {"blank": None}
        if (authority, variant) in samples:
            text = samples[(authority, variant)].read_text(encoding="utf-8")
            records["prefilled"] = json.loads(text, parse_float=Decimal)
        for label, record in records.items():
            issued = _form(authority, variant, record)
            out[f"{authority}-{variant}-{label}"] = issued
            out[f"{authority}-{variant}-{label}-filled"] = fill(issued, _typed(read_returned(issued)["fields"]))
    return out


def _compared(fields: dict[str, dict]) -> dict[str, tuple]:
    return {name: (f["kind"], f["value"], f["readonly"], f.get("options"), f.get("multiline"))
            for name, f in fields.items()}


def test_reference__agrees_with_read_returned_on_every_form_blank_prefilled_and_filled(forms):
    assert len(forms) >= 4 * len(FORM_VARIANTS)
    differences = {}
    for label, data in forms.items():
        ours, reference = read_returned(data)["fields"], read_reference(data)
        assert list(ours) == list(reference), label
        if _compared(ours) != _compared(reference):
            differences[label] = {n: (v, _compared(reference)[n]) for n, v in _compared(ours).items()
                                  if v != _compared(reference)[n]}
    assert not differences


def test_reference__sees_what_pypdf_filled_in(forms):
    for label in (k for k in forms if k.endswith("-blank-filled")):
        typed = [f for f in read_reference(forms[label]).values() if f["kind"] == "text" and not f["readonly"]]
        assert typed, label
        assert all(f["value"] == "Siân ŵŷ, Zażółć\nline 2\nline 3" for f in typed), label


@pytest.fixture(scope="module")
def pools():
    limits = Limits(seconds=20)
    with WorkerPool(READER, 1, limits) as ours, WorkerPool("clients.reference_reader:run", 1, limits) as reference:
        yield ours, reference


def _both(pools, data: bytes) -> tuple[dict | None, dict | None]:
    """The fields each reader gives (None: refused), each run in a bounded worker."""
    ours, reference = (pool.run(data) for pool in pools)
    assert reference.error is None, "the reference reader must refuse with a reason, not fail"
    return (None if ours.error else _compared(ours.value["fields"]),
            _compared(reference.value["fields"]) if "fields" in reference.value else None)


@pytest.mark.parametrize("build", HOSTILE, ids=[b.__name__ for b in HOSTILE])
def test_reference__or_read_returned_refuses_every_hostile_file(pools, build):
    ours, reference = _both(pools, build())
    assert ours is None or reference is None


@pytest.mark.parametrize("build", READABLE, ids=[b.__name__ for b in READABLE])
def test_reference__on_odd_but_readable_files_agrees_with_read_returned_or_refuses(pools, build):
    ours, reference = _both(pools, build())
    assert ours is not None
    assert reference in (None, ours)
