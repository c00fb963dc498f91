"""PDF/A record documents: every variant blank and filled, read back with pypdf, poppler and PDFium."""

from __future__ import annotations

import copy
import io
import json
import logging
import os
import subprocess
from decimal import Decimal
from functools import cache
from pathlib import Path

import pypdfium2
import pytest
from conftest import load_sample, sample_path
from pypdf import PdfReader

from generator.authority.profiles import authorities
from generator.core.errors import TemplateError
from generator.pipeline.generate import prepare
from generator.render import pdfa as render_pdf
from generator.render.pdfcheck import check_pdfa

LETTERS = "Siân Ŵŷ ŵŷ Łódź Żółć Ściśle Ó Briain Ní Bhriain Mairéad Dąbrowska"
CASES = [(a.id, v.id) for a in authorities().values() for v in a.variants.values() if "pdf" in v.formats]
# The body of an A4 page, leaving out the running header and footer (points, as pdftotext -r 72 counts them).
BODY = ("-x", "0", "-y", "68", "-W", "596", "-H", "717")


# --- records for every variant -----------------------------------------------------------------------------------


def record_for(authority: str, variant: str) -> dict:
    """The bundled sample, or one made from another sample of the authority with every views question answered."""
    if sample_path(authority, variant).exists():
        return load_sample(authority, variant)
    base = next((load_sample(authority, v) for v in ("pep", "pep1", "pep2") if sample_path(authority, v).exists()),
                None) or load_sample("walsall", "pep")
    record = copy.deepcopy(base)
    record["pep"].update(authority=authority, variant=variant)
    blank = prepare(authority, variant, "pdf", None).model
    answers = record.setdefault("views", {}).setdefault("answers", {})
    for row in blank.field_rows():
        if row.question is not None:
            answers[row.question.id] = _answer(row)
    return record


def _answer(row):
    if row.widget == "checkbox":
        return True
    if row.options:
        return row.options[-1][0]
    return f"{LETTERS} ({row.question.id})"


@cache
def rendered(authority: str, variant: str, blank: bool) -> tuple[bytes, object]:
    request = prepare(authority, variant, "pdf", None if blank else record_for(authority, variant))
    result = render_pdf.render_with_report(request)
    assert result.warnings == ()
    assert result.replacements == ()
    return result.data, request.model


def body_text(pdf: bytes) -> str:
    """The text of every page without header and footer, all whitespace and zero-width spaces removed."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = [_poppler("pdftotext", "-raw", "-enc", "UTF-8", "-f", str(n), "-l", str(n), *BODY, "-", "-", data=pdf)
             for n in range(1, len(reader.pages) + 1)]
    return squash("".join(pages))


def squash(text: str) -> str:
    return "".join(text.replace("\u200b", "").split())


def _poppler(*args: str, data: bytes) -> str:
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout.decode("utf-8")


def page_texts(pdf: bytes) -> list[str]:
    return _poppler("pdftotext", "-layout", "-enc", "UTF-8", "-", "-", data=pdf).split("\f")[:-1]


# --- every variant ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("authority", "variant"), CASES)
@pytest.mark.parametrize("blank", [False, True], ids=["filled", "blank"])
def test_every_variant_is_a_checked_pdfa_with_embedded_fonts(authority, variant, blank):
    pdf, _model = rendered(authority, variant, blank)
    report = check_pdfa(pdf)
    assert report.problems == []
    assert report.level == "PDF/A-2A + PDF/UA-1"
    fonts = _fonts(pdf)
    assert fonts, "no fonts listed"
    assert [name for name, embedded in fonts if not embedded] == []


@pytest.mark.parametrize(("authority", "variant"), CASES)
def test_every_prefilled_value_is_in_the_text(authority, variant):
    pdf, model = rendered(authority, variant, False)
    text = body_text(pdf)
    values = [(row.path, row.text) for row in model.field_rows() if row.text]
    assert len(values) > 3
    assert [(path, value) for path, value in values if squash(value) not in text] == []


@pytest.mark.parametrize(("authority", "variant"), CASES)
@pytest.mark.parametrize("blank", [False, True], ids=["filled", "blank"])
def test_every_page_renders_in_pdfium(authority, variant, blank):
    pdf, _ = rendered(authority, variant, blank)
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) >= 1
        for number, page in enumerate(document, 1):
            image = page.render(scale=0.4).to_pil().convert("L")
            assert image.getextrema()[0] < 100, f"page {number} rendered empty"
            assert _overflowing(page) == [], f"page {number}: text outside the margins"
    finally:
        document.close()


@pytest.mark.parametrize(("authority", "variant"), CASES)
def test_header_and_footer_on_every_page(authority, variant):
    pdf, model = rendered(authority, variant, False)
    pages = page_texts(pdf)
    marking = model.profile.protective_marking
    for number, page in enumerate(pages, 1):
        assert page.count(marking) == 2, f"page {number}: marking at top and bottom"
        assert f"Page {number} of {len(pages)}" in page
        assert model.child_id in page
        assert model.child_name.split()[0] in page


def test_same_data_gives_same_bytes(walsall_record):
    first = render_pdf.render(prepare("walsall", "pep", "pdf", walsall_record))
    again = render_pdf.render(prepare("walsall", "pep", "pdf", copy.deepcopy(walsall_record)))
    assert first == again
    assert render_pdf.render(prepare("walsall", "pep", "pdf", None)) == rendered("walsall", "pep", True)[0]


def test_different_data_gives_different_bytes(walsall_record):
    walsall_record["carer"]["views"] = "Changed."
    assert render_pdf.render(prepare("walsall", "pep", "pdf", walsall_record)) != rendered("walsall", "pep", False)[0]


def _pdf_text(pdf: bytes) -> str:
    return squash("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _child(record: dict, n: int) -> dict:
    """The record with its own child id and carer's views, each the same length for every n (so a file left over
    from the document before, or another thread's, could not show itself by its size)."""
    record = copy.deepcopy(record)
    record["child"]["social_care_id"] = f"WS-{n:05d}"
    record["carer"]["views"] = f"Views of child number {n:05d}."
    return record


