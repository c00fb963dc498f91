"""The small library of QA rule kinds: each checks one kind of statement against a record, with parameters as data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from marshmallow import Schema, fields, validate

from data_schemas import catalogue
from data_schemas.record import ACADEMIC_CATEGORIES

from ..authority.content import Profile, Variant
from .academic_calendar import DAY_KINDS, AcademicCalendar, CalendarError
from .conditions import ConditionSchema, DataPath, ItemConditionSchema, Strict

STAGE_RANK = {"draft": 0, "held": 1, "submitted": 2}
SUBMITTED = ("ready_to_submit", "submitted", "complete")
ITEM_NOUNS = {"targets": "Target", "previous_targets": "Previous target", "meeting.attendees": "Attendee",
              "ppg.earlier_terms": "Earlier term", "sections": "Section"}
SMART_PARTS = {"success_criteria": "a measurable outcome (expected impact)", "responsible": "an owner",
               "by_date": "a date to achieve it by", "strategies": "strategies", "target": "the target itself"}
VIEWS_FIELDS = ("views.answers", "views.on_previous_targets", "views.on_ppg_use", "ey.about_me")


class NotChecked(Exception):
    """A rule that applies but cannot be checked from this record (a date it needs is missing, no term dates)."""


Violation = tuple[str, str]


@dataclass(frozen=True)
class Kind:
    name: str
    params: type[Schema]
    check: Callable[[Context, dict], list[Violation]]


KINDS: dict[str, Kind] = {}


def kind(name: str, params: type[Schema]):
    """Register a check function as a rule kind with the schema of its parameters."""

    def register(check):
        KINDS[name] = Kind(name, params, check)
        return check

    return register


# Rule kinds over a list, and which list (from the rule's params): such a rule must say in `params.if_empty`
# what an empty or missing list means — `flag` (a finding: there is nothing, and there should be), `check` (the
# kind's own check runs and decides; e.g. a missing role is named) or `pass` (nothing to check is fine).
IF_EMPTY = ("flag", "check", "pass")


def _star_list(p: dict) -> str | None:
    heads = [path.partition(".*.")[0] for path in p.get("fields_", []) if ".*." in path]
    return heads[0] if heads else None


LIST_OF: dict[str, Callable[[dict], str | None]] = {
    "required_fields": _star_list,
    "list_has": lambda p: p["list_"],
    "attendee_roles": lambda p: "meeting.attendees",
    "views_present": lambda p: "views.answers",
    **{name: (lambda p: "targets") for name in (
        "target_categories", "target_position_categories", "targets_have", "smart_targets", "target_horizon_dates",
        "topics_in_targets", "cost_lines_consistent")},
}


# --- reading the record -------------------------------------------------------------------------------------------


def empty(value) -> bool:
    """No answer: None, blank text, an empty list or mapping, or a mapping of empty answers."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not value
    if isinstance(value, dict):
        return all(empty(v) for v in value.values())
    return False


def get_in(node, path: str):
    """The value at a concrete dotted path: `targets.0.category`, or `sections[targets].completed_at` by id."""
    for part in filter(None, re.split(r"\.|(?=\[)", path)):
        if part.startswith("["):
            key = part[1:-1]
            node = next((i for i in node if isinstance(i, dict) and i.get("id") == key), None) \
                if isinstance(node, list) else None
        elif isinstance(node, list) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return node


def concrete(record: dict, path: str) -> str:
    """A `[id]` selector path made concrete (`sections.2.completed_at`) for reporting."""
    match = re.match(r"^([a-z_.]+)\[([^\]]+)\](.*)$", path)
    if not match:
        return path
    items = get_in(record, match.group(1)) or []
    index = next((i for i, item in enumerate(items) if isinstance(item, dict) and item.get("id") == match.group(2)),
                 None)
    return f"{match.group(1)}.{index}{match.group(3)}" if index is not None else path


def as_date(value) -> dt.date | None:
    moment = as_moment(value)
    return moment.date() if isinstance(moment, dt.datetime) else moment


def as_moment(value) -> dt.date | dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    except ValueError:
        return None


def fmt(day) -> str:
    """A date as people write it: 7 Oct 2025 (times shown when there is one)."""
    if isinstance(day, dt.datetime):
        return f"{day.day} {day:%b %Y} {day:%H:%M}"
    return f"{day.day} {day:%b %Y}" if day else "no date"


def label(path: str) -> str:
    """The label of a data path, as the forms show it."""
    from .conditions import normalise_path

    info = catalogue().get(normalise_path(path))
    return info.label if info else path


def item_name(path: str) -> str:
    """`targets.1.success_criteria` → `Target 2`: the list item a concrete path is in."""
    match = re.match(r"^(.*?)\.(\d+)(?:\.|$)", path)
    if not match:
        return ""
    noun = ITEM_NOUNS.get(match.group(1), label(match.group(1)) + " item")
    return f"{noun} {int(match.group(2)) + 1}"


def event(path: str) -> str:
    """How a date is named in a sentence: `meeting.date` → "the meeting"."""
    return "the meeting" if path == "meeting.date" else f"the {label(path).lower()}"


