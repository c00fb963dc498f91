"""The record schemas: every section loads good data and reports bad data at its path, all errors at once."""

import json
from decimal import Decimal

import pytest

from data_schemas import PepRecord, catalogue, validate_record
from generator.cli.common import to_json

IDENTITY = {"pep": {"authority": "walsall", "variant": "pep"}, "child": {"social_care_id": "WS-10442"}}


def record(**sections) -> dict:
    """A minimal record (identity only) with the given sections added."""
    return {"pep": dict(IDENTITY["pep"]), "child": dict(IDENTITY["child"]), **sections}


def errors_of(data) -> list[tuple[str, str]]:
    return validate_record(data).errors


# section -> (a good value, what it loads as or None when unchanged, a bad value, the error it gives)
SECTIONS = {
    "pep": (
        {"authority": "walsall", "variant": "pep", "id": "WAL-PEP-2025-0417", "version": 2, "date": "2025-10-07",
         "reason": "termly_review", "academic_year": "2025/26", "term": "spring", "status": "in_progress",
         "created_at": "2025-09-15T09:30", "updated_at": "2025-10-09T16:05:30"},
        {"authority": "walsall", "variant": "pep", "id": "WAL-PEP-2025-0417", "version": 2, "date": "2025-10-07",
         "reason": "termly_review", "academic_year": "2025/26", "term": "spring", "term_number": 2,
         "status": "in_progress", "created_at": "2025-09-15T09:30", "updated_at": "2025-10-09T16:05:30"},
        {"authority": "walsall", "variant": "pep", "version": 0},
        ("pep.version", "Must be greater than or equal to 1."),
    ),
    "child": (
        {"first_name": "Siân", "surname": "Ó Briain", "date_of_birth": "2011-11-23", "gender": "female",
         "ethnicity": "MOTH", "eal": False, "upn": "A330212345678", "uln": "1234567890", "social_care_id": "WS-10442",
         "ncy": "9", "uasc": False},
        {"first_name": "Siân", "surname": "Ó Briain", "date_of_birth": "2011-11-23", "gender": "female",
         "ethnicity": "MOTH", "eal": False, "upn": "A330212345678", "uln": "1234567890", "social_care_id": "WS-10442",
         "ncy": "9", "key_stage": "KS3", "uasc": False},
        {"social_care_id": "WS 10442"},
        ("child.social_care_id", "Use 1–40 letters, digits, '_' or '-', starting with a letter or digit."),
    ),
    "care": (
        {"legal_status": "s20", "date_entered_care": "2022-03-14", "placement_count": 3,
         "placement": {"type": "la_foster", "start_date": "2024-06-03", "emergency": False,
                       "address": "12 Example Close\nWalsall"}},
        None,
        {"placement": {"type": "foster"}},
        ("care.placement.type", "Must be one of: la_foster, ifa_foster, connected_person, residential, "
                                "placed_with_parents, supported_accommodation, secure, placed_for_adoption."),
    ),
    "people": (
        {"social_worker": {"name": "Aoife Ní Bhriain", "email": "aoife@example.org", "phone": "01922 000 101"},
         "carers": [{"name": "Gwen Dąbrowska", "phone": "+44 7700 900111"}]},
        None,
        {"carers": [{"name": "Gwen Dąbrowska", "phone": "ring the office"}]},
        ("people.carers.0.phone", "Not a valid phone number."),
    ),
    "permissions": (
        {"who_can_collect": ["Gwen Dąbrowska", "Łukasz Dąbrowski"], "photos": "in_school_only",
         "emergency_contacts": [{"name": "Gwen Dąbrowska", "phone": "07700 900111"}]},
        None,
        {"who_can_collect": "Gwen Dąbrowska"},
        ("permissions.who_can_collect", "Not a valid list."),
    ),
    "meeting": (
        {"date": "2025-10-07", "time": "13:30", "mode": "hybrid", "chair": {"name": "Mr Prys", "role": "dt"},
         "attendees": [{"name": "Sia", "role": "child", "invited": True, "attended": True}],
         "actions": [{"action": "Book the options interview", "who": "DT", "by": "2025-11-01"}],
         "next_pep_date": "2026-01-27"},
        None,
        {"attendees": [{"name": "Sia", "invited": "yes"}]},
        ("meeting.attendees.0.invited", "Not a valid boolean."),
    ),
    "education": (
        {"setting": {"name": "Oakfield Academy", "urn": "140123", "dfe_number": "335/4001", "type": "academy"},
         "timetable": {"full_time": False, "hours_per_week": 22.5, "reduced_timetable": True,
                       "alternative_provision": [{"provider": "Forge AP", "days": "Fri", "hours": 5}]},
         "history": [{"setting": "St Brigid's", "from": "2016-09-05", "to": "2022-07-20"}]},
        None,
        {"timetable": {"hours_per_week": 61}},
        ("education.timetable.hours_per_week", "Must be greater than or equal to 0 and less than or equal to 60."),
    ),
    "attainment": (
        {"subjects": [{"subject": "Maths", "framework": "gcse_9_1", "working_at": "3", "on_track": "below"}],
         "statutory": {"phonics_y1": 34, "ks2_scaled": {"reading": 104, "maths": 98}, "gcse": [
             {"subject": "English", "grade": "5"}]}},
        None,
        {"statutory": {"ks2_scaled": {"reading": 121}}},
        ("attainment.statutory.ks2_scaled.reading", "Must be greater than or equal to 80 and less than or equal to "
                                                    "120."),
    ),
    "attendance": (
        {"period": {"from": "2025-09-03", "to": "2025-10-03"}, "sessions_possible": 44, "sessions_attended": 42,
         "lates": 1, "source": "welfare_call"},
        {"period": {"from": "2025-09-03", "to": "2025-10-03"}, "sessions_possible": 44, "sessions_attended": 42,
         "percentage": 95.5, "lates": 1, "persistent_absence": False, "source": "welfare_call"},
        {"lates": -1},
        ("attendance.lates", "Must be greater than or equal to 0 and less than or equal to 1000."),
    ),
    "exclusions": (
        {"suspensions": [{"start_date": "2026-03-02", "sessions": 4, "education_from_day6": False}],
         "permanent": {"date": "2026-04-01", "reason": "Serious incident"}, "internal": {"count": 2}},
        None,
        {"suspensions": [{"start_date": "2026-03-02", "sessions": 0}]},
        ("exclusions.suspensions.0.sessions", "Must be greater than or equal to 1 and less than or equal to 90."),
    ),
    "behaviour": (
        {"summary": "Positive.", "pastoral_support_plan": False},
        None,
        {"pastoral_support_plan": 1},
        ("behaviour.pastoral_support_plan", "Not a valid boolean."),
    ),
    "sen": (
        {"status": "ehcp", "primary_need": "SEMH", "ehcp": {"issued": "2023-11-20", "last_annual_review":
                                                            "2024-11-18", "next_annual_review": "2025-11-17"},
         "plans": [{"type": "thrive", "description": "Thrive plan reviewed half-termly."}]},
        None,
        {"primary_need": "ADHD"},
        ("sen.primary_need", "Must be one of: SpLD, MLD, SLD, PMLD, SEMH, SLCN, HI, VI, MSI, PD, ASD, OTH, NSA."),
    ),
    "health": (
        {"conditions": "Mild asthma.", "other_agencies": [{"agency": "CAMHS", "involvement": "Monthly"}]},
        None,
        {"other_agencies": [{"agency": 5}]},
        ("health.other_agencies.0.agency", "Not a valid string."),
    ),
    "wellbeing": (
        {"sdq": {"informant": "carer", "emotional": 5, "conduct": 2, "hyperactivity": 4, "peer": 3, "prosocial": 8}},
        {"sdq": {"informant": "carer", "total": 14, "emotional": 5, "conduct": 2, "hyperactivity": 4, "peer": 3,
                 "prosocial": 8, "band": "slightly_raised"}},
        {"sdq": {"emotional": 11}},
        ("wellbeing.sdq.emotional", "Must be greater than or equal to 0 and less than or equal to 10."),
    ),
    "roni": (
        {"factors": [{"factor": "looked_after", "weight": 2}], "rating": "amber"},
        {"factors": [{"factor": "looked_after", "weight": 2}], "score": 2, "rating": "amber"},
        {"factors": [{"factor": "looked_after", "weight": 3}]},
        ("roni.factors.0.weight", "Must be greater than or equal to 1 and less than or equal to 2."),
    ),
    "views": (
        {"date": "2025-10-01", "own_words": True, "answers": {"sec_how_doing": "7", "sec_worries": "Nothing much",
                                                             "sec_feel_safe": "sometimes"}},
        None,
        {"own_words": "true"},
        ("views.own_words", "Not a valid boolean."),
    ),
    "carer": (
        {"views": "Sia is happier this term.", "support_at_home": "Reading after tea."},
        None,
        {"views": ["Sia is happier this term."]},
        ("carer.views", "Not a valid string."),
    ),
    "previous_targets": (
        [{"target_ref": "1", "outcome": "achieved", "ppg_spent": "180.00", "ppg_impact": "significant"}],
        None,
        [{"ppg_spent": "£12.345"}],
        ("previous_targets.0.ppg_spent", "Money has at most 2 decimal places."),
    ),
    "targets": (
        [{"category": "maths", "horizon": "short", "target": "Times tables to 12.", "by_date": "2026-01-23",
          "set_by": {"name": "Miss Evans", "role": "teacher"}, "strategies": [{"action": "Daily practice",
                                                                              "who": "carer"}]}],
        [{"number": 1, "category": "maths", "horizon": "short", "target": "Times tables to 12.",
          "by_date": "2026-01-23", "set_by": {"name": "Miss Evans", "role": "teacher"},
          "strategies": [{"action": "Daily practice", "who": "carer"}]}],
        [{"horizon": "medium"}],
        ("targets.0.horizon", "Must be one of: short, long."),
    ),
    "ppg": (
        {"earlier_terms": [{"term": "autumn", "amount": "300.00"}], "approved_amount": "630.00",
         "payment_status": "approved"},
        {"earlier_terms": [{"term": "autumn", "amount": "300.00"}], "year_total": "300.00",
         "approved_amount": "630.00", "payment_status": "approved"},
        {"approved_amount": "lots"},
        ("ppg.approved_amount", 'Not a valid amount of money (use a number or a string such as "360.00").'),
    ),
    "transition": (
        {"next": "y6_to_y7", "date": "2026-09-02", "receiving_setting": {"name": "Oakfield Academy"}},
        None,
        {"receiving_setting": {"nam": "Oakfield Academy"}},
        ("transition.receiving_setting.nam", "Unknown field."),
    ),
    "aspirations": (
        {"short_term": "Be in the school play.", "pathway": "arts"},
        None,
        {"pathway": "football"},
        ("aspirations.pathway", "Must be one of: academic, career, sports, arts, other."),
    ),
    "careers": (
        {"ks4_options": ["Art", "Drama"], "predicted_grades": [{"subject": "Art", "grade": "7"}],
         "post16_plan": {"route": "fe_college", "application_status": "applied"}},
        None,
        {"ks4_options": ["Art", 7]},
        ("careers.ks4_options.1", "Not a valid string."),
    ),
    "extracurricular": (
        [{"activity": "Drama club", "in_school": True, "frequency": "Weekly"}],
        None,
        [{"activity": "x" * 301}],
        ("extracurricular.0.activity", "Longer than maximum length 300."),
    ),
    "achievements": (
        [{"date": "2025-12-01", "description": "Star of the week"}],
        None,
        [{"date": "2025-13-01"}],
        ("achievements.0.date", "Not a valid date (use YYYY-MM-DD)."),
    ),
    "support_clubs": (
        {"homework_club": True, "breakfast_club": False},
        None,
        {"revision": "no"},
        ("support_clubs.revision", "Not a valid boolean."),
    ),
    "sections": (
        [{"id": "section_a", "completed": True, "completed_at": "2025-10-01T09:00"}],
        None,
        [{"completed_at": "2025-10-01"}],
        ("sections.0.completed_at", "Not a valid date and time (use YYYY-MM-DDTHH:MM)."),
    ),
    "signoffs": (
        {"virtual_school": {"name": "Kwame Mensah", "signed_at": "2025-10-09T16:00", "final": True}},
        None,
        {"virtual_school": {"final": "yes"}},
        ("signoffs.virtual_school.final", "Not a valid boolean."),
    ),
    "qa": (
        {"rating": "gold", "section_ratings": [{"section": "targets", "rating": "green"}]},
        None,
        {"rating": "purple"},
        ("qa.rating", "Must be one of: gold, red, amber, green."),
    ),
    "attachments": (
        [{"type": "ehcp", "file": "ehcp-2025.pdf", "uploaded_at": "2025-10-02T08:15"}],
        None,
        [{"type": "pdf"}],
        ("attachments.0.type", "Must be one of: ehcp, sen_plan, school_report, attendance_printout, exclusion_letter, "
                               "progress_tracking, work_sample, record_of_discussion_with_child, progress_check_2yr, "
                               "photo, other."),
    ),
    "audit": (
        [{"at": "2025-10-09T16:00", "user": "kmensah", "action": "sign"}],
        None,
        [{"action": "delete"}],
        ("audit.0.action", "Must be one of: create, edit, submit, sign, qa, reject, export, file_to_case_record, "
                           "ingest."),
    ),
    "distribution": (
        [{"to": "case_record", "sent_on": "2025-10-10"}],
        None,
        [{"to": "mum"}],
        ("distribution.0.to", "Must be one of: carer, school, social_worker, iro, child, receiving_school, "
                              "case_record."),
    ),
    "ey": (
        {"setting_type": "pvi_nursery", "funded_hours": "30", "eypp_amount": "342.00",
         "development": [{"area": "literacy", "on_track": "on"}], "eyfs_profile": {"elg": [
             {"elg": "Comprehension", "outcome": "expected"}]}},
        None,
        {"funded_hours": 15},
        ("ey.funded_hours", "Not a valid string."),
    ),
    "p16": (
        {"eet_status": "education", "start_date": "2025-09-01", "expected_end": "2026-06-30",
         "english_maths_resit": {"maths": True}, "bursary": {"applied": True, "amount": "1200.00"}},
        None,
        {"start_date": "2025-09-01", "expected_end": "2025-06-30"},
        ("p16.expected_end", "Comes before the start date."),
    ),
    "pathway": (
        {"status": "eligible", "finance": {"needs": "Budgeting", "actions": [{"action": "Open a bank account",
                                                                              "by": "2026-01-31"}]},
         "accommodation": {"suitability": "Suitable"}},
        None,
        {"finance": {"actions": [{"by": "next week"}]}},
        ("pathway.finance.actions.0.by", "Not a valid date (use YYYY-MM-DD)."),
    ),
}


