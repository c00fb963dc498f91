"""The generated JSON Schema is valid draft 2020-12, accepts every valid record and rejects what validation rejects."""

import json
from decimal import Decimal

import jsonschema
import pytest
from conftest import SAMPLES, all_samples

from data_schemas import validate_record
from data_schemas.jsonschema import json_schema
from generator.authority.profiles import authorities
from generator.cli.common import to_json
from generator.cli.schema import IDENTITY, _variant_schema

Validator = jsonschema.Draft202012Validator
INVALID = SAMPLES / "invalid"
EXPECTED = json.loads((INVALID / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator():
    return Validator(json_schema())


def where(error: jsonschema.ValidationError) -> list[str]:
    """The dotted data paths a JSON Schema error is about (missing and unknown keys included)."""
    base = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        names = [n for n in error.validator_value if n not in error.instance]
    elif error.validator == "additionalProperties":
        names = [n for n in error.instance if n not in error.schema["properties"]]
    else:
        return [base]
    return [f"{base}.{n}" if base else n for n in names]


def paths_rejected(validator, data) -> list[str]:
    return sorted({p for error in validator.iter_errors(data) for p in where(error)})


def test_the_schema_is_valid_json_schema():
    Validator.check_schema(json_schema())


@pytest.mark.parametrize("path", all_samples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_valid_sample_is_accepted(validator, path):
    assert paths_rejected(validator, json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", all_samples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_normalised_sample_is_accepted(validator, path):
    record = validate_record(json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)).record
    assert paths_rejected(validator, json.loads(to_json(record))) == []


# Invalid samples whose fault JSON Schema can express (types, enums, patterns, ranges, keys, nulls).
SCHEMA_EXPRESSIBLE = [
    "missing-social-care-id.json", "null-social-care-id.json", "unknown-key-top-level.json",
    "unknown-key-misspelt-first-name.json", "unknown-key-nested-strategy.json", "wrong-type-string-for-integer.json",
    "wrong-type-number-for-text.json", "wrong-type-yes-for-boolean.json", "wrong-type-list-for-object.json",
    "null-section.json", "null-list.json", "bad-enum-term.json", "bad-enum-attendee-role.json", "bad-upn.json",
    "bad-email.json", "bad-time.json", "percentage-over-100.json", "money-three-decimals.json",
    "money-negative.json",
]


@pytest.mark.parametrize("name", SCHEMA_EXPRESSIBLE)
def test_type_enum_and_format_errors_are_rejected_at_the_same_paths(validator, name):
    data = json.loads((INVALID / name).read_text(encoding="utf-8"))
    assert paths_rejected(validator, data) == sorted(EXPECTED[name])


@pytest.mark.parametrize(("change", "rejected"), [
    ({"child": {"social_care_id": "WS-1", "ncy": 9}}, ["child.ncy"]),
    ({"child": {"social_care_id": "WS-1", "gender": "F"}}, ["child.gender"]),
    ({"child": {"social_care_id": "WS-1", "eal": "yes"}}, ["child.eal"]),
    ({"care": {"placement_count": 2.5}}, ["care.placement_count"]),
    ({"targets": [{"category": "sums"}]}, ["targets.0.category"]),
    ({"ppg": {"approved_amount": "lots"}}, ["ppg.approved_amount"]),
    ({"ppg": {"approved_amount": None, "approved_by": None}}, []),
    ({"views": {"answers": {"Bad-Id": "x"}}}, ["views.answers"]),
])
def test_type_and_enum_errors_in_a_record(validator, change, rejected):
    data = {"pep": {"authority": "walsall", "variant": "pep"}, "child": {"social_care_id": "WS-1"}, **change}
    assert paths_rejected(validator, data) == rejected


def _leaves(schema: dict, prefix: str = "") -> set[str]:
    """Every leaf path of a JSON Schema, list items as `*`."""
    if schema.get("type") == "object" and "properties" in schema:
        return {leaf for key, sub in schema["properties"].items() for leaf in _leaves(sub, f"{prefix}{key}.")}
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return _leaves(schema["items"], f"{prefix}*.")
    return {prefix.rstrip(".")}


VARIANTS = [(a, v) for a, profile in sorted(authorities().items()) for v in profile.variants]


def test_a_variant_schema_is_valid_json_schema():
    Validator.check_schema(_variant_schema("walsall", "pep"))


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=[f"{a}/{v}" for a, v in VARIANTS])
def test_variant_schema_holds_only_the_variants_fields_and_the_identity(authority, variant):
    schema = _variant_schema(authority, variant)
    items = {i.path for i in authorities()[authority].variants[variant].walk() if i.path}
    shown = items | set(IDENTITY)
    for leaf in _leaves(schema):
        assert any(leaf == p or leaf.startswith(p + ".") or p.startswith(leaf + ".") for p in shown), leaf
    leaves = _leaves(schema)
    for path in items:
        assert any(path == leaf or path.startswith(leaf + ".") or leaf.startswith(path + ".") for leaf in leaves), path
    pep = schema["properties"]["pep"]["properties"]
    assert pep["authority"]["const"] == authority
    assert pep["variant"]["const"] == variant
    assert "enum" not in pep["authority"]
    assert "social_care_id" in schema["properties"]["child"]["required"]


def test_a_views_variant_schema_accepts_a_views_record_and_refuses_other_sections():
    validator = Validator(_variant_schema("walsall", "views-secondary"))
    record = {"pep": {"authority": "walsall", "variant": "views-secondary"},
              "child": {"social_care_id": "WS-15530", "first_name": "Leah"},
              "views": {"date": "2025-11-05", "answers": {"sec_how_doing": "7"}}}
    assert paths_rejected(validator, record) == []
    assert paths_rejected(validator, {**record, "care": {"legal_status": "s20"}}) == ["care"]
    other = {**record, "pep": {"authority": "walsall", "variant": "views-primary"}}
    assert paths_rejected(validator, other) == ["pep.variant"]
    assert paths_rejected(validator, {**record, "pep": {"authority": "essex", "variant": "views-secondary"}}) == [
        "pep.authority"]


def test_schema_carries_labels_owners_and_derived_flags():
    schema = json_schema()
    line_total = schema["properties"]["targets"]["items"]["properties"]["ppg"]["properties"]["cost_lines"][
        "items"]["properties"]["line_total"]
    assert line_total["title"] == "Line total"
    assert line_total["x-owner"] == "system"
    assert line_total["x-derived"] is True
    upn = schema["properties"]["child"]["properties"]["upn"]
    assert upn["x-owner"] == "dt"
    assert upn["type"] == ["string", "null"]