def weeks_to_days(weeks: int, day_kind: str) -> int:
    return weeks * (7 if day_kind == "calendar" else 5)


class Context:
    """One record seen by the rules: its profile, variant and calendar, and helpers to read it."""

    def __init__(self, record: dict, profile: Profile, variant: Variant, calendar: AcademicCalendar):
        self.record, self.profile, self.variant, self.calendar = record, profile, variant, calendar
        self.stage = record_stage(record)

    def get(self, path: str, base=None):
        return get_in(self.record if base is None else base, path)

    def date(self, path: str) -> dt.date | None:
        return as_date(self.get(path))

    def moment(self, path: str):
        """A date or date-time; a meeting date takes the meeting time when there is one."""
        value = as_moment(self.get(path))
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime) and path.endswith(".date"):
            time = self.get(path[:-5] + ".time")
            if isinstance(time, str) and re.match(r"^\d{2}:\d{2}", time):
                return dt.datetime.combine(value, dt.time.fromisoformat(time[:5]))
        return value

    def first_date(self, paths) -> tuple[str, dt.date] | tuple[None, None]:
        for path in paths:
            if (day := self.date(path)) is not None:
                return path, day
        return None, None

    def items(self, list_path: str) -> list:
        value = self.get(list_path)
        return value if isinstance(value, list) else []

    @property
    def targets(self) -> list[dict]:
        return [t for t in self.items("targets") if isinstance(t, dict)]

    def age_on(self, day: dt.date) -> int | None:
        born = self.date("child.date_of_birth")
        if born is None or day is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def reference_date(self) -> dt.date | None:
        return self.first_date(("meeting.date", "pep.date", "pep.completed_on"))[1]

    def matches(self, condition: dict, base=None) -> bool:
        """Whether a rule's condition holds for this record (or, with base, for one list item)."""
        if "any" in condition:
            return any(self.matches(c, base) for c in condition["any"])
        if "stage" in condition:
            return STAGE_RANK[self.stage] >= STAGE_RANK[condition["stage"]]
        if "age" in condition:
            age = self.age_on(self.reference_date)
            return age is not None and condition["age"][0] <= age <= condition["age"][1]
        value = self.get(condition["path"], base)
        if "present" in condition:
            return (not empty(value)) == condition["present"]
        if "equals" in condition:
            return value == condition["equals"]
        if "in_" in condition:
            return value in condition["in_"]
        return value not in condition["not_in"]

    def illustrative_note(self) -> str:
        if not self.calendar.illustrative:
            return ""
        return (f" (The term dates used are illustrative until {self.profile.short_name} adds its own to "
                f"templates/{self.profile.id}/calendar.yaml.)")


def record_stage(record: dict) -> str:
    """How far a PEP has got: draft, held (the meeting took place) or submitted (finished, signed or audited)."""
    pep, signoffs, qa = (record.get(k) or {} for k in ("pep", "signoffs", "qa"))
    if (pep.get("status") in SUBMITTED or pep.get("completed_on") or (signoffs.get("virtual_school") or {})
            .get("signed_at") or qa.get("date") or qa.get("rating")):
        return "submitted"
    meeting = record.get("meeting") or {}
    attended = any(isinstance(a, dict) and a.get("attended") for a in meeting.get("attendees") or [])
    if attended or not empty(meeting.get("record")) or meeting.get("actions") or meeting.get("child_participation"):
        return "held"
    return "draft"


def expand(node, path: str) -> list[tuple[str, object]]:
    """Concrete (path, value) pairs of a path below node; `*` expands to every list item."""
    if ".*." not in path:
        return [(path, get_in(node, path))]
    head, _, rest = path.partition(".*.")
    items = get_in(node, head)
    found = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        found += [(f"{head}.{index}.{p}", v) for p, v in expand(item, rest)]
    return found


def _paths(ctx: Context, path: str, item_when: list) -> list[tuple[str, object]]:
    """Like expand, on the record, keeping only the first list's items that meet item_when."""
    if ".*." not in path:
        return [(concrete(ctx.record, path), ctx.get(path))]
    head, _, rest = path.partition(".*.")
    found = []
    for index, item in enumerate(ctx.items(head)):
        if isinstance(item, dict) and all(ctx.matches(c, item) for c in item_when):
            found += [(f"{head}.{index}.{p}", v) for p, v in expand(item, rest)]
    return found


# --- parameter schemas shared by several kinds --------------------------------------------------------------------


def _paths_field(**kw):
    return fields.List(DataPath(), **kw)


def _day_kind():
    return fields.String(load_default="calendar", validate=validate.OneOf(DAY_KINDS))


class _Fields(Strict):
    fields_ = _paths_field(data_key="fields", required=True, validate=validate.Length(min=1))
    item_when = fields.List(fields.Nested(ItemConditionSchema), load_default=list)


# --- completeness -------------------------------------------------------------------------------------------------


