"""Ingestion speed and memory: forms per second by one bounded worker, beside a bare pypdf get_fields() read of the
same files in the same run, and peak memory on a batch of 1,000 returned forms.

Run: .venv/bin/python bench/bench_ingest.py [--forms 1000] [--kinds views,pep]
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.ingest.reader import read_fast, read_pypdf  # noqa: E402
from generator.ingest.returns import ingest_files  # noqa: E402
from generator.ingest.safety import MIB, WorkerPool  # noqa: E402
from generator.pipeline.generate import prepare, render  # noqa: E402
from generator.signing.keys import KeyRing, SigningKey  # noqa: E402

KEYS = KeyRing([SigningKey("bench", bytes(range(32)))], "bench", "bench")
KINDS = {"views": ("walsall", "views-secondary"), "pep": ("walsall", "pep")}
DISTINCT = 10  # distinct filled files per kind; the batch repeats them under different names


def issued_form(authority: str, variant: str) -> bytes:
    record = json.loads((ROOT / "samples" / authority / "pep.json").read_text(encoding="utf-8"), parse_float=Decimal)
    record["pep"]["variant"] = variant
    return render(prepare(authority, variant, "form", record, "school",
                          options={"keys": KEYS, "issue_date": "2026-01-12"}))


def filled(data: bytes, n: int) -> bytes:
    """The form with its free-text answers filled as a script would (values set, saved as a new file)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for ref in writer.root_object["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/FT") == "/Tx" and not int(field.get("/Ff", 0)) & 1 and "answers" in str(field["/T"]):
            field[NameObject("/V")] = TextStringObject(f"Answer {n}: Siân ŵŷ, Zażółć gęślą jaźń\nsecond line")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_batch(folder: Path, kind: str, count: int) -> list[Path]:
    base = issued_form(*KINDS[kind])
    distinct = [filled(base, n) for n in range(DISTINCT)]
    paths = []
    for i in range(count):
        path = folder / f"{kind}-{i:04d}.pdf"
        path.write_bytes(distinct[i % DISTINCT])
        paths.append(path)
    return paths


def bare_get_fields(paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        PdfReader(path).get_fields()
    return len(paths) / (time.perf_counter() - start)


def reader_paths(paths: list[Path], rounds: int = 3) -> tuple[float, float]:
    """Forms per second read in-process by the qpdf fast path and by the pypdf path, interleaved (the best of
    `rounds` each), so a loaded machine slows both alike."""
    files = [p.read_bytes() for p in paths[:DISTINCT]]
    best = {"qpdf": 0.0, "pypdf": 0.0}
    for _ in range(rounds):
        for label, read in (("qpdf", read_fast), ("pypdf", read_pypdf)):
            start = time.perf_counter()
            for data in files:
                assert read(data) is not None
            best[label] = max(best[label], len(files) / (time.perf_counter() - start))
    return best["qpdf"], best["pypdf"]


def one_worker(paths: list[Path]) -> tuple[float, dict, int]:
    """Forms per second through one worker, the statuses, and the worker's peak memory in bytes."""
    with WorkerPool("generator.ingest.reader:read_returned", 1) as pool:
        pool.run(b"warm-up")  # the worker's start is paid once per batch, not per file
        start = time.perf_counter()
        statuses: dict[str, int] = {}
        for result, _ in ingest_files(paths, KEYS, pool=pool):
            statuses[result.status] = statuses.get(result.status, 0) + 1
        rate = len(paths) / (time.perf_counter() - start)
        [peak] = pool.peak_memory()
    return rate, statuses, peak


def memory(folder: Path, pattern: str) -> dict:
    """Ingest a batch in a fresh process (so rendering the batch is not counted): its peak memory and its worker's."""
    paths = sorted(folder.glob(pattern))
    _, statuses, worker = one_worker(paths)
    return {"forms": len(paths), "statuses": statuses,
            "parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "worker_mb": worker / MIB}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000, help="files in the memory batch (default 1000)")
    parser.add_argument("--kinds", default="views,pep", help="which forms: views (a child's views form, ~25 "
                                                                "fields) and/or pep (a whole PEP, ~560 fields)")
    parser.add_argument("--memory-of", nargs=2, metavar=("FOLDER", "GLOB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:
        print(json.dumps(memory(Path(args.memory_of[0]), args.memory_of[1])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            count = args.forms if kind == "views" else max(50, args.forms // 10)
            paths = make_batch(Path(tmp), kind, count)
            size = paths[0].stat().st_size // 1024
            bare = bare_get_fields(paths)
            fast, slow = reader_paths(paths)
            print(f"{kind}: the reader alone, in-process: qpdf fast path {fast:.1f} forms/s, pypdf path "
                  f"{slow:.1f} forms/s: {fast / slow:.1f}x (same files, interleaved, best of 3)")
            rate, statuses, _ = one_worker(paths)
            print(f"{kind}: {count} returned forms of {size} KB: pep ingest, one worker: {rate:.1f} forms/s "
                  f"{statuses}; bare pypdf get_fields(): {bare:.1f} forms/s (same files, same run)")
            run = subprocess.run([sys.executable, __file__, "--memory-of", tmp, f"{kind}-*.pdf"], check=True,
                                 capture_output=True, text=True)
            peak = json.loads(run.stdout)
            print(f"{kind}: peak memory ingesting {peak['forms']} forms in one batch: {peak['parent_mb']:.0f} MB "
                  f"(main process), {peak['worker_mb']:.0f} MB (the reader worker)")


if __name__ == "__main__":
    main()
