"""`pep ingest`: read returned forms back into data, verify them, validate them, and optionally store them."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from ..ingest.returns import IngestResult, ingest_files
from ..ingest.safety import Limits, default_workers
from ..signing.keys import KeyRing
from .common import emit_json, say


@click.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="JSON Lines on stdout, one object per file, in input order.")
@click.option("--store", "store_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Merge accepted forms into the store in this folder (created if missing) and keep the originals.")
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Key file to verify signatures with (default: $PEP_KEY_FILE or ~/.config/pep/keys.json; "
                   "$PEP_SIGNING_KEY is also used).")
@click.option("--send-back", "send_back", type=click.Path(path_type=Path, file_okay=False),
              help="For each invalid return, write a reply for the school and a re-issued form holding everything "
                   "they typed into this folder.")
@click.option("--password", "passwords", multiple=True, envvar="PEP_FORM_PASSWORD",
              help="Password of forms issued with one (repeatable; default $PEP_FORM_PASSWORD).")
@click.option("--workers", type=click.IntRange(1, 32), default=default_workers, show_default="cores, at most 4",
              help="Reader processes working at once.")
@click.option("--timeout", type=click.FloatRange(1, 600), default=20, show_default=True,
              help="Seconds one file may take to read before it is refused.")
def command(files, as_json, store_dir, key_file, send_back, passwords, workers, timeout):
    """Read returned FILEs (forms filled in any PDF viewer) back into records.

    Each file is accepted (ours, untampered, valid), invalid (ours, but the data fails validation: errors say why
    and nothing typed is lost) or rejected (not a PDF, not our form, tampered, forged, password-protected,
    flattened or unsafe). One bad file never stops the others; no file is ever modified. Exit 0 when every file is
    accepted, 1 otherwise, 2 when there is no key to verify with.

    \b
    Example:
      pep ingest returned/*.pdf --json --store casework/pep-store
    """
    keys = KeyRing.load(key_file)
    keys.require_any()
    store = _open_store(store_dir)
    counts: Counter = Counter()
    try:
        for result, data in ingest_files(files, keys, workers=workers, limits=Limits(seconds=timeout),
                                         passwords=passwords):
            if store is not None:
                store.ingest(result, data)
            if send_back is not None and result.status == "invalid" and not result.duplicate:
                _send_back(result, send_back, keys)
            counts[result.status] += 1
            counts["duplicate"] += result.duplicate
            counts["unmatched"] += result.stored == "unmatched"
            if as_json:
                emit_json(result.to_json())
            else:
                _print(result)
    finally:
        if store is not None:
            store.close()
    say(_summary(counts))
    sys.exit(0 if counts["accepted"] == sum(counts[s] for s in ("accepted", "invalid", "rejected")) else 1)


def _open_store(store_dir: Path | None):
    if store_dir is None:
        return None
    from ..store.database import Store

    return Store.open(store_dir, create=True)


def _send_back(result: IngestResult, folder: Path, keys: KeyRing) -> None:
    from ..workflow.sendback import send_back

    for path in send_back(result, folder, keys):
        say(f"{result.source}: wrote {path}")


def _print(result: IngestResult) -> None:
    form = result.form
    about = f" ({form['authority']} {form['variant']}, form {form['form_id']})" if form else ""
    stored = f", stored as version {result.stored_version}" if result.stored_version else ""
    if result.stored == "unmatched":
        stored = f", kept as unmatched return {result.unmatched_id} (pep store assign)"
    match = result.match or {}
    if match.get("by") in ("social_care_id", "name_and_date_of_birth"):
        stored += f", matched to {match['child']} by {match['by'].replace('_', ' ')}"
    duplicate = " [duplicate: ingested before, nothing changed]" if result.duplicate else ""
    click.echo(f"{result.source}: {result.status}{about}{stored}{duplicate}")
    for path, message in result.errors:
        click.echo(f"  {path}: {message}" if path else f"  {message}")
    for path, message in result.warnings:
        click.echo(f"  warning: {path}: {message}" if path else f"  warning: {message}")


def _summary(counts: Counter) -> str:
    total = sum(counts[s] for s in ("accepted", "invalid", "rejected"))
    parts = ", ".join(f"{counts[s]} {s}" for s in ("accepted", "invalid", "rejected"))
    return (f"{total} file(s): {parts}" + (f"; {counts['duplicate']} duplicate(s)" if counts["duplicate"] else "")
            + (f"; {counts['unmatched']} unmatched, to assign" if counts["unmatched"] else ""))
