"""The store: each child's current PEP record, every earlier version, an audit trail and the original returned files.

Layout of a store folder (default `$PEP_STORE`, else `./pep-store`):
  pep-store.sqlite3   SQLite database: children, versions (whole records), audit (what changed), files (SHA-256s),
                      identities (who each child is, for matching returned blank forms), unmatched (returned blank
                      forms no child could be matched to, kept with the ingest result until the virtual school
                      assigns them)
  originals/ab/<sha256>.pdf   returned forms as received, content-addressed, read-only, never modified

A returned blank form (issued for no child) is matched to a child by the social care id the school wrote in it, or,
when that is missing, by name and date of birth together, never by name alone; one that matches nobody (or more than
one child) is kept as `unmatched` with its file, for `pep store assign`.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from data_schemas import IDENTITY_PATHS, field_info, set_path, value_at

from ..authority.validation import check_record
from ..core.errors import PepError
from ..core.records import read_bytes
from ..core.writer import write_atomic
from ..ingest.reader import MAX_FILE_BYTES
from ..ingest.returns import IngestResult, convert, drop_empty_items, spec_value
from ..signing.manifest import Manifest

STORE_ENV = "PEP_STORE"
DB_NAME = "pep-store.sqlite3"
ORIGINALS = "originals"
SCHEMA_VERSION = 2

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
    source_sha256 TEXT, form_id TEXT, authority TEXT, variant TEXT, status TEXT, changes TEXT NOT NULL,
    actor TEXT);
CREATE INDEX IF NOT EXISTS audit_child ON audit (social_care_id, id);
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, received_at TEXT NOT NULL, status TEXT NOT NULL,
    form_id TEXT, social_care_id TEXT, original TEXT);
CREATE TABLE IF NOT EXISTS identities (
    social_care_id TEXT PRIMARY KEY, authority TEXT NOT NULL, first_name TEXT, surname TEXT, date_of_birth TEXT);
CREATE INDEX IF NOT EXISTS identities_dob ON identities (date_of_birth);
CREATE TABLE IF NOT EXISTS unmatched (
    id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, source TEXT NOT NULL, received_at TEXT NOT NULL,
    original TEXT NOT NULL, authority TEXT, variant TEXT, form_id TEXT, reason TEXT NOT NULL,
    result TEXT NOT NULL, manifest TEXT NOT NULL, field_values TEXT NOT NULL,
    assigned_to TEXT, assigned_at TEXT, assigned_by TEXT, assigned_version INTEGER);
"""
_AUDIT_ACTOR = "ALTER TABLE audit ADD COLUMN actor TEXT"


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
        if found == "1":
            found = _migrate_from_1(conn)
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
            "SELECT version, at, action, source_sha256, form_id, authority, variant, status, actor, changes FROM audit "
            "WHERE social_care_id = ? ORDER BY id", (child,)).fetchall()
        keys = ("version", "at", "action", "source_sha256", "form_id", "authority", "variant", "status", "actor",
                "changes")
        return [{**dict(zip(keys, row, strict=True)), "changes": json.loads(row[-1])} for row in rows]

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

    def _write(self, record: dict, action: str, source: str | None, form: dict, status: str | None,
               actor: str | None = None) -> int:
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
            _put_identity(self.conn, record)
        self.conn.execute("INSERT INTO audit (social_care_id, version, at, action, source_sha256, form_id, authority, "
                          "variant, status, changes, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (child, number, at, action, source, form.get("form_id"), form.get("authority"),
                           form.get("variant"), status, _json(changes), actor))
        return number

    def ingest(self, result: IngestResult, data: bytes | None) -> IngestResult:
        """Record one ingestion: a duplicate changes nothing; an accepted form is merged into the child's record; a
        returned blank form is matched to a child first, and kept as unmatched when nobody matches."""
        if not result.sha256 or data is None:
            return result
        if self.seen(result.sha256) is not None:
            result.duplicate = True
            return result
        with self._transaction():
            original = self.keep_original(result.sha256, data) if result.status != "rejected" else None
            status = result.status
            if original is not None:
                result.stored = "original"
            if result.blank and result.status != "rejected":
                why = self._match_blank(result)
                if result.match is None:
                    result.unmatched_id = self._keep_unmatched(result, original, why)
                    result.stored, status = "unmatched", "unmatched"
            if result.status == "accepted" and (result.match is not None or not result.blank):
                self._merge(result)
                if result.stored_version is not None:
                    result.stored, status = "version", result.status
            child = ((result.record or {}).get("child") or {}).get("social_care_id")
            child = (result.match or {}).get("child") if result.blank else child
            self.conn.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (result.sha256, len(data), self.clock(), status,
                               (result.form or {}).get("form_id"), child, original))
        return result

    def _merge(self, result: IngestResult, action: str = "ingest", actor: str | None = None) -> None:
        child = result.record["child"].get("social_care_id")
        if not child:
            result.warnings.append(("child.social_care_id", "Not stored: the form gives no child id."))
            return
        current = self.current(child)
        if current and current.record["pep"]["authority"] != result.record["pep"]["authority"]:
            result.status, result.errors = "invalid", [("pep.authority", "The store holds this child under "
                                                                          f"{current.record['pep']['authority']}.")]
            return
        merged = merge_form(current.record if current else None, result)
        if current and result.blank:
            result.warnings += keep_identity(current.record, merged)
        checked = check_record(merged)
        if not checked.valid:
            result.status = "invalid"
            result.errors = [(p, f"After merging into the stored record: {m}") for p, m in checked.errors]
            return
        result.stored_version = self._write(checked.record, action, result.sha256, result.form, result.status,
                                            actor)

    # -- matching returned blank forms ------------------------------------------------------------------------

    def match(self, record: dict, authority: str | None = None) -> Match | None:
        """The child in the store a returned blank form's record belongs to: by its social care id, or, when the
        id is missing, by first name, surname and date of birth together (exactly one child of the authority);
        never by name alone. None when nobody (or more than one child) matches; `why_unmatched` says why."""
        return self._find(record, authority)[0]

    def why_unmatched(self, record: dict, authority: str | None = None) -> str:
        return self._find(record, authority)[1]

    def _find(self, record: dict, authority: str | None) -> tuple[Match | None, str]:
        child = (record or {}).get("child") or {}
        authority = authority or ((record or {}).get("pep") or {}).get("authority")
        sid = child.get("social_care_id") if isinstance(child.get("social_care_id"), str) else None
        dob = child.get("date_of_birth") if isinstance(child.get("date_of_birth"), str) else None
        first, surname = name_key(_text(child.get("first_name"))), name_key(_text(child.get("surname")))
        if sid:
            row = self.conn.execute("SELECT authority, date_of_birth FROM identities WHERE social_care_id = ?",
                                    (sid,)).fetchone()
            if row is None:
                hint = self._by_name_and_dob(first, surname, dob, authority)
                also = f" (the store holds {hint[0]} with this name and date of birth)" if len(hint) == 1 else ""
                return None, f"The store holds no child with social care id {sid!r}{also}."
            if authority and row[0] != authority:
                return None, f"The store holds child {sid!r} under {row[0]}, not {authority}."
            if dob and row[1] and dob != row[1]:
                return None, (f"Child {sid!r} in the store has another date of birth than the form's {dob}: the id "
                              "or the date was mistyped.")
            return Match(sid, "social_care_id"), ""
        if not dob or not first or not surname:
            missing = [n for n, v in (("first name", first), ("surname", surname), ("date of birth", dob)) if not v]
            return None, ("The form gives no social care id, and without the child's " + " and ".join(missing)
                          + " it cannot be matched (a name alone is never enough).")
        found = self._by_name_and_dob(first, surname, dob, authority)
        if len(found) == 1:
            return Match(found[0], "name_and_date_of_birth"), ""
        if not found:
            return None, "The form gives no social care id, and no child in the store has its name and date of birth."
        return None, (f"The form gives no social care id, and {len(found)} children in the store have its name and "
                      f"date of birth ({', '.join(found)}).")

    def _by_name_and_dob(self, first: str, surname: str, dob: str | None, authority: str | None) -> list[str]:
        if not (first and surname and dob):
            return []
        rows = self.conn.execute("SELECT social_care_id, authority, first_name, surname FROM identities "
                                 "WHERE date_of_birth = ? ORDER BY social_care_id", (dob,)).fetchall()
        return [sid for sid, auth, f, s in rows if name_key(f) == first and name_key(s) == surname
                and (authority is None or auth == authority)]

    def _match_blank(self, result: IngestResult) -> str:
        """Match a returned blank form to a child (giving its record the child's id), or say why not."""
        found, why = self._find(result.record or {}, (result.form or {}).get("authority"))
        if found is None:
            result.warnings.append(("child", f"Not matched to a child in the store: {why} Kept as an unmatched "
                                             "return for the virtual school to assign (`pep store assign`)."))
            return why
        result.match = found.to_json()
        _assign_to(result, found.child)
        return ""

    def _keep_unmatched(self, result: IngestResult, original: str, why: str) -> int:
        form = result.form or {}
        cursor = self.conn.execute(
            "INSERT INTO unmatched (sha256, source, received_at, original, authority, variant, form_id, reason, "
            "result, manifest, field_values) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (result.sha256, result.source, self.clock(), original, form.get("authority"), form.get("variant"),
             form.get("form_id"), why, _json(result.to_json()), result.manifest.to_bytes().decode("utf-8"),
             _json(result.values)))
        return cursor.lastrowid

    # -- unmatched returns -----------------------------------------------------------------------------------

    def unmatched(self, *, include_assigned: bool = False) -> list[dict]:
        """Returned blank forms that no child could be matched to (oldest first): id, sha256, source file, when
        received, the original's path in the store, form, why, the identity the form gives and the ingest result
        (status, errors, warnings, record); with `include_assigned`, also those assigned since (assigned_to)."""
        where = "" if include_assigned else " WHERE assigned_to IS NULL"
        rows = self.conn.execute(
            "SELECT id, sha256, source, received_at, original, authority, variant, form_id, reason, result, "
            f"assigned_to, assigned_at, assigned_by, assigned_version FROM unmatched{where} ORDER BY id").fetchall()
        out = []
        for row in rows:
            (number, sha, source, at, original, authority, variant, form_id, reason, result, to, when, by,
             version) = row
            ingested = json.loads(result)
            child = ((ingested.get("record") or {}).get("child") or {})
            entry = {"id": number, "sha256": sha, "source": source, "received_at": at, "original": original,
                     "form": {"authority": authority, "variant": variant, "form_id": form_id}, "reason": reason,
                     "identity": {p: value_at({"child": child}, p) for p in IDENTITY_PATHS if p.startswith("child.")},
                     "result": ingested}
            if include_assigned:
                entry.update(assigned_to=to, assigned_at=when, assigned_by=by, assigned_version=version)
            out.append(entry)
        return out

    def unmatched_entry(self, file_or_id) -> dict:
        """One unmatched return by its id, its SHA-256 (or a prefix of 8 or more hex digits), the path of its
        original in the store, or a copy of the returned file."""
        number = _unmatched_key(file_or_id)
        if isinstance(number, int):
            sql, args = "id = ?", (number,)
        elif number is not None:
            sql, args = "sha256 LIKE ?", (number + "%",)
        else:
            path = Path(file_or_id)
            try:
                data = read_bytes(path, MAX_FILE_BYTES, "a returned form")
            except PepError as err:
                raise StoreError(f"Not an unmatched return's id or SHA-256, and not a readable file: {err.message}",
                                 file=str(file_or_id)) from err
            sql, args = "sha256 = ?", (hashlib.sha256(data).hexdigest(),)
        rows = self.conn.execute(f"SELECT id FROM unmatched WHERE {sql}", args).fetchall()
        if len(rows) != 1:
            what = "no unmatched return" if not rows else f"{len(rows)} unmatched returns"
            raise StoreError(f"The store holds {what} for {str(file_or_id)!r}; `pep store unmatched` lists them.",
                             file=str(self.root))
        entries = [e for e in self.unmatched(include_assigned=True) if e["id"] == rows[0][0]]
        return entries[0]

    def assign(self, file_or_id, child_id: str, *, actor: str | None = None) -> IngestResult:
        """Ingest an unmatched return into `child_id`'s record (who assigned it is kept in the audit): the result,
        `accepted` with the new version, or `invalid` with the errors (the return then stays unmatched)."""
        entry = self.unmatched_entry(file_or_id)
        if entry["assigned_to"]:
            raise StoreError(f"Unmatched return {entry['id']} was already assigned to {entry['assigned_to']} "
                             f"on {entry['assigned_at']}.", file=str(self.root))
        current = self.current(child_id)
        if current is None:
            raise StoreError(f"The store holds no record for child {child_id!r}.", file=str(self.root))
        if current.record["pep"]["authority"] != entry["form"]["authority"]:
            raise StoreError(f"Child {child_id!r} is held under {current.record['pep']['authority']}; the form is "
                             f"{entry['form']['authority']}'s.", file=str(self.root))
        row = self.conn.execute("SELECT manifest, field_values FROM unmatched WHERE id = ?", (entry["id"],)).fetchone()
        saved = entry["result"]
        result = IngestResult(saved["source"], saved["status"], saved["form"], saved["record"],
                              [(e["path"], e["message"]) for e in saved["errors"]],
                              [(w["path"], w["message"]) for w in saved["warnings"]
                               if not w["message"].startswith("Not matched to a child")],
                              sha256=entry["sha256"], manifest=Manifest.from_bytes(row[0].encode("utf-8")),
                              values=json.loads(row[1]))
        result.match = Match(child_id, "assigned").to_json()
        _assign_to(result, child_id)
        if result.status != "accepted":
            return result
        with self._transaction():
            self._merge(result, "assign", actor)
            if result.stored_version is None:
                return result
            result.stored = "version"
            self.conn.execute("UPDATE unmatched SET assigned_to = ?, assigned_at = ?, assigned_by = ?, "
                              "assigned_version = ? WHERE id = ?",
                              (child_id, self.clock(), actor, result.stored_version, entry["id"]))
            self.conn.execute("UPDATE files SET status = 'accepted', social_care_id = ? WHERE sha256 = ?",
                              (child_id, entry["sha256"]))
        return result


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _unmatched_key(value):
    """An unmatched return's id (int), a SHA-256 or its prefix (str), or None for a file path."""
    if isinstance(value, int):
        return value
    text = str(value)
    if text.isdigit():
        return int(text)
    if 8 <= len(text) <= 64 and all(c in "0123456789abcdef" for c in text.lower()) and not Path(text).exists():
        return text.lower()
    return None