def test_every_section_of_the_record_is_covered_here():
    assert set(SECTIONS) == set(PepRecord().fields)


@pytest.mark.parametrize("section", SECTIONS)
def test_section_loads_a_good_value(section):
    good, loaded, _bad, _error = SECTIONS[section]
    if section in ("pep", "child"):
        result = validate_record({**record(), section: good})
    else:
        result = validate_record(record(**{section: good}))
    assert result.errors == []
    assert result.record[section] == (good if loaded is None else loaded)


@pytest.mark.parametrize("section", SECTIONS)
def test_section_reports_a_bad_value_at_its_path(section):
    _good, _loaded, bad, error = SECTIONS[section]
    assert errors_of({**record(), section: bad}) == [error]


def test_a_partial_record_with_only_pep_and_child_is_valid():
    result = validate_record(record())
    assert result.errors == []
    assert result.record == IDENTITY


def test_the_childs_part_alone_is_valid():
    views = {"date": "2025-11-05", "answers": {"sec_how_doing": "7", "sec_careers": "Vet"}}
    assert errors_of(record(views=views)) == []


@pytest.mark.parametrize(("data", "expected"), [
    ({"child": {"social_care_id": "WS-1"}}, [("pep", "Missing data for required field.")]),
    ({"pep": {"authority": "walsall", "variant": "pep"}}, [("child", "Missing data for required field.")]),
    ({"pep": {}, "child": {}}, [("pep.authority", "Missing data for required field."),
                                ("pep.variant", "Missing data for required field."),
                                ("child.social_care_id", "Missing data for required field.")]),
    ({"pep": None, "child": None}, [("pep", "Field may not be null."), ("child", "Field may not be null.")]),
    ({"pep": {"authority": "Walsall", "variant": "pep"}, "child": {"social_care_id": "WS-1"}},
     [("pep.authority", "Not a valid authority id.")]),
])
def test_identity_is_required(data, expected):
    assert errors_of(data) == expected


