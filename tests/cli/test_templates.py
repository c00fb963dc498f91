"""`pep templates build` and `pep templates lint`: exit codes, messages and what they write."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def root(templates_copy) -> Path:
    return templates_copy


def misspell(path: Path, old: str, new: str) -> None:
    """Edit a template's body the way a careless hand would."""
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    body = parts["word/document.xml"].decode("utf-8")
    assert old in body
    parts["word/document.xml"] = body.replace(old, new, 1).encode("utf-8")
    with zipfile.ZipFile(path, "w") as package:
        for name, blob in parts.items():
            package.writestr(name, blob)


def test_lint_passes(invoke):
    result = invoke("templates", "lint", "essex")
    assert result.exit_code == 0
    assert "no problems" in result.stderr
    assert result.stdout == ""
    assert invoke("templates", "lint", "nowhere").exit_code == 2


def test_lint_names_each_misspelt_name_with_its_template(invoke, root):
    misspell(root / "common" / "record.docx", "{{ f.label }}", "{{ f.lable }}")
    misspell(root / "common" / "record.docx", "{{ child_name }}", "{{ chlid_name }}")
    result = invoke("templates", "lint", "walsall")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert any("templates/common/record.docx: 'chlid_name' is not in the context" in line for line in lines)
    lable = next(line for line in lines if "'lable'" in line)
    assert "a 'field' item" in lable
    assert "word/document.xml: {{ f.lable }}" in lable
    assert "(walsall pep blank and " in lable
    assert "2 problems" in result.stderr


def test_lint_json(invoke, root):
    misspell(root / "common" / "views.docx", "{{ item.hint }}", "{{ item.hnt }}")
    result = invoke("templates", "lint", "walsall", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [p["template"] for p in report["problems"]] == ["templates/common/views.docx"]
    problem = report["problems"][0]
    assert "'hnt'" in problem["message"]
    assert "walsall views-primary blank" in problem["cases"]


def test_build_check_and_build(invoke, root):
    assert invoke("templates", "build", "--check").exit_code == 0
    misspell(root / "common" / "record.docx", "{{ f.label }}", "{{ f.lable }}")
    result = invoke("templates", "build", "--check")
    assert result.exit_code == 1
    assert "record.docx: differs from its source in word/document.xml" in result.stdout
    result = invoke("templates", "build")
    assert result.exit_code == 0
    assert "record.docx (replaced)" in result.stdout
    assert "views.docx (unchanged)" in result.stdout
    assert invoke("templates", "build", "--check").exit_code == 0


def test_help_ends_with_an_example(invoke):
    for args in (("templates",), ("templates", "lint"), ("templates", "build")):
        result = invoke(*args, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.stdout
        assert "pep templates" in result.stdout.split("Example:")[1]


def test_generate_writes_a_word_document(invoke, tmp_path):
    sample = TEMPLATES.parent / "samples" / "walsall" / "pep.json"
    result = invoke("generate", "walsall", "pep", "--format", "docx", "--data", sample, "-o", tmp_path)
    assert result.exit_code == 0
    written = tmp_path / "PEP_walsall_WS-10442_2025-26_autumn_pep.docx"
    assert result.stdout.strip() == str(written)
    assert zipfile.is_zipfile(written)
    again = invoke("generate", "walsall", "pep", "--format", "docx", "--data", sample, "-o", tmp_path)
    assert again.exit_code == 0  # the same bytes: left alone, no --force needed