@kind("required_fields", _Fields)
def required_fields(ctx: Context, p: dict) -> list[Violation]:
    """Every listed field has an answer (with `*`, on every list item, or every item that meets item_when)."""
    out = []
    for path in p["fields_"]:
        for where, value in _paths(ctx, path, p["item_when"]):
            if empty(value):
                item = item_name(where)
                out.append((where, f"{item + ': ' if item else ''}{label(where)} is missing."))
    return out


class _ViewsParams(Strict):
    accept_attendance = fields.Boolean(load_default=True)


@kind("views_present", _ViewsParams)
def views_present(ctx: Context, p: dict) -> list[Violation]:
    """The child's views are recorded: a views form or answer, or (if accepted) the child took part in the meeting."""
    if any(not empty(ctx.get(path)) for path in VIEWS_FIELDS):
        return []
    took_part = ctx.get("meeting.child_participation") in ("whole", "part") or any(
        a.get("role") == "child" and a.get("attended") for a in ctx.items("meeting.attendees") if isinstance(a, dict))
    if p["accept_attendance"] and took_part:
        return []
    also = " and the child did not take part in the meeting" if p["accept_attendance"] else ""
    return [("views", f"No views of the child are recorded (no views form or answers{also}).")]


class _SectionBeforeSignoff(Strict):
    signoff = DataPath(required=True)
    fields_ = _paths_field(data_key="fields", load_default=list)
    before = DataPath()
    require_signoff = fields.Boolean(load_default=False)


@kind("section_complete_before_signoff", _SectionBeforeSignoff)
def section_complete_before_signoff(ctx: Context, p: dict) -> list[Violation]:
    """A role's section is complete when its owner signs it off, signed off at all (if required), before a date."""
    at = p["signoff"] + ".signed_at"
    signed = ctx.moment(at)
    who = label(p["signoff"])
    if signed is None:
        return [(at, f"The {who.lower()} has not signed off.")] if p["require_signoff"] else []
    out = [(path, f"{label(path)} is missing, yet the {who.lower()} signed off on {fmt(signed)}.")
           for path in p["fields_"] if empty(ctx.get(path))]
    if p.get("before") and (limit := ctx.moment(p["before"])) is not None and _later(signed, limit):
        out.append((at, f"The {who.lower()} signed off on {fmt(signed)}, after {event(p['before'])} ({fmt(limit)})."))
    return out


class _SectionBeforeMeeting(Strict):
    fields_ = _paths_field(data_key="fields", required=True, validate=validate.Length(min=1))
    section = fields.String()
    meeting = DataPath(load_default="meeting.date")


@kind("section_complete_before_meeting", _SectionBeforeMeeting)
def section_complete_before_meeting(ctx: Context, p: dict) -> list[Violation]:
    """Fields to be ready before the meeting: still missing after it, or the section marked complete after it."""
    meeting = ctx.moment(p["meeting"])
    if ctx.stage == "draft" or meeting is None:
        return []
    out = [(path, f"{label(path)} is still missing after the meeting, so it was not ready before it.")
           for path in p["fields_"] if empty(ctx.get(path))]
    if p.get("section"):
        at = f"sections[{p['section']}].completed_at"
        done = ctx.moment(at)
        if done is not None and _later(done, meeting):
            out.append((concrete(ctx.record, at), f"The section was completed on {fmt(done)}, after the meeting "
                                                  f"({fmt(meeting)})."))
    return out


class _SignoffOrder(Strict):
    final = DataPath(required=True)
    after = _paths_field(required=True, validate=validate.Length(min=1))


@kind("signoff_order", _SignoffOrder)
def signoff_order(ctx: Context, p: dict) -> list[Violation]:
    """The final sign-off comes last: everyone listed signed off, and before it."""
    final = ctx.moment(p["final"] + ".signed_at")
    if final is None:
        return []
    out = []
    for who in p["after"]:
        at = who + ".signed_at"
        signed = ctx.moment(at)
        if signed is None:
            out.append((at, f"The {label(p['final']).lower()} signed off on {fmt(final)}, but the "
                            f"{label(who).lower()} has not signed off."))
        elif _later(signed, final):
            out.append((at, f"The {label(who).lower()} signed off on {fmt(signed)}, after the final sign-off "
                            f"({fmt(final)})."))
    return out


class _ListHas(Strict):
    list_ = DataPath(data_key="list", required=True)
    field_ = fields.String(data_key="field", required=True)
    values = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


@kind("list_has", _ListHas)
def list_has(ctx: Context, p: dict) -> list[Violation]:
    """A list holds an item whose field is one of the values (a copy sent to the carer, say)."""
    if any(isinstance(i, dict) and i.get(p["field_"]) in p["values"] for i in ctx.items(p["list_"])):
        return []
    info = catalogue().get(f"{p['list_']}.*.{p['field_']}")
    names = dict(info.option_labels) if info else {}
    wanted = " or ".join(names.get(v, v).lower() for v in p["values"])
    return [(p["list_"], f"{label(p['list_'])}: none for the {wanted}.")]