@pytest.mark.parametrize("data", [[], "a record", 42, None])
def test_a_record_must_be_an_object(data):
    assert errors_of(data) == [("", "A PEP record must be a JSON object.")]


def test_all_errors_of_a_record_are_reported_at_once():
    data = record(
        child={"social_care_id": "WS-1", "gender": "F", "date_of_birth": "2011-11-23", "frist_name": "Sia"},
        care={"date_entered_care": "2010-01-01", "placement_count": "3"},
        meeting={"date": "2025-10-07", "time": "1:30pm", "next_pep_date": "2025-09-01"},
        attendance={"sessions_possible": 40, "sessions_attended": 41, "lates": "one"},
        targets=[{"by_date": "2025-09-01", "category": "maths"}, {"category": "sums"}],
    )
    assert errors_of(data) == [
        ("child.gender", "Must be one of: female, male, other, not_stated."),
        ("child.frist_name", "Unknown field."),
        ("care.placement_count", "Not a valid integer."),
        ("care.date_entered_care", "Comes before the child's date of birth."),
        ("meeting.time", "Not a valid time (use HH:MM, 24-hour)."),
        ("meeting.next_pep_date", "The next PEP must come after this meeting."),
        ("attendance.lates", "Not a valid integer."),
        ("attendance.sessions_attended", "Cannot be more than the sessions possible (40)."),
        ("targets.1.category", "Must be one of: english, maths, reading, writing, other_academic, semh, attendance, "
                               "behaviour, homework, transition, careers, social, physical_ey, communication_ey, "
                               "psed_ey."),
        ("targets.0.by_date", "Comes before the meeting at which the target was set."),
    ]


