"""Derived values: computed when absent, accepted when equal, an error naming the computed value when different."""

import copy
from decimal import Decimal

import pytest

from data_schemas import derived, validate_record, value_at

IDENTITY = {"pep": {"authority": "walsall", "variant": "pep"}, "child": {"social_care_id": "WS-10442"}}


def record(**sections) -> dict:
    data = {"pep": dict(IDENTITY["pep"]), "child": dict(IDENTITY["child"])}
    for key, value in sections.items():
        data[key] = {**data[key], **value} if key in data else value
    return data


def put(data: dict, path: str, value) -> dict:
    """A copy of a record with a dotted path (list positions included) set."""
    data = copy.deepcopy(data)
    *parents, leaf = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    node[int(leaf) if isinstance(node, list) else leaf] = value
    return data


def line(**values) -> dict:
    return {"description": "Tuition", **values}


TARGETS = [
    {"ppg": {"cost_lines": [line(unit_cost="15.00", units_per_week=3, weeks=6), line(unit_cost="30.00", quantity=1)]}},
    {"ppg": {"cost_lines": [line(unit_cost="20.00", units_per_week=Decimal("1.5"), weeks=6)]}},
]

# name -> (record without the derived value, its path, the computed value as loaded, a wrong value, the message)
CASES = {
    "cost line with factors": (
        record(targets=[{"ppg": {"cost_lines": [line(unit_cost="15.00", units_per_week=3, weeks=6)]}}]),
        "targets.0.ppg.cost_lines.0.line_total", "270.00", "280.00",
        "Disagrees with the computed value 270.00 (£15.00 × 3 × 6).",
    ),
    "cost line without factors": (
        record(targets=[{"ppg": {"cost_lines": [line(unit_cost="30.00")]}}]),
        "targets.0.ppg.cost_lines.0.line_total", "30.00", "60.00",
        "Disagrees with the computed value 30.00 (£30.00).",
    ),
    "cost line with a quantity": (
        record(targets=[{"ppg": {"cost_lines": [line(unit_cost=Decimal("12.5"), quantity=2)]}}]),
        "targets.0.ppg.cost_lines.0.line_total", "25.00", "12.50",
        "Disagrees with the computed value 25.00 (£12.50 × 2).",
    ),
    "cost line rounded half up to the penny": (
        record(targets=[{"ppg": {"cost_lines": [line(unit_cost="6.99", units_per_week=Decimal("1.5"))]}}]),
        "targets.0.ppg.cost_lines.0.line_total", "10.49", "10.48",
        "Disagrees with the computed value 10.49 (£6.99 × 1.5).",
    ),
    "target PP+ total": (
        record(targets=[{"ppg": {"cost_lines": [line(unit_cost="15.00", units_per_week=3, weeks=6),
                                                line(unit_cost="30.00", quantity=1)]}}]),
        "targets.0.ppg.total", "300.00", "270.00",
        "Disagrees with the computed value 300.00 (the sum of the cost lines).",
    ),
    "target PP+ total of no cost lines": (
        record(targets=[{"ppg": {"cost_lines": []}}]),
        "targets.0.ppg.total", "0.00", "10.00",
        "Disagrees with the computed value 0.00 (the sum of the cost lines).",
    ),
    "requested total": (
        record(targets=TARGETS), "ppg.requested_total", "480.00", "300.00",
        "Disagrees with the computed value 480.00 (the sum of the targets' PP+).",
    ),
    "year total": (
        record(targets=TARGETS, ppg={"earlier_terms": [{"term": "autumn", "amount": "300.00"},
                                                       {"term": "spring", "amount": 120}]}),
        "ppg.year_total", "900.00", "480.00",
        "Disagrees with the computed value 900.00 (this term plus earlier terms).",
    ),
    "year total of earlier terms only": (
        record(ppg={"earlier_terms": [{"term": "autumn", "amount": "300.00"}]}),
        "ppg.year_total", "300.00", "0.00",
        "Disagrees with the computed value 300.00 (this term plus earlier terms).",
    ),
    "key stage": (
        record(child={"ncy": "9"}), "child.key_stage", "KS3", "KS4",
        "Disagrees with the computed value KS3 (year 9).",
    ),
    "attendance percentage": (
        record(attendance={"sessions_possible": 44, "sessions_attended": 42}),
        "attendance.percentage", 95.5, Decimal("95.4"),
        "Disagrees with the computed value 95.5 (42 of 44 sessions).",
    ),
    "persistent absence": (
        record(attendance={"sessions_possible": 40, "sessions_attended": 36}),
        "attendance.persistent_absence", True, False,
        "Disagrees with the computed value true (36 of 40 sessions).",
    ),
    "SDQ total": (
        record(wellbeing={"sdq": {"emotional": 5, "conduct": 2, "hyperactivity": 4, "peer": 3, "prosocial": 8}}),
        "wellbeing.sdq.total", 14, 22,
        "Disagrees with the computed value 14 (the sum of the four difficulty scores).",
    ),
    "SDQ band": (
        record(wellbeing={"sdq": {"informant": "carer", "emotional": 5, "conduct": 2, "hyperactivity": 4,
                                  "peer": 3}}),
        "wellbeing.sdq.band", "slightly_raised", "close_to_average",
        "Disagrees with the computed value slightly_raised (a carer total of 14).",
    ),
    "RONI score": (
        record(roni={"factors": [{"factor": "looked_after", "weight": 2}, {"factor": "sen_support", "weight": 1}]}),
        "roni.score", 3, 2,
        "Disagrees with the computed value 3 (the sum of the factor weights).",
    ),
    "RONI required in KS3": (
        record(child={"ncy": "9"}, roni={"rating": "amber"}), "roni.required", True, False,
        "Disagrees with the computed value true (key stage KS3).",
    ),
    "RONI not required in KS2": (
        record(child={"ncy": "5"}, roni={"rating": "green"}), "roni.required", False, True,
        "Disagrees with the computed value false (key stage KS2).",
    ),
    "term number": (
        record(pep={"term": "summer"}), "pep.term_number", 3, 1,
        "Disagrees with the computed value 3 (the summer term).",
    ),
    "target number": (
        record(targets=[{"target": "Read daily."}, {"target": "Times tables."}]), "targets.1.number", 2, 1,
        "Disagrees with the computed value 2 (its place in the list).",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_derived_value_is_computed_when_absent(case):
    data, path, computed, _wrong, _message = CASES[case]
    result = validate_record(copy.deepcopy(data))
    assert result.errors == []
    assert value_at(result.record, path) == computed


@pytest.mark.parametrize("case", CASES)
def test_derived_value_is_accepted_when_equal(case):
    data, path, computed, _wrong, _message = CASES[case]
    supplied = Decimal(str(computed)) if isinstance(computed, float) else computed
    result = validate_record(put(data, path, supplied))
    assert result.errors == []
    assert value_at(result.record, path) == computed


@pytest.mark.parametrize("case", CASES)
def test_derived_value_that_disagrees_is_an_error_naming_the_computed_value(case):
    data, path, _computed, wrong, message = CASES[case]
    assert validate_record(put(data, path, wrong)).errors == [(path, message)]


def test_money_written_differently_but_equal_is_accepted():
    data = record(targets=[{"ppg": {"cost_lines": [line(unit_cost=15, weeks=6, line_total=90)],
                                    "total": "£90"}}], ppg={"requested_total": Decimal("90.0")})
    result = validate_record(data)
    assert result.errors == []
    assert result.record["ppg"]["requested_total"] == "90.00"


def test_every_target_is_numbered_by_its_place():
    result = validate_record(record(targets=[{}, {}, {}]))
    assert [t["number"] for t in result.record["targets"]] == [1, 2, 3]


def test_ppg_totals_are_left_out_when_no_target_has_costs():
    result = validate_record(record(targets=[{"target": "Read daily."}], ppg={"approved_amount": "0"}))
    assert result.record["ppg"] == {"approved_amount": "0.00"}


def test_a_cost_line_without_a_unit_cost_has_no_total():
    data = record(targets=[{"ppg": {"cost_lines": [line(weeks=6, line_total="90.00")]}}])
    result = validate_record(data)
    assert result.errors == []
    assert result.record["targets"][0]["ppg"]["cost_lines"][0]["line_total"] == "90.00"
    assert result.record["targets"][0]["ppg"]["total"] == "90.00"


def test_a_derived_value_is_not_checked_against_an_input_that_is_itself_invalid():
    data = record(targets=[{"ppg": {"cost_lines": [line(unit_cost="15.00", units_per_week=3, weeks="6",
                                                        line_total="270.00")], "total": "270.00"}}],
                  ppg={"requested_total": "270.00"})
    assert validate_record(data).errors == [("targets.0.ppg.cost_lines.0.weeks", "Not a valid number.")]


def test_sdq_band_follows_a_supplied_total_when_scores_are_missing():
    data = record(wellbeing={"sdq": {"informant": "teacher", "total": 16, "band": "high"}})
    assert validate_record(data).errors == []
    wrong = record(wellbeing={"sdq": {"informant": "teacher", "total": 16, "band": "very_high"}})
    assert validate_record(wrong).errors == [
        ("wellbeing.sdq.band", "Disagrees with the computed value high (a teacher total of 16)."),
    ]


def test_prosocial_is_not_part_of_the_sdq_total():
    data = record(wellbeing={"sdq": {"emotional": 1, "conduct": 1, "hyperactivity": 1, "peer": 1, "prosocial": 10}})
    assert validate_record(data).record["wellbeing"]["sdq"]["total"] == 4


def test_attendance_is_not_derived_from_zero_possible_sessions():
    result = validate_record(record(attendance={"sessions_possible": 0, "sessions_attended": 0}))
    assert result.errors == []
    assert result.record["attendance"] == {"sessions_possible": 0, "sessions_attended": 0}


def test_roni_required_is_left_alone_without_a_year_group():
    result = validate_record(record(roni={"required": True}))
    assert result.errors == []
    assert result.record["roni"] == {"required": True}


# --- the functions themselves ----------------------------------------------------------------------


@pytest.mark.parametrize(("ncy", "stage"), [
    ("N1", "EYFS"), ("N2", "EYFS"), ("R", "EYFS"), ("1", "KS1"), ("2", "KS1"), ("3", "KS2"), ("4", "KS2"),
    ("5", "KS2"), ("6", "KS2"), ("7", "KS3"), ("8", "KS3"), ("9", "KS3"), ("10", "KS4"), ("11", "KS4"),
    ("12", "KS5"), ("13", "KS5"), ("14", "KS5"),
])
def test_key_stage_of_every_year_group(ncy, stage):
    assert derived.key_stage(ncy) == stage
    assert validate_record(record(child={"ncy": ncy})).record["child"]["key_stage"] == stage


def test_key_stage_of_no_year_group():
    assert derived.key_stage(None) is None
    assert "key_stage" not in validate_record(record()).record["child"]


@pytest.mark.parametrize(("attended", "possible", "percentage", "persistent"), [
    (42, 44, Decimal("95.5"), False),
    (1, 3, Decimal("33.3"), True),
    (2, 3, Decimal("66.7"), True),
    (1, 16, Decimal("6.3"), True),  # 6.25 rounds half up
    (36, 40, Decimal("90.0"), True),  # exactly 10% missed is persistent absence
    (901, 1000, Decimal("90.1"), False),
    (449, 499, Decimal("90.0"), True),  # 89.98% shows as 90.0 and is persistent absence
    (451, 501, Decimal("90.0"), False),  # 90.02% shows as 90.0 and is not
    (0, 10, Decimal("0.0"), True),
    (10, 10, Decimal("100.0"), False),
])
def test_attendance_percentage_and_persistent_absence(attended, possible, percentage, persistent):
    assert derived.attendance_percentage(attended, possible) == percentage
    assert derived.persistent_absence(attended, possible) is persistent
    loaded = validate_record(record(attendance={"sessions_possible": possible, "sessions_attended": attended}))
    assert loaded.record["attendance"]["percentage"] == float(percentage)
    assert loaded.record["attendance"]["persistent_absence"] is persistent


@pytest.mark.parametrize(("informant", "total", "band"), [
    ("carer", 0, "close_to_average"), ("carer", 13, "close_to_average"), ("carer", 14, "slightly_raised"),
    ("carer", 16, "slightly_raised"), ("carer", 17, "high"), ("carer", 19, "high"), ("carer", 20, "very_high"),
    ("carer", 40, "very_high"),
    ("teacher", 11, "close_to_average"), ("teacher", 12, "slightly_raised"), ("teacher", 15, "slightly_raised"),
    ("teacher", 16, "high"), ("teacher", 18, "high"), ("teacher", 19, "very_high"),
    ("self", 14, "close_to_average"), ("self", 15, "slightly_raised"), ("self", 17, "slightly_raised"),
    ("self", 18, "high"), ("self", 19, "high"), ("self", 20, "very_high"),
])
def test_sdq_band_at_the_boundaries(informant, total, band):
    assert derived.sdq_band(total, informant) == band
    scores = {"emotional": min(total, 10), "conduct": min(max(total - 10, 0), 10),
              "hyperactivity": min(max(total - 20, 0), 10), "peer": max(total - 30, 0)}
    loaded = validate_record(record(wellbeing={"sdq": {"informant": informant, **scores}}))
    assert loaded.record["wellbeing"]["sdq"]["total"] == total
    assert loaded.record["wellbeing"]["sdq"]["band"] == band


def test_sdq_band_needs_an_informant_and_a_total():
    assert derived.sdq_band(14, None) is None
    assert derived.sdq_band(None, "carer") is None
    loaded = validate_record(record(wellbeing={"sdq": {"emotional": 5, "conduct": 2, "hyperactivity": 4, "peer": 3}}))
    assert "band" not in loaded.record["wellbeing"]["sdq"]


def test_sdq_total_needs_all_four_difficulty_scores():
    assert derived.sdq_total({"emotional": 5, "conduct": 2, "hyperactivity": 4}) is None
    assert derived.sdq_total({"emotional": 0, "conduct": 0, "hyperactivity": 0, "peer": 0}) == 0


@pytest.mark.parametrize(("stage", "required"), [
    ("EYFS", False), ("KS1", False), ("KS2", False), ("KS3", True), ("KS4", True), ("KS5", False), (None, None),
])
def test_roni_is_required_in_ks3_and_ks4(stage, required):
    assert derived.roni_required(stage) is required


def test_roni_score_is_the_sum_of_the_weights():
    assert derived.roni_score([]) == 0
    assert derived.roni_score([{"weight": 2}, {"weight": 1}, {"factor": "other"}]) == 3


def test_line_total_and_formula():
    cost = {"unit_cost": Decimal("15.00"), "units_per_week": 3, "weeks": Decimal("6.5"), "quantity": 2}
    assert derived.line_total(cost) == Decimal("585.00")
    assert derived.line_formula(cost) == "£15.00 × 3 × 6.5 × 2"
    assert derived.line_total({"weeks": 6}) is None


def test_sum_money_ignores_missing_amounts():
    assert derived.sum_money([Decimal("1.10"), None, "2.205"]) == Decimal("3.31")
    assert derived.sum_money([]) == Decimal("0.00")
