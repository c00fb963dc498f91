"""Authority profiles: every configured one loads; a broken one fails naming its file, line and key."""

from pathlib import Path

import pytest

from data_schemas import catalogue
from generator.authority.content import Profile
from generator.authority.profiles import _registry, authorities, get_profile, get_variant, templates_root
from generator.core.errors import ProfileError, UsageError

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PROFILE = "templates/walsall/profile.yaml"
DEFAULTS = "templates/common/defaults.yaml"


# --- the configured profiles ------------------------------------------------------------------------


def test_the_templates_folder_is_beside_the_package(monkeypatch):
    monkeypatch.delenv("PEP_TEMPLATES", raising=False)
    assert templates_root() == TEMPLATES


def test_every_profile_folder_is_configured():
    folders = sorted(p.parent.name for p in TEMPLATES.glob("*/profile.yaml"))
    assert sorted(authorities()) == folders
    assert "walsall" in folders


@pytest.mark.parametrize("authority", sorted(authorities()))
def test_configured_profile_loads(authority):
    profile = authorities()[authority]
    assert isinstance(profile, Profile)
    assert profile.id == authority
    assert profile.source_file == f"templates/{authority}/profile.yaml"
    assert profile.variants
    for variant in profile.variants.values():
        assert variant.sections
        assert set(variant.formats) <= {"docx", "pdf", "form"}
        for item in variant.walk():
            if item.kind in ("field", "texts", "table", "repeat", "group"):
                assert item.path in catalogue(), item.path
                assert item.label


def test_walsall_merges_the_common_defaults():
    profile = authorities()["walsall"]
    assert profile.protective_marking == "OFFICIAL-SENSITIVE"
    assert profile.slots("targets") == 5  # Walsall's own
    assert profile.slots("targets.*.strategies") == 3  # the default
    assert profile.slots("not.a.list") == 3
    assert list(profile.variants) == ["pep", "views-early-years", "views-primary", "views-secondary", "views-post16"]
    assert profile.labels["views.on_ppg_use"].startswith("How will pupil premium be used")
    assert profile.audiences["school"]["hide"][0] == "care.placement.address"


def test_walsall_pep_sections_and_wording():
    _, variant = get_variant("walsall", "pep")
    assert [s.id for s in variant.sections][:3] == ["about", "section_a", "meeting"]
    section_a = variant.sections[1]
    assert section_a.heading == "Section A – Social Worker Section"
    assert section_a.intro.startswith("This section includes personal information about the child")
    labels = {i.path: i.label for i in variant.walk() if i.path}
    assert labels["targets.*.strategies"] == "Interventions"  # the label set
    assert labels["targets.*.success_criteria"] == "Impact"
    assert labels["child.first_name"] == "First name"  # the catalogue
    assert labels["views.date"] == "Date the pupil's views were completed"  # the item's own


def test_unknown_authority_and_variant_are_usage_errors():
    with pytest.raises(UsageError) as caught:
        get_profile("nowhere")
    assert caught.value.message == f"Unknown authority 'nowhere' (known: {', '.join(authorities())})."
    assert caught.value.exit_code == 2
    with pytest.raises(UsageError) as caught:
        get_variant("walsall", "pep2")
    assert caught.value.message == ("Unknown variant 'pep2' for walsall (known: pep, views-early-years, views-primary, "
                                    "views-secondary, views-post16).")


# --- broken profiles, in a copy of the templates ---------------------------------------------------------


class Templates:
    """A copy of templates/ (common defaults and Walsall) whose files a test may break."""

    def __init__(self, root: Path):
        self.root = root
        self.profile = root / "walsall" / "profile.yaml"
        self.defaults = root / "common" / "defaults.yaml"

    def edit(self, old: str, new: str, file: Path | None = None) -> int:
        """Replace text that occurs once; returns the line (1-based) where the new text starts."""
        file = file or self.profile
        text = file.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        file.write_text(text.replace(old, new), encoding="utf-8")
        return text[: text.index(old)].count("\n") + 1

    def line_of(self, needle: str, file: Path | None = None) -> int:
        text = (file or self.profile).read_text(encoding="utf-8")
        assert text.count(needle) == 1, needle
        return text[: text.index(needle)].count("\n") + 1

    def error(self) -> ProfileError:
        _registry.cache_clear()
        with pytest.raises(ProfileError) as caught:
            authorities()
        return caught.value


