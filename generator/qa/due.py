"""When each child's next PEP is due, from their records and their authority's timescales, counted on its calendar."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..authority.content import Profile
from ..authority.profiles import get_profile
from ..authority.validation import check_record
from ..core.errors import InputError
from ..core.records import load_json_file
from .academic_calendar import AcademicCalendar, CalendarError, Term, load_calendar
from .kinds import as_date, fmt
from .rules import load_rules

STATUSES = ("overdue", "due_soon", "on_time", "not_required", "unknown")
STATUS_LABELS = {"overdue": "Overdue", "due_soon": "Due soon", "on_time": "On time", "not_required": "Not required",
                 "unknown": "Unknown"}
DEFAULT_REMINDER_WEEKS = 3


# --- the cohort ---------------------------------------------------------------------------------------------------


@dataclass
class Cohort:
    """Valid PEP records (source, record) and the inputs that could not be used (source, reason)."""

    records: list[tuple[str, dict]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def record_files(paths: Iterable[Path]) -> list[Path]:
    """JSON files named, or found (recursively, sorted) in folders named."""
    found: list[Path] = []
    for path in paths:
        found += sorted(path.rglob("*.json")) if path.is_dir() else [path]
    return found


def load_cohort(paths: Iterable[Path] = (), records: Iterable[tuple[str, object]] = ()) -> Cohort:
    """Validate records from files and folders, and from any iterable of (source, parsed record) such as a store."""
    cohort = Cohort()
    for path in record_files(paths):
        try:
            add_record(cohort, str(path), load_json_file(path))
        except InputError as err:
            cohort.problems.append((str(path), err.message))
    for source, data in records:
        add_record(cohort, source, data)
    return cohort


def add_record(cohort: Cohort, source: str, data) -> None:
    result = check_record(data)
    if not result.valid:
        path, message = result.errors[0]
        more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        cohort.problems.append((source, f"invalid: {path + ': ' if path else ''}{message}{more}"))
        return
    record = result.record
    profile = get_profile(record["pep"]["authority"])
    if profile.variant(record["pep"]["variant"]).kind == "record":
        cohort.records.append((source, record))


def store_records(folder: Path) -> list[tuple[str, dict]]:
    """Every child's current record in a pep store."""
    from ..store.database import Store

    with Store.open(folder) as store:
        return [(f"{folder}#{v.social_care_id}", v.record) for v in store.records()]


# --- schedules ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How one series of an authority's PEPs falls due (its variants, cycle, window, timescales)."""

    id: str
    variants: tuple[str, ...]
    every: str
    window: str
    window_weeks: int | None
    recommended_weeks: int | None
    last_weeks_excluded: int | None
    after_change: bool
    change_days: int | None
    initial: dict
    day_kind: str
    reminder_weeks: int
    years: frozenset[str]
    ages: dict
    source: str
    label: str | None = None

    @property
    def title(self) -> str:
        return "/".join(self.variants)

    @property
    def name(self) -> str:
        return self.label or (self.variants[0].upper() if len(self.variants) == 1 else self.title)


def plans_for(profile: Profile) -> list[Plan]:
    """The authority's series: its rules file's schedules, or one series of every record variant from the profile."""
    review = profile.timescales["review"]
    schedules = load_rules(profile.id).schedules or ({
        "id": "PROFILE", "variants": [v.id for v in profile.variants.values() if v.kind == "record"],
        "source": {"document": f"{profile.short_name} profile ({profile.source_file})", "quote": ""}},)
    return [_plan(profile, review, s) for s in schedules]


def _plan(profile: Profile, review: dict, schedule: dict) -> Plan:
    variants = tuple(schedule["variants"])
    years = frozenset(y for v in variants for y in profile.variant(v).years)
    source = schedule["source"]
    quote = f": “{source['quote']}”" if source.get("quote") else ""
    return Plan(schedule["id"], variants, schedule.get("every") or review["every"],
                schedule.get("window") or review.get("window", "any"),
                schedule.get("window_weeks") or review.get("window_weeks"), schedule.get("recommended_weeks"),
                review.get("not_in_last_weeks_of_term"), review.get("after_change_of_setting", True),
                review.get("change_within_days"), profile.timescales["initial_pep"], profile.timescales["day_kind"],
                profile.timescales.get("reminder_weeks") or DEFAULT_REMINDER_WEEKS, years, profile.ages,
                f"{source['document']}{quote}", schedule.get("name"))


# --- one child ----------------------------------------------------------------------------------------------------


