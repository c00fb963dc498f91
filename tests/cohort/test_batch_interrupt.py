"""Interrupting a real `pep batch` (Word + PDF, two workers) at any moment leaves only whole files; a rerun finishes."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader
from test_batch import child_rows, cohort_csv

ROOT = Path(__file__).resolve().parents[2]
CHILDREN = 40


def start_batch(sheet: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "batch", "walsall", "pep", "--data", str(sheet), "--format", "docx,pdf",
         "--workers", "2", "-o", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def wait_for_outputs(out: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while len(list(out.glob("PEP_*"))) < count:
        assert process.poll() is None, "the batch finished before it could be interrupted"
        assert time.monotonic() < deadline, "the batch wrote nothing in two minutes"
        time.sleep(0.05)


def assert_whole(out: Path) -> None:
    for path in out.glob("PEP_*.docx"):
        Document(io.BytesIO(path.read_bytes()))
    for path in out.glob("PEP_*.pdf"):
        assert len(PdfReader(io.BytesIO(path.read_bytes())).pages) > 0


def finish(sheet: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", "batch", "walsall", "pep", "--data", str(sheet),
                           "--format", "docx,pdf", "--workers", "2", "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_batch_leaves_whole_files_and_resumes(tmp_path, sig):
    sheet = cohort_csv(tmp_path / "cohort.csv", child_rows(CHILDREN))
    out = tmp_path / "out"
    process = start_batch(sheet, out)
    wait_for_outputs(out, 6, process)
    os.killpg(process.pid, sig)
    process.communicate(timeout=60)
    done_before = {p.name for p in out.glob("PEP_*")}
    assert 6 <= len(done_before) < 2 * CHILDREN
    assert_whole(out)
    if sig == signal.SIGINT:
        assert process.returncode != 0
        assert list(out.glob(".*.tmp")) == []
    rerun = finish(sheet, out)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{CHILDREN} children:" in rerun.stderr
    assert "already done" in rerun.stderr
    assert len(list(out.glob("PEP_*"))) == 2 * CHILDREN
    assert list(out.glob(".*.tmp")) == []
    assert_whole(out)
    skipped = int(rerun.stderr.split(" files written, ")[1].split(" already done")[0])
    assert skipped >= len(done_before) - 2  # at most the files whose journal line the kill cut off are redone
