"""Where a record PDF's time goes inside Typst: memoised recompiles, and the template with one feature taken out.

Part 1 (memo): the Walsall PEP compiled once, again unchanged, then with one value of its JSON changed (the child's id,
the last section's heading), then as another child's record (id and first name changed in the record, so also the
PDF's title and keywords, the running header and the summary). The data reaches Typst as files (pdfa.typeset), which
Typst memoises around; sys.inputs made every change a full recompile.
Part 2 (features): the bench_pdf documents compiled with the record template and with variants of it that each
leave one feature out, each in its own process (Typst's layout cache is process-wide, so a second compiler in the
same process would reuse the first one's work), alternating, CPU ms per document beside the unchanged template's in
the same run.
Usage: .venv/bin/python bench/bench_typst.py [--rounds 3] [--count 28]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_pdf import requests  # noqa: E402

from generator.pipeline.generate import prepare  # noqa: E402
from generator.render import pdfa  # noqa: E402

TEMPLATE = ROOT / "templates" / "common" / "record.typ"
# name -> (what is left out, [(text in record.typ, its replacement)]); each text must be in the template.
VARIANTS = {
    "no-page-of": ("'Page X of Y' (a second layout pass for the page count)",
                   [('[Page #counter(page).display("1 of 1", both: true)]', "[Page]")]),
    "no-values": ("every value's text (each value becomes 'x'): the cost of the data against the structure",
                  [('if f.widget == "radio" { options-line(f) } else { f.text }', '"x"'), ("c.text)", '"x")')]),
    "no-borders": ("cell borders", [("stroke: 0.5pt + rule,", "")]),
    "no-headings": ("headings (outline and tags)", [("heading(level: 2, ", "("), ("heading(level: 3, ", "("),
                                                    ("heading(level: 1, outlined: false, ", "(")]),
    "grid-tables": ("table (grid instead)", [("table(", "grid("), ("table.header(", "grid.header("),
                                             ("table.footer(", "grid.footer("), ("table.cell(", "grid.cell(")]),
    "no-kerning": ("kerning (shaping work)",
                   [('region: "gb", fill: ink)', 'region: "gb", fill: ink, kerning: false)')]),
}
CHILD = """
import json, sys, time
from pathlib import Path
from generator.render import pdfa
template, jobs = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
compiler = pdfa.new_compiler(template, pdfa.font_dirs())
# warm fonts and the compiler on a document none of the jobs is (a changed title), so no job starts memoised
warm_data = jobs[0]["files"]["data.json"].replace('"title": "', '"title": "Warm-up ', 1)
assert warm_data != jobs[0]["files"]["data.json"]
warm = dict(jobs[0]["files"], **{"data.json": warm_data})
pdfa.typeset(compiler, warm, jobs[0]["standards"], jobs[0]["timestamp"])
start = time.process_time()
for job in jobs:
    pdfa.typeset(compiler, job["files"], job["standards"], job["timestamp"])
print((time.process_time() - start) / len(jobs) * 1000)
"""


def variant_text(pairs: list[tuple[str, str]]) -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    for old, new in pairs:
        if old not in text:
            raise SystemExit(f"bench_typst: {TEMPLATE} no longer holds {old!r}: update VARIANTS")
        text = text.replace(old, new)
    return text


def compile_ms(compiler, files: dict, standards, timestamp: int) -> float:
    start = time.process_time()
    pdfa.typeset(compiler, files, standards, timestamp)
    return (time.process_time() - start) * 1000


def memo_part(repeats: int) -> None:
    record = json.loads((ROOT / "samples" / "walsall" / "pep.json").read_text(encoding="utf-8"), parse_float=Decimal)
    job = pdfa.typst_job(prepare("walsall", "pep", "pdf", record))
    compiler = pdfa.new_compiler(job.template, pdfa.font_dirs())
    data = json.loads(job.files["data.json"])

    def timed(change) -> float:
        runs = []
        for n in range(repeats):
            changed = copy.deepcopy(data)
            change(changed, n)
            runs.append(compile_ms(compiler, {"data.json": json.dumps(changed)}, job.standards, job.timestamp))
        return statistics.median(runs)

    first = compile_ms(compiler, job.files, job.standards, job.timestamp)
    same = statistics.median(compile_ms(compiler, job.files, job.standards, job.timestamp) for _ in range(repeats))
    child = timed(lambda d, n: d["child"].update(id=f"BENCH-{n}"))
    last = timed(lambda d, n: d["sections"][-1].update(heading=f"{d['sections'][-1]['heading']} {n}"))
    others = []
    for n in range(repeats):
        changed = copy.deepcopy(record)
        changed["child"].update(social_care_id=f"WS-{n:05d}", first_name=f"Child{n}")
        others.append(pdfa.typst_job(prepare("walsall", "pep", "pdf", changed)))
    other = statistics.median(compile_ms(compiler, j.files, j.standards, j.timestamp) for j in others)
    print(f"Memo (Walsall PEP, CPU ms, median of {repeats}): first compile {first:.0f}; unchanged {same:.0f}; "
          f"child id changed {child:.0f}; last section's heading changed {last:.0f}; "
          f"another child's record (id and first name) {other:.0f}")


def features_part(count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-typst-") as tmp:
        folder = Path(tmp)
        jobs = [pdfa.typst_job(r) for r in requests("pdf", count)]
        jobs_file = folder / "jobs.json"
        jobs_file.write_text(json.dumps([{"files": j.files, "standards": list(j.standards),
                                          "timestamp": j.timestamp} for j in jobs]), encoding="utf-8")
        templates = {"record.typ": TEMPLATE}
        for name, (_, pairs) in VARIANTS.items():
            path = folder / name / "common" / "record.typ"
            path.parent.mkdir(parents=True)
            path.write_text(variant_text(pairs), encoding="utf-8")
            templates[name] = path
        times: dict[str, list[float]] = {name: [] for name in templates}
        for _ in range(rounds):
            for name, path in templates.items():
                done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(jobs_file)], cwd=ROOT,
                                      capture_output=True, text=True, check=True)
                times[name].append(float(done.stdout.strip()))
    base = statistics.mean(times["record.typ"])
    print(f"Features ({count} documents, {rounds} rounds, CPU ms per document, each variant in its own process):")
    print(f"  {'record.typ':12} {base:6.1f} ms  (runs {' '.join(f'{t:.1f}' for t in times['record.typ'])})")
    for name, (left_out, _) in VARIANTS.items():
        mean = statistics.mean(times[name])
        print(f"  {name:12} {mean:6.1f} ms  {mean / base:5.2f}x  without {left_out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=28)
    args = parser.parse_args()
    memo_part(5)
    features_part(args.count, args.rounds)


if __name__ == "__main__":
    main()
