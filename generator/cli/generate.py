"""`pep generate`: one Word document, PDF/A record or fillable form, blank or filled from a record."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..audience import AUDIENCES
from ..errors import RecordInvalid
from ..generate import RENDERERS, generate
from ..records import load_json_file
from .common import say


@click.command("generate")
@click.argument("authority")
@click.argument("variant")
@click.option("--format", "fmt", required=True, type=click.Choice(list(RENDERERS)),
              help="docx: Word document; pdf: PDF/A record for the case file; form: fillable PDF.")
@click.option("--data", "data_file", type=click.Path(path_type=Path), help="A JSON record to fill in.")
@click.option("--blank", is_flag=True, help="An empty document or form.")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), default="output",
              show_default=True, help="Folder to write to.")
@click.option("--force", is_flag=True, help="Replace an existing file with different content.")
@click.option("--audience", type=click.Choice(AUDIENCES), default="record", show_default=True,
              help="Leave out what this audience must not see.")
def command(authority, variant, fmt, data_file, blank, out_dir, force, audience):
    """Generate one document for AUTHORITY's VARIANT and print its path.

    File names come from the authority's pattern and use ids, never the child's name. An existing file with the
    same bytes is left alone; a different one is an error unless --force.

    \b
    Example:
      pep generate walsall pep --format docx --data samples/walsall/pep.json
      pep generate essex pep2 --format pdf --blank -o out/
    """
    if bool(data_file) == bool(blank):
        raise click.UsageError("Give exactly one of --data FILE or --blank.")
    data = load_json_file(data_file) if data_file else None
    try:
        result = generate(authority, variant, fmt, data, out_dir, audience=audience, force=force,
                          source=str(data_file) if data_file else None)
    except RecordInvalid as err:
        say(f"Error: {err.file}: invalid record, nothing written:")
        for line in err.lines():
            say(line)
        sys.exit(1)
    if result.status == "unchanged":
        say(f"{result.path}: unchanged (same content already there)")
    click.echo(str(result.path))
