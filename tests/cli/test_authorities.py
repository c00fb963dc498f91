"""`pep authorities`: the configured authorities and variants, as a table and as the contract's JSON."""

import json
import shutil

import pytest

from generator.authority.profiles import _registry

CONTRACT_AUTHORITIES = {"walsall", "bath-ne-somerset", "warwickshire", "enfield", "essex"}
VIEWS = ["views-early-years", "views-primary", "views-secondary", "views-post16"]
CONTRACT_VARIANTS = {"essex": ["pep1", "pep1-early-years", "pep2", "pathway-plan", *VIEWS]}


@pytest.fixture
def walsall_only(walsall_templates):
    return walsall_templates
    _registry.cache_clear()


def test_the_table(invoke, walsall_only):
    result = invoke("authorities")
    assert result.stdout == (
        "walsall  Walsall Council (Walsall Virtual School)\n"
        "    pep                  docx, pdf, form  Personal Education Plan (PEP)\n"
        "    views-early-years    form, pdf, docx  All about me\n"
        "    views-primary        form, pdf, docx  My views\n"
        "    views-secondary      form, pdf, docx  My views\n"
        "    views-post16         form, pdf, docx  My views\n"
    )
    assert result.stderr == ""
    assert result.exit_code == 0


def test_the_json(invoke, walsall_only):
    result = invoke("authorities", "--json")
    listing = json.loads(result.stdout)
    assert [{k: a[k] for k in ("id", "name")} for a in listing] == [{"id": "walsall", "name": "Walsall Council"}]
    assert [{k: v[k] for k in ("id", "title", "formats")} for v in listing[0]["variants"]] == [
        {"id": "pep", "title": "Personal Education Plan (PEP)", "formats": ["docx", "pdf", "form"]},
        {"id": "views-early-years", "title": "All about me", "formats": ["form", "pdf", "docx"]},
        {"id": "views-primary", "title": "My views", "formats": ["form", "pdf", "docx"]},
        {"id": "views-secondary", "title": "My views", "formats": ["form", "pdf", "docx"]},
        {"id": "views-post16", "title": "My views", "formats": ["form", "pdf", "docx"]},
    ]
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""
    assert result.exit_code == 0


def test_every_configured_authority_has_the_contract_shape(invoke):
    result = invoke("authorities", "--json")
    listing = json.loads(result.stdout)
    assert {a["id"] for a in listing} <= CONTRACT_AUTHORITIES
    assert "walsall" in {a["id"] for a in listing}
    for authority in listing:
        assert {"id", "name", "variants"} <= set(authority)
        assert isinstance(authority["name"], str)
        assert authority["name"]
        for variant in authority["variants"]:
            assert {"id", "title", "formats"} <= set(variant)
            assert variant["formats"]
            assert set(variant["formats"]) <= {"docx", "pdf", "form"}
    assert result.exit_code == 0


def test_every_configured_authority_offers_its_contract_variants(invoke):
    for authority in json.loads(invoke("authorities", "--json").stdout):
        ids = [v["id"] for v in authority["variants"]]
        assert set(CONTRACT_VARIANTS.get(authority["id"], ["pep", *VIEWS])) <= set(ids), authority["id"]
        assert len(ids) == len(set(ids))


def test_a_broken_profile_is_an_error_naming_its_file(invoke, walsall_only):
    profile = walsall_only / "walsall" / "profile.yaml"
    lines = profile.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("short_name: Walsall\n") + 1
    profile.write_text("".join([*lines[:at], "shortname: Walsall\n", *lines[at:]]), encoding="utf-8")
    result = invoke("authorities", "--json")
    assert result.stdout == ""
    assert result.stderr == f"Error: templates/walsall/profile.yaml:{at + 1}: shortname: Unknown field.\n"
    assert result.exit_code == 1


def test_no_authorities_is_an_empty_list(invoke, walsall_only):
    shutil.rmtree(walsall_only / "walsall")
    result = invoke("authorities", "--json")
    assert json.loads(result.stdout) == []
    assert result.exit_code == 0