def _assign_to(result: IngestResult, child: str) -> None:
    """Give a returned blank form's record the child's id, and validate it again (the id was what was missing)."""
    record = result.record if result.record is not None else {}
    typed = value_at(record, "child.social_care_id")
    if typed and typed != child:
        result.warnings.append(("child.social_care_id", f"The form gave {typed!r}; it was assigned to {child!r}."))
    set_path(record, "child.social_care_id", child)
    result.record = record
    if result.status != "invalid":
        return
    checked = check_record(record)
    if checked.valid:
        result.status, result.record, result.errors = "accepted", checked.record, []
    else:
        result.errors = checked.errors


def keep_identity(stored: dict, merged: dict) -> list[tuple[str, str]]:
    """A returned blank form does not rename a child: the stored name, date of birth and URN stay, and a
    difference is a warning."""
    warnings = []
    for path in IDENTITY_PATHS:
        before, after = value_at(stored, path), value_at(merged, path)
        if before is None or before == after:
            continue
        if after is not None and not (isinstance(after, str) and name_key(after) == name_key(before)):
            warnings.append((path, f"The form gave {after!r}; the store's {before!r} was kept."))
        set_path(merged, path, before)
    return warnings


def _migrate_from_1(conn: sqlite3.Connection) -> str:
    """Version 1 stores gain the audit's actor and the identities of the children they hold."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(audit)")}
        if "actor" not in columns:
            conn.execute(_AUDIT_ACTOR)
        rows = conn.execute("SELECT v.record FROM children c JOIN versions v ON v.social_care_id = c.social_care_id "
                            "AND v.version = c.current_version").fetchall()
        for (record,) in rows:
            _put_identity(conn, json.loads(record))
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return str(SCHEMA_VERSION)


def _put_identity(conn: sqlite3.Connection, record: dict) -> None:
    child = record.get("child") or {}
    conn.execute("INSERT INTO identities VALUES (?, ?, ?, ?, ?) ON CONFLICT (social_care_id) DO UPDATE SET "
                 "authority = excluded.authority, first_name = excluded.first_name, surname = excluded.surname, "
                 "date_of_birth = excluded.date_of_birth",
                 (child["social_care_id"], record["pep"]["authority"], child.get("first_name"), child.get("surname"),
                  child.get("date_of_birth")))


def name_key(name: str | None) -> str:
    """A name as compared for matching: accents, case, hyphens, apostrophes and spacing do not count."""
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = "".join(" " if c in "-‐‑–" else c for c in plain if c not in "'’`.")
    return " ".join(plain.split())


@dataclass(frozen=True)
class Match:
    """Which child a returned form belongs to and how that was decided."""

    child: str
    by: str  # social_care_id | name_and_date_of_birth | form | assigned

    def to_json(self) -> dict:
        return {"child": self.child, "by": self.by}


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
