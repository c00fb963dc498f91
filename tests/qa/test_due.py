"""Due dates: termly and six-monthly cycles, windows in the term, initial PEPs, changes of setting, the calendar."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json

import pytest
from conftest import load_sample, write_json

from generator.authority.profiles import get_profile
from generator.authority.validation import require_valid
from generator.qa.academic_calendar import load_calendar
from generator.qa.due import add_months, cohort_due, due_item, load_cohort, plans_for, to_csv, to_ics

D = dt.date


def record(authority: str = "walsall", variant: str = "pep", held: str | None = None, **changes) -> dict:
    """A valid sample record, its PEP held on `held` (meeting, PEP date and later dates moved out of the way)."""
    data = copy.deepcopy(load_sample(authority, variant))
    if held:
        for section, key in (("meeting", "date"), ("pep", "date")):
            if key in (data.get(section) or {}):
                data[section][key] = held
        data["pep"]["completed_on"] = held
        (data.get("meeting") or {}).pop("next_pep_date", None)
        for target in data.get("targets") or []:
            target.pop("by_date", None)
    for path, value in changes.items():
        node = data
        *head, last = path.split("__")
        for part in head:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return require_valid(data)


def due(records: list[dict], as_of: dt.date, series: str | None = None):
    items = cohort_due([(f"r{n}", r) for n, r in enumerate(records)], as_of)
    return [i for i in items if series is None or i.series == series]


def one(rec: dict, as_of: dt.date, series: str | None = None):
    (item,) = due([rec], as_of, series)
    return item


# --- termly cycles and term boundaries ----------------------------------------------------------------------------

@pytest.mark.parametrize(("held", "expected"), [
    ("2025-12-19", D(2026, 3, 27)),  # the last day of autumn term: due by the end of spring
    ("2026-01-05", D(2026, 7, 22)),  # the first day of spring term (an INSET day): due by the end of summer
    ("2025-12-22", D(2026, 3, 27)),  # in the Christmas holidays: counts for autumn, so spring is next
    ("2026-02-17", D(2026, 7, 22)),  # in spring half-term: counts for spring
    ("2026-07-22", D(2026, 12, 18)),  # the last day of the summer term: due in autumn of the next year
])
def test_termly_due_at_term_boundaries_and_holidays(held, expected):
    item = one(record(held=held), D(2026, 1, 1) if held < "2026-01-01" else D(2026, 8, 1))
    assert item.due == expected
    assert "termly" in item.basis


def test_window_first_half_of_term():
    item = one(record("warwickshire", held="2026-02-03"), D(2026, 3, 1))
    assert item.due == D(2026, 5, 24)  # the day before the summer half-term
    assert "first half" in item.basis


def test_window_not_in_the_last_weeks_of_term():
    item = one(record("enfield", held="2026-02-05"), D(2026, 3, 1))
    assert item.due == D(2026, 7, 8)  # 22 July less Enfield's two weeks


def test_essex_pep1_recommended_in_first_three_weeks():
    item = one(record("essex", "pep1", held="2025-09-19"), D(2025, 10, 1), "PEP1")
    assert item.due == D(2026, 3, 27)
    assert item.recommended_by == D(2026, 1, 25)


# --- six-monthly cycles and leap years ----------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "expected"), [
    (D(2026, 2, 24), D(2026, 8, 24)),
    (D(2027, 8, 31), D(2028, 2, 29)),  # 2028 is a leap year
    (D(2026, 8, 31), D(2027, 2, 28)),
    (D(2027, 12, 31), D(2028, 6, 30)),
])
def test_add_months(start, expected):
    assert add_months(start, 6) == expected


def test_essex_pep2_six_monthly_across_a_leap_day():
    item = one(record("essex", "pep2", held="2027-08-31"), D(2027, 9, 1), "PEP2")
    assert item.due == D(2028, 2, 29)
    assert "six months" in item.basis


def test_essex_pep2_not_for_years_12_and_13():
    rec = record("essex", "pep2", held="2026-02-24", child__ncy="12", child__key_stage=None)
    assert one(rec, D(2026, 3, 1), "PEP2").status == "not_required"


# --- initial PEPs, changes of setting -----------------------------------------------------------------------------

def _draft_initial(authority: str, entered: str, **changes) -> dict:
    """A child just in care: an initial PEP record with no meeting yet."""
    return record(authority, pep__reason="initial_entered_care", care__date_entered_care=entered,
                  meeting__date=None, meeting__next_pep_date=None, pep__date=None, pep__completed_on=None,
                  pep__previous_pep_id=None, **changes)


def test_initial_pep_after_entering_care_mid_holiday_working_days():
    item = one(_draft_initial("walsall", "2025-12-22"), D(2026, 1, 2))
    assert item.due == D(2026, 1, 8)  # 10 working days, skipping Christmas, Boxing Day and New Year's Day
    assert item.basis.startswith("initial PEP arranged within 10 working days")
    assert item.status == "due_soon"


def test_initial_pep_after_entering_care_mid_holiday_school_days():
    profile = get_profile("warwickshire")
    plan = dataclasses.replace(plans_for(profile)[0], day_kind="school")
    rec = _draft_initial("warwickshire", "2025-12-22")
    item = due_item(plan, profile, load_calendar("warwickshire"), [("r", rec)], rec, D(2026, 1, 2))
    assert item.due == D(2026, 2, 2)  # 20 school days from 6 January (5 January is an INSET day)


def test_initial_pep_emergency_placement():
    rec = _draft_initial("bath-ne-somerset", "2026-03-02", care__placement={"type": "la_foster", "emergency": True})
    item = one(rec, D(2026, 3, 3))
    assert item.due == D(2026, 3, 16)  # 10 working days, not 20
    assert "10 working days" in item.basis


def test_initial_pep_in_a_leap_february():
    item = one(_draft_initial("walsall", "2028-02-21"), D(2028, 2, 22))
    assert item.due == D(2028, 3, 6)  # 29 February is a working day


def test_change_of_school_brings_the_next_pep_forward():
    rec = record(held="2025-10-07", education__admission_date="2025-11-03")
    item = one(rec, D(2025, 11, 4))
    assert item.due == D(2025, 11, 17)
    assert "change of school" in item.basis


def test_change_of_placement_without_a_timescale_leaves_the_termly_date():
    rec = record("enfield", held="2026-02-05", care__placement={"type": "la_foster", "start_date": "2026-02-20"})
    assert one(rec, D(2026, 3, 1)).due == D(2026, 7, 8)


# --- status, age, leaving care, scheduled meetings ----------------------------------------------------------------

@pytest.mark.parametrize(("as_of", "status", "days"), [
    (D(2026, 2, 1), "on_time", 54), (D(2026, 3, 6), "due_soon", 21), (D(2026, 3, 27), "due_soon", 0),
    (D(2026, 3, 28), "overdue", -1)])
def test_status(as_of, status, days):
    item = one(record(held="2025-10-07"), as_of)
    assert (item.status, item.days_left) == (status, days)


def test_days_left_in_the_authoritys_kind_of_day():
    item = one(record(held="2025-10-07"), D(2026, 3, 13))
    assert item.day_kind == "working"
    assert item.kind_days_left == 10


def test_ages_out():
    rec = record(held="2025-10-07", child__date_of_birth="2007-01-15")  # 19 on 15 January 2026
    item = one(rec, D(2025, 11, 1))
    assert item.status == "not_required"
    assert "ages out" in item.note


def test_left_care():
    rec = record("warwickshire", held="2026-02-03", care__leaving_care_this_term=True)
    assert one(rec, D(2026, 3, 1)).status != "not_required"
    assert one(rec, D(2026, 4, 20)).status == "not_required"


def test_a_later_record_is_a_meeting_to_come():
    earlier, later = record(held="2025-10-07"), record(held="2026-03-10")
    item = one_of([earlier, later], D(2026, 2, 1))
    assert item.last_pep == D(2025, 10, 7)
    assert item.scheduled == D(2026, 3, 10)
    assert one_of([earlier, later], D(2026, 3, 11)).last_pep == D(2026, 3, 10)


def one_of(records, as_of):
    (item,) = due(records, as_of)
    return item


def test_outside_the_calendar_is_unknown_not_a_crash():
    item = one(record(held="2028-07-10"), D(2028, 7, 20))
    assert item.status == "unknown"
    assert "calendar.yaml" in item.note


# --- the cohort, formats and the command --------------------------------------------------------------------------

def test_cohort_skips_invalid_records(tmp_path):
    write_json(tmp_path / "a.json", record(held="2025-10-07"))
    write_json(tmp_path / "bad.json", {"pep": {"authority": "walsall"}})
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    cohort = load_cohort([tmp_path])
    assert len(cohort.records) == 1
    assert sorted(p.rsplit("/", 1)[1] for p, _ in cohort.problems) == ["bad.json", "broken.json"]


def test_csv_and_ics():
    items = due([record(held="2025-10-07"), record("enfield", held="2026-02-05")], D(2026, 3, 1))
    lines = to_csv(items).split("\r\n")
    assert lines[0].startswith("status,due,days_left")
    assert lines[1].startswith("on_time,2026-03-27,26,20,working,walsall,WS-10442,PEP,pep,2025-10-07,")
    ics = to_ics(items, D(2026, 3, 1))
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 2
    assert "DTSTART;VALUE=DATE:20260327" in ics
    assert "DTSTAMP:20260301T000000Z" in ics
    assert "TRIGGER:-P3W" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert "\\," in ics  # commas escaped in text


def test_due_command(invoke, tmp_path):
    write_json(tmp_path / "w.json", record(held="2025-10-07"))
    result = invoke("due", tmp_path, "--as-of", "2026-03-10", "--json", "--ics", tmp_path / "out" / "peps.ics")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["due_soon"] == 1
    assert data["children"][0]["due"] == "2026-03-27"
    assert (tmp_path / "out" / "peps.ics").read_text(encoding="utf-8").count("BEGIN:VEVENT") == 1
    table = invoke("due", tmp_path, "--as-of", "2026-03-10")
    assert "Due soon  2026-03-27  17" in table.stdout


def test_due_command_errors(invoke, tmp_path):
    assert invoke("due").exit_code == 2
    assert invoke("due", tmp_path, "--as-of", "1 March").exit_code == 2
    write_json(tmp_path / "bad.json", {"pep": {}})
    result = invoke("due", tmp_path, "--as-of", "2026-03-01")
    assert result.exit_code == 1
    assert "bad.json: skipped" in result.stderr


def test_due_from_a_store(invoke, tmp_path):
    from generator.store.database import Store

    with Store.open(tmp_path / "store", create=True) as store:
        store.put(record(held="2025-10-07"), "create")
    result = invoke("due", "--store", tmp_path / "store", "--as-of", "2026-03-01", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["children"][0]["social_care_id"] == "WS-10442"