class _FieldIn(Strict):
    path = DataPath(required=True)
    values = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1))
    missing = fields.String(load_default="ok", validate=validate.OneOf(["flag", "ok"]))


@kind("field_in", _FieldIn)
def field_in(ctx: Context, p: dict) -> list[Violation]:
    """A field holds one of the allowed values (a missing answer is flagged only when `missing: flag`)."""
    value = ctx.get(p["path"])
    if empty(value):
        return [(p["path"], f"{label(p['path'])} is not recorded.")] if p["missing"] == "flag" else []
    if value in p["values"]:
        return []
    shown = {True: "yes", False: "no"}.get(value, _option_label(normalise(p["path"]), value)) \
        if isinstance(value, bool | str) else value
    return [(p["path"], f"{label(p['path'])} is {str(shown).lower()}.")]


# --- dates and timescales -----------------------------------------------------------------------------------------


def _later(a, b) -> bool:
    """Whether a comes after b; with a date on either side, only a later day counts (same day: benefit of doubt)."""
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        if (a.tzinfo is None) != (b.tzinfo is None):  # one with a time zone, one without: both as UTC wall time
            a, b = (x.astimezone(dt.UTC).replace(tzinfo=None) if x.tzinfo else x for x in (a, b))
        return a > b
    return as_date_any(a) > as_date_any(b)


def as_date_any(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


class _DateWithin(Strict):
    from_ = DataPath(data_key="from", required=True)
    to = DataPath(required=True)
    days = fields.Integer(strict=True, validate=validate.Range(0, 3660))
    weeks = fields.Integer(strict=True, validate=validate.Range(0, 520))
    day_kind = _day_kind()
    proxy = DataPath(metadata={"doc": "a later date: when it is within the limit, so is `to`"})
    missing = fields.String(load_default="not_checked", validate=validate.OneOf(["not_checked", "flag"]))


@kind("date_within", _DateWithin)
def date_within(ctx: Context, p: dict) -> list[Violation]:
    """A date comes within N days (of a kind: school, working, calendar) or weeks after another."""
    start = ctx.date(p["from_"])
    if start is None:
        raise NotChecked(f"the record has no {label(p['from_']).lower()}")
    count = p["days"] if "days" in p else weeks_to_days(p.get("weeks", 0), p["day_kind"])
    unit = f"{p['day_kind']} days" if p["day_kind"] != "calendar" else "days"
    try:
        deadline = ctx.calendar.add_days(start, count, p["day_kind"])
    except CalendarError as err:
        raise NotChecked(err.message) from err
    end = ctx.date(p["to"])
    if end is None:
        proxy = ctx.date(p["proxy"]) if p.get("proxy") else None
        if proxy is not None and proxy <= deadline:
            return []
        if p["missing"] == "flag":
            return [(p["to"], f"No {label(p['to']).lower()}: it is due by {fmt(deadline)}.")]
        raise NotChecked(f"the record does not give the {label(p['to']).lower()}")
    if end <= deadline:
        return []
    return [(p["to"], f"{label(p['to'])} is {fmt(end)}; {count} {unit} after {label(p['from_']).lower()} "
                      f"({fmt(start)}) is {fmt(deadline)}.")]


class _DateOrder(Strict):
    first = DataPath(required=True)
    then = DataPath(required=True)
    at = fields.String(load_default="then", validate=validate.OneOf(["first", "then"]))


@kind("date_order", _DateOrder)
def date_order(ctx: Context, p: dict) -> list[Violation]:
    """One date comes no later than another (same day allowed unless both carry a time)."""
    first, then = ctx.moment(p["first"]), ctx.moment(p["then"])
    if first is None or then is None or not _later(first, then):
        return []
    return [(concrete(ctx.record, p[p["at"]]), f"{label(p['first'])} is {fmt(first)}, after {event(p['then'])} "
                                               f"({fmt(then)}).")]


class _DateInTerm(Strict):
    path = DataPath(required=True)
    fallback = DataPath()
    not_in_holiday = fields.Boolean(load_default=False)
    first_half = fields.Boolean(load_default=False)
    first_weeks = fields.Integer(strict=True, validate=validate.Range(1, 20))
    not_in_last_weeks = fields.Integer(strict=True, validate=validate.Range(1, 20))
    in_term_after = DataPath()


@kind("date_in_term", _DateInTerm)
def date_in_term(ctx: Context, p: dict) -> list[Violation]:
    """Where a date falls in the school year: not in the holidays, in the first half or first weeks of its term,
    not in the last weeks, or in the term after another date."""
    path, day = ctx.first_date([p["path"], *([p["fallback"]] if p.get("fallback") else [])])
    if day is None:
        raise NotChecked(f"the record has no {label(p['path']).lower()}")
    try:
        problems = _term_problems(ctx, p, day)
    except CalendarError as err:
        raise NotChecked(err.message) from err
    return [(path, f"{label(path)} is {fmt(day)}: {problem}{ctx.illustrative_note()}") for problem in problems]


def _term_problems(ctx: Context, p: dict, day: dt.date) -> list[str]:
    cal, out = ctx.calendar, []
    term = cal.term_at(day)
    if p["not_in_holiday"] and cal.is_school_holiday(day):
        out.append("that is in the school holidays.")
    if term is None:
        if p["first_half"] or p.get("first_weeks"):
            out.append("that is not in a term.")
        return out
    if p["first_half"] and day > term.first_half_end:
        half = term.first_half_end + dt.timedelta(days=1)
        out.append(f"after the first half of the {term.label} term (half-term starts {fmt(half)}).")
    if p.get("first_weeks") and day > term.start + dt.timedelta(weeks=p["first_weeks"]) - dt.timedelta(1):
        out.append(f"after the first {p['first_weeks']} weeks of the {term.label} term (which began "
                   f"{fmt(term.start)}).")
    if p.get("not_in_last_weeks") and day > term.end - dt.timedelta(weeks=p["not_in_last_weeks"]):
        out.append(f"that is in the last {p['not_in_last_weeks']} weeks of the {term.label} term (ends "
                   f"{fmt(term.end)}).")
    if p.get("in_term_after") and (anchor := ctx.date(p["in_term_after"])) is not None:
        expected = cal.next_term(cal.term_for(anchor))
        if not expected.contains(day):
            out.append(f"not in the following term ({expected.label}, {fmt(expected.start)} to "
                       f"{fmt(expected.end)}).")
    return out


# --- who, how old, which document ---------------------------------------------------------------------------------


class _Ages(Strict):
    min_years = fields.Integer(strict=True, required=True, validate=validate.Range(0, 25))
    max_years = fields.Integer(strict=True, required=True, validate=validate.Range(0, 25))
    min_extra_terms = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 3))
    statutory_school_age_only = fields.Boolean(load_default=False, metadata={"doc": "accepted from the profile"})
    on = _paths_field(load_default=lambda: ["meeting.date", "pep.date", "pep.completed_on"])