def test_a_null_target_does_not_shift_the_date_checks_of_the_others():
    data = record(meeting={"date": "2025-10-07"}, targets=[None, {"by_date": "2025-09-01"}])
    assert errors_of(data) == [("targets.0", "Field may not be null.")]


@pytest.mark.parametrize(("data", "expected"), [
    (record(care=None), [("care", "Field may not be null.")]),
    (record(targets=None), [("targets", "Field may not be null.")]),
    (record(targets=[None]), [("targets.0", "Field may not be null.")]),
    (record(permissions={"who_can_collect": [None]}), [("permissions.who_can_collect.0", "Field may not be null.")]),
    (record(meeting=[]), [("meeting", "Invalid input type.")]),
    (record(targets={"0": {}}), [("targets", "Not a valid list.")]),
])
def test_nulls_and_wrong_containers_are_refused(data, expected):
    assert errors_of(data) == expected


def test_nulls_are_allowed_for_values():
    data = record(care={"legal_status": None, "placement_count": None, "leaving_care_this_term": None})
    assert errors_of(data) == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("child.first_name", 12, "Not a valid string."),
    ("child.eal", "yes", "Not a valid boolean."),
    ("child.eal", 1, "Not a valid boolean."),
    ("care.placement_count", "3", "Not a valid integer."),
    ("care.placement_count", 3.5, "Not a valid integer."),
    ("care.placement_count", True, "Not a valid integer."),
    ("education.timetable", "full time", "Invalid input type."),
    ("attendance.authorised_pct", "4.5", "Not a valid number."),
    ("attendance.authorised_pct", Decimal("4.555"), "Use at most 2 decimal places."),
    ("attendance.authorised_pct", Decimal("100.01"), "Must be greater than or equal to 0 and less than or equal to "
                                                     "100."),
    ("ppg.approved_amount", Decimal("630.005"), "Money has at most 2 decimal places."),
    ("ppg.approved_amount", "-5.00", "Must be between 0.00 and 1000000.00."),
    ("ppg.approved_amount", True, 'Not a valid amount of money (use a number or a string such as "360.00").'),
    ("ppg.approved_amount", "NaN", 'Not a valid amount of money (use a number or a string such as "360.00").'),
    ("meeting.date", "2025-02-30", "Not a valid date (use YYYY-MM-DD)."),
    ("meeting.date", "03/10/2025", "Not a valid date (use YYYY-MM-DD)."),
    ("meeting.date", "2025-10-07T10:00", "Not a valid date (use YYYY-MM-DD)."),
    ("meeting.time", "25:00", "Not a valid time (use HH:MM, 24-hour)."),
    ("pep.created_at", "yesterday", "Not a valid date and time (use YYYY-MM-DDTHH:MM)."),
    ("pep.academic_year", "2025/27", "The second year must follow the first (for example 2025/26)."),
    ("pep.academic_year", "2025-26", "Use the form 2025/26."),
    ("child.upn", "a330212345678", "A UPN is 13 characters: a capital letter, 11 digits, then a digit or capital "
                                   "letter."),
    ("child.uln", "12345", "A ULN is 10 digits."),
    ("people.iro.email", "fiona.example.org", "Not a valid email address."),
    ("education.setting.urn", "14012", "A URN is 6 or 7 digits."),
    ("child.gender", "F", "Must be one of: female, male, other, not_stated."),
    ("child.first_name", "Si\x07n", "Contains a control character (U+0007) at position 3."),
    ("child.first_name", "Si\x00n", "Contains a control character (U+0000) at position 3."),
    ("child.first_name", "Si\ud800n", "Contains a lone surrogate (U+D800) at position 3, which is not a character."),
    ("child.first_name", "Si\x85n", "Contains a control character (U+0085) at position 3."),
    ("meeting.venue", "Room\x9f4", "Contains a control character (U+009F) at position 5."),
    ("care.care_plan_summary", "Line\udc00", "Contains a lone surrogate (U+DC00) at position 5, which is not a "
                                              "character."),
    ("care.care_plan_summary", "x" * 20_001, "Longer than maximum length 20000."),
])
def test_a_bad_value_is_reported_at_its_path(field, value, message):
    section, _, rest = field.partition(".")
    node = value
    for key in reversed(rest.split(".")):
        node = {key: node}
    data = {**record(), section: {**record().get(section, {}), **node}}
    assert errors_of(data) == [(field, message)]


