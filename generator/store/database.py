"""The store: each child's current PEP record, every earlier version, an audit trail and the original returned files.

Layout of a store folder (default `$PEP_STORE`, else `./pep-store`):
  pep-store.sqlite3   SQLite database: children, versions (whole records), audit (what changed), files (SHA-256s),
                      journey (each move of a PEP: who, when, from -> to, reason)
  originals/ab/<sha256>.pdf   returned forms as received, content-addressed, read-only, never modified
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from data_schemas import field_info, set_path, value_at

from ..authority.journey import on_return
from ..authority.validation import check_record
from ..core.errors import PepError
from ..core.writer import write_atomic
from ..ingest.returns import IngestResult, convert, drop_empty_items, spec_value
from ..signing.manifest import Manifest

STORE_ENV = "PEP_STORE"
DB_NAME = "pep-store.sqlite3"
ORIGINALS = "originals"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS children (
    social_care_id TEXT PRIMARY KEY, authority TEXT NOT NULL, current_version INTEGER NOT NULL,
    updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    social_care_id TEXT NOT NULL, version INTEGER NOT NULL, pep_id TEXT, record TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (social_care_id, version));
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, social_care_id TEXT, version INTEGER, at TEXT NOT NULL, action TEXT NOT NULL,
    source_sha256 TEXT, form_id TEXT, authority TEXT, variant TEXT, status TEXT, changes TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_child ON audit (social_care_id, id);
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, received_at TEXT NOT NULL, status TEXT NOT NULL,
    form_id TEXT, social_care_id TEXT, original TEXT);
CREATE TABLE IF NOT EXISTS journey (
    id INTEGER PRIMARY KEY, social_care_id TEXT NOT NULL, pep_id TEXT, version INTEGER, at TEXT NOT NULL,
    actor TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, from_status TEXT, to_status TEXT, reason TEXT,
    detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journey_child ON journey (social_care_id, id);
"""


class StoreError(PepError):
    """Raised when the store cannot be opened or used, or holds nothing for the child asked about."""


def default_store_dir() -> Path:
    """$PEP_STORE, else `pep-store` in the current folder."""
    return Path(os.environ.get(STORE_ENV) or "pep-store")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=lambda v: str(v) if isinstance(
        v, Decimal) else None)


@dataclass(frozen=True)
class Version:
    social_care_id: str
    version: int
    record: dict
    created_at: str


