"""Nothing recorded is lost from the record copy: every value of every sample, as a reader sees it (choice labels,
UK dates, pounds), is in the Word and the PDF/A text of its record copy, in a section or under "Also recorded"."""

from __future__ import annotations

import io
import json
import re
import subprocess
from decimal import Decimal
from functools import cache
from pathlib import Path

import docx
import pytest

from data_schemas import field_info, template_of
from generator.authority.coverage import leaves
from generator.authority.profiles import get_variant
from generator.authority.validation import check_record
from generator.pipeline.generate import prepare, render
from generator.render.display import format_value

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p for p in (ROOT / "samples").glob("*/*.json") if p.parent.name != "invalid")
# Line breaking in PDFs: soft hyphens, zero-width spaces (long e-mail addresses) and the breaks themselves.
_BREAKS = re.compile(r"[\s\u00ad\u200b]+")


def squeeze(text: str) -> str:
    return _BREAKS.sub("", text).lower()


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def docx_text(data: bytes) -> str:
    document, parts = docx.Document(io.BytesIO(data)), []

    def walk(container):
        parts.extend(p.text for p in container.paragraphs)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    walk(cell)

    walk(document)
    for section in document.sections:
        walk(section.header)
        walk(section.footer)
    return "\n".join(parts)


def pdf_text(data: bytes, tmp: Path) -> str:
    path = tmp / "record.pdf"
    path.write_bytes(data)
    # -raw keeps each table cell's text together (the layout mode interleaves neighbouring cells)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


@cache
def documents(sample: Path, tmp: Path) -> dict[str, str]:
    record = load(sample)
    out = {}
    for fmt in ("docx", "pdf"):
        data = render(prepare(record["pep"]["authority"], record["pep"]["variant"], fmt, load(sample), "record",
                              str(sample)))
        out[fmt] = squeeze(docx_text(data) if fmt == "docx" else pdf_text(data, tmp))
    return out


def as_read(path: str, value, record: dict) -> str:
    """What a reader sees for a value: the authority's name and the variant's title for those two."""
    profile, variant = get_variant(record["pep"]["authority"], record["pep"]["variant"])
    if path == "pep.authority":
        return profile.name
    if path == "pep.variant":
        return variant.title
    return format_value(value, field_info(template_of(path)))


def missing(sample: Path, fmt: str, tmp: Path) -> list[str]:
    record = check_record(load(sample)).record  # normalised, as the renderers get it
    text = documents(sample, tmp)[fmt]
    return [f"{path} = {shown!r}" for path, value in leaves(record)
            if (shown := as_read(path, value, record)) and squeeze(shown) not in text]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_every_recorded_value_is_in_the_record_copy(sample, fmt, tmp_path_factory):
    lost = missing(sample, fmt, tmp_path_factory.getbasetemp())
    assert not lost, f"{sample.relative_to(ROOT)} ({fmt}): {len(lost)} value(s) not in the record copy:\n" + \
        "\n".join(lost)


def test_the_test_finds_a_value_that_is_not_there(tmp_path_factory):
    sample = ROOT / "samples" / "walsall" / "pep.json"
    text = documents(sample, tmp_path_factory.getbasetemp())["docx"]
    assert squeeze("Ffion likes turnips on Tuesdays") not in text
    assert squeeze(as_read("pep.authority", "walsall", load(sample))) in text
