"""`pep key new`: make a signing key for forms (older keys are kept so forms already out still verify)."""

from __future__ import annotations

from pathlib import Path

import click

from ..signing.keys import ENV_FILE, ENV_KEY, default_key_file, new_key
from .common import say


@click.group("key")
def command():
    """Signing keys for fillable forms.

    Forms are signed with the current key; every key in the key file can still verify the forms it signed, so
    making a new key (rotation) never voids forms that are still out with schools. PEP_SIGNING_KEY, when set,
    is used instead of the file's current key.

    \b
    Example:
      pep key new
    """


@command.command("new")
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False),
              help=f"The key file (default: ${ENV_FILE}, else ~/.config/pep/keys.json).")
def new(key_file: Path | None):
    """Make a new signing key, add it to the key file (owner-only) and make it current; print its id.

    \b
    Example:
      pep key new
      pep key new --key-file /srv/pep/keys.json
    """
    path = Path(key_file) if key_file else default_key_file()
    key = new_key(path)
    say(f"New signing key {key.id} added to {path} (owner-only); forms are now signed with it. "
        f"Older keys stay in the file so forms they signed still verify. {ENV_KEY}, when set, takes precedence.")
    click.echo(key.id)
