"""`pep demo`: the main job end to end on the bundled samples."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..pipeline.demo import run_demo
from ..signing.keys import demo_key_file
from .common import say


@click.command("demo")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), default="output",
              show_default=True, help="Folder to write to (the demo replaces its own earlier outputs).")
def command(out_dir: Path):
    """Validate every sample in samples/, then generate every authority × variant × format, blank and filled.

    \b
    Example:
      pep demo -o output/
    """
    report = run_demo(out_dir)
    say(f"Samples: {len(report.valid)} records valid; {len(report.invalid_as_expected)} invalid records each fail "
        "exactly as expected (samples/invalid/expected.json).")
    _say_documents(report, out_dir)
    _say_qa(report, out_dir)
    if report.dashboard:
        say(f"Dashboard of the sample cohort: {report.dashboard}")
    say(f"Forms are signed with the demo's own key ({demo_key_file(out_dir)}).")
    for problem in report.problems:
        say(f"PROBLEM: {problem}")
    if not report.ok:
        sys.exit(1)


def _say_documents(report, out_dir: Path) -> None:
    kinds = {"docx": "Word", "pdf": "PDF/A", "form": "form"}
    counts: dict[str, dict[str, int]] = {}
    for path in report.written:
        if path.suffix not in (".docx", ".pdf"):
            continue
        fmt = "form" if path.name.endswith("_form.pdf") else path.suffix.lstrip(".")
        authority = path.parent.name
        counts.setdefault(authority, {}).setdefault(fmt, 0)
        counts[authority][fmt] += 1
    total = sum(sum(c.values()) for c in counts.values())
    say(f"Wrote {total} documents and forms, blank and filled, to {out_dir}/:")
    for authority, by_format in sorted(counts.items()):
        say(f"  {authority:<18} " + ", ".join(f"{n} {kinds[f]}" for f, n in sorted(by_format.items())))


def _say_qa(report, out_dir: Path) -> None:
    failing = [(source, errors) for source, errors, _ in report.qa if errors]
    warned = sum(1 for _, errors, warnings in report.qa if warnings and not errors)
    say(f"QA of {len(report.qa)} sample records ({out_dir / 'qa'}/): {len(report.qa) - len(failing)} pass"
        + (f" ({warned} with warnings)" if warned else "") + f", {len(failing)} with errors"
        + "".join(f"; {source}: {', '.join(sorted(set(rules)))}" for source, rules in failing))
