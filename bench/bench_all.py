"""Issue 16's ratios in one run: ingestion forms/s beside bare pypdf, record PDF beside LibreOffice, cohort seconds.

Runs bench_ingest.py, bench_pdf.py and bench_batch.py one after another (each measures its ratio against its own
baseline in the same process run) and prints each figure beside its target.
Usage: .venv/bin/python bench/bench_all.py [--forms 200] [--pdfs 20] [--children 200] [--authority walsall]
       [--every-record]  (the cohort of every authority's record variant too)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TARGETS = {
    "views": "ingest >= 150 forms/s per core",
    "pep": "ingest >= 50 forms/s per core (whole school PEP form)",
    "pdf": "record PDF >= 10x faster than LibreOffice",
    "batch": "1,000 children <= 45 s (2 workers), so {children} children <= {seconds:.0f} s",
}


def run(script: str, *args: str) -> str:
    """A bench script's output (it fails loudly if the script does)."""
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True, check=True,
                          cwd=BENCH.parent)
    return done.stdout


def ingest_lines(out: str) -> list[str]:
    lines = []
    for kind in ("views", "pep"):
        rate = re.search(rf"^{kind}: .*one worker: ([\d.]+) forms/s .*get_fields\(\): ([\d.]+) forms/s", out, re.M)
        reader = re.search(rf"^{kind}: the reader alone.*?([\d.]+) forms/s, pypdf path ([\d.]+) forms/s", out, re.M)
        if rate and reader:
            lines.append(f"{kind:5} ingest: {rate[1]} forms/s (bare pypdf get_fields() {rate[2]}/s, "
                         f"{float(rate[1]) / float(rate[2]):.1f}x); reader qpdf {reader[1]}/s against pypdf "
                         f"{reader[2]}/s | target: {TARGETS[kind]}")
    return lines


def pdf_line(out: str) -> str:
    ratio = re.search(r"Typst is ([\d.]+)x faster", out)
    typst = re.search(r"Typst PDF/A:\s+(\d+) ms", out)
    office = re.search(r"LibreOffice:\s+(\d+) ms", out)
    if not (ratio and typst and office):
        return f"pdf   : not measured ({out.strip().splitlines()[-1] if out.strip() else 'no output'})"
    return (f"pdf   : Typst {typst[1]} ms against LibreOffice {office[1]} ms per document: {ratio[1]}x "
            f"| target: {TARGETS['pdf']}")


def batch_line(out: str, children: int, label: str = "") -> str:
    """The cohort figure of a bench_batch.py run; its 1-worker time and memory when it measured them (not --quick)."""
    wall = re.search(r"(\d+) workers: ([\d.]+) s wall", out)
    single = re.search(r"1 worker : ([\d.]+) s wall", out)
    memory = re.search(r"peak memory \(largest process\): (\d+) MB at 100 children, (\d+) MB", out)
    if not wall:
        return f"batch : {label}not measured"
    per_1000 = f"{float(wall[2]) * 1000 / children:.0f} s per 1,000"
    measured = f"1 worker {single[1]} s; {per_1000}" if single else per_1000
    peak = f", peak memory {memory[1]} -> {memory[2]} MB" if memory else ""
    target = TARGETS["batch"].format(children=children, seconds=45 * children / 1000)
    return (f"batch : {label}{children} children in {wall[2]} s with {wall[1]} workers ({measured}){peak} "
            f"| target: {target}")


def record_variants() -> list[tuple[str, str]]:
    """Every authority's record (PEP) variant that has a bundled sample."""
    sys.path.insert(0, str(BENCH.parent))
    from generator.authority.profiles import authorities

    return [(a.id, v.id) for a in authorities().values() for v in a.variants.values()
            if v.kind == "record" and (BENCH.parent / "samples" / a.id / f"{v.id}.json").is_file()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=200, help="views forms ingested (PEP forms: a tenth)")
    parser.add_argument("--pdfs", type=int, default=20, help="record documents for the PDF comparison")
    parser.add_argument("--children", type=int, default=200, help="children in the cohort batch")
    parser.add_argument("--authority", default="walsall")
    parser.add_argument("--variant", default="pep")
    parser.add_argument("--every-record", action="store_true",
                        help="also every other authority's record variant (2-worker run only)")
    args = parser.parse_args()
    start = time.perf_counter()
    lines = ingest_lines(run("bench_ingest.py", "--forms", str(args.forms)))
    lines.append(pdf_line(run("bench_pdf.py", "--count", str(args.pdfs))))
    lines.append(batch_line(run("bench_batch.py", "--authority", args.authority, "--variant", args.variant,
                                "--children", str(args.children)), args.children))
    if args.every_record:
        for authority, variant in record_variants():
            if (authority, variant) != (args.authority, args.variant):
                out = run("bench_batch.py", "--authority", authority, "--variant", variant, "--quick",
                          "--children", str(args.children))
                lines.append(batch_line(out, args.children, f"{authority} {variant}: "))
    print(f"Issue 16 benchmarks, one run ({time.perf_counter() - start:.0f} s):")
    for line in lines:
        print(f"  {line}")


if __name__ == "__main__":
    main()