@kind("age_range", _Ages)
def age_range(ctx: Context, p: dict) -> list[Violation]:
    """The child's age on the PEP's date fits the variant: from min years (plus terms) to max years (inclusive)."""
    where, day = ctx.first_date(p["on"])
    born = ctx.date("child.date_of_birth")
    if day is None or born is None:
        raise NotChecked("the record has no date of birth or no date for the PEP")
    age = ctx.age_on(day)
    span = f"ages {p['min_years']}{' and ' + _terms(p['min_extra_terms']) if p['min_extra_terms'] else ''} to " \
           f"{p['max_years']}"
    if age > p["max_years"]:
        return [("child.date_of_birth", f"On the {label(where).lower()} ({fmt(day)}) the child is {age}; "
                                        f"{ctx.profile.short_name}'s PEP is for {span}.")]
    start = _min_start(ctx, born, p, day)
    if day < start:
        return [("child.date_of_birth", f"On the {label(where).lower()} ({fmt(day)}) the child is {age}; "
                                        f"{ctx.profile.short_name}'s PEP is for {span}, which this child reaches "
                                        f"on {fmt(start)}.")]
    return []


def _terms(count: int) -> str:
    return "one term" if count == 1 else f"{count} terms"


def _min_start(ctx: Context, born: dt.date, p: dict, day: dt.date) -> dt.date:
    """When the child reaches the minimum age: the birthday, or the start of the n-th term after it."""
    birthday = _birthday(born, p["min_years"])
    terms = p["min_extra_terms"]
    if not terms or day < birthday:
        return birthday
    cal = ctx.calendar
    started = [t for t in cal.terms if birthday < t.start <= day]
    if len(started) >= terms:
        return started[terms - 1].start  # the calendar shows that many terms began since the birthday
    if cal.covers_terms(birthday):
        return _nth_term_after(cal, birthday, terms)
    if day >= _birthday(born, p["min_years"] + 1):
        return birthday  # a year after the birthday at least three terms have begun
    raise NotChecked(f"the calendar has no term dates around the child's birthday ({fmt(birthday)})")


def _nth_term_after(cal: AcademicCalendar, day: dt.date, count: int) -> dt.date:
    try:
        for _ in range(count):
            day = cal.term_after(day).start
        return day
    except CalendarError as err:
        raise NotChecked(err.message) from err


