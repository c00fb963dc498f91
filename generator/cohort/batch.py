"""Cohort batches: many children, several formats, parallel workers, a journal for safe restarts, zips per school."""

from __future__ import annotations

import csv
import ctypes
import gc
import hashlib
import io
import json
import logging
import multiprocessing
import os
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..authority.naming import output_name
from ..authority.profiles import get_profile, template_search_path
from ..core.errors import PepError, RecordInvalid
from ..core.jsonlines import json_line
from ..core.writer import write_atomic
from ..pipeline.generate import prepare, render
from ..render import pdfa
from ..render.request import RenderRequest
from ..signing.manifest import canonical
from .sheets import CohortRow

log = logging.getLogger(__name__)

JOURNAL = ".pep-batch-journal.jsonl"
ERRORS_FILE = "batch-errors.csv"
ZIP_DIR = "zips"
RECYCLE_AFTER = 500  # worker processes are replaced after this many children, as a backstop to tidy_memory()
WINDOW = 128  # children handed to the pool at a time: bounds memory on a national-size cohort


@dataclass(frozen=True)
class BatchSettings:
    authority: str
    variant: str
    formats: tuple[str, ...]
    out_dir: Path
    audience: str = "record"
    force: bool = False
    workers: int = 1
    options: dict = field(default_factory=dict)


@dataclass
class RowOutcome:
    """What happened to one child: files written or skipped, or the errors that stopped it."""

    number: int
    source: str
    child_id: str
    files: list[tuple[str, str, str, str]] = field(default_factory=list)  # (name, status, sha256, input key)
    errors: list[tuple[str, str]] = field(default_factory=list)
    school: str = ""


@dataclass
class BatchSummary:
    rows: int = 0
    written: int = 0
    skipped: int = 0
    bad_rows: list[RowOutcome] = field(default_factory=list)
    zips: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.bad_rows and not self.interrupted


# --- what makes an output "already done and correct" ---------------------------------------------------


def render_version(authority: str) -> str:
    """A fingerprint of the code version and every template and profile file the authority's outputs use."""
    digest = hashlib.sha256(__version__.encode())
    for folder in template_search_path(authority):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def input_key(record_digest: str, fmt: str, settings: BatchSettings, version: str) -> str:
    """What an output depends on: the row's data (its digest), the format, the audience and the render version."""
    extra = {k: str(v) for k, v in settings.options.items() if k in ("issue_date",)}
    payload = canonical({"record": record_digest, "fmt": fmt, "audience": settings.audience, "version": version,
                         "options": extra})
    return hashlib.sha256(payload).hexdigest()


def load_journal(out_dir: Path) -> dict[str, dict]:
    """Output name -> its last journal entry; a line cut short by an interruption is ignored."""
    entries = {}
    path = out_dir / JOURNAL
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                entries[entry["name"]] = entry
            except (ValueError, KeyError, TypeError):
                continue
    return entries


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def remove_stale_temp_files(out_dir: Path) -> int:
    """Temp files of writes that a killed run never finished (the writer's .NAME.*.tmp pattern)."""
    removed = 0
    for tmp in out_dir.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


# --- planning in the parent -----------------------------------------------------------------------


@dataclass
class Task:
    row: CohortRow
    outputs: list[tuple[str, str, str]]  # (fmt, name, input key) still to do
    done: list[tuple[str, str, str, str]]  # (name, "skipped", sha256, input key)
    school: str


def _school_of(record: dict | None) -> str:
    setting = ((record or {}).get("education") or {}).get("setting") or {}
    urn, name = setting.get("urn"), setting.get("name")
    return str(urn or name or "no-school")


