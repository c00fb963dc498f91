"""The PEP's journey: every move for every role, state and authority (from the journey data), each refusal naming
its rule; the history holds every step; PP+ is released only through sign-off; returns never move a PEP backwards
or past QA."""

from __future__ import annotations

import copy
import itertools

import pytest
from journey_fixtures import AUTHORITIES, QA_ERROR, all_sections, base, ready, store_with

from generator.authority.journey import ROLES, STATUSES, ingest_status, load_journey, on_return
from generator.authority.profiles import get_profile
from generator.core.errors import UsageError
from generator.workflow import journey as J


def _cases():
    for authority in AUTHORITIES:
        journey = load_journey(authority)
        for move, role, status in itertools.product(journey.moves.values(), ROLES, STATUSES):
            yield pytest.param(authority, move.id, role, status, id=f"{authority}-{move.id}-{role}-{status}")


@pytest.mark.parametrize(("authority", "move_id", "role", "status"), list(_cases()))
def test_every_move_for_every_role_and_state(authority, move_id, role, status):
    """A move is allowed exactly when the journey gives it to the role and leaves from the PEP's state; a refusal
    names the rule (the move's roles rule, or JNY-06 for the state)."""
    record = ready(authority, status)
    record.setdefault("qa", {})["rating"] = "green"
    move = load_journey(authority).moves[move_id]
    check = J.check_move(record, move_id, role, actor="Test Person", reason="Targets need dates.")
    by_role, by_state = role in move.roles_for(record), status in move.from_
    rules = {r.rule for r in check.refusals}
    assert check.allowed == (by_role and by_state), [r.text() for r in check.refusals]
    assert (move.roles_rule in rules) == (not by_role)
    assert ("JNY-06" in rules) == (not by_state)
    for refusal in check.refusals:
        assert refusal.source
        assert "“" in refusal.source
    assert check.to_status == move.to


def test_read_only_makes_no_move_in_any_journey():
    for authority in AUTHORITIES:
        assert all("read_only" not in m.all_roles() for m in load_journey(authority).moves.values())


# --- refusals by rule ---------------------------------------------------------------------------------------------

def _drop(path: str):
    def change(record):
        *parents, last = path.split(".")
        node = record
        for part in parents:
            node = node.get(part) or {}
        node.pop(last, None)
    return change


def _set(path: str, value):
    def change(record):
        *parents, last = path.split(".")
        node = record
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return change


def _absent(role: str):
    def change(record):
        for attendee in record["meeting"]["attendees"]:
            if attendee.get("role") == role:
                attendee["attended"] = False
    return change


# (authority, move, the state it is made from, role, what breaks the rule, the rule, refused (or only a warning))
RULE_CASES = [
    *[(a, m, s, "designated_teacher", lambda r: r.update(sections=[]), "JNY-01", True)
      for a in AUTHORITIES for m, s in (("mark_ready", "in_progress"), ("submit", "ready_to_submit"))],
    *[(a, "send_back", "submitted", "virtual_school", None, "JNY-02", True) for a in AUTHORITIES],
    *[(a, "sign_off", "submitted", "virtual_school", _drop("qa.rating"), "JNY-03", True) for a in AUTHORITIES],
    *[(a, "sign_off", "submitted", "virtual_school", _set("qa.rating", "red"), "JNY-04", True) for a in AUTHORITIES],
    *[(a, "sign_off", "submitted", "virtual_school", _drop(QA_ERROR[a]), "JNY-05", True) for a in AUTHORITIES],
    ("walsall", "submit", "ready_to_submit", "designated_teacher", _drop("signoffs.social_worker"), "WAL-07", True),
    ("walsall", "submit", "ready_to_submit", "social_worker", _set("signoffs.social_worker.signed_at",
                                                                    "2025-10-08T09:00"), "WAL-07", True),
    ("walsall", "submit", "ready_to_submit", "designated_teacher", _drop("signoffs.designated_teacher"), "WAL-08a",
     True),
    ("walsall", "sign_off", "submitted", "virtual_school", _set("signoffs.designated_teacher.signed_at",
                                                                "2099-01-01T09:00"), "WAL-15", False),
    ("enfield", "submit", "ready_to_submit", "designated_teacher", _drop("signoffs.social_worker"), "ENF-15a", True),
    ("enfield", "sign_off", "submitted", "virtual_school", _set("signoffs.designated_teacher.signed_at",
                                                                "2099-01-01T09:00"), "ENF-15", True),
    ("bath-ne-somerset", "submit", "ready_to_submit", "designated_teacher", _absent("social_worker"), "BNS-04", True),
    ("bath-ne-somerset", "submit", "ready_to_submit", "social_worker", _absent("designated_teacher"), "BNS-04", True),
    ("warwickshire", "submit", "ready_to_submit", "social_worker", None, "WAR-16", True),
    ("warwickshire", "submit", "ready_to_submit", "designated_teacher", _drop("meeting.next_pep_date"), "WAR-08",
     False),
]


