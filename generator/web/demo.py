"""Synthetic children for `pep serve --demo`, the tests and the benchmark: the bundled samples copied under new
ids, names, schools and social workers (all invented), with their dates moved so that some PEPs are overdue, some
due soon and some on time; and demo accounts for each role."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

from ..authority.validation import check_record
from ..core.records import load_json_file
from ..core.samples import SAMPLES
from ..store.database import Store

BASES = {"walsall": "walsall/pep.json", "bath-ne-somerset": "bath-ne-somerset/pep.json",
         "warwickshire": "warwickshire/pep.json", "enfield": "enfield/pep.json", "essex": "essex/pep1.json"}
SCHOOLS = {  # (URN, name): invented
    "walsall": [("140123", "Oakfield Academy"), ("140456", "Brookside Academy"),
                ("140789", "Hillcrest High School")],
    "bath-ne-somerset": [("148223", "Avonvale School"), ("148500", "Widcombe Hill School")],
    "warwickshire": [("137845", "Kenilworth Vale School"), ("137900", "Arden Brook Academy")],
    "enfield": [("102045", "Chase Side Primary"), ("102100", "Lea Valley Academy")],
    "essex": [("141690", "Blackwater Academy"), ("141700", "Colne Valley High School")],
}
WORKERS = {
    "walsall": [("Aoife Ní Bhriain", "aoife.nibhriain@example.org"), ("Tomasz Nowak", "tomasz.nowak@example.org")],
}
FIRST = ["Amara", "Ben", "Chloe", "Dylan", "Eva", "Farid", "Grace", "Harry", "Isla", "Jayden", "Kacper", "Leah",
         "Mason", "Niamh", "Oscar", "Priya", "Reece", "Sofia", "Tyler", "Zainab"]
SURNAME = ["Adeyemi", "Brennan", "Carter", "Dąbrowski", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones",
           "Kowalski", "Lewis", "Morgan", "Nguyen", "O'Connor", "Patel", "Quinn", "Roberts", "Singh", "Taylor"]
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(.*)$")
# How long before the demo's date each copy's last PEP was held: some overdue, some due soon, some on time
GAPS = (250, 150, 100, 70, 20)
DEMO_AS_OF = "2026-11-30"  # late in the autumn term: some PEPs overdue, some due soon, some on time
DEMO_PASSWORD = "pep-demo-password-2026"
DEMO_ACCOUNTS = [  # (user name, role, authority, email, school URN)
    ("vs.walsall", "virtual_school", "walsall", "virtual.school@example.org", ""),
    ("dt.oakfield", "designated_teacher", "walsall", "d.prys@oakfield.example.sch.uk", "140123"),
    ("dt.brookside", "designated_teacher", "walsall", "dt@brookside.example.sch.uk", "140456"),
    ("sw.aoife", "social_worker", "walsall", "aoife.nibhriain@example.org", ""),
    ("iro.walsall", "read_only", "walsall", "iro@example.org", ""),
    ("vs.essex", "virtual_school", "essex", "virtual.school@essex.example.org", ""),
]


def _shift(value, days: int):
    if isinstance(value, dict):
        return {k: _shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, days) for v in value]
    if isinstance(value, str) and (m := _DATE.match(value)):
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return value
        return (day + dt.timedelta(days=days)).isoformat() + m[4]
    return value


def _years(text: str, years: int) -> str:
    match = re.fullmatch(r"(\d{4})/(\d{2})", text or "")
    return f"{int(match[1]) + years}/{(int(match[2]) + years) % 100:02d}" if match else text


def _academic_start(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _term(day: dt.date) -> str:
    return "autumn" if day.month >= 9 else "spring" if day.month <= 3 else "summer"


def synthetic(authority: str, number: int, shift: bool = True) -> dict:
    """One invented child of an authority (number 0, 1, 2, ...), valid, deterministic."""
    base = load_json_file(SAMPLES / BASES[authority])
    record = copy.deepcopy(base)
    held = dt.date.fromisoformat(DEMO_AS_OF) - dt.timedelta(days=GAPS[number % len(GAPS)] if shift else 0)
    base_date = dt.date.fromisoformat((base.get("meeting") or {}).get("date") or base["pep"]["date"])
    days = (held - base_date).days if shift else 0
    record = _shift(record, days)
    record["child"]["date_of_birth"] = base["child"]["date_of_birth"]
    years = _academic_start(base_date + dt.timedelta(days=days)) - _academic_start(base_date)
    if years:
        record["child"]["date_of_birth"] = _shift(base["child"]["date_of_birth"], 0)
        for holder in [record["pep"]] + [t for t in (record.get("ppg") or {}).get("terms", []) if isinstance(t, dict)]:
            if "academic_year" in holder:
                holder["academic_year"] = _years(holder["academic_year"], years)
    term = _term(base_date + dt.timedelta(days=days))
    if record["pep"].get("term") and term != record["pep"]["term"]:
        record["pep"]["term"] = term
        record["pep"].pop("term_number", None)
    prefix = base["child"]["social_care_id"].split("-")[0]
    record["child"]["social_care_id"] = f"{prefix}-{90000 + number}"
    record["child"]["first_name"] = FIRST[number % len(FIRST)]
    record["child"]["surname"] = SURNAME[(number * 7) % len(SURNAME)]
    record["child"].pop("preferred_name", None)
    record["pep"]["id"] = f"{record['pep'].get('id', 'PEP')}-{number}"
    urn, school = SCHOOLS[authority][number % len(SCHOOLS[authority])]
    setting = record.setdefault("education", {}).setdefault("setting", {})
    setting["urn"], setting["name"] = urn, school
    workers = WORKERS.get(authority)
    people = record.setdefault("people", {})
    if workers:
        name, email = workers[(number // len(SCHOOLS[authority])) % len(workers)]
        people.setdefault("social_worker", {}).update({"name": name, "email": email})
    if isinstance(people.get("designated_teacher"), dict):
        people["designated_teacher"]["organisation"] = school
    if isinstance(record.get("roni"), dict) and record["roni"].get("rating"):
        record["roni"]["rating"] = ("red", "amber", "green")[number % 3]
    checked = check_record(record)
    if not checked.valid:
        if shift:  # a move the record's own rules do not allow: keep its dates as they were
            return synthetic(authority, number, shift=False)
        raise ValueError(f"synthetic {authority} child {number}: {checked.errors[:3]}")
    return checked.record


def being_written(record: dict, marked: bool = False) -> dict:
    """The record as a PEP still being written: in progress, no sections marked (or, `marked`, the writers' sections
    marked complete the day before the meeting), no QA, no Virtual School sign-off and no PP+ agreed."""
    from ..workflow.journey import section_states

    record = copy.deepcopy(record)
    record["pep"]["status"] = "in_progress"
    for key in ("sections", "qa"):
        record.pop(key, None)
    (record.get("signoffs") or {}).pop("virtual_school", None)
    ppg = record.get("ppg")
    if isinstance(ppg, dict):
        ppg["payment_status"] = "not_requested"
        for key in ("approved_amount", "approved_by", "approved_on"):
            ppg.pop(key, None)
    meeting = (record.get("meeting") or {}).get("date") or record["pep"].get("date")
    if marked and meeting:
        before = (dt.date.fromisoformat(meeting[:10]) - dt.timedelta(days=1)).isoformat()
        record["sections"] = [{"id": s.id, "completed": True, "completed_by": "Before the meeting",
                               "completed_at": f"{before}T16:00:00"} for s in section_states(record)
                              if s.owner in ("dt", "sw", "both")]
    return record


def stage_journeys(folder: Path, per_authority: int, authorities_: tuple[str, ...] = tuple(BASES)) -> int:
    """Move some demo children along their journey, so that the pages show each state: next term's PEP not started
    (a chain of two), in progress, submitted and waiting for QA, sent back with a reason; the rest stay complete.
    Moves go through the library's state machine; one its rules refuse leaves the PEP where it is. Returns how many
    children were moved."""
    from ..core.errors import PepError
    from ..workflow import journey as J
    from ..workflow.nextterm import next_term

    moved = 0
    with Store.open(folder, clock=lambda: "2026-11-27T10:00:00+00:00") as store:
        for authority in authorities_:
            for number in range(per_authority):
                child, kind = synthetic(authority, number)["child"]["social_care_id"], number % 6
                record = store.require(child).record
                try:
                    if kind == 1:
                        store.put(next_term(record).record, "next-term")
                    elif kind == 2:
                        store.put(being_written(record), "import")
                    elif kind in (3, 4):
                        store.put(being_written(record, marked=True), "import")
                        for move in ("mark_ready", "submit"):
                            J.move(store, child, move, "designated_teacher", "Designated teacher (demo)")
                        if kind == 4:
                            J.rate(store, child, "virtual_school", "Virtual School (demo)", overall="amber",
                                   actions="Give each target a date by which it is met and how it is measured.")
                            J.move(store, child, "send_back", "virtual_school", "Virtual School (demo)",
                                   "The targets need dates and measures before the PEP can be signed off.")
                    else:
                        continue
                except PepError:
                    continue
                moved += 1
    return moved


def fill_store(folder: Path, per_authority: int, authorities_: tuple[str, ...] = tuple(BASES)) -> int:
    """Put invented children into a store (created if missing); returns how many."""
    count = 0
    with Store.open(folder, create=True, clock=lambda: "2026-11-23T09:00:00+00:00") as store:
        for authority in authorities_:
            for number in range(per_authority):
                store.put(synthetic(authority, number), "import")
                count += 1
    return count


def demo_accounts() -> list[tuple[str, str]]:
    """Create the demo accounts (once); returns (user name, role) pairs."""
    from django.contrib.auth.models import User

    from .accounts import add

    made = []
    for username, role, authority, email, urn in DEMO_ACCOUNTS:
        if not User.objects.filter(username=username).exists():
            add(username, role, authority, email=email, school_urn=urn, password=DEMO_PASSWORD)
        made.append((username, role))
    return made
