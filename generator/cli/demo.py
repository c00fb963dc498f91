"""`pep demo`: the main job end to end on the bundled samples."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..demo import run_demo
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
    say(f"Validated {len(report.valid)} sample records: all valid.")
    say(f"Checked {len(report.invalid_as_expected)} invalid samples: each fails exactly as expected.")
    by_format: dict[str, int] = {}
    for path in report.written:
        key = "form" if path.name.endswith("_form.pdf") else path.suffix.lstrip(".")
        by_format[key] = by_format.get(key, 0) + 1
    if report.written:
        counts = ", ".join(f"{n} {fmt}" for fmt, n in sorted(by_format.items()))
        say(f"Wrote {len(report.written)} documents to {out_dir}/ ({counts}).")
    for problem in report.problems:
        say(f"PROBLEM: {problem}")
    if not report.ok:
        sys.exit(1)