@dataclass
class DueItem:
    """One child's next PEP in one series."""

    authority: str
    child: str
    series: str
    variants: tuple[str, ...]
    status: str
    due: dt.date | None = None
    basis: str = ""
    last_pep: dt.date | None = None
    last_source: str | None = None
    scheduled: dt.date | None = None
    recommended_by: dt.date | None = None
    days_left: int | None = None
    kind_days_left: int | None = None
    day_kind: str = "calendar"
    illustrative: bool = False
    note: str | None = None
    reminder_weeks: int = DEFAULT_REMINDER_WEEKS

    def as_json(self) -> dict:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {"authority": self.authority, "social_care_id": self.child, "series": self.series,
                "variants": list(self.variants), "status": self.status, "due": iso(self.due), "basis": self.basis,
                "last_pep": iso(self.last_pep), "last_source": self.last_source, "scheduled": iso(self.scheduled),
                "recommended_by": iso(self.recommended_by), "days_left": self.days_left,
                "days_left_in_kind": self.kind_days_left, "day_kind": self.day_kind,
                "illustrative_calendar": self.illustrative, "note": self.note}


def pep_date(record: dict) -> dt.date | None:
    """When a PEP took place: its meeting, else its completion, else its date."""
    for path in (("meeting", "date"), ("pep", "completed_on"), ("pep", "date")):
        value = (record.get(path[0]) or {}).get(path[1])
        if value:
            return as_date(value)
    return None


class _Child:
    """What the due date needs from one child's records in one series (and their latest record of any kind).

    A record dated after the as-of date is a meeting still to come: it sets `scheduled`, not `last`.
    """

    def __init__(self, series: list[tuple[str, dict]], latest_any: dict, as_of: dt.date):
        dated = sorted(((pep_date(r), s, r) for s, r in series if pep_date(r)), key=lambda x: (x[0], x[1]))
        held = [d for d in dated if d[0] <= as_of]
        self.last, self.last_source, self.last_record = held[-1] if held else (None, None, None)
        self.upcoming = next((d[0] for d in dated if d[0] > as_of), None)
        self.info = self.last_record or latest_any
        care, education, child = (self.info.get(k) or {} for k in ("care", "education", "child"))
        self.entered = as_date(care.get("date_entered_care"))
        self.emergency = bool((care.get("placement") or {}).get("emergency"))
        self.changes = [(as_date(education.get("admission_date")), "change of school"),
                        (as_date((care.get("placement") or {}).get("start_date")), "change of placement")]
        self.born, self.ncy = as_date(child.get("date_of_birth")), child.get("ncy")
        self.leaving = bool(care.get("leaving_care_this_term"))
        start = pep_date(latest_any)
        self.start = start if start and start <= as_of else self.last


def window_end(plan: Plan, term: Term) -> dt.date:
    """The last day a series' PEP counts as on time in a term."""
    if plan.window == "first_half_of_term":
        return term.first_half_end
    if plan.window == "first_weeks" and plan.window_weeks:
        return min(term.start + dt.timedelta(weeks=plan.window_weeks, days=-1), term.end)
    if plan.last_weeks_excluded:
        return term.end - dt.timedelta(weeks=plan.last_weeks_excluded)
    return term.end


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day n months later, or the month's last day (31 Aug + 6 months = 28 or 29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month + 1, min(day.day, month_calendar.monthrange(year, month + 1)[1]))


def _term_window_from(plan: Plan, cal: AcademicCalendar, day: dt.date) -> tuple[dt.date, Term]:
    """The first term window that ends on or after a day."""
    term = cal.term_at(day) or cal.term_after(day)
    while window_end(plan, term) < day:
        term = cal.next_term(term)
    return window_end(plan, term), term


def _regular(plan: Plan, cal: AcademicCalendar, child: _Child) -> tuple[dt.date, str] | None:
    name = plan.name
    if child.last is None and child.start is None:
        return None  # nothing held yet: only the initial PEP can be due
    if child.last is None:
        if plan.every == "six_months":
            return child.start, f"no {name} on record (the child's last PEP of another kind: {fmt(child.start)})"
        due, term = _term_window_from(plan, cal, child.start)
        return due, f"no {name} on record; one is due in the {term.label} term"
    if plan.every == "six_months":
        return add_months(child.last, 6), f"six months after the last {name} ({fmt(child.last)})"
    term = cal.next_term(cal.term_for(child.last))
    where = {"first_half_of_term": "the first half of ", "first_weeks": f"the first {plan.window_weeks} weeks of ",
             "any": ""}.get(plan.window, "")
    if plan.window == "any" and plan.last_weeks_excluded:
        where = f"the {term.label} term before its last {plan.last_weeks_excluded} weeks"
        return window_end(plan, term), f"termly: due in {where} (last {fmt(child.last)})"
    return window_end(plan, term), f"termly: due in {where}the {term.label} term (last {fmt(child.last)})"