class Planner:
    """Decides, row by row, which outputs are new, which are done already, and which rows clash."""

    def __init__(self, settings: BatchSettings):
        self.settings = settings
        self.profile = get_profile(settings.authority)
        self.version = render_version(settings.authority)
        self.journal = load_journal(settings.out_dir)
        self.claimed: dict[str, str] = {}

    def plan(self, row: CohortRow) -> Task | RowOutcome:
        if row.errors or row.record is None:
            return RowOutcome(row.number, row.source, row.child_id, errors=list(row.errors))
        outputs, done = [], []
        digest = hashlib.sha256(canonical(row.record)).hexdigest()
        for fmt in self.settings.formats:
            name = output_name(self.profile, self.settings.variant, row.record, fmt, self.settings.audience)
            if name in self.claimed:
                return RowOutcome(row.number, row.source, row.child_id, errors=[(
                    "child.social_care_id", f"Would write the same file as {self.claimed[name]} ({name}); each "
                                            "child needs its own id, academic year and term.")])
            key = input_key(digest, fmt, self.settings, self.version)
            if self._already_done(name, key):
                done.append((name, "skipped", self.journal[name]["sha256"], key))
            else:
                outputs.append((fmt, name, key))
        for _, name, _ in outputs:
            self.claimed[name] = row.source
        for name, *_ in done:
            self.claimed[name] = row.source
        return Task(row, outputs, done, _school_of(row.record))

    def _already_done(self, name: str, key: str) -> bool:
        entry = self.journal.get(name)
        if not entry or entry.get("input") != key:
            return False
        return file_sha256(self.settings.out_dir / name) == entry.get("sha256")


# --- work in the workers ----------------------------------------------------------------------------

_SETTINGS: BatchSettings | None = None
_DONE_IN_PROCESS = 0
TIDY_EVERY = 20  # children between full garbage collections in a worker


def _libc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _libc_trim()


def tidy_memory() -> None:
    """Every few children: collect python-docx's and lxml's reference cycles and give the freed memory back to the
    system. Without it a worker's memory climbs for hundreds of documents before the collector catches up."""
    global _DONE_IN_PROCESS
    _DONE_IN_PROCESS += 1
    if _DONE_IN_PROCESS % TIDY_EVERY == 0:
        gc.collect()
        if _MALLOC_TRIM is not None:
            _MALLOC_TRIM(0)


def _init_worker(settings: BatchSettings) -> None:
    global _SETTINGS
    _SETTINGS = settings


def run_task(task: Task, settings: BatchSettings | None = None) -> RowOutcome:
    """Validate one child's record and write each of its outputs (atomically)."""
    settings = settings or _SETTINGS
    tidy_memory()
    row = task.row
    outcome = RowOutcome(row.number, row.source, row.child_id, list(task.done), school=task.school)
    if not task.outputs:
        return outcome
    try:  # validate and build the document model once for all of the row's formats
        model = prepare(settings.authority, settings.variant, task.outputs[0][0], row.record, settings.audience,
                        row.source, settings.options).model
    except RecordInvalid as err:
        outcome.errors += err.errors
        return outcome
    for fmt, name, key in task.outputs:
        try:
            content = render(RenderRequest(model, fmt, settings.options))
            status = write_atomic(settings.out_dir / name, content, settings.force)
        except PepError as err:
            outcome.errors.append((err.path or "", str(err)))
            continue
        sha = hashlib.sha256(content).hexdigest()
        append_journal(settings.out_dir, [{"name": name, "input": key, "sha256": sha, "row": row.number,
                                           "child": outcome.child_id, "school": outcome.school}])
        outcome.files.append((name, "skipped" if status == "unchanged" else status, sha, key))
    return outcome


# --- the run ---------------------------------------------------------------------------------------