@pytest.fixture
def templates(walsall_templates):
    return Templates(walsall_templates)
    _registry.cache_clear()


def test_the_copy_loads(templates):
    assert list(authorities()) == ["walsall"]


def test_a_misspelt_key(templates):
    line = templates.edit('  brand: "#1F3864"', '  brnad: "#1F3864"')
    err = templates.error()
    assert str(err) == f"{PROFILE}:{line}: colours.brnad: Unknown field."
    assert (err.file, err.line, err.path, err.message) == (PROFILE, line, "colours.brnad", "Unknown field.")
    assert err.exit_code == 1


def test_an_unknown_top_level_key(templates):
    line = templates.edit("virtual_school: Walsall Virtual School", "virtual_scool: Walsall Virtual School")
    assert str(templates.error()) == f"{PROFILE}:{line}: virtual_scool: Unknown field."


def test_an_unknown_key_in_an_item(templates):
    line = templates.edit("          - field: pep.term\n", "          - field: pep.term\n            lable: Term\n")
    assert str(templates.error()) == f"{PROFILE}:{line + 1}: variants.pep.sections.0.items.1.lable: Unknown field."


def test_a_missing_required_key(templates):
    line = templates.line_of("font:")
    templates.edit("  word: Arial", "  size: 11")
    assert str(templates.error()) == f"{PROFILE}:{line + 1}: font.size: Unknown field."
    templates.edit("  size: 11", "  words: Arial")
    assert str(templates.error()) == f"{PROFILE}:{line + 1}: font.words: Unknown field."
    templates.edit("  words: Arial", "  {}")
    assert str(templates.error()) == f"{PROFILE}:{line}: font.word: Missing data for required field."


def test_a_key_left_empty_is_reported_in_the_profile(templates):
    line = templates.line_of("font:")
    templates.edit("font:\n  word: Arial", "font:\n  # to do")
    assert str(templates.error()) == f"{PROFILE}:{line}: font: Field may not be null."


def test_a_key_left_out_is_reported_in_the_profile(templates):
    first = templates.line_of("id: walsall\n")
    templates.edit("font:\n  word: Arial", "")
    assert str(templates.error()) == f"{PROFILE}:{first}: font: Missing data for required field."


def test_a_path_not_in_the_record(templates):
    line = templates.edit("- field: pep.reason\n", "- field: pep.reasons\n")
    assert str(templates.error()) == (f"{PROFILE}:{line}: variants.pep.sections.0.items.2: "
                                      "No field 'pep.reasons' in the PEP record.")


def test_an_item_of_the_wrong_kind_for_its_path(templates):
    line = templates.edit("- field: pep.reason\n", "- table: pep.reason\n")
    assert str(templates.error()) == (f"{PROFILE}:{line}: variants.pep.sections.0.items.2: "
                                      "'pep.reason' is a leaf, not something a table item can show.")


def test_an_item_with_two_kinds(templates):
    line = templates.edit("          - field: pep.reason\n", "          - field: pep.reason\n            text: Why\n")
    assert str(templates.error()) == (
        f"{PROFILE}:{line}: variants.pep.sections.0.items.2: An item needs exactly one of: field, table, repeat, "
        "group, texts, question, text, block (found field, text).")


def test_an_unknown_block(templates):
    line = templates.edit("- block: roni\n", "- block: ronny\n")
    err = templates.error()
    assert err.line == line
    assert err.file == PROFILE
    assert err.message.startswith("Unknown block 'ronny' (known: aspirations, attainment_grid, ")


def test_a_block_including_itself(templates):
    templates.edit("form_slots:\n", "blocks:\n  loop:\n    - field: roni.rating\n    - block: loop\nform_slots:\n")
    templates.edit("- block: roni\n", "- block: loop\n")
    line = templates.line_of("  loop:\n") + 2
    assert str(templates.error()) == f"{PROFILE}:{line}: blocks.loop.1: Block 'loop' includes itself."


def test_blocks_including_each_other(templates):
    templates.edit("form_slots:\n", "blocks:\n  ping:\n    - block: pong\n  pong:\n    - block: ping\nform_slots:\n")
    templates.edit("- block: roni\n", "- block: ping\n")
    line = templates.line_of("  pong:\n") + 1
    assert str(templates.error()) == f"{PROFILE}:{line}: blocks.pong.0: Block 'ping' includes itself."


