"""`pep qa`: check records against their authority's rules; text, JSON and HTML reports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.writer import write_atomic
from ..qa.check import check_file, html_report, text_report
from .common import emit_json, say


@click.command("qa")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (JSON Lines when several files are given).")
@click.option("--html", "html_out", type=click.Path(path_type=Path),
              help="Also write the HTML report here (a folder when several files are given: FOLDER_FILE.qa.html).")
@click.option("--force", is_flag=True, help="Replace an existing, different HTML report.")
def command(files: tuple[Path, ...], as_json: bool, html_out: Path | None, force: bool):
    """Quality-assure PEP records against their authority's rules (and the national ones).

    Each finding names the rule, its severity (error: the guidance says must; warning: should), the data path,
    what is wrong and the sentence of guidance it comes from. An invalid record gets its validation errors
    (rule SCHEMA) instead. Exits 1 when any record has an error-level finding.

    \b
    Example:
      pep qa samples/walsall/pep.json
      pep qa samples/walsall/pep.json --json
      pep qa samples/walsall/pep.json --html output/qa/walsall.html
    """
    failed = False
    for path in files:
        result = check_file(path)
        failed |= bool(result.errors)
        if as_json:
            emit_json(result.as_json())
        else:
            click.echo(text_report(result) + ("\n" if len(files) > 1 else ""), nl=False)
        if html_out is not None:
            target = html_out / f"{path.parent.name}_{path.stem}.qa.html" if len(files) > 1 else html_out
            status = write_atomic(target, html_report(result).encode("utf-8"), force=force)
            say(f"{target}: {status}")
    if failed:
        sys.exit(1)