def _birthday(born: dt.date, years: int) -> dt.date:
    """The date of a birthday (29 February birthdays fall on 1 March in other years, as in English law)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return dt.date(born.year + years, 3, 1)


class _VariantYears(Strict):
    years = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    instead = fields.String()


@kind("variant_for_years", _VariantYears)
def variant_for_years(ctx: Context, p: dict) -> list[Violation]:
    """The variant is not for children in these national curriculum years (another document replaces it)."""
    year = ctx.get("child.ncy")
    if year not in p["years"]:
        return []
    other = ctx.profile.variants.get(p.get("instead", ""))
    instead = f"; they have {other.title if other else p.get('instead')} instead" if p.get("instead") else ""
    return [("child.ncy", f"The child is in Year {year}: the {ctx.variant.title} is not for Years "
                          f"{', '.join(p['years'])}{instead}.")]


class _Attendees(Strict):
    roles = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1))
    status = fields.String(load_default="attended", validate=validate.OneOf(["attended", "invited", "contributed"]))


@kind("attendee_roles", _Attendees)
def attendee_roles(ctx: Context, p: dict) -> list[Violation]:
    """People in these roles attended (or were invited, or attended or sent their input); [a, b] means a or b."""
    names = dict(catalogue()["meeting.attendees.*.role"].option_labels)
    people = [a for a in ctx.items("meeting.attendees") if isinstance(a, dict)]
    out = []
    for group in p["roles"]:
        roles = group if isinstance(group, list) else [group]
        if not any(a.get("role") in roles and _status(a, p["status"]) for a in people):
            who = " or ".join(names.get(r, r).lower() for r in roles)
            verb = {"attended": "attended", "invited": "was invited",
                    "contributed": "attended or sent their input"}[p["status"]]
            out.append(("meeting.attendees", f"No {who} {verb}."))
    return out


def _status(attendee: dict, status: str) -> bool:
    if status == "invited":
        return bool(attendee.get("invited") or attendee.get("attended"))
    if status == "contributed":
        return bool(attendee.get("attended") or not empty(attendee.get("input_if_absent")))
    return bool(attendee.get("attended"))


# --- targets ------------------------------------------------------------------------------------------------------


def _category_list(values: list[str]) -> list[str]:
    """`academic` stands for every academic category of the record schema."""
    out = []
    for value in values:
        out += list(ACADEMIC_CATEGORIES) if value == "academic" else [value]
    return out


def _option_label(path: str, value) -> str:
    info = catalogue().get(path)
    return dict(info.option_labels).get(value, str(value)) if info else str(value)


class _TargetValues(Strict):
    field_ = fields.String(data_key="field", load_default="category", validate=validate.OneOf(["category",
                                                                                                "horizon"]))
    values = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


@kind("target_categories", _TargetValues)
def target_categories(ctx: Context, p: dict) -> list[Violation]:
    """At least one target for each value (categories such as english and maths, or horizons short and long)."""
    have = {t.get(p["field_"]) for t in ctx.targets}
    path = f"targets.*.{p['field_']}"
    noun = "target" if p["field_"] == "category" else "term target"
    return [("targets", f"There is no {_lower(_option_label(path, v).split(' (')[0])} {noun}.")
            for v in p["values"] if v not in have]


def _lower(text: str) -> str:
    """Lower case for a sentence, keeping names of languages (English)."""
    return text if text.split(" ")[0] in ("English",) else text.lower()


class _Positions(Strict):
    positions = fields.List(fields.Integer(strict=True, validate=validate.Range(1, 30)), required=True,
                            validate=validate.Length(min=1))
    categories = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    require_positions = fields.Boolean(load_default=True)


@kind("target_position_categories", _Positions)
def target_position_categories(ctx: Context, p: dict) -> list[Violation]:
    """Targets at given positions (1-based) are of the given categories (`academic` = every academic one)."""
    allowed, targets, out = _category_list(p["categories"]), ctx.targets, []
    for n in p["positions"]:
        if n > len(targets):
            if p["require_positions"]:
                out.append(("targets", f"There is no target {n}."))
            continue
        category = targets[n - 1].get("category")
        if category not in allowed:
            shown = _option_label("targets.*.category", category) if category else "not given"
            out.append((f"targets.{n - 1}.category", f"Target {n}'s area is {shown.lower()}."))
    return out


class _TargetsHave(Strict):
    fields_ = fields.List(DataPath(prefix="targets.*."), data_key="fields", required=True,
                          validate=validate.Length(min=1))
    positions = fields.List(fields.Integer(strict=True, validate=validate.Range(1, 30)))
    item_when = fields.List(fields.Nested(ItemConditionSchema), load_default=list)
    equals = fields.Raw()
    in_ = fields.List(fields.Raw(), data_key="in")
    missing = fields.String(load_default="flag", validate=validate.OneOf(["flag", "ok"]))


@kind("targets_have", _TargetsHave)
def targets_have(ctx: Context, p: dict) -> list[Violation]:
    """Each target (or those at given positions, or meeting item_when) has the fields, optionally with set values."""
    out = []
    for index, target in enumerate(ctx.targets):
        if p.get("positions") and index + 1 not in p["positions"]:
            continue
        if not all(ctx.matches(c, target) for c in p["item_when"]):
            continue
        for field in p["fields_"]:
            out += _target_field(p, index, field, get_in(target, field))
    return out


def _target_field(p: dict, index: int, field: str, value) -> list[Violation]:
    where = f"targets.{index}.{field}"
    if empty(value):
        return [] if p["missing"] == "ok" else [(where, f"Target {index + 1}: {label(where)} is missing.")]
    if "equals" in p and value != p["equals"]:
        shown = "yes" if p["equals"] is True else "no" if p["equals"] is False else p["equals"]
        return [(where, f"Target {index + 1}: {label(where)} is not {shown}.")]
    if "in_" in p and value not in p["in_"]:
        return [(where, f"Target {index + 1}: {label(where)} is {_option_label(normalise(where), value).lower()}.")]
    return []


def normalise(path: str) -> str:
    from .conditions import normalise_path

    return normalise_path(path)


class _Smart(Strict):
    require = fields.List(fields.String(validate=validate.OneOf(list(SMART_PARTS))),
                          load_default=lambda: ["success_criteria", "responsible", "by_date"])
    max_weeks = fields.Integer(strict=True, validate=validate.Range(1, 104))
    from_ = DataPath(data_key="from", load_default="meeting.date")
    day_kind = _day_kind()


@kind("smart_targets", _Smart)
def smart_targets(ctx: Context, p: dict) -> list[Violation]:
    """Every target is SMART enough to check: a measurable outcome, an owner, a date (within max_weeks if set)."""
    out = []
    for index, target in enumerate(ctx.targets):
        missing = [SMART_PARTS[part] for part in p["require"] if empty(target.get(part))]
        if missing:
            out.append((f"targets.{index}", f"Target {index + 1} lacks {_and(missing)}."))
        out += _too_far(ctx, p, index, target)
    return out


def _too_far(ctx: Context, p: dict, index: int, target: dict) -> list[Violation]:
    start, by = ctx.date(p["from_"]), as_date(target.get("by_date"))
    if not p.get("max_weeks") or start is None or by is None:
        return []
    try:
        limit = ctx.calendar.add_days(start, weeks_to_days(p["max_weeks"], p["day_kind"]), p["day_kind"])
    except CalendarError as err:
        raise NotChecked(err.message) from err
    if by <= limit:
        return []
    kind_word = "" if p["day_kind"] == "calendar" else f" {p['day_kind']}"
    return [(f"targets.{index}.by_date", f"Target {index + 1} is to be achieved by {fmt(by)}, more than "
                                         f"{p['max_weeks']}{kind_word} weeks after {fmt(start)} (by {fmt(limit)}).")]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class _HorizonDates(Strict):
    short_by = DataPath(load_default="meeting.next_pep_date")


@kind("target_horizon_dates", _HorizonDates)
def target_horizon_dates(ctx: Context, p: dict) -> list[Violation]:
    """Short-term targets are due by the next PEP; long-term ones by the end of the academic year (31 August)."""
    next_pep, year_end, out = ctx.date(p["short_by"]), _year_end(ctx), []
    for index, target in enumerate(ctx.targets):
        by = as_date(target.get("by_date"))
        if by is None:
            continue
        if target.get("horizon") == "short" and next_pep and by > next_pep:
            out.append((f"targets.{index}.by_date", f"Target {index + 1} is short term but due {fmt(by)}, after "
                                                    f"the next PEP ({fmt(next_pep)})."))
        if target.get("horizon") == "long" and year_end and by > year_end:
            out.append((f"targets.{index}.by_date", f"Target {index + 1} is long term but due {fmt(by)}, after "
                                                    f"the end of the academic year ({fmt(year_end)})."))
    return out


def _year_end(ctx: Context) -> dt.date | None:
    year = ctx.get("pep.academic_year")
    if isinstance(year, str) and re.match(r"^\d{4}/\d{2}$", year):
        return dt.date(int(year[:4]) + 1, 8, 31)
    day = ctx.reference_date
    return dt.date(day.year + (day.month >= 9), 8, 31) if day else None


class _Topic(Strict):
    name = fields.String(required=True)
    keywords = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    keywords_from = fields.List(DataPath(), load_default=list, metadata={"doc": "record fields whose text counts"})
    categories = fields.List(fields.String(), load_default=list)
    years = fields.List(fields.String())


class _Topics(Strict):
    topics = fields.List(fields.Nested(_Topic), required=True, validate=validate.Length(min=1))
    scope = fields.String(load_default="academic", validate=validate.OneOf(["academic", "all"]))


@kind("topics_in_targets", _Topics)
def topics_in_targets(ctx: Context, p: dict) -> list[Violation]:
    """The targets cover topics: a target of the topic's category, or one (academic) target mentioning a keyword."""
    targets = ctx.targets
    scoped = [t for t in targets if p["scope"] == "all" or t.get("category") in ACADEMIC_CATEGORIES]
    out = []
    for topic in p["topics"]:
        if topic.get("years") is not None and ctx.get("child.ncy") not in topic["years"]:
            continue
        by_category = any(t.get("category") in topic["categories"] for t in targets)
        words = topic["keywords"] + [w for path in topic["keywords_from"] if isinstance(w := ctx.get(path), str)
                                     and w.strip()]
        pattern = re.compile(r"\b(" + "|".join(re.escape(k.strip()) for k in words) + r")", re.IGNORECASE)
        if not by_category and not any(pattern.search(_target_text(t)) for t in scoped):
            where = "academic targets" if p["scope"] == "academic" else "targets"
            out.append(("targets", f"None of the {where} covers {topic['name']}."))
    return out


