"""Word output: every value of every sample in its section, blank documents complete, hard text intact, stable bytes."""

from __future__ import annotations

import copy
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import all_samples, load_sample
from docx.oxml.ns import qn
from lxml import etree

from generator.authority.profiles import authorities
from generator.core.errors import TemplateError
from generator.pipeline.generate import prepare, render
from generator.render.display import clean_text
from generator.render.model import FieldRow, GroupBlock, RepeatBlock, TableBlock, rows_of
from generator.render.word import render_model, text

HARD_NAME = 'Siôn & <Zoë> "Ŵŷ" Łukasz Ó Briain 😀'
LONG = ("Ysgol Gymraeg – Łódź – Dún na nGall & <b>bold</b> \"quoted\" 'single' 😀🧒🏽.\n" * 150)[:10_000]


def word_variants():
    return [(p.id, v.id) for p in authorities().values() for v in p.variants.values() if "docx" in v.formats]


def sample_cases():
    return [(p.parent.name, p.stem) for p in all_samples()]


def generate(authority: str, variant: str, data: dict | None, audience: str = "record"):
    request = prepare(authority, variant, "docx", data, audience)
    return request.model, render(request)


def sections(data: bytes) -> list[tuple[str, str]]:
    """(Heading 1 text, all text up to the next one) in body order, tables included."""
    body = docx.Document(io.BytesIO(data)).element.body
    out: list[tuple[str, list[str]]] = [("", [])]
    for node in body.iterchildren(qn("w:p"), qn("w:tbl")):
        if node.tag == qn("w:p") and node.xpath("./w:pPr/w:pStyle/@w:val") == ["Heading1"]:
            out.append((_text(node).split("\t")[0], []))
        else:
            out[-1][1].append(_text(node))
    return [(heading, "\n".join(parts)) for heading, parts in out]


def _text(node) -> str:
    paragraphs = node.iter(qn("w:p")) if node.tag == qn("w:tbl") else [node]
    return "\n".join(docx.text.paragraph.Paragraph(p, None).text for p in paragraphs)


def labels(blocks) -> list[str]:
    """Every label a reader needs to fill a block in: fields, captions, column headings, target titles."""
    out = []
    for block in blocks:
        if isinstance(block, FieldRow):
            out.append(block.label)
        elif isinstance(block, GroupBlock):
            out += [block.label, *labels(block.fields)]
        elif isinstance(block, TableBlock):
            out += [block.label, *(label for _, label, _ in block.columns)]
        elif isinstance(block, RepeatBlock):
            for entry in block.entries:
                out += [entry.title, *labels(entry.blocks)]
    return [clean_text(label) for label in out if label]


