"""`pep batch`: documents and forms for a whole cohort, in parallel, with progress and safe restarts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..authority.audience import AUDIENCES
from ..authority.profiles import get_variant
from ..cohort.batch import BatchSettings, BatchSummary, default_workers, run_batch
from ..cohort.sheets import count_rows, read_cohort
from ..cohort.template import template_csv, template_xlsx
from ..core.writer import write_atomic
from ..pipeline.generate import RENDERERS, check_request
from ..signing.keys import KeyRing
from .common import say


class DefaultGroup(click.Group):
    """A group whose default command runs when the first argument is not a subcommand (`pep batch A V ...`)."""

    default_command = "run"

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group("batch", cls=DefaultGroup)
def command():
    """Generate documents and forms for a whole cohort: `pep batch AUTHORITY VARIANT --data COHORT ...`.

    COHORT is a CSV or Excel sheet whose column headers are data paths (get one with `pep batch template`),
    a folder of JSON records, or a store folder (`pep ingest --store`). Bad rows are reported in batch-errors.csv
    and on screen; the rest go on. Run it again after an interruption: what is done and correct is skipped.

    \b
    Example:
      pep batch template walsall pep -o cohort.xlsx
      pep batch walsall pep --data cohort.xlsx --format docx --format pdf -o out/
    """


class _Progress:
    """A one-line progress bar on a terminal; nothing when stderr is not a terminal."""

    def __init__(self, total: int | None):
        self.total = total
        self.enabled = sys.stderr.isatty()

    def __call__(self, summary: BatchSummary) -> None:
        if not self.enabled:
            return
        done = summary.rows
        if self.total:
            filled = int(30 * done / max(self.total, 1))
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total}"
        else:
            bar = f"{done} children"
        click.echo(f"\r{bar}  {summary.written} written, {summary.skipped} skipped, "
                   f"{len(summary.bad_rows)} bad rows", nl=False, err=True)

    def close(self) -> None:
        if self.enabled:
            click.echo("", err=True)


def _formats(values: tuple[str, ...]) -> tuple[str, ...]:
    found = [f.strip() for value in values for f in value.split(",") if f.strip()]
    unknown = [f for f in found if f not in RENDERERS]
    if unknown:
        raise click.BadParameter(f"unknown format(s) {', '.join(unknown)}; use docx, pdf or form.",
                                 param_hint="--format")
    return tuple(dict.fromkeys(found))


@command.command("run", hidden=True)
@click.argument("authority")
@click.argument("variant")
@click.option("--data", "cohort", required=True, type=click.Path(path_type=Path),
              help="A .csv or .xlsx sheet (headers are data paths), a folder of .json records, or a store folder.")
@click.option("--format", "formats", required=True, multiple=True,
              help="docx, pdf, form; repeat the option or separate with commas.")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), default="output",
              show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Worker processes (default: cores).")
@click.option("--audience", type=click.Choice(AUDIENCES), default="record", show_default=True)
@click.option("--force", is_flag=True, help="Replace existing files with different content.")
@click.option("--zip-per-school", is_flag=True, help="Also write zips/school_<urn>.zip with a manifest.")
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False), help="Signing keys for forms.")
def run(authority, variant, cohort, formats, out_dir, workers, audience, force, zip_per_school, key_file):
    """Generate every format for every child of COHORT.

    \b
    Example:
      pep batch walsall pep --data cohort.csv --format docx,pdf,form -o out/
    """
    chosen = _formats(formats)
    profile, var = get_variant(authority, variant)
    for fmt in chosen:
        check_request(profile, var, fmt)
    options: dict = {"zip_per_school": zip_per_school}
    if "form" in chosen:
        ring = KeyRing.load(key_file)
        ring.current()
        options["keys"] = ring
    settings = BatchSettings(authority, variant, chosen, out_dir, audience, force, workers or default_workers(),
                             options)
    progress = _Progress(count_rows(cohort) if cohort.exists() else None)
    summary = run_batch(read_cohort(cohort, authority, variant), settings, progress)
    progress.close()
    _report(summary, out_dir)
    if not summary.ok:
        sys.exit(1)


def _report(summary: BatchSummary, out_dir: Path) -> None:
    for outcome in summary.bad_rows[:50]:
        for path, message in outcome.errors[:5]:
            say(f"{outcome.source}: {path}: {message}" if path else f"{outcome.source}: {message}")
    if len(summary.bad_rows) > 50:
        say(f"... and {len(summary.bad_rows) - 50} more bad rows (see {out_dir / 'batch-errors.csv'}).")
    say(f"{summary.rows} children: {summary.written} files written, {summary.skipped} already done, "
        f"{len(summary.bad_rows)} bad rows, in {summary.seconds:.1f} s.")
    if summary.bad_rows:
        say(f"Error report: {out_dir / 'batch-errors.csv'}")
    for path in summary.zips:
        say(f"Zip: {path}")
    if summary.interrupted:
        say("Interrupted: run the same command again to finish; completed files are kept.")


@command.command("template")
@click.argument("authority")
@click.argument("variant")
@click.option("-o", "--output", "target", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="cohort.csv or cohort.xlsx")
@click.option("--force", is_flag=True, help="Replace an existing file.")
def template(authority, variant, target, force):
    """Write a template cohort sheet for AUTHORITY's VARIANT: headers are data paths; a guide to every column.

    \b
    Example:
      pep batch template essex pep1 -o essex-pep1.xlsx
    """
    profile, var = get_variant(authority, variant)
    if target.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("use a .csv or .xlsx file name", param_hint="--output")
    content = template_xlsx(profile, var) if target.suffix.lower() == ".xlsx" else template_csv(profile, var)
    write_atomic(target, content, force)
    click.echo(str(target))