def _target_text(target: dict) -> str:
    parts = [target.get(k) or "" for k in ("target", "rationale", "success_criteria", "vs_intervention")]
    parts += [s.get("action") or "" for s in target.get("strategies") or [] if isinstance(s, dict)]
    return "\n".join(parts)


# --- pupil premium plus -------------------------------------------------------------------------------------------


class _NoParams(Strict):
    pass


@kind("cost_lines_consistent", _NoParams)
def cost_lines_consistent(ctx: Context, p: dict) -> list[Violation]:
    """PP+ adds up: a funded target shows its costs, every cost line can be totalled, nothing approved beyond the
    request."""
    out = []
    for index, target in enumerate(ctx.targets):
        out += _target_costs(index, target.get("ppg") or {})
    out += _approved_within_request(ctx)
    return out


def _target_costs(index: int, ppg: dict) -> list[Violation]:
    lines = [line for line in ppg.get("cost_lines") or [] if isinstance(line, dict)]
    where, out = f"targets.{index}.ppg", []
    if ppg.get("funded") and not lines:
        out.append((f"{where}.cost_lines", f"Target {index + 1} is marked as funded by PP+ but has no costs."))
    if ppg.get("funded") is False and lines:
        out.append((f"{where}.funded", f"Target {index + 1} has PP+ costs but is marked as not funded by PP+."))
    for n, line in enumerate(lines):
        if line.get("unit_cost") is None:
            out.append((f"{where}.cost_lines.{n}.unit_cost", f"Target {index + 1}, cost {n + 1} "
                                                              f"({line.get('description') or 'no description'}) has "
                                                              "no unit cost, so it cannot be totalled."))
    return out


