"""The structural PDF/A check: passes Typst's PDF/A output and catches each fault it looks for."""

from __future__ import annotations

import io

import pytest
from clients.hostile import rewrite
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from generator.pipeline.generate import prepare
from generator.render import pdfa as render_pdf
from generator.render.pdfcheck import check_pdfa


@pytest.fixture(scope="module")
def good() -> bytes:
    return render_pdf.render(prepare("walsall", "views-secondary", "pdf", None))


def problems(pdf: bytes) -> str:
    return "\n".join(check_pdfa(pdf).problems)


def test_typst_pdfa_passes(good):
    report = check_pdfa(good)
    assert report.ok, report.problems
    assert (report.part, report.conformance, report.ua) == (2, "A", 1)
    assert report.level == "PDF/A-2A + PDF/UA-1"


def test_not_a_pdf():
    assert "header" in problems(b"PK\x03\x04 not a pdf")
    assert check_pdfa(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nnonsense").problems


def test_a_plain_pdf_is_not_pdfa():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    found = problems(out.getvalue())
    assert "no XMP metadata" in found
    assert "OutputIntents" in found
    assert check_pdfa(out.getvalue()).level == ""


def _open_action(kind: str, key: str, value: str):
    def change(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind),
             NameObject(key): TextStringObject(value)})
    return change


def test_javascript_is_found(good):
    assert "JavaScript action" in problems(rewrite(good, _open_action("/JavaScript", "/JS", "app.alert(1);")))


def test_a_launch_action_is_found(good):
    assert "Launch action" in problems(rewrite(good, _open_action("/Launch", "/F", "calc.exe")))


def test_additional_actions_are_found(good):
    def aa(writer):
        writer.pages[0][NameObject("/AA")] = DictionaryObject()

    assert "/AA" in problems(rewrite(good, aa))


def test_encryption_is_found(good):
    assert "encrypted" in problems(rewrite(good, lambda w: w.encrypt("", "owner", algorithm="AES-256")))


def test_a_font_that_is_not_embedded_is_found(good):
    def helvetica(writer):
        page = writer.pages[0]
        fonts = page["/Resources"].get_object()["/Font"].get_object()
        fonts[NameObject("/Fx")] = writer._add_object(DictionaryObject(
            {NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
             NameObject("/BaseFont"): NameObject("/Helvetica")}))

    assert "/Helvetica) is not embedded" in problems(rewrite(good, helvetica))


def _annotation(**extra) -> DictionaryObject:
    annot = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
                              NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 30, 30)]),
                              NameObject("/Contents"): TextStringObject("note")})
    annot.update({NameObject(k): v for k, v in extra.items()})
    return annot


def _add_annotation(annot):
    def change(writer):
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])
    return change


def test_an_annotation_without_appearance_is_found(good):
    found = problems(rewrite(good, _add_annotation(_annotation(**{"/F": NumberObject(4)}))))
    assert "no appearance stream" in found


def test_a_hidden_annotation_is_found(good):
    found = problems(rewrite(good, _add_annotation(_annotation(**{"/F": NumberObject(2)}))))
    assert "must print and must not be hidden" in found


def test_need_appearances_is_found(good):
    def need(writer):
        writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/Fields"): ArrayObject(), NameObject("/NeedAppearances"): BooleanObject(True)})

    assert "NeedAppearances" in problems(rewrite(good, need))


def test_missing_trailer_id_is_found(good):
    stripped = good.replace(b"/ID[", b"/XX[")  # same length: the cross-reference offsets still hold
    assert "no /ID" in problems(stripped)


def test_missing_output_intent_is_found(good):
    def drop(writer):
        del writer._root_object["/OutputIntents"]

    assert "GTS_PDFA1" in problems(rewrite(good, drop))


def test_attachments_need_part_three(good):
    found = problems(rewrite(good, lambda w: w.add_attachment("data.json", b"{}")))
    assert "PDF/A-2 may not carry attached files" in found


def test_conformance_a_needs_tagging(good):
    def untag(writer):
        del writer._root_object["/MarkInfo"]
        del writer._root_object["/Lang"]

    found = problems(rewrite(good, untag))
    assert "/MarkInfo /Marked is not true" in found
    assert "no document language" in found


def test_attached_record_passes_as_part_three(walsall_record):
    request = prepare("walsall", "pep", "pdf", walsall_record, options={"attach_json": True})
    report = check_pdfa(render_pdf.render(request))
    assert report.ok, report.problems
    assert report.part == 3
