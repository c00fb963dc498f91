"""The Word templates: committed files match the code that builds them, builds are reproducible, lookup order."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docxtpl import DocxTemplate

from generator.authority.profiles import get_variant
from generator.pipeline.lint import lint_templates
from generator.render.word import find_template
from generator.render.word_templates import DESIGNS, build, build_all, stale_templates, template_parts, template_path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def root(templates_copy) -> Path:
    return templates_copy


@pytest.mark.parametrize("kind", sorted(DESIGNS))
def test_committed_template_matches_its_source(kind, tmp_path):
    build_all(tmp_path)
    rebuilt = template_parts((tmp_path / "common" / f"{kind}.docx").read_bytes())
    committed = template_parts(template_path(kind, TEMPLATES).read_bytes())
    assert sorted(committed) == sorted(rebuilt)
    for name, blob in rebuilt.items():
        assert committed[name] == blob, f"{kind}.docx {name} differs: run `pep templates build`"


def test_build_is_reproducible_byte_for_byte():
    assert build("record") == build("record")
    assert stale_templates(TEMPLATES) == []


def test_a_changed_template_is_reported_as_stale(root):
    path = template_path("views", root)
    path.write_bytes(build("record"))
    problems = stale_templates(root)
    assert len(problems) == 1
    assert "views.docx" in problems[0]
    assert "word/styles.xml" in problems[0]
    path.unlink()
    assert "missing" in stale_templates(root)[0]


@pytest.mark.parametrize("kind", sorted(DESIGNS))
def test_templates_open_and_declare_the_context_names(kind):
    path = template_path(kind, TEMPLATES)
    document = docx.Document(str(path))
    assert document.sections[0].page_width.mm == pytest.approx(210, abs=0.5)
    names = DocxTemplate(path).get_undeclared_template_variables()
    assert {"items", "child_name", "child_id", "marking", "authority", "brand"} <= names


def test_an_authority_template_comes_before_the_common_one(root):
    _, variant = get_variant("walsall", "pep")
    assert find_template("walsall", variant) == root / "common" / "record.docx"
    own = root / "walsall" / "record.docx"
    own.write_bytes(build("record"))
    assert find_template("walsall", variant) == own
    by_variant = root / "walsall" / "pep.docx"
    by_variant.write_bytes(build("record"))
    assert find_template("walsall", variant) == by_variant
    _, views = get_variant("walsall", "views-primary")
    assert find_template("walsall", views) == root / "common" / "views.docx"


def test_lint_passes_on_the_committed_templates():
    report = lint_templates()
    assert report.problems == []
    assert {"templates/common/record.docx", "templates/common/views.docx"} <= report.templates
    assert report.renders >= 33  # every Word variant blank, plus every sample