def test_one_value_changed_shows_in_each_document(walsall_record):
    # the data reaches Typst as files rewritten for each document: the second must not show the first's values
    for attach in (False, True):
        options = {"attach_json": attach}
        pdfs = [render_pdf.render(prepare("walsall", "pep", "pdf", _child(walsall_record, n), options=options))
                for n in (1, 2, 1)]
        for n, pdf in zip((1, 2, 1), pdfs, strict=True):
            text = _pdf_text(pdf)
            other = 3 - n
            assert f"IDWS-{n:05d}" in text
            assert f"WS-{other:05d}" not in text
            assert squash(f"Views of child number {n:05d}.") in text
            assert f"number{other:05d}" not in text
            if attach:
                record = json.loads(PdfReader(io.BytesIO(pdf)).attachments["record.json"][0])
                assert record["child"]["social_care_id"] == f"WS-{n:05d}"
        assert pdfs[0] == pdfs[2]


def test_two_threads_each_get_their_own_child(walsall_record):
    from concurrent.futures import ThreadPoolExecutor

    numbers = [n for n in range(1, 5) for _ in range(2)]
    requests = [prepare("walsall", "pep", "pdf", _child(walsall_record, n)) for n in numbers]
    with ThreadPoolExecutor(2) as pool:
        pdfs = list(pool.map(render_pdf.render, requests))
    for n, pdf in zip(numbers, pdfs, strict=True):
        text = _pdf_text(pdf)
        assert f"IDWS-{n:05d}" in text
        assert squash(f"Views of child number {n:05d}.") in text
        assert [m for m in range(1, 5) if m != n and f"WS-{m:05d}" in text] == []


def _job_folder_here(_) -> str:
    return str(render_pdf._job_packages(os.getpid()))


def test_a_forked_worker_makes_its_own_job_folder_and_removes_it(walsall_record):
    # a cohort forks its workers: one writing to the parent's folder would overwrite the parent's document's data
    # (no document is rendered in the worker: Typst, once used, hangs in a forked child; see the report)
    import multiprocessing

    render_pdf.render(prepare("walsall", "pep", "pdf", _child(walsall_record, 1)))
    parent_folder = render_pdf._job_packages(os.getpid())
    pool = multiprocessing.get_context("fork").Pool(1)
    try:
        theirs = Path(pool.apply(_job_folder_here, (0,)))
    finally:
        pool.close()
        pool.join()
    assert theirs != parent_folder
    assert theirs.name.startswith("pep-typst-")
    assert not theirs.exists()  # removed when the worker ended
    assert parent_folder.is_dir()  # and the parent's left alone
    assert "IDWS-00001" in _pdf_text(render_pdf.render(prepare("walsall", "pep", "pdf", _child(walsall_record, 1))))


