"""`pep due`: when each child's next PEP is due, as a table, CSV or JSON, and an .ics calendar of PEP meetings."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..core.errors import UsageError
from ..core.writer import write_atomic
from ..qa.due import cohort_due, counts, load_cohort, store_records, to_csv, to_ics, to_table
from .common import emit_json, say


def parse_as_of(value: str | None) -> dt.date:
    """--as-of YYYY-MM-DD, or today."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise UsageError(f"--as-of {value!r} is not a date (use YYYY-MM-DD).") from err


@click.command("due")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", "store_dir", type=click.Path(path_type=Path), help="Read the cohort from a pep store.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Count from this date instead of today.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--ics", "ics_out", type=click.Path(path_type=Path), help="Also write an iCalendar file of PEP meetings.")
@click.option("--force", is_flag=True, help="Replace an existing, different .ics file.")
def command(paths: tuple[Path, ...], store_dir: Path | None, as_of: str | None, as_json: bool, as_csv: bool,
            ics_out: Path | None, force: bool):
    """List when each child's next PEP is due: overdue, due soon or on time.

    Reads PEP records from files and folders (searched for *.json) or a store. Each authority's timescales
    (initial PEP, termly or six-monthly reviews, the window in the term, the kind of day counted) and calendar
    (bank holidays and term dates) set the date; the basis of each date is shown. Invalid records are reported
    on stderr and skipped (exit 1).

    \b
    Example:
      pep due samples/ --as-of 2026-03-02
      pep due samples/ --csv > due.csv
      pep due --store pep-store --ics pep-meetings.ics
    """
    if not paths and store_dir is None:
        raise UsageError("Give record files or folders, or --store DIR.")
    if as_json and as_csv:
        raise UsageError("Choose one of --json and --csv.")
    day = parse_as_of(as_of)
    cohort = load_cohort(paths, store_records(store_dir) if store_dir else ())
    for source, problem in cohort.problems:
        say(f"{source}: skipped, {problem}")
    items = cohort_due(cohort.records, day)
    if as_json:
        emit_json({"as_of": day.isoformat(), "counts": counts(items), "children": [i.as_json() for i in items],
                   "skipped": [{"source": s, "reason": r} for s, r in cohort.problems]})
    elif as_csv:
        click.echo(to_csv(items), nl=False)
    else:
        click.echo(to_table(items), nl=False)
    if ics_out is not None:
        say(f"{ics_out}: {write_atomic(ics_out, to_ics(items, day).encode('utf-8'), force=force)}")
    if cohort.problems or any(i.status == "unknown" for i in items):
        sys.exit(1)
