"""Word rendering reuses one parsed package per template: the same bytes as a fresh docxtpl render, in any order."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor

import docx
import pytest
from conftest import load_sample
from docxtpl import DocxTemplate
from lxml import etree

from generator.pipeline.generate import prepare, render
from generator.render import docxzip, word
from generator.render.word_templates import template_parts

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(authority: str, variant: str, data: dict | None) -> bytes:
    return render(prepare(authority, variant, "docx", data))


def _fresh(authority: str, variant: str, data: dict | None) -> bytes:
    """The bytes with every cache of the Word renderer dropped first (a new process would make these)."""
    word._load.cache_clear()
    docxzip._deflated.clear()
    return _docx(authority, variant, data)


def test_renders_in_any_order_give_the_bytes_of_a_fresh_render():
    walsall, essex = load_sample("walsall", "pep"), load_sample("essex", "pep2")
    first = _fresh("walsall", "pep", walsall)
    others = [_docx("walsall", "pep", None), _docx("essex", "pep2", essex), _docx("walsall", "pep", walsall)]
    assert others[2] == first
    assert _fresh("walsall", "pep", None) == others[0]
    assert _fresh("essex", "pep2", essex) == others[1]


def test_the_next_childs_document_shows_only_its_own_child():
    one, two = load_sample("walsall", "pep"), load_sample("walsall", "pep")
    two["child"]["first_name"], two["child"]["social_care_id"] = "Zebedee", "WS-ZZ-000999"
    _docx("walsall", "pep", one)
    document = docx.Document(io.BytesIO(_docx("walsall", "pep", two)))
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    header += "\n".join(c.text for t in document.sections[0].header.tables for r in t.rows for c in r.cells)
    assert "Zebedee" in header
    assert "WS-ZZ-000999" in header
    assert one["child"]["first_name"] not in header
    assert one["child"]["social_care_id"] not in header
    assert document.core_properties.identifier == "WS-ZZ-000999"


def test_a_blank_after_a_dated_document_carries_no_dates():
    _docx("walsall", "pep", load_sample("walsall", "pep"))
    props = docx.Document(io.BytesIO(_docx("walsall", "pep", None))).core_properties
    assert props.created is None
    assert props.identifier == ""


def test_threads_rendering_at_once_each_get_their_own_childs_document():
    records = []
    for n in range(6):
        record = load_sample("walsall", "pep")
        record["child"]["social_care_id"] = f"WS-TH-{n:06d}"
        records.append(record)
    alone = [_docx("walsall", "pep", r) for r in records]
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(lambda r: _docx("walsall", "pep", r), records * 2))
    assert together == alone * 2


def _table(grid: list[int], rows: list[list[int]], nested: str = "") -> str:
    cols = "".join(f'<w:gridCol w:w="{w}"/>' for w in grid)
    body = "".join("<w:tr>" + "".join(
        f'<w:tc><w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr><w:p/></w:tc>' if span > 1 else "<w:tc><w:p/></w:tc>"
        for span in row) + "</w:tr>" for row in rows)
    return f"<w:tbl><w:tblGrid>{cols}</w:tblGrid>{body}{nested}</w:tbl>"


TABLES = {
    "unused columns dropped": _table([2000, 3000, 0, 0], [[1, 1], [1]]),
    "widths spread over the rest": _table([2000, 3000, 1000], [[1, 1]]),
    "more cells than columns": _table([3000, 3000], [[1, 1, 1, 1], [1]]),
    "spans count": _table([1000, 1000, 1000, 1000], [[2, 1], [1, 1]]),
    "nested rows count": _table([2000, 2000, 2000], [[1]], _table([1000, 1000, 1000], [[1, 1, 1]])),
    "no rows": _table([1000, 1000], []),
    "exact": _table([1000, 2000], [[1, 1], [2]]),
}


@pytest.mark.parametrize("name", list(TABLES))
def test_table_repair_matches_docxtpl(name):
    xml = f'<w:body xmlns:w="{W}"><w:p/>{TABLES[name]}</w:body>'
    ours = word.CachedTemplate.fix_tables(None, xml)
    theirs = DocxTemplate.fix_tables(None, xml)
    assert etree.tostring(ours) == etree.tostring(theirs)
    if name not in ("exact", "nested rows count"):  # the nested rows keep the outer grid whole
        assert etree.tostring(theirs) != etree.tostring(etree.fromstring(xml)), "a case docxtpl leaves alone"


def test_table_repair_matches_docxtpl_on_a_rendered_body():
    request = prepare("walsall", "pep", "docx", load_sample("walsall", "pep"))
    template = word.load_template(word.find_template("walsall", request.model.variant))
    template.render_init()
    xml = template.build_xml(word.build_context(request.model, template.kind), word.ENV)
    assert etree.tostring(template.fix_tables(xml)) == etree.tostring(DocxTemplate.fix_tables(template, xml))


def test_the_package_zip_matches_zipfiles_bytes():
    parts = [("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>" * 5000),
             ("word/empty.xml", b""), ("word/media/image1.png", bytes(range(256)) * 40)]
    expected = io.BytesIO()
    with zipfile.ZipFile(expected, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in parts:
            entry = zipfile.ZipInfo(name, docxzip.FIXED_DATE)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(entry, blob, compresslevel=docxzip.LEVEL)
    for _ in range(2):  # the second time from the deflated parts kept in memory
        ours = docxzip.DocxZip()
        for name, blob in parts:
            ours.add(name, blob)
        assert ours.getvalue() == expected.getvalue()
    assert template_parts(ours.getvalue()) == dict(parts)
