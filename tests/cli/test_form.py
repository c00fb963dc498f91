"""`pep form fields` and `pep generate --format form` from the command line."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, sample_path
from pypdf import PdfWriter

from generator.forms import cache as form_cache

KEY = "cli-test:" + "5a" * 32


@pytest.fixture(autouse=True)
def signing_key(monkeypatch):
    monkeypatch.setenv(form_cache.ENV_CACHE, str(ROOT / ".pytest_cache" / "pep"))
    monkeypatch.setenv("PEP_SIGNING_KEY", KEY)


@pytest.fixture
def views_form(invoke, tmp_path):
    result = invoke("generate", "walsall", "views-secondary", "--format", "form", "--data",
                    sample_path("walsall", "views-secondary"), "-o", tmp_path, "--issue-date", "2025-10-01")
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_form_fields__json_is_the_contract_shape(invoke, views_form):
    result = invoke("form", "fields", views_form, "--json")
    assert result.exit_code == 0
    listing = json.loads(result.stdout)
    assert all(set(item) == {"name", "path", "type", "options", "readonly", "value"} for item in listing)
    by_name = {item["name"]: item for item in listing}
    attend = by_name["views_attend_meeting"]
    assert attend["type"] == "radio"
    assert attend["options"] == ["all", "part", "none"]
    assert attend["path"] == "views.attend_meeting"
    data = json.loads(sample_path("walsall", "views-secondary").read_text(encoding="utf-8"))
    assert attend["value"] == (data["views"].get("attend_meeting") or "")
    assert by_name["child_first_name"] == {"name": "child_first_name", "path": "child.first_name", "type": "text",
                                           "options": [], "readonly": True, "value": data["child"]["first_name"]}
    assert {item["type"] for item in listing} <= {"text", "multiline", "checkbox", "radio"}
    assert any(item["type"] == "checkbox" and isinstance(item["value"], bool) for item in listing)


def test_form_fields__table_for_people(invoke, views_form):
    result = invoke("form", "fields", views_form)
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("child_first_name "))
    assert "read-only" in line


def test_form_fields__not_a_pep_form_or_missing(invoke, tmp_path):
    plain = tmp_path / "plain.pdf"
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    with plain.open("wb") as handle:
        writer.write(handle)
    result = invoke("form", "fields", plain)
    assert result.exit_code == 1
    assert str(plain) in result.stderr
    assert "not a form pep issued" in result.stderr
    missing = invoke("form", "fields", tmp_path / "nope.pdf")
    assert missing.exit_code == 1
    assert "nope.pdf" in missing.stderr


def test_generate_form__password_protected_form_lists_with_its_password(invoke, tmp_path):
    result = invoke("generate", "walsall", "views-post16", "--format", "form", "--blank", "-o", tmp_path,
                    "--password", "Cyfrinair-2025")
    assert result.exit_code == 0, result.stderr
    path = result.stdout.strip()
    assert invoke("form", "fields", path).exit_code == 1
    listing = json.loads(invoke("form", "fields", path, "--json", "--password", "Cyfrinair-2025").stdout)
    assert {item["name"] for item in listing} >= {"views_attend_meeting", "views_own_words"}


def test_generate_form__same_request_same_file(invoke, tmp_path, views_form):
    again = invoke("generate", "walsall", "views-secondary", "--format", "form", "--data",
                   sample_path("walsall", "views-secondary"), "-o", tmp_path, "--issue-date", "2025-10-01")
    assert again.exit_code == 0
    assert "unchanged" in again.stderr
