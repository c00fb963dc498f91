"""Next term's PEP from the last one: its targets move into the review of previous targets, the rest carries forward."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ..core.errors import UsageError

TERM_ORDER = ("autumn", "spring", "summer")
# Parts of a PEP that belong to one meeting and start afresh; everything else is carried forward for checking.
STARTS_AFRESH = ("meeting", "views", "carer", "signoffs", "qa", "sections", "distribution", "audit", "targets",
                 "previous_targets")
_PEP_RESET = ("id", "version", "created_at", "updated_at", "date", "deadline_date", "completed_on", "term_number",
              "status", "reason", "previous_pep_id")


@dataclass
class NextTerm:
    """The new record, and what a person should check: the sections carried forward unchanged."""

    record: dict
    carried_forward: list[str] = field(default_factory=list)
    targets_reviewed: int = 0


def following(academic_year: str | None, term: str | None) -> tuple[str | None, str | None]:
    """The term after this one: autumn → spring → summer → autumn of the next academic year."""
    if term not in TERM_ORDER:
        return academic_year, None
    if term != "summer":
        return academic_year, TERM_ORDER[TERM_ORDER.index(term) + 1]
    if not academic_year:
        return None, "autumn"
    start = int(academic_year[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}", "autumn"


def next_term(record: dict, academic_year: str | None = None, term: str | None = None) -> NextTerm:
    """Start the next PEP from `record` (a validated record)."""
    old_pep = record.get("pep") or {}
    guess_year, guess_term = following(old_pep.get("academic_year"), old_pep.get("term"))
    academic_year, term = academic_year or guess_year, term or guess_term
    if not academic_year or not term:
        raise UsageError("The last PEP has no academic year and term: give --academic-year and --term.")
    new = {key: copy.deepcopy(value) for key, value in record.items() if key not in STARTS_AFRESH}
    pep = {k: v for k, v in old_pep.items() if k not in _PEP_RESET}
    pep.update({"academic_year": academic_year, "term": term, "status": "not_started", "reason": "termly_review",
                "id": f"{record['child']['social_care_id']}-{academic_year.replace('/', '-')}-{term}"})
    if old_pep.get("id"):
        pep["previous_pep_id"] = old_pep["id"]
    new["pep"] = pep
    reviewed = previous_targets(record.get("targets") or [])
    if reviewed:
        new["previous_targets"] = reviewed
    _carry_ppg(new, old_pep, record, academic_year)
    carried = [key for key in new if key not in ("pep", "previous_targets") and new[key] not in (None, {}, [])]
    return NextTerm(new, carried, len(reviewed))


def previous_targets(targets: list[dict]) -> list[dict]:
    """Last term's targets as the review of previous targets (outcome and evidence left for the meeting)."""
    reviewed = []
    for i, target in enumerate(targets):
        if not (target.get("target") or "").strip():
            continue
        reviewed.append({"target_ref": str(target.get("number") or i + 1), "target": target["target"]})
    return reviewed


def _carry_ppg(new: dict, old_pep: dict, record: dict, academic_year: str) -> None:
    """PP+ requested last term becomes an earlier term of this academic year (a new year starts the list again)."""
    ppg = new.get("ppg")
    if not isinstance(ppg, dict):
        return
    ppg = {k: v for k, v in ppg.items() if k not in ("requested_total", "year_total", "additional_request")}
    earlier = list(ppg.get("earlier_terms") or []) if old_pep.get("academic_year") == academic_year else []
    requested = (record.get("ppg") or {}).get("requested_total")
    if requested is not None and old_pep.get("term") and old_pep.get("academic_year") == academic_year:
        earlier.append({"term": old_pep["term"], "amount": requested})
    if earlier:
        ppg["earlier_terms"] = earlier[-3:]
    else:
        ppg.pop("earlier_terms", None)
    new["ppg"] = ppg
