"""Helpers shared by the commands: JSON output, messages on stderr."""

from __future__ import annotations

import click

from ..core.jsonlines import json_text


def to_json(value, indent: int | None = None) -> str:
    """UTF-8 JSON text (non-ASCII kept as is; U+0085, U+2028, U+2029 escaped so a JSON Lines entry stays one
    line)."""
    return json_text(value, indent)


def emit_json(value, indent: int | None = None) -> None:
    """One JSON document (or JSON Lines entry) on stdout."""
    click.echo(to_json(value, indent))


def say(message: str) -> None:
    """A progress or status message: stderr, so stdout stays clean for data."""
    click.echo(message, err=True)


def errors_json(errors: list[tuple[str, str]]) -> list[dict]:
    return [{"path": path, "message": message} for path, message in errors]