def _with_unknown_key(template: str) -> tuple[dict, str]:
    """A record holding an unknown key inside the object at a path template (`*` = the first list item)."""
    parts = template.split(".")
    node: object = {"zz_unknown": 1}
    if catalogue()[template].kind == "list":
        node = [node]
    for part in reversed(parts):
        node = [node] if part == "*" else {part: node}
    data = record()
    for key, value in node.items():
        data[key] = {**data[key], **value} if key in data else value
    concrete = template.replace("*", "0") + (".0" if catalogue()[template].kind == "list" else "")
    return data, f"{concrete}.zz_unknown"


OBJECT_PATHS = [p for p, info in catalogue().items() if info.kind in ("group", "list")]


def test_unknown_keys_are_refused_at_the_top_level():
    assert errors_of(record(school={"name": "Oakfield"})) == [("school", "Unknown field.")]


@pytest.mark.parametrize("template", OBJECT_PATHS)
def test_unknown_keys_are_refused_in_every_object(template):
    data, path = _with_unknown_key(template)
    assert errors_of(data) == [(path, "Unknown field.")]


def test_unknown_keys_are_checked_in_objects_at_every_depth():
    depths = {len(p.split(".")) for p in OBJECT_PATHS}
    assert max(depths) >= 4  # e.g. targets.*.ppg.cost_lines


