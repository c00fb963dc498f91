"""Benchmark `pep batch`: a 1,000-child cohort in Word + PDF + form, one worker against all cores, and peak memory.

Prints wall time per run, the parallel speed-up over one worker measured in the same run, peak memory (largest
process) at 100 and at 1,000 children, and what a national run of 84,000 children would take at that rate.
Usage: .venv/bin/python bench/bench_batch.py [--children 1000] [--formats docx,pdf,form]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_pdf import varied  # noqa: E402

from generator.cohort.sheets import flatten_record  # noqa: E402

NATIONAL = 84_000
TARGET = 45  # issue 16: seconds for 1,000 children (Word + PDF/A + form, 2 workers)
RUNNER = """
import json, resource, sys, time
from pathlib import Path
from generator.cohort.batch import BatchSettings, run_batch
from generator.cohort.sheets import read_cohort
from generator.signing.keys import KeyRing
sheet, out, workers, formats, keyfile = sys.argv[1:6]
formats = tuple(formats.split(","))
options = {"keys": KeyRing.load(Path(keyfile))} if "form" in formats else {}
authority, variant = sys.argv[6:8]
settings = BatchSettings(authority, variant, formats, Path(out), workers=int(workers), options=options)
start = time.perf_counter()
summary = run_batch(read_cohort(Path(sheet), authority, variant), settings)
seconds = time.perf_counter() - start
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": seconds, "written": summary.written, "bad": len(summary.bad_rows), "peak_kb": peak}))
"""


def make_cohort(path: Path, children: int, authority: str = "walsall", variant: str = "pep",
                identical: bool = False) -> Path:
    """A cohort sheet from the bundled sample: each child with its own id and, unless `identical`, its own text in
    every long answer (as real children differ: Typst's memoisation and the part caches must not flatter it)."""
    sample = json.loads((ROOT / "samples" / authority / f"{variant}.json").read_text(encoding="utf-8"),
                        parse_float=Decimal)
    headers = list(flatten_record(sample))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for n in range(children):
            row = flatten_record(sample if identical else varied(sample, n))
            row["child.social_care_id"] = f"BENCH-{n:06d}"
            writer.writerow([row.get(h, "") for h in headers])
    return path


def run(sheet: Path, workers: int, formats: str, keyfile: Path, authority: str, variant: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="pep-bench-out-"))
    result = subprocess.run([sys.executable, "-c", RUNNER, str(sheet), str(out), str(workers), formats, str(keyfile),
                             authority, variant], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--formats", default="docx,pdf,form")
    parser.add_argument("--authority", default="walsall")
    parser.add_argument("--variant", default="pep", help="a variant with a sample in samples/AUTHORITY/")
    parser.add_argument("--quick", action="store_true", help="only the run with every core (no 1-worker and "
                                                                 "100-child runs)")
    parser.add_argument("--identical", action="store_true",
                        help="children differ only in their id (the figures before 2026-12-08 were measured so)")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    work = Path(tempfile.mkdtemp(prefix="pep-bench-"))
    keyfile = work / "keys.json"
    if "form" in args.formats:
        subprocess.run([sys.executable, "-m", "generator", "key", "new", "--key-file", str(keyfile)], cwd=ROOT,
                       check=True, capture_output=True)
    big = make_cohort(work / "cohort.csv", args.children, args.authority, args.variant, args.identical)
    small = None if args.quick else make_cohort(work / "cohort-100.csv", 100, args.authority, args.variant,
                                                args.identical)
    print(f"pep batch benchmark: {args.authority} {args.variant}, {args.children} children, formats {args.formats}, "
          f"{cores} cores, {'identical children but their ids' if args.identical else 'every child its own answers'}")
    where = (args.authority, args.variant)
    parallel = run(big, cores, args.formats, keyfile, *where)
    files = parallel["written"]
    print(f"  {cores} workers: {parallel['seconds']:.1f} s wall ({files} files, "
          f"{1000 * parallel['seconds'] / args.children:.1f} ms per child)")
    if not args.quick:
        single = run(big, 1, args.formats, keyfile, *where)
        hundred = run(small, cores, args.formats, keyfile, *where)
        print(f"  1 worker : {single['seconds']:.1f} s wall")
        print(f"  speed-up of {cores} workers over 1 worker (same run): "
              f"{single['seconds'] / parallel['seconds']:.2f}x")
        print(f"  peak memory (largest process): {hundred['peak_kb'] / 1024:.0f} MB at 100 children, "
              f"{parallel['peak_kb'] / 1024:.0f} MB at {args.children} children")
    rate = parallel["seconds"] / args.children
    minutes = NATIONAL * rate / 60
    print(f"  a national run of {NATIONAL:,} children at this rate: {minutes:.0f} minutes on {cores} cores")
    target = TARGET * args.children / 1000
    print(f"  target: {args.children} children within {target:.1f} s -> "
          f"{'met' if parallel['seconds'] <= target else 'NOT met'}")
    if parallel["bad"]:
        print(f"  WARNING: {parallel['bad']} bad rows")

if __name__ == "__main__":
    main()