def test_an_unknown_placeholder(templates):
    line = templates.edit('intro: "{section_a_intro}"', 'intro: "{section_z_intro}"')
    err = templates.error()
    assert (err.file, err.line, err.path) == (PROFILE, line, "variants.pep.sections.1.intro")
    assert err.message.startswith("Unknown placeholder {section_z_intro} (known: authority_name, short_name, ")


def test_a_duplicate_key(templates):
    line = templates.line_of("short_name: Walsall\n")
    templates.edit("short_name: Walsall\n", "short_name: Walsall\nname: Walsall again\n")
    assert str(templates.error()) == f"{PROFILE}:{line + 1}: name: Duplicate key 'name'."


def test_an_id_that_does_not_match_the_folder(templates):
    line = templates.edit("id: walsall\n", "id: walsal\n")
    assert str(templates.error()) == f"{PROFILE}:{line}: id: The id 'walsal' must match the folder name 'walsall'."


@pytest.mark.parametrize("colour", ['"blue"', '"#1F38"', '"1F3864FF"'])
def test_a_bad_colour(templates, colour):
    line = templates.edit('  accent: "#D9E2F3"', f"  accent: {colour}")
    assert str(templates.error()) == f"{PROFILE}:{line}: colours.accent: Use a colour like #1F4E79."


def test_a_bad_value_type(templates):
    line = templates.edit("ages: {min_years: 3, max_years: 18}", "ages: {min_years: three, max_years: 18}")
    assert str(templates.error()) == f"{PROFILE}:{line}: ages.min_years: Not a valid integer."


def test_an_unknown_label_set(templates):
    line = templates.edit("label_set: target_interventions_impact", "label_set: outcomes")
    assert str(templates.error()) == f"{PROFILE}:{line}: variants.pep.label_set: Unknown label set 'outcomes'."


def test_an_unknown_audience(templates):
    line = templates.edit("form_slots:\n", "audiences:\n  parent:\n    hide: [health]\nform_slots:\n")
    assert str(templates.error()) == (f"{PROFILE}:{line + 1}: audiences.parent: "
                                      "Must be one of: record, school, carer, child.")


def test_not_yaml(templates):
    line = templates.edit("short_name: Walsall\n", "short_name: [Walsall\n")
    err = templates.error()
    assert (err.file, err.line) == (PROFILE, line + 1)
    assert err.message.startswith("Not valid YAML: ")


def test_not_a_mapping(templates):
    templates.profile.write_text("- walsall\n", encoding="utf-8")
    assert str(templates.error()) == f"{PROFILE}:1: A profile is a mapping of settings."


def test_an_error_in_the_common_defaults_names_that_file(templates):
    line = templates.edit("    - field: child.surname\n    - field: child.preferred_name\n",
                          "    - field: child.surnam\n    - field: child.preferred_name\n", templates.defaults)
    assert str(templates.error()) == (f"{DEFAULTS}:{line}: blocks.child_details.1: "
                                      "No field 'child.surnam' in the PEP record.")


def test_an_error_in_the_shared_settings_of_the_defaults(templates):
    line = templates.edit("  protective_marking: OFFICIAL-SENSITIVE", "  protective_marking: [OFFICIAL]",
                          templates.defaults)
    assert str(templates.error()) == f"{DEFAULTS}:{line}: defaults.protective_marking: Not a valid string."


def test_the_profile_wins_over_a_broken_default(templates):
    templates.edit("  protective_marking: OFFICIAL-SENSITIVE", "  protective_marking: [OFFICIAL]", templates.defaults)
    templates.edit("short_name: Walsall\n", "short_name: Walsall\nprotective_marking: OFFICIAL-SENSITIVE\n")
    assert authorities()["walsall"].protective_marking == "OFFICIAL-SENSITIVE"


def test_an_unknown_question_in_a_shared_variant(templates):
    line = templates.edit("          - question: ey_feel_at_home\n", "          - question: ey_feel_at_school\n",
                          templates.defaults)
    assert str(templates.error()) == (
        f"{DEFAULTS}:{line}: variants.views-early-years.sections.1.items.1: Unknown question id 'ey_feel_at_school' "
        "(see data_schemas/views_questions.yaml).")


def test_profiles_are_cached_per_templates_folder(templates):
    first = authorities()
    assert authorities() is first
    templates.edit("name: Walsall Council\n", "name: Walsall Metropolitan Borough Council\n")
    assert authorities()["walsall"].name == "Walsall Council"
    _registry.cache_clear()
    assert authorities()["walsall"].name == "Walsall Metropolitan Borough Council"