@pytest.mark.parametrize(("authority", "move_id", "status", "role", "change", "rule", "refused"), RULE_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[5]}" for c in RULE_CASES])
def test_a_broken_rule_refuses_the_move_by_name(authority, move_id, status, role, change, rule, refused):
    record = ready(authority, status)
    record.setdefault("qa", {})["rating"] = "green"
    good = J.check_move(record, move_id, role, actor="Test", reason="Please add dates." if rule != "JNY-02" else None)
    if rule != "JNY-02" and rule != "WAR-16":
        assert good.allowed, [r.text() for r in good.refusals]
        assert rule not in {w.rule for w in good.warnings}
    if change:
        change(record)
    check = J.check_move(record, move_id, role, actor="Test", reason=None if rule == "JNY-02" else "Please add dates.")
    found = check.refusals if refused else check.warnings
    assert rule in {r.rule for r in found}, [r.text() for r in check.refusals + check.warnings]
    assert check.allowed == (not refused)
    refusal = next(r for r in found if r.rule == rule)
    assert refusal.message
    assert "“" in refusal.source


def test_every_check_a_journey_names_is_tested_or_cannot_fail_through_the_journey():
    tested = {c[5] for c in RULE_CASES}
    # ENF-15b asks for the Virtual School's sign-off when PP+ is paid: sign-off signs as it pays, so no move breaks it
    # (test_ppg_is_released_only_through_sign_off shows it holds).
    always_holds = {"ENF-15b"}
    named = {rule for a in AUTHORITIES for m in load_journey(a).moves.values() for rule in m.checks}
    assert named - tested - always_holds == set()


def test_warwickshire_social_worker_submits_for_a_child_without_a_school_place():
    record = ready("warwickshire", "ready_to_submit")
    assert not J.check_move(record, "submit", "social_worker", actor="S").allowed
    record["education"]["on_roll"] = False
    assert J.check_move(record, "submit", "social_worker", actor="S").allowed


def test_unknown_move_or_role_is_a_usage_error():
    record = ready("walsall")
    with pytest.raises(UsageError, match="Unknown move 'publish'"):
        J.check_move(record, "publish", "virtual_school")
    with pytest.raises(UsageError, match="Unknown role 'headteacher'"):
        J.check_move(record, "start", "headteacher")


# --- the whole journey, recorded -----------------------------------------------------------------------------------

