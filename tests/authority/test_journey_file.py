"""templates/common/journey.yaml and the authorities' changes: loaded, merged and validated, errors naming the file,
line and key; every rule a journey names exists."""

from __future__ import annotations

import pytest

from generator.authority import journey as journey_module
from generator.authority.journey import ROLES, STATUSES, load_journey
from generator.authority.profiles import authorities
from generator.core.errors import ProfileError
from generator.qa.rules import load_rules
from generator.workflow.journey import bind


@pytest.fixture
def fresh(templates_copy):
    """A private templates copy (journeys, profiles and rules are cached by the templates folder)."""
    return templates_copy


@pytest.mark.parametrize("authority", sorted(authorities()))
def test_every_journey_binds_to_its_authoritys_rules(authority):
    journey = bind(authority)
    assert [s for s, _ in journey.states] == list(STATUSES)
    assert set(journey.roles) == set(ROLES)
    qa_ids = {r.id for r in load_rules(authority).rules}
    for move in journey.moves.values():
        assert set(move.all_roles()) <= set(ROLES)
        for rule in move.checks:
            assert rule in journey.rules or rule in qa_ids


def test_the_authorities_changes_are_the_seeds():
    assert load_journey("walsall").moves["submit"].checks == ("JNY-01", "WAL-07", "WAL-08a")
    assert load_journey("enfield").moves["sign_off"].checks[-2:] == ("ENF-15", "ENF-15b")
    assert "BNS-04" in load_journey("bath-ne-somerset").moves["submit"].checks
    warwickshire = load_journey("warwickshire").moves["submit"]
    assert (warwickshire.roles, warwickshire.roles_rule) == (("designated_teacher",), "WAR-16")
    assert load_journey("essex").moves == load_journey("essex").moves  # the common journey, unchanged
    for move in ("submit", "sign_off"):
        assert load_journey("walsall").moves[move].source["seed"] == "000_cf9f0cf7b616886e.txt"


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unknown_key_names_file_line_and_key(fresh):
    _edit(fresh / "common" / "journey.yaml", "    releases_ppg: true", "    releases_ppg: true\n    relases: no")
    with pytest.raises(ProfileError) as err:
        load_journey("walsall")
    message = str(err.value)
    assert message.startswith("templates/common/journey.yaml:")
    assert "moves.sign_off.relases: Unknown field." in message


def test_an_authority_change_to_an_unknown_move_is_refused(fresh):
    _edit(fresh / "walsall" / "journey.yaml", "  sign_off:", "  sign_of:")
    with pytest.raises(ProfileError, match=r"templates/walsall/journey.yaml:\d+: moves.sign_of: No move 'sign_of'"):
        load_journey("walsall")


def test_an_authority_file_in_the_wrong_folder_is_refused(fresh):
    _edit(fresh / "walsall" / "journey.yaml", "authority: walsall", "authority: enfield")
    with pytest.raises(ProfileError, match="Says 'enfield' but sits in the folder 'walsall'"):
        load_journey("walsall")


def test_a_check_naming_no_rule_is_refused(fresh):
    _edit(fresh / "walsall" / "journey.yaml", "checks: [WAL-07, WAL-08a]", "checks: [WAL-07, WAL-99]")
    with pytest.raises(ProfileError, match="names rule 'WAL-99', which is neither a journey rule nor one of walsall"):
        bind("walsall")


def test_a_role_that_does_not_exist_is_refused(fresh):
    _edit(fresh / "common" / "journey.yaml", "    roles: [virtual_school]\n    checks: [JNY-02]",
          "    roles: [headteacher]\n    checks: [JNY-02]")
    with pytest.raises(ProfileError, match=r"moves.send_back.roles.0: Must be one of"):
        load_journey("essex")


def test_not_yaml_is_a_clear_error(fresh):
    (fresh / "enfield" / "journey.yaml").write_text("moves: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"templates/enfield/journey.yaml:.*Not valid YAML"):
        load_journey("enfield")


def test_the_module_names_its_file():
    assert journey_module.JOURNEY_FILE == "journey.yaml"