class Store:
    """A workspace folder holding the store; use `Store.open(folder)` as a context manager."""

    def __init__(self, root: Path, conn: sqlite3.Connection, clock: Callable[[], str] = _now):
        self.root, self.conn, self.clock = Path(root), conn, clock

    @classmethod
    def open(cls, root: Path | None = None, *, create: bool = False, clock: Callable[[], str] = _now) -> Store:
        root = Path(root) if root else default_store_dir()
        db = root / DB_NAME
        if not db.exists() and not create:
            raise StoreError(f"No pep store here ({DB_NAME} not found); `pep ingest --store {root}` creates one.",
                             file=str(root))
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
            conn = sqlite3.connect(db, timeout=30, isolation_level=None)
            os.chmod(db, 0o600)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except (OSError, sqlite3.Error) as err:
            raise StoreError(f"Cannot open the store: {err}.", file=str(root)) from err
        found = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        if found != str(SCHEMA_VERSION):
            raise StoreError(f"The store has schema version {found}; this pep reads version {SCHEMA_VERSION}.",
                             file=str(root))
        return cls(root, conn, clock)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _transaction(self):
        return _Transaction(self.conn)

    # -- reading ----------------------------------------------------------------------------------------------

    def seen(self, sha256: str) -> dict | None:
        """What the store knows of a file with this SHA-256, if it was ingested before."""
        row = self.conn.execute("SELECT status, form_id, social_care_id, received_at FROM files WHERE sha256 = ?",
                                (sha256,)).fetchone()
        return None if row is None else dict(zip(("status", "form_id", "social_care_id", "received_at"), row,
                                                  strict=True))

    def current(self, child: str) -> Version | None:
        row = self.conn.execute("SELECT current_version FROM children WHERE social_care_id = ?", (child,)).fetchone()
        return None if row is None else self.version(child, row[0])

    def version(self, child: str, number: int) -> Version | None:
        row = self.conn.execute("SELECT record, created_at FROM versions WHERE social_care_id = ? AND version = ?",
                                (child, number)).fetchone()
        return None if row is None else Version(child, number, json.loads(row[0]), row[1])

    def require(self, child: str, number: int | None = None) -> Version:
        """A child's current record (or one version), or a clear error."""
        found = self.current(child) if number is None else self.version(child, number)
        if found is None:
            what = "no record" if number is None else f"no version {number}"
            raise StoreError(f"The store holds {what} for child {child!r}.", file=str(self.root))
        return found

    def history(self, child: str) -> list[dict]:
        """Every audit entry of a child, oldest first."""
        rows = self.conn.execute(
            "SELECT version, at, action, source_sha256, form_id, authority, variant, status, changes FROM audit "
            "WHERE social_care_id = ? ORDER BY id", (child,)).fetchall()
        keys = ("version", "at", "action", "source_sha256", "form_id", "authority", "variant", "status", "changes")
        return [{**dict(zip(keys, row, strict=True)), "changes": json.loads(row[-1])} for row in rows]

    def versions(self, child: str) -> list[Version]:
        """Every version of a child's record, oldest first."""
        rows = self.conn.execute("SELECT version, record, created_at FROM versions WHERE social_care_id = ? "
                                 "ORDER BY version", (child,)).fetchall()
        return [Version(child, n, json.loads(record), at) for n, record, at in rows]

    def journey(self, child: str) -> list[dict]:
        """Every step of a child's PEPs' journey (moves, sections completed, ratings, PP+), oldest first."""
        rows = self.conn.execute(
            "SELECT pep_id, version, at, actor, role, action, from_status, to_status, reason, detail FROM journey "
            "WHERE social_care_id = ? ORDER BY id", (child,)).fetchall()
        keys = ("pep_id", "version", "at", "actor", "role", "action", "from", "to", "reason", "detail")
        return [{**dict(zip(keys, row, strict=True)), "detail": json.loads(row[-1])} for row in rows]

    def children(self) -> list[dict]:
        rows = self.conn.execute("SELECT social_care_id, authority, current_version, updated_at FROM children "
                                 "ORDER BY social_care_id").fetchall()
        return [dict(zip(("social_care_id", "authority", "version", "updated_at"), r, strict=True)) for r in rows]

    def records(self) -> Iterator[Version]:
        """Every child's current record (a cohort), in id order."""
        for child in self.children():
            yield self.require(child["social_care_id"])

    # -- writing ----------------------------------------------------------------------------------------------

    def keep_original(self, sha256: str, data: bytes) -> str:
        """Keep a returned file as received, by content; returns its path inside the store."""
        relative = f"{ORIGINALS}/{sha256[:2]}/{sha256}.pdf"
        path = self.root / relative
        if not path.exists():
            write_atomic(path, data)
            os.chmod(path, 0o400)
        return relative

    def put(self, record: dict, action: str, *, source: str | None = None, form: dict | None = None,
            status: str | None = None) -> int:
        """Validate a whole record and make it the child's current one; returns the new version number."""
        checked = check_record(record)
        if not checked.valid:
            raise StoreError("The record is not valid: " + "; ".join(f"{p}: {m}" for p, m in checked.errors))
        with self._transaction():
            return self._write(checked.record, action, source, form or {}, status)

    def record_step(self, record: dict, step: dict) -> int:
        """Make `record` the child's current one and record one journey step in the same transaction.

        `step` holds actor, role, action, and optionally from, to, reason and detail (a JSON-ready mapping)."""
        checked = check_record(record)
        if not checked.valid:
            raise StoreError("The record is not valid: " + "; ".join(f"{p}: {m}" for p, m in checked.errors))
        with self._transaction():
            number = self._write(checked.record, f"journey:{step['action']}", None, {}, step.get("to"))
            self.conn.execute(
                "INSERT INTO journey (social_care_id, pep_id, version, at, actor, role, action, from_status, "
                "to_status, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (checked.record["child"]["social_care_id"], checked.record["pep"].get("id"), number,
                 step.get("at") or self.clock(), step["actor"], step["role"], step["action"], step.get("from"),
                 step.get("to"), step.get("reason"), _json(step.get("detail") or {})))
        return number

    def _write(self, record: dict, action: str, source: str | None, form: dict, status: str | None) -> int:
        child = record["child"]["social_care_id"]
        current = self.current(child)
        old = current.record if current else {}
        changes = diff(old, record)
        number = current.version if current else 0
        at = self.clock()
        if changes or current is None:
            number += 1
            self.conn.execute("INSERT INTO versions VALUES (?, ?, ?, ?, ?)",
                              (child, number, record["pep"].get("id"), _json(record), at))
            self.conn.execute("INSERT INTO children VALUES (?, ?, ?, ?) ON CONFLICT (social_care_id) DO UPDATE SET "
                              "current_version = excluded.current_version, updated_at = excluded.updated_at",
                              (child, record["pep"]["authority"], number, at))
        self.conn.execute("INSERT INTO audit (social_care_id, version, at, action, source_sha256, form_id, authority, "
                          "variant, status, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (child, number, at, action, source, form.get("form_id"), form.get("authority"),
                           form.get("variant"), status, _json(changes)))
        return number

    def ingest(self, result: IngestResult, data: bytes | None) -> IngestResult:
        """Record one ingestion: a duplicate changes nothing; an accepted form is merged into the child's record."""
        if not result.sha256 or data is None:
            return result
        if self.seen(result.sha256) is not None:
            result.duplicate = True
            return result
        with self._transaction():
            original = self.keep_original(result.sha256, data) if result.status != "rejected" else None
            if result.status == "accepted":
                self._merge(result)
            child = ((result.record or {}).get("child") or {}).get("social_care_id")
            self.conn.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (result.sha256, len(data), self.clock(), result.status,
                               (result.form or {}).get("form_id"), child, original))
        return result

    def _merge(self, result: IngestResult) -> None:
        child = result.record["child"].get("social_care_id")
        if not child:
            result.warnings.append(("child.social_care_id", "Not stored: the form gives no child id."))
            return
        current = self.current(child)
        merged = merge_form(current.record if current else None, result)
        merged = on_return(current.record if current else None, merged, result.record, result.form["variant"],
                           self.clock())
        if current and current.record["pep"]["authority"] != result.record["pep"]["authority"]:
            result.status, result.errors = "invalid", [("pep.authority", "The store holds this child under "
                                                                          f"{current.record['pep']['authority']}.")]
            return
        checked = check_record(merged)
        if not checked.valid:
            result.status = "invalid"
            result.errors = [(p, f"After merging into the stored record: {m}") for p, m in checked.errors]
            return
        result.stored_version = self._write(checked.record, "ingest", result.sha256, result.form, result.status)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, so concurrent ingests never lose each other's merges."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, *_):
        self.conn.execute("ROLLBACK" if kind else "COMMIT")