@pytest.mark.parametrize("authority", list(AUTHORITIES))
def test_a_pep_from_not_started_to_complete_with_one_send_back(tmp_path, authority):
    record = base(authority)
    record["pep"]["status"] = "not_started"
    record.pop("qa", None)
    record.get("ppg", {}).pop("payment_status", None)
    record.get("ppg", {}).pop("approved_amount", None)
    variant = get_profile(authority).variant(record["pep"]["variant"])
    sw_section = next((s.id for s in variant.sections if s.owner == "sw"), None)
    all_sections(record, but=(sw_section,) if sw_section else ())
    child = record["child"]["social_care_id"]
    submitter = "designated_teacher"
    with store_with(tmp_path, record) as store:
        J.move(store, child, "start", "social_worker", "Sam Social")
        if sw_section:
            with pytest.raises(J.MoveRefused, match="JNY-01"):
                J.move(store, child, "mark_ready", submitter, "Dee Teacher")
            J.complete_section(store, child, sw_section, "social_worker", "Sam Social")
        J.move(store, child, "mark_ready", submitter, "Dee Teacher")
        J.move(store, child, "submit", submitter, "Dee Teacher")
        assert J.ppg_state(store.require(child).record)["released"] == "0.00"
        J.rate(store, child, "virtual_school", "Vic School", overall="red", feedback="The targets need dates.",
               actions="Add a date to each target.")
        with pytest.raises(J.MoveRefused, match="JNY-04"):
            J.move(store, child, "sign_off", "virtual_school", "Vic School")
        with pytest.raises(J.MoveRefused, match="JNY-02"):
            J.move(store, child, "send_back", "virtual_school", "Vic School")
        J.move(store, child, "send_back", "virtual_school", "Vic School", reason="The targets need dates.")
        assert store.require(child).record["qa"]["rejection_reason"] == "The targets need dates."
        J.move(store, child, "mark_ready", submitter, "Dee Teacher")
        J.move(store, child, "submit", submitter, "Dee Teacher")
        assert "rating" not in store.require(child).record["qa"]  # rated afresh after resubmission
        with pytest.raises(J.MoveRefused, match="JNY-03"):
            J.move(store, child, "sign_off", "virtual_school", "Vic School")
        J.rate(store, child, "virtual_school", "Vic School", overall="green",
               sections={variant.sections[0].id: "green"})
        done = J.move(store, child, "sign_off", "virtual_school", "Vic School")
        assert done.next_term_offered
        steps = J.history(store, child)
        final = store.require(child).record
    moves = [(s["action"], s["from"], s["to"]) for s in steps if s["action"] in load_journey(authority).moves]
    assert moves == [("start", "not_started", "in_progress"), ("mark_ready", "in_progress", "ready_to_submit"),
                     ("submit", "ready_to_submit", "submitted"), ("send_back", "submitted", "review_again"),
                     ("mark_ready", "review_again", "ready_to_submit"), ("submit", "ready_to_submit", "submitted"),
                     ("sign_off", "submitted", "complete")]
    actions = [s["action"] for s in steps]
    assert actions.count("rated") == 2
    assert actions.count("section_completed") == (1 if sw_section else 0)
    send_back = next(s for s in steps if s["action"] == "send_back")
    assert (send_back["actor"], send_back["role"], send_back["reason"]) == ("Vic School", "virtual_school",
                                                                            "The targets need dates.")
    assert all(s["at"] and s["actor"] and s["role"] for s in steps)
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    assert final["pep"]["status"] == "complete"
    assert final["signoffs"]["virtual_school"]["name"] == "Vic School"
    assert final["signoffs"]["virtual_school"]["final"] is True


# --- PP+ ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("authority", list(AUTHORITIES))
def test_ppg_is_released_only_through_sign_off(tmp_path, authority):
    record = ready(authority, "ready_to_submit")
    record.setdefault("qa", {})
    for key in ("payment_status", "approved_amount", "approved_by", "approved_on"):
        record.get("ppg", {}).pop(key, None)
    child = record["child"]["social_care_id"]
    requested = J.ppg_state(record)["requested"]
    on_signoff = (record.get("ppg", {}).get("release_condition")
                  or get_profile(authority).ppg.get("release")) == "on_vs_signoff"
    with store_with(tmp_path, record) as store:
        J.move(store, child, "submit", "designated_teacher", "Dee")
        state = J.ppg_state(store.require(child).record)
        assert state["released"] == state["agreed"] == "0.00"
        with pytest.raises(J.MoveRefused, match="JNY-00"):
            J.agree_ppg(store, child, "designated_teacher", "Dee")
        with pytest.raises(J.MoveRefused):
            J.release_ppg(store, child, "virtual_school", "Vic")
        J.rate(store, child, "virtual_school", "Vic", overall="green")
        J.move(store, child, "sign_off", "virtual_school", "Vic")
        after = J.ppg_state(store.require(child).record)
        if requested == "0.00":
            assert after["released"] == "0.00"
            return
        assert after["agreed"] == requested
        if on_signoff:
            assert after["released"] == requested
            assert after["payment_status"] == "paid"
            with pytest.raises(J.MoveRefused, match="JNY-07"):
                J.release_ppg(store, child, "virtual_school", "Vic")
        else:
            assert after["released"] == "0.00"
            assert after["payment_status"] == "approved"
            J.release_ppg(store, child, "virtual_school", "Vic")
            assert J.ppg_state(store.require(child).record)["released"] == requested
        assert any(s.get("detail", {}).get("ppg") for s in J.history(store, child))