def test_a_job_folder_removed_under_a_running_process_is_made_again(walsall_record):
    import shutil

    render_pdf.render(prepare("walsall", "pep", "pdf", _child(walsall_record, 1)))
    shutil.rmtree(render_pdf._job_packages(os.getpid()))
    assert "IDWS-00002" in _pdf_text(render_pdf.render(prepare("walsall", "pep", "pdf", _child(walsall_record, 2))))


def test_metadata_for_the_case_record():
    pdf, model = rendered("walsall", "pep", False)
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info.title == model.metadata["title"]
    assert info.author == model.metadata["author"]
    assert info.subject == model.metadata["subject"]
    assert info["/Keywords"] == ", ".join(model.metadata["keywords"])
    assert "child:WS-10442" in info["/Keywords"]
    assert "pep-date:2025-10-07" in info["/Keywords"]
    assert info.creation_date.date().isoformat() == "2025-10-07"
    assert "Tagged:          yes" in _poppler("pdfinfo", "-", data=pdf)


def test_blank_is_a_paper_form(walsall_record):
    pdf, _ = rendered("walsall", "pep", True)
    text = _poppler("pdftotext", "-layout", "-enc", "UTF-8", "-", "-", data=pdf)
    assert "☐ Yes" in text
    assert "☐ No" in text
    assert "DD / MM / YYYY" in text
    assert "Signature" in text
    assert "WS-10442" not in text
    filled = rendered("walsall", "pep", False)[0]
    assert len(PdfReader(io.BytesIO(pdf)).pages) > len(PdfReader(io.BytesIO(filled)).pages)


def test_cost_lines_total_is_the_table_footer():
    pdf, _ = rendered("walsall", "pep", False)
    text = _poppler("pdftotext", "-layout", "-enc", "UTF-8", "-", "-", data=pdf)
    assert any("PP+ for this target" in line and "£300.00" in line for line in text.splitlines())


def test_children_choose_on_drawn_faces():
    pdf, model = rendered("walsall", "views-primary", False)
    text = _poppler("pdftotext", "-layout", "-enc", "UTF-8", "-", "-", data=pdf)
    assert "☒" in text
    assert "☐" in text
    assert model.variant.kind == "views"


def test_sections_coloured_by_owner_get_a_key():
    profiles = [p for p in authorities().values() if p.colours.get("sections_by_owner")]
    if not profiles:
        pytest.skip("no authority colours sections by owner")
    variant = next(v for v in profiles[0].variants.values() if v.kind == "record")
    pdf, _ = rendered(profiles[0].id, variant.id, True)
    assert "Colour key" in _poppler("pdftotext", "-l", "1", "-", "-", data=pdf)


# --- long and awkward content ------------------------------------------------------------------------------------


