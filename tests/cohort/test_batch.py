"""Batch orchestration: cohorts from CSV, Excel and folders, bad rows, clashes, restarts, zips, large sheets."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import load_sample, write_json

from generator.cohort.batch import JOURNAL, BatchSettings, run_batch
from generator.cohort.sheets import flatten_record, read_cohort
from generator.pipeline import generate as generate_module
from generator.render import pdfa


@pytest.fixture
def fake_renderers(monkeypatch):
    for fmt in ("docx", "pdf"):
        monkeypatch.setitem(generate_module.RENDERERS, fmt, "batch_fake_renderer:render")
    monkeypatch.setattr(pdfa, "_compiled_in", 0)  # the fakes do not typeset, so workers may fork after other tests


def test_a_parent_that_has_typeset_runs_the_batch_in_process_instead_of_hanging(tmp_path):
    script = f"""
import logging, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
from conftest import load_sample
from generator.cohort.batch import BatchSettings, run_batch
from generator.cohort.sheets import read_cohort
from generator.pipeline.generate import prepare, render
from test_batch import child_rows, cohort_csv
logging.basicConfig(level=logging.WARNING, stream=sys.stdout)
render(prepare("walsall", "pep", "pdf", load_sample("walsall", "pep")))
sheet = cohort_csv(Path({str(tmp_path / "cohort.csv")!r}), child_rows(2))
summary = run_batch(read_cohort(sheet, "walsall", "pep"), BatchSettings("walsall", "pep", ("pdf",),
                    Path({str(tmp_path / "out")!r}), workers=2))
print("written", summary.written, "bad", len(summary.bad_rows))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parent)
    assert "written 2 bad 0" in done.stdout, done.stderr[-2000:]
    assert "running in-process instead" in done.stdout


def cohort_csv(path, rows: list[dict]):
    headers = sorted({k for row in rows for k in row})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def child_rows(count: int, school_of=lambda n: "140123") -> list[dict]:
    base = flatten_record(load_sample("walsall", "pep"))
    rows = []
    for n in range(count):
        row = dict(base)
        row["child.social_care_id"] = f"WS-{n:05d}"
        row["education.setting.urn"] = school_of(n)
        rows.append(row)
    return rows


def settings(out, workers=1, formats=("docx", "pdf"), force=False, **options):
    return BatchSettings("walsall", "pep", formats, out, force=force, workers=workers, options=options)


def test_csv_rows_become_valid_records(tmp_path):
    sheet = cohort_csv(tmp_path / "c.csv", child_rows(2))
    rows = list(read_cohort(sheet, "walsall", "pep"))
    assert [r.number for r in rows] == [2, 3]
    assert rows[0].record["child"]["social_care_id"] == "WS-00000"
    assert rows[0].record["targets"][0]["ppg"]["cost_lines"][0]["units_per_week"] == 3
    assert rows[0].errors == []


def test_batch_writes_every_format_and_reports_bad_rows(tmp_path, fake_renderers):
    rows = child_rows(3)
    rows[1]["child.date_of_birth"] = "31/02/2012"
    rows[2]["attendance.sessions_attended"] = "50"
    summary = run_batch(read_cohort(cohort_csv(tmp_path / "c.csv", rows), "walsall", "pep"), settings(tmp_path / "o"))
    assert summary.written == 2
    assert [o.number for o in summary.bad_rows] == [3, 4]
    report = list(csv.reader(io.StringIO((tmp_path / "o" / "batch-errors.csv").read_text(encoding="utf-8"))))
    assert report[0] == ["row", "source", "child_id", "path", "message"]
    assert ["3", "c.csv:row 3", "WS-00001", "child.date_of_birth", "Not a valid date: '31/02/2012'."] in report
    assert any(line[3] == "attendance.sessions_attended" for line in report[1:])
    names = sorted(p.name for p in (tmp_path / "o").glob("PEP_*"))
    assert names == ["PEP_walsall_WS-00000_2025-26_autumn_pep.docx", "PEP_walsall_WS-00000_2025-26_autumn_pep.pdf"]


