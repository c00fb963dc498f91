"""Audiences: the school, carer and child copies leave out exactly what the authority's profile says, nothing else."""

import copy
import json
from decimal import Decimal

import pytest
from conftest import sample_path

from generator.authority.audience import AUDIENCES, AudienceView, audience_view
from generator.authority.profiles import get_profile, get_variant
from generator.authority.validation import require_valid
from generator.core.errors import UsageError
from generator.render.model import build_model

PERSONS = ["social_worker", "team_manager", "supervising_social_worker", "designated_teacher", "senco",
           "vs_caseworker", "iro"]

# What Walsall's profile (the shared defaults) hides, and the concrete paths of the sample that go with it.
HIDDEN = {
    "record": ([], []),
    "school": (
        ["care.placement.address", "care.care_plan_summary", "care.permanence_plan", "people.parental_responsibility",
         "health.conditions", "health.medication", "health.mental_health_support", "audit"],
        ["care.placement.address", "care.care_plan_summary", "care.permanence_plan", "people.parental_responsibility",
         "health.conditions", "health.medication", "health.mental_health_support", "audit"],
    ),
    "carer": (
        ["permissions.restricted_contacts", "people.parental_responsibility", "roni", "qa", "audit"],
        ["permissions.restricted_contacts", "people.parental_responsibility", "roni", "qa", "audit"],
    ),
    "child": (
        ["care.legal_status", "care.placement.address", "care.care_plan_summary", "care.permanence_plan",
         "permissions.restricted_contacts", "people.parental_responsibility", "people.*.email", "people.*.phone",
         "health", "wellbeing.sdq", "wellbeing.attachment_trauma_needs", "roni", "qa", "audit", "sections",
         "distribution"],
        ["care.legal_status", "care.placement.address", "care.care_plan_summary", "care.permanence_plan",
         "permissions.restricted_contacts", "people.parental_responsibility",
         *[f"people.{p}.{k}" for p in PERSONS for k in ("email", "phone")],
         "people.carers.0.email", "people.carers.0.phone", "people.carers.1.phone",
         "health", "wellbeing.sdq", "roni", "qa", "audit", "sections", "distribution"],
    ),
}


@pytest.fixture(scope="module")
def record() -> dict:
    """The normalised Walsall sample, with an audit trail and section status added."""
    data = json.loads(sample_path("walsall", "pep").read_text(encoding="utf-8"), parse_float=Decimal)
    data["audit"] = [{"at": "2025-10-09T16:00", "user": "kmensah", "action": "sign"}]
    data["sections"] = [{"id": "section_a", "completed": True}]
    return require_valid(data)


def without(record: dict, paths: list[str]) -> dict:
    """A copy of a record with concrete paths deleted."""
    out = copy.deepcopy(record)
    for path in paths:
        *parents, leaf = path.split(".")
        node = out
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        assert leaf in node, path
        del node[leaf]
    return out


def test_the_hidden_paths_are_those_of_the_profile():
    profile = get_profile("walsall")
    for audience, (patterns, _paths) in HIDDEN.items():
        assert list(profile.audiences[audience]["hide"]) == patterns, audience


@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_copy_leaves_out_exactly_what_the_profile_says(record, audience):
    view = audience_view(get_profile("walsall"), audience)
    assert view.apply(record) == without(record, HIDDEN[audience][1])


def test_the_school_copy_keeps_what_the_school_needs(record):
    copy_ = audience_view(get_profile("walsall"), "school").apply(record)
    assert copy_["care"]["placement"]["carer_names"] == "Gwen and Łukasz Dąbrowski"
    assert copy_["health"]["impact_on_school"] == "Should carry her inhaler for PE."
    assert "restricted_contacts" in copy_["permissions"]


def test_the_child_copy_keeps_other_phone_numbers(record):
    copy_ = audience_view(get_profile("walsall"), "child").apply(record)
    assert copy_["permissions"]["emergency_contacts"][0] == {"name": "Gwen Dąbrowska", "role": "Foster carer",
                                                             "phone": "07700 900111"}
    assert copy_["people"]["carers"] == [{"name": "Gwen Dąbrowska", "role": "Foster carer"},
                                         {"name": "Łukasz Dąbrowski", "role": "Foster carer"}]
    assert copy_["wellbeing"] == {"semh_summary": record["wellbeing"]["semh_summary"]}


def test_applying_a_view_never_changes_the_record(record):
    before = copy.deepcopy(record)
    for audience in AUDIENCES:
        audience_view(get_profile("walsall"), audience).apply(record)
    assert record == before
    assert audience_view(get_profile("walsall"), "record").apply(record) is not record


@pytest.mark.parametrize(("audience", "path", "hidden"), [
    ("school", "care.placement.address", True),
    ("school", "care.placement", False),
    ("school", "health.conditions", True),
    ("school", "health.impact_on_school", False),
    ("school", "audit.*.user", True),
    ("child", "people.carers.*.email", True),
    ("child", "people.carers.3.phone", True),
    ("child", "people.social_worker.phone", True),
    ("child", "people.social_worker.name", False),
    ("child", "people.carers.*.name", False),
    ("child", "permissions.emergency_contacts.*.phone", False),
    ("child", "health", True),
    ("child", "health.impact_on_school", True),
    ("child", "wellbeing.semh_summary", False),
    ("record", "health.conditions", False),
])
def test_hides(audience, path, hidden):
    assert audience_view(get_profile("walsall"), audience).hides(path) is hidden


def test_a_pattern_matches_whole_segments_only():
    view = AudienceView("child", ("health",))
    assert view.hides("health.conditions")
    assert not view.hides("healthy")
    assert not view.hides("wellbeing.health")


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_document_model_of_each_copy_has_no_hidden_rows(record, audience):
    profile, variant = get_variant("walsall", "pep")
    view = audience_view(profile, audience)
    model = build_model(profile, variant, view.apply(record), view)
    paths = [row.path for row in model.field_rows()]
    assert not [p for p in paths if view.hides(p)]
    markers = {"care.placement.address", "care.legal_status", "people.carers.0.phone", "roni.score", "qa.rating"}
    shown = markers & set(paths)
    expected = {
        "record": markers,
        "school": {"care.legal_status", "people.carers.0.phone", "roni.score", "qa.rating"},
        "carer": {"care.placement.address", "care.legal_status", "people.carers.0.phone"},
        "child": set(),
    }[audience]
    assert shown == expected


def test_the_blank_school_form_has_no_hidden_fields():
    profile, variant = get_variant("walsall", "pep")
    view = audience_view(profile, "school")
    paths = [row.path for row in build_model(profile, variant, None, view).field_rows()]
    assert "care.placement.address" not in paths
    assert "health.conditions" not in paths
    assert "care.placement.carer_names" in paths


def test_an_unknown_audience_is_a_usage_error():
    with pytest.raises(UsageError) as caught:
        audience_view(get_profile("walsall"), "parent")
    assert caught.value.message == "Unknown audience 'parent' (known: record, school, carer, child)."
    assert caught.value.exit_code == 2


def test_an_audience_the_profile_leaves_out_hides_nothing(record):
    profile = get_profile("walsall")
    trimmed = type(profile)(**{**profile.__dict__, "audiences": {}})
    view = audience_view(trimmed, "child")
    assert view.hidden == ()
    assert view.apply(record) == record