def test_enfield_ppg_release_is_the_virtual_schools_final_sign_off(tmp_path):
    assert get_profile("enfield").ppg["release"] == "on_vs_signoff"
    record = ready("enfield", "submitted")
    record.setdefault("qa", {})["rating"] = "green"
    record["ppg"].pop("payment_status", None)
    check = J.check_move(record, "sign_off", "virtual_school", actor="Vic")
    assert check.allowed
    assert check.record["ppg"]["payment_status"] == "paid"
    assert check.record["signoffs"]["virtual_school"]["final"] is True


def test_agreeing_another_amount(tmp_path):
    record = ready("bath-ne-somerset", "submitted")
    child = record["child"]["social_care_id"]
    with store_with(tmp_path, record) as store:
        J.agree_ppg(store, child, "virtual_school", "Vic", "400.00")
        assert J.ppg_state(store.require(child).record)["agreed"] == "400.00"
        assert J.ppg_state(store.require(child).record)["released"] == "0.00"


# --- sections and ratings ------------------------------------------------------------------------------------------

def test_a_section_is_completed_by_its_owner_only(tmp_path):
    record = all_sections(base("enfield"), done=False)
    record["pep"]["status"] = "in_progress"
    child = record["child"]["social_care_id"]
    states = {s.id: s for s in J.section_states(record)}
    assert states["targets"].owner == "dt"
    assert states["targets"].colour
    with store_with(tmp_path, record) as store:
        with pytest.raises(J.MoveRefused, match=r"JNY-00.*designated teacher"):
            J.complete_section(store, child, "targets", "social_worker", "Sam")
        J.complete_section(store, child, "targets", "designated_teacher", "Dee")
        J.complete_section(store, child, "meeting", "social_worker", "Sam")  # purple: either may complete it
        with pytest.raises(UsageError, match="no section 'nope'"):
            J.complete_section(store, child, "nope", "designated_teacher", "Dee")
        done = {s.id: s for s in J.section_states(store.require(child).record)}
    assert (done["targets"].completed, done["targets"].completed_by) == (True, "Dee")
    assert done["meeting"].completed
    assert not done["before_sw"].completed


def test_sections_are_locked_once_submitted(tmp_path):
    record = ready("walsall", "submitted")
    child = record["child"]["social_care_id"]
    with store_with(tmp_path, record) as store, pytest.raises(J.MoveRefused, match="JNY-06"):
        J.complete_section(store, child, "section_a", "social_worker", "Sam", undo=True)


def test_rating_is_the_virtual_schools_on_a_submitted_pep(tmp_path):
    record = ready("walsall", "in_progress")
    child = record["child"]["social_care_id"]
    with store_with(tmp_path, record) as store:
        with pytest.raises(J.MoveRefused) as refused:
            J.rate(store, child, "designated_teacher", "Dee", overall="green")
        assert {r.rule for r in refused.value.refusals} == {"JNY-00", "JNY-06"}
    record["pep"]["status"] = "submitted"
    with store_with(tmp_path / "2", record) as store:
        with pytest.raises(UsageError, match="not on the scale"):
            J.rate(store, child, "virtual_school", "Vic", overall="purple")
        step = J.rate(store, child, "virtual_school", "Vic", overall="amber", sections={"section_b_targets": "red"},
                      feedback="Dates needed.", actions="Date each target.")
        qa = step.record["qa"]
    assert (qa["rating"], qa["section_ratings"], qa["reviewer"]) == (
        "amber", [{"section": "section_b_targets", "rating": "red"}], "Vic")
    assert qa["date"] == step.step["at"][:10]