def leaves(node, prefix=""):
    """(path, value) of every leaf of a record."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{prefix}{key}.")
    elif isinstance(node, list) and node and isinstance(node[0], dict | list):
        for index, value in enumerate(node):
            yield from leaves(value, f"{prefix}{index}.")
    else:
        yield prefix[:-1], node


@pytest.fixture(scope="module")
def rendered():
    """Every sample rendered once: (authority, variant) -> (model, bytes)."""
    return {(a, v): generate(a, v, load_sample(a, v)) for a, v in sample_cases()}


@pytest.mark.parametrize(("authority", "variant"), sample_cases())
def test_every_value_of_the_sample_is_in_its_section(rendered, authority, variant):
    model, data = rendered[(authority, variant)]
    found = sections(data)
    assert [h for h, _ in found[1:]] == [clean_text(s.heading) for s in model.sections]
    by_path = {}
    for index, section in enumerate(model.sections, start=1):
        for row in rows_of(section.blocks):
            by_path[row.path] = (row, found[index][1])
    checked = 0
    for path, value in leaves(model.record):
        if value in (None, "", []) or path not in by_path:
            continue
        row, section_text = by_path[path]
        assert row.text, path
        for line in row.text.split("\n"):
            assert line in section_text, f"{path}: {line!r} not in section {row.path}"
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize(("authority", "variant"), word_variants())
def test_blank_document_has_every_heading_and_label_in_its_section(authority, variant):
    model, data = generate(authority, variant, None)
    found = sections(data)
    assert [h for h, _ in found[1:]] == [clean_text(s.heading) for s in model.sections]
    for index, section in enumerate(model.sections, start=1):
        for label in labels(section.blocks):
            assert label in found[index][1], f"{section.id}: {label!r}"
    assert "☐" in data.decode("latin-1") or "☐" in "".join(t for _, t in found)


def test_blank_document_has_tick_boxes_and_room_to_write():
    _, data = generate("walsall", "pep", None)
    document = docx.Document(io.BytesIO(data))
    body = "\n".join(t for _, t in sections(data))
    assert "☐\u00a0Autumn" in body
    assert "☐\u00a0Yes" in body
    heights = [int(h) for h in document.element.body.xpath("//w:trHeight/@w:val")]
    assert max(heights) >= 1000  # multi-line boxes
    assert body.count("Target ") >= 5  # the profile's form slots


def test_header_and_footer_carry_child_marking_authority_date_and_page_numbers(rendered):
    model, data = rendered[("walsall", "pep")]
    section = docx.Document(io.BytesIO(data)).sections[0]
    header = "\n".join(_text(n) for n in section.header._element)
    footer = "\n".join(_text(n) for n in section.footer._element)
    assert "OFFICIAL-SENSITIVE" in header
    assert "OFFICIAL-SENSITIVE" in footer
    assert model.child_name in header
    assert model.child_id in header
    assert "Walsall Council" in footer
    assert "7 October 2025" in footer
    instructions = [t.strip() for t in section.footer._element.xpath(".//w:instrText/text()")]
    assert instructions == ["PAGE", "NUMPAGES"]


def test_fonts_are_the_authority_word_font():
    for profile_id in ("walsall", "essex"):
        profile = authorities()[profile_id]
        _, data = generate(profile_id, next(iter(profile.variants)), None)
        styles = docx.Document(io.BytesIO(data)).styles.element
        fonts = styles.xpath("./w:docDefaults//w:rFonts")[0]
        assert fonts.get(qn("w:ascii")) == profile.font["word"] == fonts.get(qn("w:hAnsi"))
        assert not styles.xpath("//w:rFonts[@w:asciiTheme]")


def test_core_properties_describe_the_document(rendered):
    model, data = rendered[("walsall", "pep")]
    props = docx.Document(io.BytesIO(data)).core_properties
    assert props.title == model.metadata["title"]
    assert props.author == "Walsall Virtual School"
    assert props.created.date().isoformat() == model.document_date == props.modified.date().isoformat()
    assert "child:WS-10442" in props.keywords


def test_hard_text_comes_out_intact(walsall_record):
    record = copy.deepcopy(walsall_record)
    record["child"]["first_name"] = HARD_NAME
    record["meeting"]["discussion"]["going_well"] = LONG
    record["targets"] = [copy.deepcopy(record["targets"][i % len(record["targets"])]) for i in range(20)]
    for index, target in enumerate(record["targets"]):
        target["target"] = f"Target number {index + 1} & <it> “counts”"
    _model, data = generate("walsall", "pep", record)
    body = "\n".join(t for _, t in sections(data))
    assert HARD_NAME in body
    assert LONG.rstrip("\n") in body
    for index in range(20):
        assert f"Target number {index + 1} & <it> “counts”" in body
        assert f"Target {index + 1}\n" in body
    header = docx.Document(io.BytesIO(data)).sections[0].header
    assert HARD_NAME in "\n".join(_text(n) for n in header._element)
    _assert_clean_package(data)


def test_control_characters_are_made_safe():
    assert text("a\x0bb\x0cc\x07d\x00e\x1bf\r\ng\ud800h\ufffe") == "a\nb\ncdef\ngh"
    assert text(None) == ""
    assert text("") == ""


def test_no_targets_and_empty_lists_say_so(walsall_record):
    record = copy.deepcopy(walsall_record)
    record["targets"], record["previous_targets"] = [], []
    _, data = generate("walsall", "pep", record)
    body = "\n".join(t for _, t in sections(data))
    assert "Targets: none recorded." in body
    assert "Review of previous targets: none recorded." in body


def test_same_data_gives_the_same_bytes(walsall_record):
    first = generate("walsall", "pep", copy.deepcopy(walsall_record))[1]
    second = generate("walsall", "pep", copy.deepcopy(walsall_record))[1]
    assert first == second
    assert generate("walsall", "views-primary", None)[1] == generate("walsall", "views-primary", None)[1]
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_audience_leaves_out_what_it_must_not_see(walsall_record):
    address = walsall_record["care"]["placement"]["address"]
    assert address in "".join(t for _, t in sections(generate("walsall", "pep", walsall_record)[1]))
    school = "".join(t for _, t in sections(generate("walsall", "pep", walsall_record, "school")[1]))
    assert address not in school
    assert "School copy" in school


def test_enfield_colours_sections_by_who_completes_them():
    profile = authorities()["enfield"]
    model, data = generate("enfield", "pep", None)
    body = docx.Document(io.BytesIO(data)).element.body
    fills = body.xpath("./w:p[w:pPr/w:pStyle/@w:val='Heading1']/w:pPr/w:shd/@w:fill")
    assert fills == [s.colour.lstrip("#").upper() for s in model.sections]
    owners = profile.colours["owners"]
    assert {owners["dt"].lstrip("#").upper(), owners["sw"].lstrip("#").upper()} <= set(fills)
    assert "Colour key" in "\n".join(t for _, t in sections(data))


def test_cost_lines_have_their_total_row(rendered):
    model, data = rendered[("walsall", "pep")]
    target = model.record["targets"][0]
    tables = docx.Document(io.BytesIO(data)).tables
    costs = next(t for t in tables if t.rows[0].cells[0].text == "Item")
    assert costs.rows[-1].cells[-1].text == f"£{target['ppg']['total']}"
    assert len({c.text for c in costs.rows[-1].cells}) == 2  # the label spans the other columns


@pytest.mark.parametrize(("authority", "variant"), word_variants())
def test_documents_are_well_formed_word_packages(authority, variant):
    _assert_clean_package(generate(authority, variant, None)[1])


def _assert_clean_package(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                xml = package.read(name)
                etree.fromstring(xml)
                assert not any(tag in xml for tag in (b"{{", b"{%")), name
        assert "docProps/thumbnail.jpeg" not in package.namelist()
    for table in docx.Document(io.BytesIO(data)).element.body.iter(qn("w:tbl")):
        grid = len(table.xpath("./w:tblGrid/w:gridCol"))
        for row in table.iter(qn("w:tr")):
            spans = [int(c.xpath("string(./w:tcPr/w:gridSpan/@w:val)") or 1) for c in row.iter(qn("w:tc"))]
            assert sum(spans) == grid


def test_a_template_fault_names_the_template(tmp_path, monkeypatch):
    root = tmp_path / "templates"
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates", root)
    _replace_in_part(root / "common" / "views.docx", b"{{ item.label }}", b"{{ item.lable }}")
    monkeypatch.setenv("PEP_TEMPLATES", str(root))
    model = prepare("walsall", "views-primary", "docx", None).model
    with pytest.raises(TemplateError) as caught:
        render_model(model)
    assert "templates/common/views.docx" in str(caught.value)
    assert "lable" in str(caught.value)


def test_a_missing_template_is_a_template_error(tmp_path, monkeypatch):
    root = tmp_path / "templates"
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates", root)
    (root / "common" / "record.docx").unlink()
    monkeypatch.setenv("PEP_TEMPLATES", str(root))
    with pytest.raises(TemplateError, match="No Word template for walsall pep"):
        render_model(prepare("walsall", "pep", "docx", None).model)


def _replace_in_part(path: Path, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    assert old in parts["word/document.xml"]
    parts["word/document.xml"] = parts["word/document.xml"].replace(old, new)
    with zipfile.ZipFile(path, "w") as package:
        for name, blob in parts.items():
            package.writestr(name, blob)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"), reason="LibreOffice not installed")
def test_libreoffice_converts_every_document_and_shows_the_values(tmp_path, rendered, walsall_record):
    expected = {}
    for (authority, variant), (model, data) in rendered.items():
        path = tmp_path / f"{authority}_{variant}.docx"
        path.write_bytes(data)
        expected[path.stem] = [model.child_id, model.profile.name, "Page 1 of"]
    for authority, variant in word_variants():
        (tmp_path / f"blank_{authority}_{variant}.docx").write_bytes(generate(authority, variant, None)[1])
    hard = copy.deepcopy(walsall_record)
    hard["child"]["first_name"] = HARD_NAME
    (tmp_path / "hard.docx").write_bytes(generate("walsall", "pep", hard)[1])
    expected["hard"] = ["Siôn & <Zoë>", "Ŵŷ", "Łukasz"]
    profile = (tmp_path / "lo-profile").as_uri()
    docs = sorted(str(p) for p in tmp_path.glob("*.docx"))
    run = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                          "--outdir", str(tmp_path / "pdf"), *docs], capture_output=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    pdfs = {p.stem for p in (tmp_path / "pdf").glob("*.pdf")}
    assert pdfs == {Path(d).stem for d in docs}
    for stem, values in expected.items():
        shown = subprocess.run(["pdftotext", "-layout", str(tmp_path / "pdf" / f"{stem}.pdf"), "-"],
                               capture_output=True, text=True, check=True).stdout
        for value in values:
            assert value in shown, (stem, value)
