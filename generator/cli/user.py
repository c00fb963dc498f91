"""`pep user`: accounts of the web application (`pep serve`), kept in the accounts database of the store folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.errors import PepError
from ..store.database import STORE_ENV, default_store_dir
from .common import emit_json, say

ROLE_NAMES = ("virtual_school", "designated_teacher", "social_worker", "read_only")


class AccountRefused(PepError):
    exit_code = 1


def _setup(store_dir: Path | None, database_url: str | None) -> None:
    from ..web.settings import configure

    configure(store_dir or default_store_dir(), database_url=database_url)


def _options(func):
    func = click.option("--database-url", envvar="PEP_WEB_DATABASE_URL",
                        help="The accounts database if not SQLite in the store folder.")(func)
    return click.option("--store", "store_dir", type=click.Path(path_type=Path, file_okay=False), envvar=STORE_ENV,
                        help="The store folder (default: $PEP_STORE, else ./pep-store).")(func)


def _run(action):
    from ..web.accounts import AccountError

    try:
        return action()
    except AccountError as err:
        raise AccountRefused(f"{err.field}: {err.message}") from err


def _password(value: str | None, prompt: bool) -> str:
    if value:
        return value
    if prompt and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n") if prompt else ""


@click.group("user")
def command():
    """Accounts of the web application: add, list, disable, set a password.

    \b
    Example:
      pep user add dt.oakfield --role designated_teacher --authority walsall --school-urn 140123
    """


@command.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLE_NAMES))
@click.option("--authority", required=True, help="The authority the account belongs to, e.g. walsall.")
@click.option("--email", default="", help="Email; a social worker's must be the one their children's records name.")
@click.option("--school-urn", default="", help="A designated teacher's school URN.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (else prompted on a "
                                                      "terminal; with neither, single sign-on only).")
@_options
def add(username, role, authority, email, school_urn, password_stdin, store_dir, database_url):
    """Add an account.

    \b
    Example:
      pep user add sw.aoife --role social_worker --authority walsall --email aoife.nibhriain@example.org
    """
    _setup(store_dir, database_url)
    from ..web.accounts import add as add_account

    password = _password(None, password_stdin or sys.stdin.isatty())
    _run(lambda: add_account(username, role, authority, email=email, school_urn=school_urn, password=password))
    say(f"{username}: added ({role}, {authority}).")


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of accounts.")
@_options
def list_users(as_json, store_dir, database_url):
    """List the accounts.

    \b
    Example:
      pep user list --json
    """
    _setup(store_dir, database_url)
    from ..web.accounts import listing

    rows = listing()
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['username']}  {row['role']}  {row['authority']}  {row['school_urn'] or '-'}  "
                   f"{row['email'] or '-'}  {'active' if row['active'] else 'disabled'}")


@command.command("disable")
@click.argument("username")
@_options
def disable(username, store_dir, database_url):
    """Disable an account and end its sessions.

    \b
    Example:
      pep user disable dt.oakfield
    """
    _setup(store_dir, database_url)
    from ..web.accounts import disable as disable_account

    _run(lambda: disable_account(username))
    say(f"{username}: disabled.")


@command.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@_options
def set_password(username, password_stdin, store_dir, database_url):
    """Set an account's password (prompted, or from standard input).

    \b
    Example:
      pep user set-password dt.oakfield
    """
    _setup(store_dir, database_url)
    from ..web.accounts import set_password as set_account_password

    password = _password(None, True)
    if not password:
        raise AccountRefused("password: give a password (on a terminal, or with --password-stdin).")
    _run(lambda: set_account_password(username, password))
    say(f"{username}: password set.")
