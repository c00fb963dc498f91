"""What the web pages need from the library: an index of the store's children (cached by version, for fast lists),
each user's scope, documents generated on request and named as the CLI names them, QA, due dates and ingestion."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import Http404

from ..authority.audience import audience_view
from ..authority.journey import load_journey
from ..authority.naming import output_name
from ..authority.profiles import authorities, get_profile
from ..pipeline.generate import prepare, render
from ..qa.due import STATUS_LABELS, cohort_due
from ..qa.kinds import record_stage
from ..render.display import format_date
from ..render.model import build_model, rows_of
from ..signing.keys import KeyRing
from ..store.database import Store

FORMATS = {"docx": "Word document", "pdf": "PDF/A record", "form": "Fillable form"}
AUDIENCE_LABELS = {"record": "Full record (case file)", "school": "School", "carer": "Carer", "child": "Child"}
STAGE_LABELS = {"draft": "Draft", "held": "Meeting held", "submitted": "Submitted"}
QA_LABELS = {"gold": "Gold", "green": "Green", "amber": "Amber", "red": "Red", "": "Not rated"}
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", "": "Not rated"}
# What each role may download: formats and audiences. Anything else is a 404 like a child out of scope.
DOWNLOADS = {
    "virtual_school": ({"docx", "pdf", "form"}, {"record", "school", "carer", "child"}),
    "designated_teacher": ({"docx", "pdf", "form"}, {"school"}),
    "social_worker": ({"docx", "pdf", "form"}, {"record", "school", "carer", "child"}),
    "read_only": ({"docx", "pdf"}, {"record"}),
}
UPLOAD_ROLES = {"virtual_school", "designated_teacher", "social_worker"}


def store_dir() -> Path:
    return settings.PEP_STORE


def as_of() -> dt.date:
    return settings.PEP_AS_OF or dt.date.today()


def open_store() -> Store:
    return Store.open(store_dir(), create=True)


def keys() -> KeyRing:
    return KeyRing.load(settings.PEP_KEY_FILE)


# --- the index -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildSummary:
    id: str
    authority: str
    variant: str
    version: int
    name: str
    year: str
    key_stage: str
    school_urn: str
    school_name: str
    social_worker_email: str
    social_worker: str
    rag: str
    stage: str
    pep_status: str
    pep_date: str
    academic_year: str
    term: str
    due_status: str
    due: dt.date | None
    due_basis: str
    last_action: str
    qa_done: bool
    qa_rating: str = ""
    qa_date: str = ""
    journey_label: str = ""

    @property
    def due_label(self) -> str:
        return STATUS_LABELS.get(self.due_status, self.due_status)

    @property
    def due_text(self) -> str:
        return format_date(self.due.isoformat()) if self.due else "–"

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)

    @property
    def rag_label(self) -> str:
        return RAG_LABELS.get(self.rag, self.rag)

    @property
    def qa_label(self) -> str:
        return QA_LABELS.get(self.qa_rating, self.qa_rating)

    @property
    def waiting_for_qa(self) -> bool:
        return self.pep_status == "submitted" or (self.last_action == "ingest" and not self.qa_done)


def summarise(record: dict, version: int, last_action: str, day: dt.date) -> ChildSummary:
    pep, child = record.get("pep") or {}, record.get("child") or {}
    setting = (record.get("education") or {}).get("setting") or {}
    worker = (record.get("people") or {}).get("social_worker") or {}
    items = cohort_due([("store", record)], day)
    item = items[0] if items else None
    name = " ".join(child[k] for k in ("preferred_name" if child.get("preferred_name") else "first_name", "surname")
                    if child.get(k))
    qa = record.get("qa") or {}
    return ChildSummary(
        child.get("social_care_id", ""), pep.get("authority", ""), pep.get("variant", ""), version, name,
        str(child.get("ncy") or ""), child.get("key_stage") or "", str(setting.get("urn") or ""),
        setting.get("name") or "", (worker.get("email") or "").lower(), worker.get("name") or "",
        ((record.get("roni") or {}).get("rating") or ""), record_stage(record), pep.get("status") or "",
        pep.get("date") or "", pep.get("academic_year") or "", pep.get("term") or "",
        item.status if item else "unknown", item.due if item else None, item.basis if item else "",
        last_action, bool(qa.get("date") or qa.get("rating")), qa.get("rating") or "", qa.get("date") or "",
        load_journey(pep["authority"]).label(pep.get("status")) if pep.get("authority") in authorities() else "")


class Index:
    """Every child's summary, recomputed only for children whose version changed (or when the day changes)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cache: dict[str, ChildSummary] = {}
        self.day: dt.date | None = None
        self.root: Path | None = None

    def all(self) -> list[ChildSummary]:
        day = as_of()
        with self.lock, open_store() as store:
            if day != self.day or store.root != self.root:
                self.cache, self.day, self.root = {}, day, store.root
            current = store.conn.execute("SELECT social_care_id, current_version FROM children").fetchall()
            stale = [cid for cid, ver in current if cid not in self.cache or self.cache[cid].version != ver]
            for cid in stale:
                version, record = store.conn.execute(
                    "SELECT v.version, v.record FROM children c JOIN versions v ON v.social_care_id = "
                    "c.social_care_id AND v.version = c.current_version WHERE c.social_care_id = ?", (cid,)).fetchone()
                last = store.conn.execute("SELECT action FROM audit WHERE social_care_id = ? ORDER BY id DESC "
                                          "LIMIT 1", (cid,)).fetchone()
                self.cache[cid] = summarise(json.loads(record), version, last[0] if last else "", day)
            known = {cid for cid, _ in current}
            for gone in [c for c in self.cache if c not in known]:
                del self.cache[gone]
            return sorted(self.cache.values(), key=lambda s: s.id)