def test_line_ends_are_normalised_to_line_feeds():
    data = record(care={"care_plan_summary": "one\r\ntwo\rthree\x0bfour\x0cfive"},
                  permissions={"who_can_collect": ["Gwen\r\nDąbrowska"]},
                  views={"answers": {"sec_worries": "one\r\ntwo\rthree\x0bfour"}})
    result = validate_record(data)
    assert result.record["care"]["care_plan_summary"] == "one\ntwo\nthree\nfour\nfive"
    assert result.record["permissions"]["who_can_collect"] == ["Gwen\nDąbrowska"]
    assert result.record["views"]["answers"]["sec_worries"] == "one\ntwo\nthree\nfour"


def test_tabs_and_line_feeds_are_kept():
    data = record(care={"care_plan_summary": "a\tb\nc"})
    assert validate_record(data).record["care"]["care_plan_summary"] == "a\tb\nc"


def test_json_output_has_money_as_strings_dates_as_iso_and_real_booleans():
    data = record(
        pep={"authority": "walsall", "variant": "pep", "date": "2025-10-07", "created_at": "2025-09-15T09:30"},
        care={"leaving_care_this_term": False},
        ppg={"approved_amount": 630, "eypp": Decimal("12.5"), "bursary_16_19": "£1,200"},
        previous_targets=[{"ppg_spent": "180"}],
        attendance={"sessions_possible": 44, "sessions_attended": 42, "authorised_pct": Decimal("4.50")},
        education={"timetable": {"hours_per_week": Decimal("32.5"), "full_time": True}},
    )
    text = to_json(validate_record(data).record)
    out = json.loads(text)
    assert out["ppg"] == {"approved_amount": "630.00", "eypp": "12.50", "bursary_16_19": "1200.00"}
    assert out["previous_targets"] == [{"ppg_spent": "180.00"}]
    assert out["pep"]["date"] == "2025-10-07"
    assert out["pep"]["created_at"] == "2025-09-15T09:30"
    assert out["care"] == {"leaving_care_this_term": False}
    assert '"leaving_care_this_term": false' in text
    assert out["attendance"]["percentage"] == 95.5
    assert out["attendance"]["authorised_pct"] == 4.5
    assert out["attendance"]["persistent_absence"] is False
    assert out["education"]["timetable"] == {"full_time": True, "hours_per_week": 32.5}


