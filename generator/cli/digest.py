"""`pep digest`: one plain-text and one HTML message file per user, for the council's mail system to send."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..store.database import Store
from ..workflow.todo import USERS_FILE, find_user, write_digest
from .common import emit_json, say
from .store import _store_option
from .todo import as_of_option


@click.command("digest")
@_store_option
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="The folder to write <user id>.txt and <user id>.html into.")
@click.option("--user", "user_names", multiple=True, help="Only these users (id or name; repeatable).")
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="A JSON list of {user, items, files}.")
def command(store_dir, out_dir, user_names, as_of, as_json):
    """Write each user's daily digest of their to-do list as a plain-text and an HTML message file. The users are
    those of users.yaml in the store folder, else every social worker, school and Virtual School the records name.
    pep sends no email: the council's mail system sends the files. The same store and day give the same bytes.

    \b
    Example:
      pep digest --store pep-store -o digests/
    """
    day = as_of.date() if as_of else dt.date.today()
    with Store.open(store_dir) as store:
        users = [find_user(store, n) for n in user_names] or None
        written = write_digest(store, out_dir, day, users)
    if as_json:
        emit_json([{"user": u.as_json(), "items": n, "files": [str(p) for p in paths]} for u, n, paths in written])
        return
    for user, count, paths in written:
        click.echo(f"{user.id}: {count} item(s): {', '.join(str(p) for p in paths)}")
    if not written:
        say(f"No users: add {USERS_FILE} to the store folder, or import records.")
