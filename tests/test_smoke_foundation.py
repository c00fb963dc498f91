"""Quick checks that the foundation holds together: profiles load, samples validate, the CLI answers."""

import json

from conftest import all_samples


def test_every_sample_validates(invoke):
    result = invoke("validate", *all_samples(), "--json")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["errors"] for line in lines if not line["valid"]] == []
    assert result.exit_code == 0


def test_authorities_json_lists_walsall(invoke):
    listing = json.loads(invoke("authorities", "--json").stdout)
    walsall = next(a for a in listing if a["id"] == "walsall")
    assert {v["id"] for v in walsall["variants"]} >= {"pep", "views-primary"}