# --- returns ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("stored", "returned"), list(itertools.product([None, *STATUSES], [None, *STATUSES])))
def test_a_return_never_moves_a_pep_backwards_or_past_qa(stored, returned):
    journey = load_journey("walsall")
    after = ingest_status(journey, stored, returned)
    rank = journey.rank
    assert rank(after) >= rank(stored)  # never backwards
    assert rank(after) <= max(rank(stored), rank("submitted"))  # never past QA
    if after != (stored or "not_started"):
        assert after in ("in_progress", "ready_to_submit", "submitted")


def test_a_returned_form_with_the_dt_sign_off_completes_the_dt_sections():
    stored = all_sections(base("walsall"), done=False)
    stored["pep"]["status"] = "not_started"
    returned = {"pep": {"authority": "walsall", "variant": "pep"},
                "signoffs": {"designated_teacher": {"name": "Dee Teacher", "signed_at": "2025-10-06T15:00"}}}
    after = on_return(stored, copy.deepcopy(stored), returned, "pep", "2025-10-06T16:00:00+00:00")
    assert after["pep"]["status"] == "in_progress"
    done = {s.id: s for s in J.section_states(after) if s.completed}
    assert set(done) == {"section_b_school", "section_b_attainment", "section_b_needs", "section_b_attendance",
                         "section_b_future", "section_b_previous_targets", "section_b_targets"}
    assert {s.completed_by for s in done.values()} == {"Dee Teacher"}
    views = on_return(stored, copy.deepcopy(stored), {"views": {"date": "2025-10-01"}}, "views-secondary", "x")
    assert {s.id for s in J.section_states(views) if s.completed} == {"section_c"}
    complete = copy.deepcopy(stored)
    complete["pep"]["status"] = "complete"
    assert on_return(complete, copy.deepcopy(complete), returned, "pep", "x")["pep"]["status"] == "complete"


# --- the chain ----------------------------------------------------------------------------------------------------

def test_the_chain_lists_each_pep_after_next_term(tmp_path):
    from generator.workflow.nextterm import next_term

    record = ready("walsall", "complete")
    child = record["child"]["social_care_id"]
    with store_with(tmp_path, record) as store:
        store.put(next_term(store.require(child).record).record, "next-term")
        peps = J.chain(store, child)
    assert [p["status"] for p in peps] == ["complete", "not_started"]
    assert peps[1]["previous_pep_id"] == peps[0]["pep_id"]
    assert peps[1]["current"]
    assert not peps[0]["current"]


def test_the_designated_teacher_and_social_worker_sign_their_parts_while_it_is_written(tmp_path):
    record = ready("walsall", "in_progress")
    record["signoffs"].pop("designated_teacher", None)
    child = record["child"]["social_care_id"]
    with store_with(tmp_path, record) as store:
        step = J.sign(store, child, "designated_teacher", "Dee")
        signed = store.require(child).record["signoffs"]["designated_teacher"]
        assert (signed["name"], signed["role"]) == ("Dee", "Designated teacher")
        assert J.wall_time(step.step["at"]).startswith(signed["signed_at"])
        assert store.journey(child)[-1]["action"] == "signed"
        with pytest.raises(J.MoveRefused, match="JNY-00"):
            J.sign(store, child, "virtual_school", "Vee")
        J.move(store, child, "mark_ready", "designated_teacher", "Dee")
        J.move(store, child, "submit", "designated_teacher", "Dee")
        with pytest.raises(J.MoveRefused, match="JNY-06"):
            J.sign(store, child, "social_worker", "Sam")
