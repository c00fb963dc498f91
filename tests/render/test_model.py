"""The document model of Walsall's PEP: blank (every label, no values, the profile's slots) and filled from a record."""

import json
from decimal import Decimal

import pytest
from conftest import sample_path

from data_schemas import template_of
from generator.authority.audience import audience_view
from generator.authority.profiles import get_variant
from generator.authority.validation import require_valid
from generator.render.model import FieldRow, GroupBlock, RepeatBlock, TableBlock, TextBlock, build_model, value_at


@pytest.fixture(scope="module")
def walsall():
    return get_variant("walsall", "pep")


@pytest.fixture(scope="module")
def record() -> dict:
    return require_valid(json.loads(sample_path("walsall", "pep").read_text(encoding="utf-8"), parse_float=Decimal))


@pytest.fixture(scope="module")
def blank(walsall):
    profile, variant = walsall
    return build_model(profile, variant, None, audience_view(profile, "record"))


@pytest.fixture(scope="module")
def filled(walsall, record):
    profile, variant = walsall
    return build_model(profile, variant, record, audience_view(profile, "record"))


def blocks_of(model, kind):
    """Every block of a kind, inside repeats too."""
    def walk(blocks):
        for block in blocks:
            if isinstance(block, kind):
                yield block
            if isinstance(block, RepeatBlock):
                for entry in block.entries:
                    yield from walk(entry.blocks)
    for section in model.sections:
        yield from walk(section.blocks)


def labels_of(variant) -> dict[str, str]:
    return {item.path: item.label for item in variant.walk() if item.path}


def rows_by_section(model) -> dict[str, str]:
    """Concrete path -> the id of the section its row is in."""
    out = {}
    for section in model.sections:
        single = type(model)(model.profile, model.variant, model.audience, model.record, (section,), "", "", "")
        for row in single.field_rows():
            out.setdefault(row.path, section.id)
    return out


