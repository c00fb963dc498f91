"""`pep report`: the cohort dashboard, one self-contained HTML page."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.errors import UsageError
from ..core.writer import write_atomic
from ..qa.dashboard import render
from ..qa.due import load_cohort, store_records
from .common import say
from .due import parse_as_of


@click.command("report")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", "store_dir", type=click.Path(path_type=Path), help="Read the cohort from a pep store.")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), default=Path("output/dashboard.html"),
              show_default=True, help="Where to write the page.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Count due dates from this date instead of today.")
@click.option("--force", is_flag=True, help="Replace an existing, different page.")
def command(paths: tuple[Path, ...], store_dir: Path | None, out: Path, as_of: str | None, force: bool):
    """Write the cohort dashboard: PEPs on time, due soon and overdue; QA findings by rule; RONI ratings; PP+
    requested and released by term and category; with charts. One HTML file, no network resources.

    Invalid records are listed on the page and on stderr, and left out (exit 1).

    \b
    Example:
      pep report samples/walsall samples/essex -o output/dashboard.html --as-of 2026-05-08
    """
    if not paths and store_dir is None:
        raise UsageError("Give record files or folders, or --store DIR.")
    cohort = load_cohort(paths, store_records(store_dir) if store_dir else ())
    for source, problem in cohort.problems:
        say(f"{source}: left out, {problem}")
    status = write_atomic(out, render(cohort, parse_as_of(as_of)).encode("utf-8"), force=force)
    click.echo(str(out))
    say(f"{out}: {status} ({len(cohort.records)} records)")
    if cohort.problems:
        sys.exit(1)
