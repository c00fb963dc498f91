"""Output file names: the authority's pattern filled with ids only, safe on every file system."""

import dataclasses

import pytest

from generator.authority.naming import MAX_NAME, output_name
from generator.authority.profiles import get_profile
from generator.core.errors import ProfileError

RECORD = {
    "pep": {"authority": "walsall", "variant": "pep", "academic_year": "2025/26", "term": "autumn", "version": 2},
    "child": {"social_care_id": "WS-10442", "first_name": "Siân", "surname": "Ó Briain-Kowalczyk"},
    "meeting": {"date": "2025-10-07"},
}


@pytest.fixture
def walsall():
    return get_profile("walsall")


def with_pattern(profile, pattern: str):
    return dataclasses.replace(profile, file_name_pattern=pattern)


@pytest.mark.parametrize(("fmt", "name"), [
    ("docx", "PEP_walsall_WS-10442_2025-26_autumn_pep.docx"),
    ("pdf", "PEP_walsall_WS-10442_2025-26_autumn_pep.pdf"),
    ("form", "PEP_walsall_WS-10442_2025-26_autumn_pep_form.pdf"),
])
def test_the_default_pattern(walsall, fmt, name):
    assert walsall.file_name_pattern == "PEP_{authority}_{social_care_id}_{academic_year}_{term}_{variant}.{ext}"
    assert output_name(walsall, "pep", RECORD, fmt) == name


def test_the_childs_name_is_never_used(walsall):
    name = output_name(walsall, "pep", RECORD, "docx")
    for part in ("Siân", "Sian", "Briain", "Kowalczyk"):
        assert part not in name


def test_the_academic_year_slash_becomes_a_dash(walsall):
    name = output_name(walsall, "pep", RECORD, "docx")
    assert "/" not in name
    assert "2025-26" in name


@pytest.mark.parametrize(("fmt", "name"), [
    ("docx", "PEP_walsall_blank_views-primary.docx"),
    ("form", "PEP_walsall_blank_views-primary_form.pdf"),
])
def test_a_blank_document(walsall, fmt, name):
    assert output_name(walsall, "views-primary", None, fmt) == name


def test_a_partial_record_leaves_no_empty_parts(walsall):
    record = {"pep": {"authority": "walsall", "variant": "pep", "term": "spring"}, "child": {"social_care_id": "X1"}}
    assert output_name(walsall, "pep", record, "pdf") == "PEP_walsall_X1_spring_pep.pdf"


@pytest.mark.parametrize(("audience", "name"), [
    ("record", "PEP_walsall_WS-10442_2025-26_autumn_pep.docx"),
    ("school", "PEP_walsall_WS-10442_2025-26_autumn_pep_school.docx"),
    ("carer", "PEP_walsall_WS-10442_2025-26_autumn_pep_carer.docx"),
    ("child", "PEP_walsall_WS-10442_2025-26_autumn_pep_child.docx"),
])
def test_an_audience_other_than_the_record_is_added(walsall, audience, name):
    assert output_name(walsall, "pep", RECORD, "docx", audience) == name


def test_a_pattern_may_place_the_audience_itself(walsall):
    profile = with_pattern(walsall, "{audience}-{social_care_id}-{variant}.{ext}")
    assert output_name(profile, "pep", RECORD, "form", "school") == "school-WS-10442-pep_form.pdf"
    assert output_name(profile, "pep", RECORD, "docx") == "record-WS-10442-pep.docx"


def test_every_placeholder(walsall):
    profile = with_pattern(walsall, "{authority}_{social_care_id}_{academic_year}_{term}_{variant}_{meeting_date}_"
                                    "v{version}_{audience}.{ext}")
    assert output_name(profile, "pep", RECORD, "docx") == (
        "walsall_WS-10442_2025-26_autumn_pep_2025-10-07_v2_record.docx")


@pytest.mark.parametrize(("value", "expected"), [
    ("../../etc/passwd", "etc-passwd"),
    ("WS 10442", "WS-10442"),
    ("WS\\10442:a*b?", "WS-10442-a-b"),
    (".hidden", "hidden"),
])
def test_unsafe_characters_are_replaced(walsall, value, expected):
    record = {"pep": {}, "child": {"social_care_id": value}}
    name = output_name(with_pattern(walsall, "{social_care_id}.{ext}"), "pep", record, "docx")
    assert name == f"{expected}.docx"
    assert "/" not in name
    assert "\\" not in name
    assert ".." not in name


def test_a_long_name_is_cut_to_the_limit(walsall):
    profile = with_pattern(walsall, "{social_care_id}" * 10 + "_{variant}.{ext}")
    record = {"pep": {}, "child": {"social_care_id": "A" * 40}}
    name = output_name(profile, "pep", record, "docx")
    assert len(name) == MAX_NAME
    assert name.endswith(".docx")


def test_an_unknown_placeholder_is_a_profile_error(walsall):
    with pytest.raises(ProfileError) as caught:
        output_name(with_pattern(walsall, "{child_name}.{ext}"), "pep", RECORD, "docx")
    assert str(caught.value) == (
        "templates/walsall/profile.yaml: Unknown placeholder {child_name} in file_name_pattern (known: authority, "
        "social_care_id, academic_year, term, variant, meeting_date, version, audience, ext).")
