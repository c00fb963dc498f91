"""The signed payload, joined from each field's cached canonical JSON, is byte for byte canonical() of the whole."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

import pytest

from generator.signing.manifest import FieldSpec, FormIdentity, Manifest, canonical, canonical_with, fields_json


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


def test_to_bytes_and_canonical_with__are_the_canonical_json_of_the_whole():
    fields = [FieldSpec("a_name", "child.name", "text", (), True),
              FieldSpec("b_kind", "pep.kind", "radio", ("Siân", "ŵŷ \"quoted\"", "1"), False)]
    manifest = _manifest(fields, {"a_name": "Zażółć\ngęślą", "n": Decimal("1.50"), "z": None})
    manifest.signature = "abc"
    assert manifest.to_bytes() == canonical({"manifest_version": 1, "identity": asdict(manifest.identity),
                                             "fields": [f.to_json() for f in fields],
                                             "prefilled": manifest.prefilled, "signature": "abc"})
    assert fields_json([]) == canonical([])
    whole = {"b": [1, {"é": "“x”"}], "a\"": None, "zz": Decimal("2.0"), "fields": [f.to_json() for f in fields]}
    assert canonical_with({k: v for k, v in whole.items() if k != "fields"},
                          {"fields": fields_json(fields)}) == canonical(whole)
    with pytest.raises(ValueError):
        canonical_with({"a": 1}, {"a": b"1"})


def test_fields_prefix__is_how_to_bytes_starts():
    fields = [FieldSpec("a_name", "child.name", "text", (), True)]
    for manifest in (_manifest(fields, {"a_name": "x"}), _manifest([], {})):
        assert manifest.to_bytes().startswith(manifest.fields_prefix())
