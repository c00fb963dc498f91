"""The academic calendar: bank holidays and term dates, and counting school, working or calendar days with them."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from data_schemas import flatten_messages

from ..authority.profiles import COMMON, templates_root
from ..core.errors import PepError
from ..core.yamlsrc import YamlSource, load_yaml

CALENDAR_FILE = "calendar.yaml"
DAY_KINDS = ("school", "working", "calendar")
TERM_NAMES = ("autumn", "spring", "summer")
MAX_COUNT = 3660


class CalendarError(PepError):
    """Raised when a date falls outside what the calendar covers (no term dates or bank holidays for it)."""


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _BankHolidays(_Strict):
    region = fields.String(required=True)
    source = fields.String(required=True)
    dates = fields.Dict(keys=fields.Date(), values=fields.String(), required=True, validate=validate.Length(min=1))


class _Term(_Strict):
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    half_term = fields.List(fields.Date(), validate=validate.Length(equal=2))
    inset = fields.List(fields.Date(), load_default=list)

    @validates_schema
    def _order(self, data, **_):
        start, end = data["start"], data["end"]
        if end < start:
            raise ValidationError("The term ends before it starts.", "end")
        half = data.get("half_term")
        if half and not (start < half[0] <= half[1] < end):
            raise ValidationError("Half-term must lie inside the term, first day before last.", "half_term")
        if any(not start <= day <= end for day in data["inset"]):
            raise ValidationError("INSET days must lie inside the term.", "inset")


class _Year(_Strict):
    autumn = fields.Nested(_Term, required=True)
    spring = fields.Nested(_Term, required=True)
    summer = fields.Nested(_Term, required=True)


class _Terms(_Strict):
    illustrative = fields.Boolean(required=True)
    note = fields.String()
    years = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^\d{4}/\d{2}$")), values=fields.Nested(_Year),
                        required=True, validate=validate.Length(min=1))


class _Calendar(_Strict):
    bank_holidays = fields.Nested(_BankHolidays, required=True)
    terms = fields.Nested(_Terms, required=True)


def _yaml_dates(value):
    """YAML reads 2025-09-01 as a date; marshmallow's Date field wants text."""
    if isinstance(value, dict):
        return {_yaml_dates(k): _yaml_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_dates(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


@dataclass(frozen=True)
class Term:
    """One school term: its first and last day (INSET days included), half-term break and INSET days."""

    academic_year: str
    name: str
    start: dt.date
    end: dt.date
    half_term: tuple[dt.date, dt.date] | None = None
    inset: frozenset[dt.date] = frozenset()

    @property
    def number(self) -> int:
        return TERM_NAMES.index(self.name) + 1

    @property
    def label(self) -> str:
        return f"{self.name.capitalize()} {self.academic_year}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def in_half_term(self, day: dt.date) -> bool:
        return bool(self.half_term) and self.half_term[0] <= day <= self.half_term[1]

    @property
    def first_half_end(self) -> dt.date:
        """The last day before half-term (the end of term when there is no half-term)."""
        return self.half_term[0] - dt.timedelta(days=1) if self.half_term else self.end


class AcademicCalendar:
    """Bank holidays and terms, with day arithmetic in school, working or calendar days."""

    def __init__(self, bank_holidays: dict[dt.date, str], terms: list[Term], illustrative: bool, source: str,
                 note: str | None = None):
        self.bank_holidays = dict(sorted(bank_holidays.items()))
        self.terms = sorted(terms, key=lambda t: t.start)
        self.illustrative = illustrative
        self.source = source
        self.note = note
        years = sorted({d.year for d in self.bank_holidays})
        self.holiday_years = range(years[0], years[-1] + 1) if years else range(0)

    # --- what kind of day ---------------------------------------------------------------------------

    def is_bank_holiday(self, day: dt.date) -> bool:
        self._need_holidays(day)
        return day in self.bank_holidays

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.is_bank_holiday(day)

    def is_school_day(self, day: dt.date) -> bool:
        term = self.term_at(day)
        return (term is not None and not term.in_half_term(day) and day not in term.inset
                and self.is_working_day(day))

    def is_school_holiday(self, day: dt.date) -> bool:
        """Outside every term, or in a half-term break (weekends inside term are not holidays)."""
        term = self.term_at(day)
        return term is None or term.in_half_term(day)

    def is_day(self, day: dt.date, kind: str) -> bool:
        if kind == "school":
            return self.is_school_day(day)
        if kind == "working":
            return self.is_working_day(day)
        return True

    # --- terms --------------------------------------------------------------------------------------

    def covers_terms(self, day: dt.date) -> bool:
        return bool(self.terms) and self.terms[0].start <= day <= self.terms[-1].end

    def term_at(self, day: dt.date) -> Term | None:
        """The term a day falls in (half-term included), or None in the holidays."""
        self._need_terms(day)
        return next((t for t in self.terms if t.contains(day)), None)

    def term_after(self, day: dt.date) -> Term:
        """The first term that starts after a day."""
        self._need_terms(day)
        found = next((t for t in self.terms if t.start > day), None)
        if found is None:
            raise self._error(f"no term dates after {day.isoformat()}")
        return found

    def term_for(self, day: dt.date) -> Term:
        """The term a day belongs to: the one it falls in, or in the holidays the term just ended."""
        term = self.term_at(day)
        if term is not None:
            return term
        before = [t for t in self.terms if t.end < day]
        if not before:
            raise self._error(f"no term dates before {day.isoformat()}")
        return before[-1]

    def next_term(self, term: Term) -> Term:
        return self.term_after(term.end)

    # --- counting -------------------------------------------------------------------------------------

    def add_days(self, start: dt.date, count: int, kind: str) -> dt.date:
        """The count-th day of a kind after start (start itself is day 0): "within 10 working days" ends there."""
        if kind == "calendar" or count <= 0:
            return start + dt.timedelta(days=max(count, 0))
        day, found = start, 0
        for _ in range(MAX_COUNT):
            day += dt.timedelta(days=1)
            if self.is_day(day, kind):
                found += 1
                if found == count:
                    return day
        raise self._error(f"cannot count {count} {kind} days from {start.isoformat()}")

    def days_between(self, start: dt.date, end: dt.date, kind: str) -> int:
        """How many days of a kind fall after start, up to and including end (negative when end is earlier)."""
        if end < start:
            return -self.days_between(end, start, kind)
        if kind == "calendar":
            return (end - start).days
        if (end - start).days > MAX_COUNT:
            raise self._error(f"will not count {kind} days across more than ten years")
        return sum(self.is_day(start + dt.timedelta(days=n), kind) for n in range(1, (end - start).days + 1))

    # --- coverage -------------------------------------------------------------------------------------

    def _need_holidays(self, day: dt.date) -> None:
        if day.year not in self.holiday_years:
            raise self._error(f"no bank holidays for {day.year}", "bank_holidays")

    def _need_terms(self, day: dt.date) -> None:
        if not self.covers_terms(day):
            first = self.terms[0].academic_year if self.terms else "none"
            last = self.terms[-1].academic_year if self.terms else "none"
            raise self._error(f"no term dates for {day.isoformat()} (the calendar covers {first} to {last})", "terms")

    def _error(self, message: str, path: str | None = None) -> CalendarError:
        return CalendarError(f"The calendar has {message}; add them to the authority's calendar.yaml.",
                             file=self.source, path=path)


def _terms(raw: dict) -> list[Term]:
    terms = []
    for year, names in raw["years"].items():
        for name in TERM_NAMES:
            t = names[name]
            half = tuple(t["half_term"]) if t.get("half_term") else None
            terms.append(Term(year, name, t["start"], t["end"], half, frozenset(t["inset"])))
    return terms


def _check_overlaps(terms: list[Term], src: YamlSource) -> None:
    ordered = sorted(terms, key=lambda t: t.start)
    for before, after in itertools.pairwise(ordered):
        if after.start <= before.end:
            raise src.error(("terms", "years", after.academic_year, after.name),
                            f"{after.label} starts before {before.label} ends.")


def _merged(authority: str | None, root: Path) -> tuple[dict, dict[str, YamlSource], list[str]]:
    """The common calendar with the authority's top-level blocks over it, and which file each block came from."""
    common = load_yaml(root / COMMON / CALENDAR_FILE, f"templates/{COMMON}/{CALENDAR_FILE}")
    if not isinstance(common.data, dict):
        raise common.error((), "A calendar is a mapping with bank_holidays and terms.")
    data, files = dict(common.data), [common.file]
    sources = dict.fromkeys(data, common)
    own_path = root / authority / CALENDAR_FILE if authority else None
    if own_path is not None and own_path.exists():
        own = load_yaml(own_path, f"templates/{authority}/{CALENDAR_FILE}")
        if not isinstance(own.data, dict):
            raise own.error((), "A calendar is a mapping with bank_holidays and/or terms.")
        data.update(own.data)
        sources.update(dict.fromkeys(own.data, own))
        files.append(own.file)
    return data, sources, files


def load_calendar(authority: str | None = None, root: Path | None = None) -> AcademicCalendar:
    """The calendar of an authority: templates/common/calendar.yaml with the authority's own blocks over it."""
    return _load((root or templates_root()).resolve(), authority)


@cache
def _load(root: Path, authority: str | None) -> AcademicCalendar:
    data, sources, files = _merged(authority, root)
    try:
        raw = _Calendar().load(_yaml_dates(data))
    except ValidationError as err:
        path, message = flatten_messages(err.messages)[0]
        key_path = tuple(k for k in path.split(".") if k not in ("value", "key")) if path else ()
        src = sources.get(key_path[0] if key_path else "", sources.get("terms") or next(iter(sources.values())))
        raise src.error(key_path, message) from err
    terms = _terms(raw["terms"])
    _check_overlaps(terms, sources["terms"])
    return AcademicCalendar(raw["bank_holidays"]["dates"], terms, raw["terms"]["illustrative"], " + ".join(files),
                            raw["terms"].get("note"))
