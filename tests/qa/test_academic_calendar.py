"""The academic calendar: bank holidays, terms, and counting school, working and calendar days."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from generator.core.errors import ProfileError
from generator.qa.academic_calendar import CalendarError, load_calendar

D = dt.date


@pytest.fixture(scope="module")
def cal():
    return load_calendar("walsall")


def _easter(year: int) -> dt.date:
    """Anonymous Gregorian algorithm, to check the published Easter holidays independently."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    return D(year, (h + ell - 7 * m + 114) // 31, (h + ell - 7 * m + 114) % 31 + 1)


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028])
def test_bank_holidays_follow_the_statutory_pattern(cal, year):
    days = {d for d in cal.bank_holidays if d.year == year}
    assert len(days) == 8
    assert _easter(year) - dt.timedelta(days=2) in days
    assert _easter(year) + dt.timedelta(days=1) in days
    assert all(d.weekday() < 5 for d in days)  # substitute days, never a weekend


def test_substitute_days(cal):
    assert cal.is_bank_holiday(D(2026, 12, 28))  # Boxing Day 2026 is a Saturday
    assert cal.is_bank_holiday(D(2027, 12, 27))
    assert cal.is_bank_holiday(D(2027, 12, 28))
    assert cal.is_bank_holiday(D(2028, 1, 3))  # 1 January 2028 is a Saturday
    assert not cal.is_bank_holiday(D(2026, 12, 26))


def test_terms_are_marked_illustrative(cal):
    assert cal.illustrative
    assert "Illustrative" in cal.note
    assert [t.label for t in cal.terms[:3]] == ["Autumn 2025/26", "Spring 2025/26", "Summer 2025/26"]


def test_kinds_of_day(cal):
    assert cal.is_school_day(D(2025, 9, 3))
    assert not cal.is_school_day(D(2025, 9, 1))  # INSET day
    assert not cal.is_school_day(D(2025, 10, 28))  # half-term
    assert cal.is_working_day(D(2025, 10, 28))
    assert not cal.is_working_day(D(2025, 12, 25))
    assert not cal.is_working_day(D(2025, 12, 27))
    assert cal.is_school_holiday(D(2025, 12, 22))
    assert cal.is_school_holiday(D(2025, 10, 28))
    assert not cal.is_school_holiday(D(2025, 10, 25))  # a weekend in term is not a holiday


def test_term_boundaries(cal):
    last_day = D(2025, 12, 19)
    assert cal.term_at(last_day).label == "Autumn 2025/26"
    assert cal.term_at(last_day + dt.timedelta(days=1)) is None
    assert cal.term_for(D(2025, 12, 25)).label == "Autumn 2025/26"  # holidays belong to the term just ended
    assert cal.term_after(last_day).label == "Spring 2025/26"
    assert cal.term_at(D(2026, 1, 5)).label == "Spring 2025/26"
    assert cal.term_at(D(2025, 10, 29)).first_half_end == D(2025, 10, 26)


def test_counting_over_christmas(cal):
    start = D(2025, 12, 18)
    assert cal.add_days(start, 10, "working") == D(2026, 1, 6)  # 25, 26 Dec and 1 Jan skipped
    assert cal.add_days(start, 10, "school") == D(2026, 1, 16)  # holidays and the 5 Jan INSET day skipped
    assert cal.add_days(start, 10, "calendar") == D(2025, 12, 28)
    assert cal.days_between(start, D(2026, 1, 6), "working") == 10
    assert cal.days_between(D(2026, 1, 6), start, "working") == -10


def test_entering_care_mid_holiday(cal):
    entered = D(2025, 12, 22)  # Monday of the Christmas holidays
    assert cal.add_days(entered, 10, "school") == D(2026, 1, 19)  # counting starts on 6 January
    assert cal.add_days(entered, 10, "working") == D(2026, 1, 8)
    assert cal.add_days(D(2026, 5, 26), 5, "school") == D(2026, 6, 5)  # from half-term, after the bank holiday


def test_leap_day(cal):
    assert cal.is_working_day(D(2028, 2, 29))
    assert cal.add_days(D(2028, 2, 28), 1, "working") == D(2028, 2, 29)
    assert cal.add_days(D(2028, 2, 25), 2, "calendar") == D(2028, 2, 27)
    assert cal.days_between(D(2028, 2, 1), D(2028, 3, 1), "calendar") == 29


def test_outside_the_calendar_is_an_error_naming_the_file(cal):
    with pytest.raises(CalendarError) as err:
        cal.add_days(D(2028, 7, 1), 30, "school")
    assert "templates/common/calendar.yaml" in str(err.value)
    with pytest.raises(CalendarError):
        cal.is_working_day(D(2029, 1, 2))
    assert cal.add_days(D(2030, 1, 1), 5, "calendar") == D(2030, 1, 6)  # calendar days need no calendar


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", root)
    return root


def test_an_authority_replaces_the_term_dates(tmp_path):
    root = _tree(tmp_path)
    (root / "walsall" / "calendar.yaml").write_text(
        "terms:\n  illustrative: false\n  years:\n    \"2025/26\":\n"
        "      autumn: {start: 2025-09-04, end: 2025-12-17}\n"
        "      spring: {start: 2026-01-06, end: 2026-03-31}\n"
        "      summer: {start: 2026-04-15, end: 2026-07-21}\n", encoding="utf-8")
    own = load_calendar("walsall", root)
    assert not own.illustrative
    assert own.term_at(D(2025, 12, 18)) is None
    assert own.term_at(D(2025, 12, 17)).name == "autumn"
    assert own.is_bank_holiday(D(2026, 5, 4))  # bank holidays still come from the common file
    assert "templates/walsall/calendar.yaml" in own.source
    assert load_calendar("bath-ne-somerset", root).illustrative


@pytest.mark.parametrize(("text", "line", "words"), [
    ("terms:\n  illustrative: false\n  colour: red\n  years:\n    \"2025/26\":\n"
     "      autumn: {start: 2025-09-04, end: 2025-12-17}\n      spring: {start: 2026-01-06, end: 2026-03-31}\n"
     "      summer: {start: 2026-04-15, end: 2026-07-21}\n", 3, "Unknown field"),
    ("terms:\n  illustrative: false\n  years:\n    \"2025/26\":\n      autumn: {start: 2025-09-04, end: 2025-08-17}\n"
     "      spring: {start: 2026-01-06, end: 2026-03-31}\n      summer: {start: 2026-04-15, end: 2026-07-21}\n",
     5, "ends before it starts"),
    ("terms:\n  illustrative: false\n  years:\n    \"2025/26\":\n      autumn: {start: 2025-09-04, end: 2026-01-17}\n"
     "      spring: {start: 2026-01-06, end: 2026-03-31}\n      summer: {start: 2026-04-15, end: 2026-07-21}\n",
     6, "starts before"),
])
def test_bad_calendars_name_file_and_line(tmp_path, text, line, words):
    root = _tree(tmp_path)
    (root / "essex" / "calendar.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_calendar("essex", root)
    assert err.value.file == "templates/essex/calendar.yaml"
    assert err.value.line == line
    assert words in err.value.message