def _initial(plan: Plan, cal: AcademicCalendar, child: _Child) -> tuple[dt.date, str] | None:
    """An initial PEP: the child entered care after their latest PEP of any kind (or has none)."""
    if child.entered is None or (child.start is not None and child.start >= child.entered):
        return None
    timescales = plan.initial or {}
    days = (timescales.get("emergency_within_days") if child.emergency else None) or \
        timescales.get("hold_within_days") or timescales.get("arrange_within_days")
    if not days:
        due, term = _term_window_from(plan, cal, child.entered)
        return due, f"initial PEP after entering care ({fmt(child.entered)}), in the {term.label} term"
    verb = "held" if timescales.get("hold_within_days") and not child.emergency else "arranged"
    kind = "" if plan.day_kind == "calendar" else f" {plan.day_kind}"
    return cal.add_days(child.entered, days, plan.day_kind), \
        f"initial PEP {verb} within {days}{kind} days of entering care ({fmt(child.entered)})"


def _after_change(plan: Plan, cal: AcademicCalendar, child: _Child) -> tuple[dt.date, str] | None:
    if not plan.after_change or child.last is None:
        return None
    changes = [(day, what) for day, what in child.changes if day and day > child.last]
    if not changes:
        return None
    day, what = max(changes)
    timescales = plan.initial or {}
    days = plan.change_days or timescales.get("hold_within_days") or timescales.get("arrange_within_days")
    if not days:
        return None  # no timescale for it: the next regular PEP covers the change
    kind = "" if plan.day_kind == "calendar" else f" {plan.day_kind}"
    return cal.add_days(day, days, plan.day_kind), f"new PEP within {days}{kind} days of a {what} ({fmt(day)})"


def _not_required(plan: Plan, cal: AcademicCalendar, child: _Child, due: dt.date, as_of: dt.date) -> str | None:
    if plan.years and child.ncy and child.ncy not in plan.years:
        return f"Year {child.ncy} is not covered by the {plan.name}"
    if child.born is not None:
        limit = _birthday(child.born, plan.ages["max_years"] + 1)
        if limit <= due:
            return f"ages out on {fmt(limit)} (PEPs are for ages up to {plan.ages['max_years']})"
    if child.leaving and child.last is not None:
        term = cal.term_for(child.last)
        if as_of > term.end:
            return f"left care at the end of the {term.label} term"
    return None


def _birthday(born: dt.date, years: int) -> dt.date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return dt.date(born.year + years, 3, 1)


def due_item(plan: Plan, profile: Profile, cal: AcademicCalendar, series: list[tuple[str, dict]],
             latest_any: dict, as_of: dt.date) -> DueItem:
    """The next PEP of one child in one series."""
    child = _Child(series, latest_any, as_of)
    item = DueItem(profile.id, (latest_any.get("child") or {}).get("social_care_id"), plan.name, plan.variants,
                   "unknown", last_pep=child.last, last_source=child.last_source, day_kind=plan.day_kind,
                   illustrative=cal.illustrative, reminder_weeks=plan.reminder_weeks)
    try:
        _fill(item, plan, cal, child, as_of)
    except CalendarError as err:
        item.status, item.note = "unknown", str(err)
    return item


def _fill(item: DueItem, plan: Plan, cal: AcademicCalendar, child: _Child, as_of: dt.date) -> None:
    candidates = [c for c in (_regular(plan, cal, child), _initial(plan, cal, child),
                              _after_change(plan, cal, child)) if c]
    if not candidates:
        item.note = "the records give no date to count from (no PEP held, no date of entering care)"
        return
    item.due, item.basis = min(candidates, key=lambda c: c[0])
    scheduled = as_date(((child.last_record or {}).get("meeting") or {}).get("next_pep_date")) or child.upcoming
    item.scheduled = scheduled if scheduled and (child.last is None or scheduled > child.last) else None
    if plan.recommended_weeks and cal.term_at(item.due):
        term = cal.term_at(item.due)
        item.recommended_by = min(term.start + dt.timedelta(weeks=plan.recommended_weeks, days=-1), item.due)
    reason = _not_required(plan, cal, child, item.due, as_of)
    if reason:
        item.status, item.note = "not_required", reason
        return
    item.days_left = (item.due - as_of).days
    item.kind_days_left = cal.days_between(as_of, item.due, plan.day_kind)
    item.status = "overdue" if item.days_left < 0 else (
        "due_soon" if item.days_left <= plan.reminder_weeks * 7 else "on_time")
    if item.scheduled and item.scheduled > item.due:
        item.note = f"the meeting set for {fmt(item.scheduled)} is after the date it is due"


