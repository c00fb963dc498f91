"""`pep store`: show a child's record and its history, export it, import records, start next term's PEP."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..authority.validation import check_record
from ..core.records import load_json_file
from ..core.writer import write_atomic
from ..store.database import STORE_ENV, Store, flatten
from ..workflow.nextterm import TERM_ORDER, next_term
from .common import emit_json, say, to_json

_STORE_HELP = f"The store folder (default: ${STORE_ENV}, else ./pep-store)."


def _store_option(func):
    return click.option("--store", "store_dir", type=click.Path(path_type=Path, file_okay=False),
                        envvar=STORE_ENV, help=_STORE_HELP)(func)


@click.group("store")
def command():
    """The store of children's PEP records: every version, an audit trail and the returned forms as received.

    `pep ingest --store DIR` fills it; these commands read it and start next term's PEP from it.

    \b
    Example:
      pep store history WSL-000123 --store casework/pep-store
    """


@command.command("list")
@_store_option
@click.option("--json", "as_json", is_flag=True, help="A JSON list of {social_care_id, authority, version, "
                                                       "updated_at}.")
def list_children(store_dir, as_json):
    """List the children in the store with their current version.

    \b
    Example:
      pep store list --json
    """
    with Store.open(store_dir) as store:
        children = store.children()
    if as_json:
        emit_json(children)
        return
    for child in children:
        click.echo(f"{child['social_care_id']}  {child['authority']}  version {child['version']}  "
                   f"{child['updated_at']}")


@command.command("show")
@click.argument("child")
@_store_option
@click.option("--version", "number", type=int, help="An earlier version instead of the current one.")
@click.option("--json", "as_json", is_flag=True, help="{social_care_id, version, created_at, record} as JSON.")
def show(child, store_dir, number, as_json):
    """Show CHILD's current record (or one version): every filled field by data path.

    \b
    Example:
      pep store show WSL-000123 --store casework/pep-store
    """
    with Store.open(store_dir) as store:
        found = store.require(child, number)
    if as_json:
        emit_json({"social_care_id": child, "version": found.version, "created_at": found.created_at,
                   "record": found.record})
        return
    click.echo(f"{child}: version {found.version} of {found.created_at}")
    for path, value in flatten(found.record).items():
        if value not in (None, "", [], {}):
            click.echo(f"  {path}: {_show(value)}")


def _show(value) -> str:
    return to_json(value) if not isinstance(value, str) else value.replace("\n", "\n      ")


@command.command("history")
@click.argument("child")
@_store_option
@click.option("--json", "as_json", is_flag=True, help="A JSON list of audit entries, oldest first.")
def history(child, store_dir, as_json):
    """Show every change to CHILD's record: when, from which file (SHA-256) and form, and each field from → to.

    \b
    Example:
      pep store history WSL-000123 --json
    """
    with Store.open(store_dir) as store:
        store.require(child)
        entries = store.history(child)
    if as_json:
        emit_json(entries)
        return
    for entry in entries:
        source = f" file {entry['source_sha256'][:12]}…" if entry["source_sha256"] else ""
        form = f" form {entry['form_id']} ({entry['variant']})" if entry["form_id"] else ""
        click.echo(f"version {entry['version']}  {entry['at']}  {entry['action']}{source}{form}: "
                   f"{len(entry['changes'])} change(s)")
        for change in entry["changes"]:
            click.echo(f"  {change['path']}: {to_json(change['from'])} → {to_json(change['to'])}")


@command.command("export")
@click.argument("child")
@_store_option
@click.option("--version", "number", type=int, help="An earlier version instead of the current one.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the record to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Replace an existing file with different content.")
def export(child, store_dir, number, output, force):
    """Export CHILD's record as JSON (usable with `pep generate --data` and `pep validate`).

    \b
    Example:
      pep store export WSL-000123 -o WSL-000123.json
    """
    with Store.open(store_dir) as store:
        record = store.require(child, number).record
    text = to_json(record, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    status = write_atomic(output, text.encode("utf-8"), force)
    say(f"{output}: {status}")


@command.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_store_option
def import_records(files, store_dir):
    """Put JSON records into the store, each as its child's current record (the store is created if missing).

    \b
    Example:
      pep store import samples/walsall/pep.json --store casework/pep-store
    """
    failed = False
    with Store.open(store_dir, create=True) as store:
        for path in files:
            result = check_record(load_json_file(path))
            if not result.valid:
                failed = True
                say(f"{path}: invalid, not imported:")
                for where, message in result.errors:
                    say(f"  {where}: {message}")
                continue
            number = store.put(result.record, "import")
            click.echo(f"{path}: {result.record['child']['social_care_id']} version {number}")
    sys.exit(1 if failed else 0)


@command.command("next-term")
@click.argument("child")
@_store_option
@click.option("--academic-year", help="The new PEP's academic year, e.g. 2026/27 (default: follows the last PEP).")
@click.option("--term", type=click.Choice(TERM_ORDER), help="The new PEP's term (default: the one after the last).")
def next_term_command(child, store_dir, academic_year, term):
    """Start CHILD's next PEP from the last one in the store.

    Last term's targets move into the review of previous targets (outcomes to be filled in at the meeting); the
    meeting, the child's and carer's views and sign-offs start afresh; everything else is carried forward and
    listed here for checking. The new PEP becomes the child's current record (a new version).

    \b
    Example:
      pep store next-term WSL-000123 --store casework/pep-store
      pep generate walsall pep --format form --store casework/pep-store --child WSL-000123
    """
    with Store.open(store_dir) as store:
        last = store.require(child)
        started = next_term(last.record, academic_year, term)
        number = store.put(started.record, "next-term")
    pep = started.record["pep"]
    click.echo(f"{child}: version {number}, PEP {pep['id']} ({pep['term']} {pep['academic_year']})")
    say(f"{started.targets_reviewed} target(s) moved into the review of previous targets.")
    if started.carried_forward:
        say("Carried forward, to check: " + ", ".join(started.carried_forward))