def leaves(node, prefix=""):
    """(concrete path, value) of every value in a record; a list of strings is one value."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{prefix}{key}.")
    elif isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        for index, value in enumerate(node):
            yield from leaves(value, f"{prefix}{index}.")
    elif node != []:
        yield prefix.rstrip("."), node


# --- blank ------------------------------------------------------------------------------------------


def test_blank_has_every_section_in_order(blank, walsall):
    _, variant = walsall
    assert [(s.id, s.heading, s.owner, s.intro) for s in blank.sections] == [
        (s.id, s.heading, s.owner, s.intro) for s in variant.sections]
    assert blank.blank
    assert blank.record is None


def test_blank_rows_carry_labels_and_no_values(blank, walsall):
    _, variant = walsall
    labels = labels_of(variant)
    rows = list(blank.field_rows())
    assert rows
    for row in rows:
        assert row.value is None, row.path
        assert row.text == "", row.path
        assert row.label == labels[template_of(row.path)], row.path


def test_blank_shows_every_field_of_the_variant(blank, walsall):
    _, variant = walsall
    shown = {template_of(row.path) for row in blank.field_rows()}
    assert shown == set(variant.leaf_paths())


def test_blank_labels_come_from_the_profile(blank):
    labels = {row.path: row.label for row in blank.field_rows()}
    assert labels["targets.0.success_criteria"] == "Impact"
    assert labels["targets.0.strategies.0.action"] == "Intervention"
    assert labels["views.on_ppg_use"].startswith("How will pupil premium be used to raise attainment")
    assert labels["views.date"] == "Date the pupil's views were completed"
    assert labels["child.upn"] == "Unique pupil number (UPN)"


@pytest.mark.parametrize(("path", "slots"), [
    ("targets", 5),  # Walsall's own number
    ("targets.0.strategies", 3),
    ("targets.4.ppg.cost_lines", 3),
    ("meeting.attendees", 8),
    ("attainment.subjects", 8),
    ("people.carers", 2),
    ("previous_targets", 4),
    ("roni.factors", 6),
    ("education.history", 3),
])
def test_blank_repeats_and_tables_have_the_profiles_slots(blank, path, slots):
    blocks = {b.path: b for kind in (TableBlock, RepeatBlock) for b in blocks_of(blank, kind)}
    block = blocks[path]
    if isinstance(block, RepeatBlock):
        assert [e.title for e in block.entries] == [f"Target {n}" for n in range(1, slots + 1)]
    else:
        assert len(block.rows) == slots
        assert block.blank_rows == slots
        assert all(row.value is None for cells in block.rows for row in cells)


def test_every_blank_table_follows_the_profile(blank, walsall):
    profile, _ = walsall
    for table in blocks_of(blank, TableBlock):
        assert len(table.rows) == profile.slots(template_of(table.path)), table.path


def test_blank_metadata(blank):
    assert blank.child_name == ""
    assert blank.child_id == ""
    assert blank.document_date == ""
    assert blank.metadata["title"] == "Personal Education Plan (PEP) – Walsall Council – blank"
    assert "child:blank" in blank.metadata["keywords"]


def test_blank_keeps_fixed_wording(blank):
    texts = [b.text for b in blocks_of(blank, TextBlock)]
    assert "The designated teacher must remember to sign off this section after completion." in texts


# --- filled -----------------------------------------------------------------------------------------


def test_filled_carries_every_value_the_variant_shows_in_its_section(filled, walsall, record):
    _, variant = walsall
    shown = set(variant.leaf_paths())
    rows = {row.path: row for row in filled.field_rows()}
    where = rows_by_section(filled)
    checked = 0
    for path, value in leaves(record):
        template = template_of(path)
        if template not in shown:
            continue
        assert path in rows, path
        assert rows[path].value == value, path
        sections = {s.id for s in variant.sections if any(i.path == template for i in s.walk())}
        assert where[path] in sections, path
        checked += 1
    assert checked > 150


def test_filled_rows_hold_the_records_values_and_nothing_else(filled, record):
    for row in filled.field_rows():
        assert row.value == value_at(record, row.path), row.path


def test_filled_tables_have_a_row_per_item(filled, record):
    tables = {t.path: t for t in blocks_of(filled, TableBlock)}
    assert len(tables["meeting.attendees"].rows) == len(record["meeting"]["attendees"]) == 6
    assert len(tables["targets.0.ppg.cost_lines"].rows) == 2
    assert len(tables["exclusions.suspensions"].rows) == 0
    repeat = next(blocks_of(filled, RepeatBlock))
    assert [e.title for e in repeat.entries] == ["Target 1", "Target 2", "Target 3"]


@pytest.mark.parametrize(("path", "section", "text"), [
    ("pep.term", "about", "Autumn"),
    ("care.placement.address", "section_a", "12 Example Close, Walsall WS0 0ZZ"),
    ("meeting.date", "meeting", "7 October 2025"),
    ("meeting.venue_confidential_room", "meeting", "Yes"),
    ("attendance.percentage", "section_b_attendance", "95.5%"),
    ("targets.0.ppg.cost_lines.0.line_total", "section_b_targets", "£270.00"),
    ("ppg.requested_total", "section_b_targets", "£630.00"),
    ("roni.score", "section_d", "3"),
    ("views.on_ppg_use", "section_c", "More maths group and art materials for my GCSE sketchbook."),
    ("permissions.who_can_collect", "section_a", "Gwen Dąbrowska\nŁukasz Dąbrowski\nAoife Ní Bhriain (social worker)"),
])
def test_filled_values_are_shown_as_text_in_their_section(filled, path, section, text):
    rows = {row.path: row for row in filled.field_rows()}
    assert rows[path].text == text
    assert rows_by_section(filled)[path] == section


def test_filled_groups_hold_their_fields(filled):
    groups = {g.path: g for g in blocks_of(filled, GroupBlock)}
    chair = groups["meeting.chair"]
    assert [(f.path, f.value, f.text) for f in chair.fields] == [
        ("meeting.chair.name", "Mr Dafydd Prys", "Mr Dafydd Prys"), ("meeting.chair.role", "dt", "Designated teacher")]


def test_filled_metadata(filled):
    assert filled.child_name == "Siân Ó Briain-Kowalczyk"
    assert filled.child_id == "WS-10442"
    assert filled.document_date == "2025-10-07"
    assert filled.metadata["title"] == "Personal Education Plan (PEP) – Walsall Council – WS-10442"
    assert filled.metadata["keywords"] == [
        "authority:walsall", "variant:pep", "child:WS-10442", "pep-date:2025-10-07", "academic-year:2025/26",
        "term:autumn", "audience:record", "marking:OFFICIAL-SENSITIVE"]


def test_choice_rows_carry_their_options(filled):
    rows = {row.path: row for row in filled.field_rows()}
    assert ("autumn", "Autumn") in rows["pep.term"].options
    assert rows["pep.term"].widget == "choice"
    assert rows["child.eal"].widget == "checkbox"


def test_views_questions_in_a_blank_form():
    profile, variant = get_variant("walsall", "views-secondary")
    model = build_model(profile, variant, None, audience_view(profile, "record"))
    rows = {row.path: row for row in model.field_rows()}
    question = rows["views.answers.sec_how_doing"]
    assert isinstance(question, FieldRow)
    assert question.widget == "radio"
    assert question.options == tuple((str(n), str(n)) for n in range(1, 11))
    assert question.label == "How well do I think I am doing at school? (1 = badly, 10 = really well)"
    assert rows["views.answers.sec_worries"].widget == "multiline"