def append_journal(out_dir: Path, entries: list[dict]) -> None:
    """Append one line per finished output, right after it is written: a single O_APPEND write of a short line is
    atomic, so workers share the file safely and a kill loses at most the line of a file being finished."""
    if not entries:
        return
    fd = os.open(out_dir / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        for entry in entries:
            # a leading line end closes any line a killed process left unfinished; blank lines are skipped
            os.write(fd, ("\n" + json_line(entry)).encode("utf-8"))
    finally:
        os.close(fd)


def _outcomes(tasks: Iterator, settings: BatchSettings) -> Iterator[RowOutcome]:
    """Run the tasks in-process (one worker) or in a pool, a window at a time so memory stays flat."""
    forked_would_hang = "pdf" in settings.formats and pdfa.compiled_in_this_process()
    if settings.workers <= 1 or forked_would_hang:
        if settings.workers > 1:  # pep's own commands never typeset before a batch; a script calling the library may
            log.warning("batch: this process has typeset a PDF, so its forked workers would hang in Typst: "
                        "running in-process instead")
        for task in tasks:
            yield task if isinstance(task, RowOutcome) else run_task(task, settings)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(settings.workers, _init_worker, (settings,), maxtasksperchild=RECYCLE_AFTER) as pool:
        window: list[Task] = []
        for item in tasks:
            if isinstance(item, RowOutcome):
                yield item
                continue
            window.append(item)
            if len(window) >= WINDOW:
                yield from pool.imap_unordered(run_task, window, chunksize=2)
                window = []
        yield from pool.imap_unordered(run_task, window, chunksize=2)
        pool.close()  # workers that end on their own run their finalizers (the PDF renderer's temporary folder);
        pool.join()  # leaving the block terminates them, which is left for an error or Ctrl-C


def run_batch(rows: Iterable[CohortRow], settings: BatchSettings,
              progress: Callable[[BatchSummary], None] | None = None) -> BatchSummary:
    """Generate every format for every row; bad rows are reported and the rest go on. Ctrl-C stops cleanly."""
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(settings.out_dir)
    planner = Planner(settings)
    summary, started = BatchSummary(), time.monotonic()
    schools: dict[str, list[tuple[str, str, str]]] = {}
    try:
        for outcome in _outcomes((planner.plan(row) for row in rows), settings):
            _tally(summary, outcome, schools)
            if progress:
                progress(summary)
    except KeyboardInterrupt:
        summary.interrupted = True
        remove_stale_temp_files(settings.out_dir)
    finally:
        summary.seconds = time.monotonic() - started
    write_error_report(settings.out_dir, summary.bad_rows)
    if settings.options.get("zip_per_school") and not summary.interrupted:
        summary.zips = write_school_zips(settings.out_dir, schools)
    return summary


def _tally(summary: BatchSummary, outcome: RowOutcome, schools: dict) -> None:
    summary.rows += 1
    summary.written += sum(1 for _, status, _, _ in outcome.files if status != "skipped")
    summary.skipped += sum(1 for _, status, _, _ in outcome.files if status == "skipped")
    if outcome.errors:
        summary.bad_rows.append(outcome)
    for name, _, sha, _ in outcome.files:
        schools.setdefault(outcome.school, []).append((name, outcome.child_id, sha))


def write_error_report(out_dir: Path, bad_rows: list[RowOutcome]) -> Path | None:
    """batch-errors.csv: row, source, child id, data path, message (removed when there is nothing to report)."""
    path = out_dir / ERRORS_FILE
    if not bad_rows:
        path.unlink(missing_ok=True)
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", "source", "child_id", "path", "message"])
    for outcome in sorted(bad_rows, key=lambda o: o.number):
        for field_path, message in outcome.errors:
            writer.writerow([outcome.number, outcome.source, outcome.child_id, field_path, message])
    write_atomic(path, buffer.getvalue().encode("utf-8"), force=True)
    return path


def _zip_bytes(out_dir: Path, entries: list[tuple[str, str, str]]) -> bytes:
    buffer = io.BytesIO()
    manifest = io.StringIO()
    rows = csv.writer(manifest, lineterminator="\n")
    rows.writerow(["file", "child_id", "sha256"])
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, child, sha in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (out_dir / name).read_bytes())
            rows.writerow([name, child, sha])
        info = zipfile.ZipInfo("manifest.csv", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(info, manifest.getvalue())
    return buffer.getvalue()


def write_school_zips(out_dir: Path, schools: dict[str, list[tuple[str, str, str]]]) -> list[Path]:
    """One zip per school with its children's files and a manifest (file, child id, SHA-256)."""
    written = []
    for school, entries in sorted(schools.items()):
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in school)[:60] or "school"
        path = out_dir / ZIP_DIR / f"school_{safe}.zip"
        write_atomic(path, _zip_bytes(out_dir, entries), force=True)
        written.append(path)
    return written


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
