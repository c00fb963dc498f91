"""`pep store`: show a child's record and its history, export it, import records, start next term's PEP."""

from __future__ import annotations

import getpass
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


@command.command("unmatched")
@_store_option
@click.option("--all", "include_assigned", is_flag=True, help="Also list those assigned since, with to whom.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of {id, sha256, source, received_at, original, "
                                                       "form, reason, identity, result}.")
def unmatched(store_dir, include_assigned, as_json):
    """List returned blank forms that no child in the store could be matched to, with why.

    A returned blank form is matched by the social care id the school wrote in it, or, when that is missing, by the
    child's name and date of birth together (never by name alone). One that matches nobody is kept here, with its
    file and what was read from it, until `pep store assign` gives it to a child.

    \b
    Example:
      pep store unmatched --store casework/pep-store
      pep store assign 3 WSL-000123 --store casework/pep-store
    """
    with Store.open(store_dir) as store:
        entries = store.unmatched(include_assigned=include_assigned)
    if as_json:
        emit_json(entries)
        return
    for entry in entries:
        form, who = entry["form"], entry["identity"]
        typed = ", ".join(f"{path.split('.')[-1]} {value!r}" for path, value in who.items() if value) or "nothing"
        assigned = f"  assigned to {entry['assigned_to']}" if entry.get("assigned_to") else ""
        click.echo(f"{entry['id']}  {entry['sha256'][:12]}  {entry['received_at']}  {form['authority']} "
                   f"{form['variant']}  {entry['source']}{assigned}")
        click.echo(f"  gives: {typed}")
        click.echo(f"  {entry['reason']}")
    if not entries:
        say("No unmatched returns.")


@command.command("assign")
@click.argument("file")
@click.argument("child")
@_store_option
@click.option("--actor", default=None, help="Who assigns it, kept in the audit (default: the login name).")
@click.option("--json", "as_json", is_flag=True, help="The ingest result as JSON (as `pep ingest --json`).")
def assign(file, child, store_dir, actor, as_json):
    """Ingest an unmatched return into CHILD's record.

    FILE is the returned PDF (any copy of it), its id or SHA-256 from `pep store unmatched`. The child's
    social care id is given to what the form holds, the data is validated again, and what the school wrote is
    merged into the child's record as a new version; the audit records who assigned it. Exit 1 when it is still
    invalid (it then stays unmatched).

    \b
    Example:
      pep store assign returned/blank-views-form.pdf WSL-000123 --store casework/pep-store
    """
    actor = actor or _login()
    with Store.open(store_dir) as store:
        result = store.assign(file, child, actor=actor)
    if as_json:
        emit_json(result.to_json())
    elif result.stored_version is not None:
        click.echo(f"{file}: assigned to {child}, stored as version {result.stored_version}")
    else:
        click.echo(f"{file}: {result.status}, not assigned")
    for path, message in result.errors:
        say(f"  {path}: {message}" if path else f"  {message}")
    for path, message in result.warnings:
        say(f"  warning: {path}: {message}" if path else f"  warning: {message}")
    sys.exit(0 if result.stored_version is not None else 1)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


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