def merge_form(current: dict | None, result: IngestResult) -> dict:
    """The child's record with the school's answers applied: a field counts only where the returned value differs
    from what was issued, so answers stored since the form went out are not overwritten by untouched fields."""
    if current is None:
        return copy.deepcopy(result.record)
    merged = copy.deepcopy(current)
    manifest: Manifest = result.manifest
    for spec in manifest.fields:
        info = field_info(spec.path)
        if spec.readonly or (info and info.derived):
            continue
        returned, _ = convert(spec, result.values[spec.name])
        issued, _ = convert(spec, spec_value(spec, manifest.prefilled.get(spec.name)))
        if returned != issued or value_at(merged, spec.path) is None:
            set_path(merged, spec.path, returned)
    return drop_empty_items(merged)


def flatten(value, prefix: str = "") -> dict[str, object]:
    """Leaf values by dotted path."""
    if isinstance(value, dict) and value:
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}{key}.").items()}
    if isinstance(value, list) and value:
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}{i}.").items()}
    return {prefix.rstrip("."): value}


def diff(old: dict, new: dict) -> list[dict]:
    """Each leaf that changed: {path, from, to} (null where absent)."""
    before, after = flatten(old) if old else {}, flatten(new)
    paths = list(after) + [p for p in before if p not in after]
    return [{"path": p, "from": before.get(p), "to": after.get(p)} for p in paths if before.get(p) != after.get(p)]


def record_for(root: Path | None, child: str, variant: str) -> dict:
    """A child's current record for `pep generate --store DIR --child ID`: the store holds one record per child,
    which any of the authority's variants can render, so the record is given the variant asked for."""
    with Store.open(root) as store:
        record = copy.deepcopy(store.require(child).record)
    record["pep"]["variant"] = variant
    return record