# --- the cohort's due list ----------------------------------------------------------------------------------------


def cohort_due(records: Iterable[tuple[str, dict]], as_of: dt.date) -> list[DueItem]:
    """Every child's next PEP in every series of their authority, most urgent first."""
    by_child: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    for source, record in records:
        key = (record["pep"]["authority"], record["child"]["social_care_id"])
        by_child.setdefault(key, []).append((source, record))
    items = []
    for (authority, _), recs in sorted(by_child.items()):
        profile, cal = get_profile(authority), load_calendar(authority)
        latest_any = max(recs, key=lambda sr: (pep_date(sr[1]) or dt.date.min, sr[0]))[1]
        for plan in plans_for(profile):
            series = [(s, r) for s, r in recs if r["pep"]["variant"] in plan.variants]
            if not series and plan.years and latest_any["child"].get("ncy") not in plan.years:
                continue
            items.append(due_item(plan, profile, cal, series, latest_any, as_of))
    return sorted(items, key=_urgency)


def _urgency(item: DueItem):
    return (STATUSES.index(item.status), item.due or dt.date.max, item.authority, item.child, item.series)


def counts(items: list[DueItem]) -> dict[str, int]:
    return {status: sum(1 for i in items if i.status == status) for status in STATUSES}


# --- output -------------------------------------------------------------------------------------------------------

CSV_COLUMNS = ("status", "due", "days_left", "days_left_in_kind", "day_kind", "authority", "social_care_id", "series",
               "variants", "last_pep", "scheduled", "recommended_by", "basis", "note", "illustrative_calendar",
               "last_source")


def to_rows(items: list[DueItem]) -> list[dict]:
    rows = []
    for item in items:
        row = item.as_json()
        row["variants"] = " ".join(row["variants"])
        rows.append({k: row[k] for k in CSV_COLUMNS})
    return rows


def to_csv(items: list[DueItem]) -> str:
    """The due list as CSV (UTF-8, CRLF line ends as RFC 4180 has them)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in to_rows(items):
        writer.writerow({k: ("" if v is None else str(v).lower() if isinstance(v, bool) else v)
                         for k, v in row.items()})
    return out.getvalue()


def to_table(items: list[DueItem]) -> str:
    """The due list as an aligned text table, most urgent first."""
    head = ("Status", "Due", "Days", "Child", "Authority", "Series", "Last PEP", "Why")
    rows = [(STATUS_LABELS[i.status], i.due.isoformat() if i.due else "-", "" if i.days_left is None else
             str(i.days_left), i.child or "-", i.authority, i.series, i.last_pep.isoformat() if i.last_pep else "-",
             "; ".join(x for x in (i.basis, i.note) if x)) for i in items]
    widths = [max(len(r[n]) for r in [head, *rows]) for n in range(len(head) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
             for row in [head, *rows]]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _ics_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545 lines of at most 75 octets, continued on lines that start with a space."""
    parts, current, limit = [], "", 75
    for char in line:
        if len((current + char).encode("utf-8")) > limit:
            parts.append(current)
            current, limit = char, 74
        else:
            current += char
    parts.append(current)
    return [parts[0], *(" " + part for part in parts[1:])]


def _event(item: DueItem, stamp: str) -> list[str]:
    meeting = item.scheduled is not None
    day = item.scheduled if meeting else item.due
    what = "PEP meeting" if meeting else "PEP due"
    description = f"Child {item.child} ({item.authority}, {item.series}). Due by {fmt(item.due)}: {item.basis}."
    if item.illustrative:
        description += " Term dates used are illustrative."
    uid = f"pep-{item.authority}-{item.child}-{item.series.lower()}-{day.isoformat()}@pep.invalid"
    return ["BEGIN:VEVENT", f"UID:{uid}",
            f"DTSTAMP:{stamp}", f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text(f'{what}: {item.child} ({item.authority})')}",
            f"DESCRIPTION:{_ics_text(description)}", "TRANSP:TRANSPARENT",
            "BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_ics_text(f'{what} in {item.reminder_weeks} weeks')}",
            f"TRIGGER:-P{item.reminder_weeks}W", "END:VALARM", "END:VEVENT"]


def to_ics(items: list[DueItem], as_of: dt.date) -> str:
    """An iCalendar file: each child's scheduled PEP meeting, or (none set) the day the PEP is due, with a reminder."""
    stamp = f"{as_of:%Y%m%d}T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//pep//PEP due dates//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:PEP meetings"]
    for item in items:
        if item.status not in ("not_required", "unknown") and item.due:
            lines += _event(item, stamp)
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
