"""Records and stores for the journey tests: each authority's sample, with every section complete."""

from __future__ import annotations

import copy
import datetime as dt
from itertools import count

from conftest import load_sample

from generator.authority.profiles import get_profile
from generator.authority.validation import check_record
from generator.store.database import Store

AUTHORITIES = {"walsall": "pep", "bath-ne-somerset": "pep", "warwickshire": "pep", "enfield": "pep",
               "essex": "pep1"}
# A change that gives each authority's record an error-level QA finding (for JNY-05).
QA_ERROR = {"walsall": "targets", "bath-ne-somerset": "targets", "warwickshire": "meeting", "enfield": "targets",
            "essex": "targets"}


def base(authority: str) -> dict:
    """The authority's sample, valid, passing its own QA (Enfield's sample misses a career aspiration: ENF-06)."""
    record = copy.deepcopy(load_sample(authority, AUTHORITIES[authority]))
    if authority == "enfield":
        record["targets"][0]["target"] += " This supports her career aspirations."
    return check_record(record).record


def meeting_day(record: dict) -> dt.date:
    return dt.date.fromisoformat((record.get("meeting") or {}).get("date") or record["pep"].get("date")
                                 or "2026-01-20")


def last_signed(record: dict) -> dt.date:
    signed = [(v or {}).get("signed_at") for k, v in (record.get("signoffs") or {}).items() if k != "virtual_school"]
    return max([dt.date.fromisoformat(s[:10]) for s in signed if s] or [meeting_day(record)])


def all_sections(record: dict, done: bool = True, but: tuple[str, ...] = ()) -> dict:
    """Every section of the record's variant marked complete the day before the meeting (except `but`)."""
    variant = get_profile(record["pep"]["authority"]).variant(record["pep"]["variant"])
    before = (meeting_day(record) - dt.timedelta(days=1)).isoformat() + "T09:00"
    record["sections"] = [{"id": s.id, "completed": True, "completed_by": "Test", "completed_at": before}
                          for s in variant.sections if s.id not in but] if done else []
    return record


def ready(authority: str, status: str = "in_progress") -> dict:
    record = all_sections(base(authority))
    record["pep"]["status"] = status
    return record


def clock(day: dt.date = dt.date(2026, 3, 2)):
    """A store clock that moves on a minute a call, so every step has its own time, the same every run."""
    minutes = count()
    return lambda: f"{day.isoformat()}T10:{next(minutes) % 60:02d}:00+00:00"


def store_with(tmp_path, *records: dict, day: dt.date | None = None) -> Store:
    """A store holding these records, its clock the day after the first one's last sign-off (so the Virtual
    School signs last, as Walsall and Enfield ask)."""
    day = day or (last_signed(records[0]) + dt.timedelta(days=1) if records else dt.date(2026, 3, 2))
    store = Store.open(tmp_path / "store", create=True, clock=clock(day))
    for record in records:
        store.put(record, "import")
    return store
