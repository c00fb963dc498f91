"""`pep validate`: check the shape of record files, reporting every error with its data path."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..authority.coverage import record_warnings
from ..authority.validation import validate_file
from .common import emit_json, errors_json


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one object per file.")
def command(files: tuple[Path, ...], as_json: bool):
    """Validate PEP records (JSON files): types, formats, allowed values, dates in order and derived values.

    Completeness and each authority's own rules are checked by `pep qa`. A valid record that holds a value its
    variant's sections do not show gets a warning on stderr naming the path (the record copy keeps such values
    under "Also recorded"). Exits 1 when any file is invalid; warnings alone do not fail.

    \b
    Example:
      pep validate samples/walsall/pep.json samples/invalid/*.json --json
    """
    failed = 0
    for path in files:
        result = validate_file(path)
        failed += not result.valid
        warnings = record_warnings(result.record) if result.valid else []
        if as_json:
            line = {"source": str(path), "valid": result.valid, "errors": errors_json(result.errors)}
            emit_json({**line, "warnings": errors_json(warnings)} if warnings else line)
        elif result.valid:
            click.echo(f"{path}: valid")
            for field, message in warnings:
                click.echo(f"{path}: warning: {field}: {message}", err=True)
        else:
            click.echo(f"{path}: invalid ({len(result.errors)} error{'s' * (len(result.errors) != 1)})")
            for field, message in result.errors:
                click.echo(f"  {field}: {message}" if field else f"  {message}")
    if failed:
        sys.exit(1)
