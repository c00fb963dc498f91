"""`pep generate`: one Word document, PDF/A record or fillable form, blank or filled from a record."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..authority.audience import AUDIENCES
from ..authority.profiles import get_variant
from ..core.errors import RecordInvalid
from ..core.records import load_json_file
from ..pipeline.generate import RENDERERS, check_request, generate
from .common import say


@click.command("generate")
@click.argument("authority")
@click.argument("variant")
@click.option("--format", "fmt", required=True, type=click.Choice(list(RENDERERS)),
              help="docx: Word document; pdf: PDF/A record for the case file; form: fillable PDF.")
@click.option("--data", "data_file", type=click.Path(path_type=Path), help="A JSON record to fill in.")
@click.option("--blank", is_flag=True, help="An empty document or form.")
@click.option("--store", "store_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Take the record from this store (with --child): the child's current record.")
@click.option("--child", help="The child's social care id, with --store.")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), default="output",
              show_default=True, help="Folder to write to.")
@click.option("--force", is_flag=True, help="Replace an existing file with different content.")
@click.option("--audience", type=click.Choice(AUDIENCES), default="record", show_default=True,
              help="Leave out what this audience must not see.")
@click.option("--password", help="Forms only: encrypt the form (AES-256) with this password, for sending by email.")
@click.option("--issue-date", help="Forms only: the issue date in the form's identity (YYYY-MM-DD; default today).")
def command(authority, variant, fmt, data_file, blank, store_dir, child, out_dir, force, audience, password,
            issue_date):
    """Generate one document for AUTHORITY's VARIANT and print its path.

    File names come from the authority's pattern and use ids, never the child's name. An existing file with the
    same bytes is left alone; a different one is an error unless --force.

    \b
    Example:
      pep generate walsall pep --format docx --data samples/walsall/pep.json
      pep generate essex pep2 --format pdf --blank -o out/
      pep generate walsall pep --format pdf --store pep-store --child WSL-000123
    """
    if store_dir or child:
        if not (store_dir and child) or data_file or blank:
            raise click.UsageError("Give --store DIR together with --child ID, and neither --data nor --blank.")
    elif bool(data_file) == bool(blank):
        raise click.UsageError("Give exactly one of --data FILE or --blank.")
    if (password or issue_date) and fmt != "form":
        raise click.UsageError("--password and --issue-date are for forms only (--format form); a PDF/A record "
                               "cannot be encrypted.")
    check_request(*get_variant(authority, variant), fmt)  # usage errors (exit 2) before any input is read
    data = load_json_file(data_file) if data_file else None
    if child:
        from ..store.database import record_for

        data, data_file = record_for(store_dir, child, variant), f"{store_dir}#{child}"
    options = {k: v for k, v in (("password", password), ("issue_date", issue_date)) if v}
    try:
        result = generate(authority, variant, fmt, data, out_dir, audience=audience, force=force,
                          source=str(data_file) if data_file else None, options=options)
    except RecordInvalid as err:
        say(f"Error: {err.file}: invalid record, nothing written:")
        for line in err.lines():
            say(line)
        sys.exit(1)
    if result.status == "unchanged":
        say(f"{result.path}: unchanged (same content already there)")
    click.echo(str(result.path))
