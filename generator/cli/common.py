"""Helpers shared by the commands: JSON output, messages on stderr."""

from __future__ import annotations

import json
from decimal import Decimal

import click


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value, indent: int | None = None) -> str:
    """UTF-8 JSON text (non-ASCII kept as is)."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=_default)


def emit_json(value, indent: int | None = None) -> None:
    """One JSON document (or JSON Lines entry) on stdout."""
    click.echo(to_json(value, indent))


def say(message: str) -> None:
    """A progress or status message: stderr, so stdout stays clean for data."""
    click.echo(message, err=True)


def errors_json(errors: list[tuple[str, str]]) -> list[dict]:
    return [{"path": path, "message": message} for path, message in errors]