def test_same_file_name_twice_is_a_bad_row(tmp_path, fake_renderers):
    rows = child_rows(2)
    rows[1]["child.social_care_id"] = rows[0]["child.social_care_id"]
    summary = run_batch(read_cohort(cohort_csv(tmp_path / "c.csv", rows), "walsall", "pep"), settings(tmp_path / "o"))
    assert summary.written == 2
    (bad,) = summary.bad_rows
    assert bad.number == 3
    assert bad.errors[0][0] == "child.social_care_id"
    assert "Would write the same file as c.csv:row 2" in bad.errors[0][1]


def test_rerun_skips_what_is_done_and_redoes_what_changed(tmp_path, fake_renderers):
    sheet = cohort_csv(tmp_path / "c.csv", child_rows(4))
    out = tmp_path / "o"
    first = run_batch(read_cohort(sheet, "walsall", "pep"), settings(out))
    assert (first.written, first.skipped) == (8, 0)
    again = run_batch(read_cohort(sheet, "walsall", "pep"), settings(out))
    assert (again.written, again.skipped) == (0, 8)
    damaged = out / "PEP_walsall_WS-00002_2025-26_autumn_pep.pdf"
    damaged.write_bytes(b"half a file")
    third = run_batch(read_cohort(sheet, "walsall", "pep"), settings(out, force=True))
    assert (third.written, third.skipped) == (1, 7)
    assert json.loads(damaged.read_bytes())["fmt"] == "pdf"


def test_a_file_the_batch_did_not_write_is_not_overwritten(tmp_path, fake_renderers):
    out = tmp_path / "o"
    out.mkdir()
    mine = out / "PEP_walsall_WS-00000_2025-26_autumn_pep.docx"
    mine.write_bytes(b"somebody's edited copy")
    summary = run_batch(read_cohort(cohort_csv(tmp_path / "c.csv", child_rows(1)), "walsall", "pep"),
                        settings(out, formats=("docx",)))
    assert mine.read_bytes() == b"somebody's edited copy"
    assert "Exists with different content; use --force" in summary.bad_rows[0].errors[0][1]


def test_stale_temp_files_of_a_killed_run_are_removed(tmp_path, fake_renderers):
    out = tmp_path / "o"
    out.mkdir()
    (out / ".PEP_walsall_WS-00000_2025-26_autumn_pep.docx.abc123.tmp").write_bytes(b"partial")
    run_batch(read_cohort(cohort_csv(tmp_path / "c.csv", child_rows(1)), "walsall", "pep"), settings(out))
    assert list(out.glob(".*.tmp")) == []


def test_journal_line_cut_short_is_ignored(tmp_path, fake_renderers):
    sheet = cohort_csv(tmp_path / "c.csv", child_rows(2))
    out = tmp_path / "o"
    run_batch(read_cohort(sheet, "walsall", "pep"), settings(out))
    journal = out / JOURNAL
    journal.write_text(journal.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    again = run_batch(read_cohort(sheet, "walsall", "pep"), settings(out))
    assert (again.written, again.skipped) == (0, 4)  # the file whose line was cut is made again, byte-identical
    last = journal.read_text(encoding="utf-8").splitlines()[-1]
    assert json.loads(last)["name"].endswith(".pdf")


def test_parallel_run_matches_single_worker(tmp_path, fake_renderers):
    sheet = cohort_csv(tmp_path / "c.csv", child_rows(6))
    one = run_batch(read_cohort(sheet, "walsall", "pep"), settings(tmp_path / "a"))
    two = run_batch(read_cohort(sheet, "walsall", "pep"), settings(tmp_path / "b", workers=2))
    assert one.written == two.written == 12
    for path in (tmp_path / "a").glob("PEP_*"):
        assert (tmp_path / "b" / path.name).read_bytes() == path.read_bytes()


def test_zip_per_school_with_manifest(tmp_path, fake_renderers):
    rows = child_rows(3, school_of=lambda n: "140123" if n < 2 else "139999")
    summary = run_batch(read_cohort(cohort_csv(tmp_path / "c.csv", rows), "walsall", "pep"),
                        settings(tmp_path / "o", formats=("pdf",), zip_per_school=True))
    assert sorted(p.name for p in summary.zips) == ["school_139999.zip", "school_140123.zip"]
    with zipfile.ZipFile(tmp_path / "o" / "zips" / "school_140123.zip") as archive:
        manifest = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode())))
        assert manifest[0] == ["file", "child_id", "sha256"]
        assert [row[1] for row in manifest[1:]] == ["WS-00000", "WS-00001"]
        assert sorted(archive.namelist()) == sorted([row[0] for row in manifest[1:]] + ["manifest.csv"])


