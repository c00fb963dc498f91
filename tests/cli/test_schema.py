"""`pep schema`: the record's JSON Schema, an authority's variants, one variant, and the usage errors."""

import json

import pytest

from data_schemas import PepRecord
from data_schemas.jsonschema import DIALECT
from generator.authority.profiles import authorities


def test_the_whole_record(invoke):
    result = invoke("schema")
    schema = json.loads(result.stdout)
    assert schema["$schema"] == DIALECT
    assert schema["title"] == "PEP record"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == [f.data_key or name for name, f in PepRecord().fields.items()]
    assert schema["required"] == ["pep", "child"]
    assert result.stderr == ""
    assert result.exit_code == 0


def test_one_variant(invoke):
    result = invoke("schema", "walsall", "views-secondary")
    schema = json.loads(result.stdout)
    assert schema["title"] == "Walsall Council: My views (views-secondary)"
    assert list(schema["properties"]) == ["pep", "child", "views"]
    assert schema["properties"]["pep"]["properties"]["authority"]["const"] == "walsall"
    assert schema["properties"]["pep"]["properties"]["variant"]["const"] == "views-secondary"
    assert result.stderr == ""
    assert result.exit_code == 0


def test_an_authority_gives_each_of_its_variants(invoke):
    result = invoke("schema", "walsall")
    out = json.loads(result.stdout)
    assert out["authority"] == "walsall"
    assert list(out["variants"]) == list(authorities()["walsall"].variants)
    assert out["variants"]["pep"] == json.loads(invoke("schema", "walsall", "pep").stdout)
    assert result.exit_code == 0


def test_output_is_indented_json_only(invoke):
    result = invoke("schema", "walsall", "pep")
    assert result.stdout.startswith('{\n  "$schema": ')
    assert result.stdout.endswith("}\n")


@pytest.mark.parametrize(("args", "message"), [
    (["nowhere"], "Error: Unknown authority 'nowhere' (known: {known})."),
    (["nowhere", "pep"], "Error: Unknown authority 'nowhere' (known: {known})."),
    (["walsall", "pep9"], "Error: Unknown variant 'pep9' for walsall (known: pep, views-early-years, views-primary, "
                          "views-secondary, views-post16)."),
])
def test_unknown_authority_or_variant_is_a_usage_error(invoke, args, message):
    result = invoke("schema", *args)
    assert result.stdout == ""
    assert result.stderr == message.format(known=", ".join(authorities())) + "\n"
    assert result.exit_code == 2


def test_too_many_arguments_is_a_usage_error(invoke):
    result = invoke("schema", "walsall", "pep", "extra")
    assert result.stdout == ""
    assert "Error: Got unexpected extra argument (extra)" in result.stderr
    assert result.exit_code == 2