def long_record(record: dict, targets: int = 20, chars: int = 10_000) -> dict:
    """A record with many targets and one very long answer (derived totals left for validation to compute)."""
    record = copy.deepcopy(record)
    template = record["targets"][0]
    record["targets"] = []
    for n in range(targets):
        target = copy.deepcopy(template)
        target.pop("number", None)
        target["ppg"].pop("total", None)
        target["target"] = f"Target text number {n + 1}: {LETTERS}."
        record["targets"].append(target)
    for key in ("requested_total", "year_total"):
        record["ppg"].pop(key, None)
    words = (f"{LETTERS} " * (chars // len(LETTERS) + 1))[:chars]
    record["meeting"]["discussion"]["going_well"] = words
    record["attainment"]["subjects"] = (record["attainment"]["subjects"] * 8)[:30]
    review = record["previous_targets"][0]
    record["previous_targets"] = [dict(review, target_ref=str(n + 1), evidence=f"Evidence {n + 1}: " + LETTERS * 4)
                                  for n in range(20)]
    return record


def test_twenty_targets_and_ten_thousand_characters_paginate(walsall_record):
    request = prepare("walsall", "pep", "pdf", long_record(walsall_record))
    pdf = render_pdf.render(request)
    assert check_pdfa(pdf).problems == []
    pages = page_texts(pdf)
    assert len(pages) > len(page_texts(rendered("walsall", "pep", False)[0])) + 8
    text = body_text(pdf)
    for n in range(1, 21):
        assert squash(f"Target text number {n}:") in text
    assert squash(request.record["meeting"]["discussion"]["going_well"]) in text
    with_header = [p for p in pages if "Evidence and comments on" in p]
    assert len(with_header) >= 2, "the review table's header row repeats on the next page"
    assert text.count(squash("PP+ for this target")) == 20


def test_a_long_word_wraps_inside_the_page(walsall_record):
    walsall_record["carer"]["views"] = "x" * 400 + " https://example.org/" + "a" * 200
    walsall_record["people"]["carers"][0]["email"] = "a" * 60 + "@example.org"
    pdf = render_pdf.render(prepare("walsall", "pep", "pdf", walsall_record))
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert [_overflowing(page) for page in document] == [[]] * len(document)
    finally:
        document.close()
    assert squash("x" * 400) in body_text(pdf)


def test_emoji_and_characters_no_font_has_are_replaced_visibly(walsall_record, caplog):
    walsall_record["carer"]["views"] = "Happy 😀 at school 🎉 中 and \ue000 here 👍🏽 ok ❤️"
    walsall_record["child"]["preferred_name"] = "Sia 🦄"
    request = prepare("walsall", "pep", "pdf", walsall_record)
    result = render_pdf.render_with_report(request)
    assert check_pdfa(result.data).problems == []
    assert [name for name, embedded in _fonts(result.data) if not embedded] == []
    text = _poppler("pdftotext", "-layout", "-enc", "UTF-8", "-", "-", data=result.data)
    assert "Happy 😀 at school [party popper] [U+4E2D] and [U+E000] here 👍 ok ❤" in text
    assert "Sia [unicorn face]" in text
    replaced = {r.path: r.codepoints for r in result.replacements}
    assert replaced == {"carer.views": ["U+1F389", "U+4E2D", "U+E000"], "child.preferred_name": ["U+1F984"]}
    with caplog.at_level(logging.WARNING, logger="generator.render.pdfa"):
        render_pdf.render(request)
    assert "carer.views" in caplog.text
    assert "U+1F389" in caplog.text
    assert "Happy" not in caplog.text, "no free text in the log"
    assert "Sia" not in caplog.text, "no names in the log"


def test_a_character_no_font_has_in_a_table_cell(walsall_record):
    walsall_record["people"]["carers"][0]["name"] = "Gwen 🦄"
    result = render_pdf.render_with_report(prepare("walsall", "pep", "pdf", walsall_record))
    assert [r.path for r in result.replacements] == ["people.carers.0.name"]
    assert check_pdfa(result.data).problems == []


def test_welsh_polish_and_irish_letters_are_kept(walsall_record):
    walsall_record["carer"]["views"] = LETTERS
    pdf = render_pdf.render(prepare("walsall", "pep", "pdf", walsall_record))
    assert squash(LETTERS) in body_text(pdf)


def test_markup_in_data_is_text_not_code(walsall_record):
    walsall_record["carer"]["views"] = '#set page(fill: red) *bold* $x$ <label> @ref #"str" ] ) } // /* x'
    pdf = render_pdf.render(prepare("walsall", "pep", "pdf", walsall_record))
    assert squash('#set page(fill: red) *bold* $x$ <label> @ref #"str" ] ) } // /* x') in body_text(pdf)


# --- options, errors ---------------------------------------------------------------------------------------------


def test_attach_json_makes_pdfa3_with_the_record(walsall_record):
    request = prepare("walsall", "pep", "pdf", walsall_record, options={"attach_json": True})
    pdf = render_pdf.render(request)
    report = check_pdfa(pdf)
    assert report.problems == []
    assert report.level == "PDF/A-3A + PDF/UA-1"
    attachments = PdfReader(io.BytesIO(pdf)).attachments
    assert list(attachments) == ["record.json"]
    attached = json.loads(attachments["record.json"][0], parse_float=Decimal)
    assert attached == json.loads(json.dumps(request.record, default=str), parse_float=Decimal)
    assert attached["child"]["first_name"] == "Siân"


def test_attach_json_on_a_blank_attaches_nothing():
    request = prepare("walsall", "pep", "pdf", None, options={"attach_json": True})
    assert check_pdfa(render_pdf.render(request)).level == "PDF/A-2A + PDF/UA-1"


def test_audience_copy_says_so(walsall_record):
    pdf = render_pdf.render(prepare("walsall", "pep", "pdf", walsall_record, audience="school"))
    assert "Copy for the school" in _poppler("pdftotext", "-l", "1", "-", "-", data=pdf)


def test_a_broken_authority_template_names_file_and_line(tmp_path, monkeypatch):
    broken = tmp_path / "walsall" / "record.typ"
    broken.parent.mkdir()
    broken.write_text('#import "@local/pep-job:0.1.0": data\n\n#data.nothing.here\n', encoding="utf-8")
    monkeypatch.setattr(render_pdf, "find_template", lambda profile_id: broken)
    with pytest.raises(TemplateError) as err:
        render_pdf.render(prepare("walsall", "pep", "pdf", None))
    assert err.value.line == 3
    assert str(err.value).startswith(f"{broken}:3: ") or "record.typ:3:" in str(err.value)


def test_authority_template_is_found_before_the_common_one(tmp_path, monkeypatch):
    monkeypatch.setattr(render_pdf, "template_search_path", lambda profile_id: [tmp_path / profile_id,
                                                                                 tmp_path / "common"])
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "record.typ").write_text("common", encoding="utf-8")
    assert render_pdf.find_template("walsall") == tmp_path / "common" / "record.typ"
    (tmp_path / "walsall").mkdir()
    (tmp_path / "walsall" / "record.typ").write_text("own", encoding="utf-8")
    assert render_pdf.find_template("walsall") == tmp_path / "walsall" / "record.typ"


def test_an_authority_template_added_later_reads_its_own_document(tmp_path, monkeypatch, walsall_record):
    monkeypatch.setattr(render_pdf, "template_search_path", lambda profile_id: [tmp_path / profile_id,
                                                                                 tmp_path / "common"])
    source = ('#import "@local/pep-job:0.1.0": data\n#set document(title: data.meta.title)\n'
              '#set text(font: data.fonts, lang: "en")\n= {0}\n{0} #data.child.id\n')
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "record.typ").write_text(source.format("Common"), encoding="utf-8")
    assert "CommonWS-00001" in _pdf_text(render_pdf.render(prepare("walsall", "pep", "pdf",
                                                                   _child(walsall_record, 1))))
    (tmp_path / "walsall").mkdir()
    (tmp_path / "walsall" / "record.typ").write_text(source.format("Own"), encoding="utf-8")
    assert "OwnWS-00002" in _pdf_text(render_pdf.render(prepare("walsall", "pep", "pdf", _child(walsall_record, 2))))