def test_loading_never_changes_the_input():
    data = record(attendance={"sessions_possible": 44, "sessions_attended": 42},
                  targets=[{"ppg": {"cost_lines": [{"unit_cost": "10.00", "weeks": 3}]}}])
    before = json.dumps(data, sort_keys=True)
    validate_record(data)
    assert json.dumps(data, sort_keys=True) == before


def test_a_normalised_record_validates_again_unchanged(walsall_record):
    first = validate_record(walsall_record).record
    again = validate_record(json.loads(to_json(first), parse_float=Decimal))
    assert again.errors == []
    assert again.record == first


@pytest.mark.parametrize(("sections", "expected"), [
    ({"attendance": {"period": {"from": "2025-10-03", "to": "2025-09-03"}}},
     ("attendance.period.to", "Comes before the start of the period.")),
    ({"education": {"history": [{"from": "2016-09-05", "to": "2016-07-20"}]}},
     ("education.history.0.to", "Comes before the start date.")),
    ({"sen": {"ehcp": {"issued": "2024-11-20", "last_annual_review": "2024-11-18"}}},
     ("sen.ehcp.last_annual_review", "Comes before the plan was issued.")),
    ({"sen": {"ehcp": {"last_annual_review": "2024-11-18", "next_annual_review": "2024-11-17"}}},
     ("sen.ehcp.next_annual_review", "Comes before the last annual review.")),
    ({"meeting": {"date": "2025-10-07", "next_pep_date": "2025-10-07"}}, None),
    ({"pep": {"created_at": "2025-09-15T09:30", "updated_at": "2025-09-15T09:29"}},
     ("pep.updated_at", "Comes before the creation time.")),
    ({"child": {"date_of_birth": "2011-11-23"}, "views": {"date": "2011-11-22"}},
     ("views.date", "Comes before the child's date of birth.")),
    ({"child": {"date_of_birth": "2011-11-23"}, "education": {"admission_date": "2011-11-23"}}, None),
])
def test_dates_in_order(sections, expected):
    data = record()
    for key, value in sections.items():
        data[key] = {**data[key], **value} if key in data else value
    assert errors_of(data) == ([expected] if expected else [])
