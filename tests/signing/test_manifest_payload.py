"""The signed payload, joined from each field's cached canonical JSON, is byte for byte canonical() of the whole."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from generator.signing.manifest import FieldSpec, FormIdentity, Manifest, canonical


def _manifest(fields: list[FieldSpec], prefilled: dict) -> Manifest:
    identity = FormIdentity("f-1", "walsall", "pep", "1", "SC1", "2026-01-12", "k")
    return Manifest(identity, fields, prefilled)


def test_signed_payload__is_the_canonical_json_of_identity_fields_and_prefilled():
    fields = [FieldSpec("a_name", "child.name", "text", (), True),
              FieldSpec("b_kind", "pep.kind", "radio", ("Siân", "ŵŷ \"quoted\"", "1"), False),
              FieldSpec("c_tick", "pep.tick", "checkbox")]
    manifest = _manifest(fields, {"a_name": "Zażółć\ngęślą", "n": Decimal("1.50"), "z": None, "b": [1, True]})
    whole = canonical({"identity": asdict(manifest.identity), "fields": [f.to_json() for f in fields],
                       "prefilled": manifest.prefilled})
    assert manifest.signed_payload() == whole
    assert _manifest([], {}).signed_payload() == canonical({"identity": asdict(manifest.identity), "fields": [],
                                                            "prefilled": {}})


def test_from_bytes__shares_equal_specs_and_keeps_their_values():
    fields = [FieldSpec("a_name", "child.name", "text", ("x",), True)]
    first = Manifest.from_bytes(_manifest(fields, {}).to_bytes())
    second = Manifest.from_bytes(_manifest(fields, {}).to_bytes())
    assert first.fields == second.fields == fields
    assert first.fields[0] is second.fields[0]