INDEX = Index()


# --- scope -----------------------------------------------------------------------------------------------------------


def account(user):
    return getattr(user, "pep", None)


def sees(user, child: ChildSummary) -> bool:
    """Object-level access: may this user see this child?"""
    acc = account(user)
    if acc is None or not user.is_active or child.authority != acc.authority:
        return False
    if acc.role in ("virtual_school", "read_only"):
        return True
    if acc.role == "designated_teacher":
        return bool(acc.school_urn) and child.school_urn == acc.school_urn
    if acc.role == "social_worker":
        return bool(user.email) and child.social_worker_email == user.email.lower()
    return False


def visible(user) -> list[ChildSummary]:
    return [c for c in INDEX.all() if sees(user, c)]


def child_or_404(user, child_id: str) -> ChildSummary:
    """The child's summary, or a 404 whether the child does not exist or is out of the user's scope."""
    for child in INDEX.all():
        if child.id == child_id and sees(user, child):
            return child
    raise Http404("No such child.")


def may_download(user, fmt: str, audience: str) -> bool:
    acc = account(user)
    if acc is None:
        return False
    formats, audiences = DOWNLOADS[acc.role]
    return fmt in formats and audience in audiences


def audiences_for(user) -> list[str]:
    acc = account(user)
    return [a for a in AUDIENCE_LABELS if acc and a in DOWNLOADS[acc.role][1]]


def formats_for(user, offered) -> list[str]:
    acc = account(user)
    return [f for f in FORMATS if acc and f in DOWNLOADS[acc.role][0] and f in offered]


# --- documents -----------------------------------------------------------------------------------------------------


def document(authority: str, variant: str, fmt: str, record: dict | None, audience: str) -> tuple[str, bytes]:
    """One document made on request, named as `pep generate` names it."""
    options = {"keys": keys()} if fmt == "form" else {}
    request = prepare(authority, variant, fmt, record, audience, None, options)
    return output_name(request.profile, variant, request.record, fmt, audience), render(request)


def record_of(child_id: str, version: int | None = None) -> dict:
    with open_store() as store:
        return store.require(child_id, version).record


def summary_sections(record: dict, audience: str) -> list[dict]:
    """The current record in its authority's wording: each section's heading and its filled values."""
    profile = get_profile(record["pep"]["authority"])
    variant = profile.variant(record["pep"]["variant"])
    view = audience_view(profile, audience)
    model = build_model(profile, variant, view.apply(record), view)
    out = []
    for section in model.sections:
        rows = [(row.label, row.text) for row in rows_of(section.blocks) if row.text]
        if rows:
            out.append({"heading": section.heading, "owner": section.owner, "rows": rows})
    return out


def variants_of(authority: str) -> list:
    return list(get_profile(authority).variants.values())


def authority_name(authority: str) -> str:
    profile = authorities().get(authority)
    return profile.name if profile else authority
