"""`pep form fields`: the fillable fields of a form pep generated, with their data paths and current values."""

from __future__ import annotations

from pathlib import Path

import click

from ..core.errors import InputError
from ..ingest.fields import read_form
from .common import emit_json


def field_listing(path: Path, password: str | None = None) -> list[dict]:
    """The contract's list: {"name", "path", "type", "options", "readonly", "value"} for each field of the map."""
    contents = read_form(path, password)
    if contents.manifest is None:
        raise InputError(contents.problem or "Not a form made by pep.", file=str(path))
    listing = []
    for spec in contents.manifest.fields:
        found = contents.fields.get(spec.name)
        listing.append({**spec.to_json(), "value": None if found is None else found.value,
                        **({} if found is not None else {"missing": True})})
    return listing


@click.group("form")
def command():
    """Look inside fillable forms pep generated.

    \b
    Example:
      pep form fields output/PEP_walsall_WS-10442_2025-26_autumn_views-primary.pdf --json
    """


@command.command("fields")
@click.argument("form_file", metavar="FORM.pdf", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option("--password", help="The password of an encrypted form.")
def fields(form_file: Path, as_json: bool, password: str | None):
    """List the fields of FORM.pdf: name, data path, type, options, read-only, and the value it holds now.

    \b
    Example:
      pep form fields returned.pdf
      pep form fields returned.pdf --json
    """
    listing = field_listing(form_file, password)
    if as_json:
        emit_json(listing)
        return
    for item in listing:
        flags = "read-only" if item["readonly"] else ""
        value = item["value"]
        shown = ("yes" if value else "no") if isinstance(value, bool) else str(value or "").replace("\n", " / ")
        click.echo(f"{item['name']:<48} {item['type']:<9} {flags:<9} {shown[:60]}")
