"""Returned forms uploaded in the browser: each goes through the same hardened ingestion as `pep ingest --store`,
in long-lived reader processes; invalid ones get the send-back reply and a re-issued form."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from pathlib import Path

from ..ingest.returns import READER, ingest_files, rejected
from ..ingest.safety import Limits, WorkerPool, default_workers
from ..workflow.sendback import describe, send_back
from . import library
from .models import AccessEntry, Upload, UploadedFile

SEND_BACK = ".web-send-back"
_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()
_SAFE = re.compile(r"[^A-Za-z0-9._ ()-]+")


def pool() -> WorkerPool:
    global _POOL
    if _POOL is None:
        _POOL = WorkerPool(READER, default_workers(), Limits())
    return _POOL


def close_pool() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.close()
            _POOL = None


def display_name(name: str) -> str:
    return _SAFE.sub("_", Path(name or "file").name)[:120] or "file"


def record_in_scope(user, record: dict | None) -> bool | None:
    """Whether a returned form's child is one this user may write to: the stored record decides when the store
    holds the child, else what the form says. None when the form names no child (a blank form)."""
    child_id = ((record or {}).get("child") or {}).get("social_care_id")
    if not child_id:
        return None
    stored = next((c for c in library.INDEX.all() if c.id == child_id), None)
    if stored is not None:
        return library.sees(user, stored)
    acc = library.account(user)
    pep = (record or {}).get("pep") or {}
    if acc is None or pep.get("authority") != acc.authority:
        return False
    if acc.role == "virtual_school":
        return True
    if acc.role == "designated_teacher":
        urn = (((record.get("education") or {}).get("setting") or {}).get("urn"))
        return bool(acc.school_urn) and str(urn or "") == acc.school_urn
    if acc.role == "social_worker":
        email = (((record.get("people") or {}).get("social_worker") or {}).get("email") or "").lower()
        return bool(user.email) and email == user.email.lower()
    return False


def _scope(user, store, result) -> bool | None:
    """May this user return this form? Its authority must be theirs; a prefilled form's child (or the child a
    blank form matches in the store) must be one they see. A blank form that matches nobody waits as unmatched."""
    if result.status == "rejected":
        return True
    acc = library.account(user)
    if acc is None or (result.form or {}).get("authority") != acc.authority:
        return False
    if result.blank:
        found = store.match(result.record or {}, acc.authority)
        if found is None:
            return None
        stored = next((c for c in library.INDEX.all() if c.id == found.child), None)
        return stored is not None and library.sees(user, stored)
    return record_in_scope(user, result.record)


def process(user, files: list) -> Upload:
    """Ingest uploaded files (Django UploadedFile objects) into the store; one UploadedFile row per file."""
    upload = Upload.objects.create(user=user)
    root = library.store_dir()
    work = Path(tempfile.mkdtemp(prefix="upload-", dir=_private(root / ".uploads")))
    try:
        paths, names = [], []
        for number, item in enumerate(files):
            path = work / f"{number:04d}.pdf"
            with path.open("wb") as handle:
                for chunk in item.chunks():
                    handle.write(chunk)
            paths.append(path)
            names.append(display_name(item.name))
        ring = library.keys()
        ring.require_any()
        by_path = dict(zip(map(str, paths), names, strict=True))
        with _POOL_LOCK, library.open_store() as store:
            results = list(ingest_files(paths, ring, pool=pool()))
            rows = []
            for position, (result, data) in enumerate(results):
                result.source = by_path.get(result.source, result.source)
                scope = _scope(user, store, result)
                if scope is False:
                    result = rejected(result.source, "This form is for a child you do not have access to; it was "
                                                     "not stored. Please check you sent the right file.",
                                      sha256=result.sha256)
                    data = None
                elif result.status != "rejected" or data is not None:
                    store.ingest(result, data)
                rows.append(_row(upload, position, result, ring, root))
        UploadedFile.objects.bulk_create(rows)
        acc = library.account(user)
        AccessEntry.objects.bulk_create([
            AccessEntry(user=user, username=user.username, authority=acc.authority if acc else "", child=row.child,
                        action="upload", what=f"{row.status}{' duplicate' if row.duplicate else ''} {row.sha256[:12]}")
            for row in rows])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return upload


def _private(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _row(upload: Upload, position: int, result, ring, root: Path) -> UploadedFile:
    child = ((result.match or {}).get("child") if result.blank else
             ((result.record or {}).get("child") or {}).get("social_care_id")) or ""
    row = UploadedFile(upload=upload, position=position, filename=result.source, sha256=result.sha256,
                       status=result.status, duplicate=result.duplicate, child=child if result.status != "rejected"
                       else "", form_id=(result.form or {}).get("form_id") or "",
                       stored_version=result.stored_version, unmatched=result.stored == "unmatched",
                       problems=[{"where": describe(p), "message": m} for p, m in result.errors],
                       warnings=[{"where": describe(p), "message": m} for p, m in result.warnings])
    if result.status == "invalid" and not result.duplicate and result.manifest is not None:
        folder = _private(root / SEND_BACK / str(upload.pk))
        for path in send_back(result, folder, ring):
            relative = str(path.relative_to(root))
            if path.name.endswith("_reply.pdf"):
                row.reply = relative
            elif path.name.endswith("_reissued.pdf"):
                row.reissued = relative
    return row
