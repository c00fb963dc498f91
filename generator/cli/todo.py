"""`pep todo`: what one person must do next, from the store."""

from __future__ import annotations

import datetime as dt

import click

from ..authority.journey import ROLES
from ..store.database import Store
from ..workflow.todo import USERS_FILE, by_heading, find_user, todo, user_for
from .common import emit_json
from .store import _store_option


def as_of_option(func):
    return click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
                        help="The day to list for, YYYY-MM-DD (default: today).")(func)


@click.command("todo")
@_store_option
@click.option("--user", "user_name", help=f"A user by id or name: from {USERS_FILE} in the store folder if there is "
                                          "one, else one the records name (vs-<authority>, dt-<urn>, sw-<name>).")
@click.option("--role", type=click.Choice(ROLES), help="Instead of --user: a role, with its scope below.")
@click.option("--urn", help="With --role designated_teacher: the school's URN.")
@click.option("--social-worker", "social_worker", help="With --role social_worker: the name or email the records "
                                                       "give.")
@click.option("--authority", help="With --role virtual_school: one authority (default: every one).")
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="{user, as_of, items: [...]} as JSON.")
def command(store_dir, user_name, role, urn, social_worker, authority, as_of, as_json):
    """What one person must do next: forms due back, sections to complete, PEPs to submit, put right or
    quality-assure, PP+ to release, meetings coming up and overdue PEPs.

    \b
    Example:
      pep todo --role designated_teacher --urn 140123 --store pep-store
      pep todo --user vs-walsall --json
    """
    if bool(user_name) == bool(role):
        raise click.UsageError("Give --user NAME, or --role ROLE with its scope (--urn, --social-worker).")
    day = as_of.date() if as_of else dt.date.today()
    with Store.open(store_dir) as store:
        user = find_user(store, user_name) if user_name else user_for(role, urn=urn, social_worker=social_worker,
                                                                      authority=authority)
        items = todo(store, user, day)
    if as_json:
        emit_json({"user": user.as_json(), "as_of": day.isoformat(), "items": [i.as_json() for i in items]})
        return
    click.echo(f"To do for {user.name} ({user.role.replace('_', ' ')}, {user.scope}) on {day.isoformat()}:")
    if not items:
        click.echo("  Nothing to do.")
    for heading, mine in by_heading(items):
        click.echo(f"{heading}:")
        for item in mine:
            click.echo(f"  {item.social_care_id}: {item.text}")