def test_no_fonts_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("PEP_FONT_DIRS", str(tmp_path / "none"))
    with pytest.raises(TemplateError, match="No fonts found"):
        render_pdf.render(prepare("walsall", "pep", "pdf", None))


def test_cli_writes_the_pdf(invoke, tmp_path):
    result = invoke("generate", "walsall", "pep", "--format", "pdf", "--data", sample_path("walsall", "pep"),
                    "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    written = list(tmp_path.glob("*.pdf"))
    assert [p.name for p in written] == ["PEP_walsall_WS-10442_2025-26_autumn_pep.pdf"]
    assert written[0].read_bytes() == rendered("walsall", "pep", False)[0]


# --- helpers ------------------------------------------------------------------------------------------------------

MARGIN = 16 / 25.4 * 72 - 1  # the side margins (16 mm) in points, less a point of tolerance


def _overflowing(page) -> list[int]:
    """Visible characters that PDFium places in the side margins or off the page."""
    width, textpage = page.get_width(), page.get_textpage()
    return [char for i in range(textpage.count_chars())
            if not (char := textpage.get_text_range(i, 1)).isspace()
            and ((box := textpage.get_charbox(i))[0] < MARGIN or box[2] > width - MARGIN)]


def _fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(name, embedded) for every font pdffonts lists."""
    lines = _poppler("pdffonts", "-", data=pdf).splitlines()[2:]
    return [(line.split()[0], line.split()[-5] == "yes") for line in lines if line.strip()]