def _approved_within_request(ctx: Context) -> list[Violation]:
    approved, requested = ctx.get("ppg.approved_amount"), ctx.get("ppg.requested_total")
    if approved is None or requested is None:
        return []
    extra = ctx.get("ppg.additional_request.amount") or "0"
    band = ctx.get("ppg.request_band") or "0"  # where PP+ is asked for in bands, the band is the request
    ceiling = max(Decimal(requested), Decimal(band)) + Decimal(extra)
    if Decimal(approved) <= ceiling:
        return []
    return [("ppg.approved_amount", f"£{Decimal(approved):.2f} is approved but only £{ceiling:.2f} is requested "
                                    "(targets or request band, plus any additional request).")]


class _Cap(Strict):
    cap = fields.Decimal(required=True)
    awards_per_year = fields.Integer(strict=True, validate=validate.Range(1, 12))
    path = DataPath(load_default="ppg.requested_total")


@kind("max_amount_per_term", _Cap)
def max_amount_per_term(ctx: Context, p: dict) -> list[Violation]:
    """PP+ asked for this term (and each earlier term this year) is at most the cap, and awarded at most N times."""
    cap, out = p["cap"], []
    amount = ctx.get(p["path"])
    if amount is not None and Decimal(amount) > cap:
        out.append((p["path"], f"£{Decimal(amount):.2f} is requested this term; the most is £{cap:.2f} a term."))
    earlier = [e for e in ctx.items("ppg.earlier_terms") if isinstance(e, dict)]
    for index, term in enumerate(earlier):
        if term.get("amount") is not None and Decimal(term["amount"]) > cap:
            out.append((f"ppg.earlier_terms.{index}.amount", f"£{Decimal(term['amount']):.2f} in the "
                                                             f"{term.get('term') or 'earlier'} term is more than "
                                                             f"£{cap:.2f}."))
    awards = sum(1 for e in earlier if e.get("amount") and Decimal(e["amount"]) > 0)
    awards += bool(amount and Decimal(amount) > 0)
    if p.get("awards_per_year") and awards > p["awards_per_year"]:
        out.append(("ppg.earlier_terms", f"PP+ is awarded {awards} times this year; the most is "
                                         f"{p['awards_per_year']}."))
    return out


class _Bands(Strict):
    bands = fields.List(fields.Decimal(), required=True, validate=validate.Length(min=1))
    path = DataPath(load_default="ppg.request_band")
    total_within_band = fields.Boolean(load_default=True)


@kind("amount_in_bands", _Bands)
def amount_in_bands(ctx: Context, p: dict) -> list[Violation]:
    """The PP+ request is one of the authority's bands, and the costed targets fit within it."""
    band = ctx.get(p["path"])
    bands = ", ".join(f"£{b:.0f}" for b in p["bands"])
    if band is None:
        return []
    if Decimal(band) not in p["bands"]:
        return [(p["path"], f"£{Decimal(band):.2f} is not one of the bands ({bands}).")]
    total = ctx.get("ppg.requested_total")
    if p["total_within_band"] and total is not None and Decimal(total) > Decimal(band):
        return [("ppg.requested_total", f"The targets' PP+ costs come to £{Decimal(total):.2f}, more than the "
                                        f"£{Decimal(band):.2f} band requested.")]
    return []


__all__ = ["IF_EMPTY", "KINDS", "LIST_OF", "ConditionSchema", "Context", "NotChecked", "record_stage"]