def test_zero_rows(tmp_path, fake_renderers):
    sheet = tmp_path / "c.csv"
    sheet.write_text("child.social_care_id,child.first_name\n", encoding="utf-8")
    summary = run_batch(read_cohort(sheet, "walsall", "pep"), settings(tmp_path / "o"))
    assert (summary.rows, summary.written, summary.ok) == (0, 0, True)


def test_ten_thousand_rows_of_one_column(tmp_path, fake_renderers):
    sheet = tmp_path / "c.csv"
    sheet.write_text("child.social_care_id\n" + "".join(f"C{n}\n" for n in range(10_000)), encoding="utf-8")
    rows = read_cohort(sheet, "walsall", "pep")
    summary = run_batch(rows, settings(tmp_path / "o", workers=2, formats=("pdf",)))
    assert (summary.rows, summary.written, summary.ok) == (10_000, 10_000, True)
    assert (tmp_path / "o" / "PEP_walsall_C9999_pep.pdf").exists()
    assert len((tmp_path / "o" / JOURNAL).read_text(encoding="utf-8").strip().splitlines()) == 10_000


def test_unknown_column_stops_before_any_work(tmp_path):
    sheet = tmp_path / "c.csv"
    sheet.write_text("child.social_care_id,child.frist_name\nA1,Zoë\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"Not data paths: column 2 'child.frist_name'"):
        list(read_cohort(sheet, "walsall", "pep"))


def test_excel_cohort_with_real_dates(tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["child.social_care_id", "child.date_of_birth", "child.eal", "attendance.sessions_possible"])
    sheet.append(["X1", dt.datetime(2012, 5, 17), True, 44])
    book.save(tmp_path / "c.xlsx")
    (row,) = read_cohort(tmp_path / "c.xlsx", "walsall", "pep")
    assert row.record["child"] == {"social_care_id": "X1", "date_of_birth": "2012-05-17", "eal": True}
    assert row.record["attendance"] == {"sessions_possible": 44}


def test_batch_template_round_trips_through_the_reader(tmp_path, invoke):
    result = invoke("batch", "template", "walsall", "pep", "-o", tmp_path / "t.xlsx")
    assert result.exit_code == 0
    rows = list(read_cohort(tmp_path / "t.xlsx", "walsall", "pep"))
    assert rows == []


def test_cohort_from_a_store(tmp_path, fake_renderers, invoke):
    store = tmp_path / "store"
    for n in range(3):
        record = load_sample("walsall", "pep")
        record["child"]["social_care_id"] = f"ST-{n}"
        assert invoke("store", "import", write_json(tmp_path / f"r{n}.json", record), "--store", store).exit_code == 0
    other = load_sample("essex", "pep2")
    assert invoke("store", "import", write_json(tmp_path / "e.json", other), "--store", store).exit_code == 0
    rows = list(read_cohort(store, "walsall", "views-primary"))
    assert [r.source for r in rows] == ["store:ST-0", "store:ST-1", "store:ST-2"]
    assert {r.record["pep"]["variant"] for r in rows} == {"views-primary"}
    summary = run_batch(iter(rows), BatchSettings("walsall", "views-primary", ("pdf",), tmp_path / "o"))
    assert summary.written == 3
    assert summary.ok
