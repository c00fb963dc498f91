"""The journey from the command line and through returned forms: `pep journey`, `pep todo`, `pep digest`, and
ingestion that moves a PEP forward only, completing the sections its form completes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from clients.formkit import KEY
from conftest import write_json
from journey_fixtures import all_sections, base, clock, ready
from test_loop import type_into

from generator.store.database import Store
from generator.workflow import journey as J
from generator.workflow.todo import find_user, load_users, todo, user_for, write_digest

DAY = dt.date(2025, 10, 1)


@pytest.fixture
def key_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PEP_SIGNING_KEY", f"{KEY.id}:{KEY.secret.hex()}")
    monkeypatch.setenv("PEP_KEY_FILE", str(tmp_path / "no-keys.json"))


def imported(invoke, tmp_path, *records: dict) -> Path:
    store = tmp_path / "store"
    for i, record in enumerate(records):
        path = write_json(tmp_path / f"record{i}.json", record)
        assert invoke("store", "import", path, "--store", store).exit_code == 0
    return store


# --- pep journey ----------------------------------------------------------------------------------------------

def test_journey_move_show_and_refusal(invoke, tmp_path):
    record = ready("walsall", "ready_to_submit")
    child = record["child"]["social_care_id"]
    store = imported(invoke, tmp_path, record)
    refused = invoke("journey", "move", child, "sign_off", "--store", store, "--role", "designated_teacher",
                     "--actor", "Dee")
    assert refused.exit_code == 1
    assert "[JNY-00]" in refused.stderr
    assert "[JNY-06]" in refused.stderr
    assert "Traceback" not in refused.stderr
    moved = invoke("journey", "move", child, "submit", "--store", store, "--role", "designated_teacher",
                   "--actor", "Dee", "--json")
    assert moved.exit_code == 0, moved.stderr
    step = json.loads(moved.stdout)
    assert (step["from"], step["to"], step["actor"]) == ("ready_to_submit", "submitted", "Dee")
    shown = json.loads(invoke("journey", "show", child, "--store", store, "--role", "virtual_school",
                              "--json").stdout)
    assert shown["status"] == "submitted"
    assert [h["action"] for h in shown["history"]] == ["submit"]
    assert {m["move"] for m in shown["moves"]} == {"send_back", "sign_off"}
    text = invoke("journey", "show", child, "--store", store)
    assert "Section A – Social Worker Section [social worker] complete" in text.stdout


def test_journey_rate_send_back_writes_the_reply_and_a_reissued_form(invoke, tmp_path, key_env):
    record = ready("walsall", "submitted")
    child = record["child"]["social_care_id"]
    store = imported(invoke, tmp_path, record)
    rated = invoke("journey", "rate", child, "--store", store, "--role", "virtual_school", "--actor", "Vic",
                   "--overall", "red", "--section", "section_b_targets=red", "--actions", "Date each target.")
    assert rated.exit_code == 0, rated.stderr
    bad = invoke("journey", "rate", child, "--store", store, "--role", "virtual_school", "--actor", "Vic",
                 "--section", "section_b_targets")
    assert bad.exit_code == 2
    sent = invoke("journey", "move", child, "send_back", "--store", store, "--role", "virtual_school", "--actor",
                  "Vic", "--reason", "The targets need dates.", "--send-back", tmp_path / "replies", "--json")
    assert sent.exit_code == 0, sent.stderr
    written = json.loads(sent.stdout)["written"]
    names = sorted(p.rsplit("/", 1)[-1] for p in written)
    assert any(n.endswith("_reply.txt") for n in names)
    assert any(n.endswith("_reply.pdf") for n in names)
    assert any("_form" in n and "_school" in n for n in names)  # the school's re-issued form
    reply = next(p for p in written if p.endswith("_reply.txt"))
    text = Path(reply).read_text(encoding="utf-8")
    assert "Reason: The targets need dates." in text
    assert "Actions required: Date each target." in text


def test_journey_sections_and_chain(invoke, tmp_path):
    record = all_sections(base("enfield"), done=False)
    record["pep"]["status"] = "not_started"
    child = record["child"]["social_care_id"]
    store = imported(invoke, tmp_path, record)
    wrong = invoke("journey", "sections", child, "--store", store, "--complete", "targets", "--role",
                   "social_worker", "--actor", "Sam")
    assert wrong.exit_code == 1
    assert "[JNY-00]" in wrong.stderr
    done = invoke("journey", "sections", child, "--store", store, "--complete", "targets", "--role",
                  "designated_teacher", "--actor", "Dee", "--json")
    sections = {s["id"]: s for s in json.loads(done.stdout)}
    assert sections["targets"]["completed_by"] == "Dee"
    assert sections["targets"]["colour"]  # Enfield: red for the designated teacher
    chain = json.loads(invoke("journey", "chain", child, "--store", store, "--json").stdout)
    assert [c["status"] for c in chain] == ["in_progress"]  # completing a section starts the PEP


def test_journey_sign(invoke, tmp_path):
    record = all_sections(base("walsall"))
    record["pep"]["status"] = "in_progress"
    child = record["child"]["social_care_id"]
    store = imported(invoke, tmp_path, record)
    wrong = invoke("journey", "sign", child, "--store", store, "--role", "virtual_school", "--actor", "Vee")
    assert wrong.exit_code == 1
    assert "[JNY-00]" in wrong.stderr
    done = invoke("journey", "sign", child, "--store", store, "--role", "social_worker", "--actor", "Sam", "--json")
    assert json.loads(done.stdout)["action"] == "signed"
    shown = json.loads(invoke("journey", "show", child, "--store", store, "--json").stdout)
    assert shown["history"][-1]["detail"] == {"signoff": "signoffs.social_worker"}


def test_journey_table_and_queue(invoke, tmp_path):
    rows = json.loads(invoke("journey", "table", "warwickshire", "--json").stdout)
    submit = next(r for r in rows if r["move"] == "submit")
    assert submit["roles"] == ["designated_teacher"]
    assert "education.on_roll" in submit["roles_when"]
    assert invoke("journey", "table", "nowhere").exit_code == 2
    store = imported(invoke, tmp_path, ready("walsall", "submitted"))
    queue = json.loads(invoke("journey", "queue", "--store", store, "--json").stdout)
    assert [q["social_care_id"] for q in queue] == [ready("walsall")["child"]["social_care_id"]]


def test_sign_off_with_next_term(invoke, tmp_path):
    record = ready("walsall", "submitted")
    record.setdefault("qa", {})["rating"] = "green"
    child = record["child"]["social_care_id"]
    store = imported(invoke, tmp_path, record)
    done = invoke("journey", "move", child, "sign_off", "--store", store, "--role", "virtual_school", "--actor", "Vic",
                  "--next-term", "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["next_term"]
    chain = json.loads(invoke("journey", "chain", child, "--store", store, "--json").stdout)
    assert [c["status"] for c in chain] == ["complete", "not_started"]


# --- returned forms -----------------------------------------------------------------------------------------------

def _form(invoke, tmp_path, store, child, variant):
    made = invoke("generate", "walsall", variant, "--format", "form", "--store", store, "--child", child,
                  "--audience", "school" if variant == "pep" else "child", "-o", tmp_path / "out")
    assert made.exit_code == 0, made.stderr
    return made.stdout.strip()


def _ingest(invoke, store, path):
    result = invoke("ingest", path, "--store", store, "--json", "--workers", "1")
    assert json.loads(result.stdout)["status"] == "accepted", result.stdout


def test_a_returned_school_form_signed_by_the_dt_completes_their_sections(invoke, tmp_path, key_env):
    record = all_sections(base("walsall"), done=False)
    record["pep"]["status"] = "not_started"
    record["signoffs"].pop("designated_teacher")
    child = record["child"]["social_care_id"]
    store = imported(invoke, tmp_path, record)
    form = _form(invoke, tmp_path, store, child, "pep")
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(type_into(Path(form).read_bytes(), {"signoffs_designated_teacher_name": "Dee Teacher",
                                                             "signoffs_designated_teacher_signed_at":
                                                                 "2025-10-06 15:00"}))
    _ingest(invoke, store, returned)
    with Store.open(store) as opened:
        stored = opened.require(child).record
    assert stored["pep"]["status"] == "in_progress"  # a return starts a PEP, and no further
    done = {s.id: s.completed_by for s in J.section_states(stored) if s.completed}
    assert done == dict.fromkeys(("section_b_school", "section_b_attainment", "section_b_needs",
                                  "section_b_attendance", "section_b_future", "section_b_previous_targets",
                                  "section_b_targets"), "Dee Teacher")


@pytest.mark.parametrize("status", ["submitted", "complete", "review_again"])
def test_a_returned_views_form_never_moves_a_pep_backwards_or_past_qa(invoke, tmp_path, key_env, status):
    record = all_sections(base("walsall"), done=False)
    record["pep"]["status"] = status
    child = record["child"]["social_care_id"]
    store = imported(invoke, tmp_path, record)
    form = _form(invoke, tmp_path, store, child, "views-primary")
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(type_into(Path(form).read_bytes(), {"views_answers_pri_find_hard": "Fractions"}))
    _ingest(invoke, store, returned)
    with Store.open(store) as opened:
        stored = opened.require(child).record
    assert stored["pep"]["status"] == status
    assert stored["views"]["answers"]["pri_find_hard"] == "Fractions"
    assert [s.id for s in J.section_states(stored) if s.completed] == ["section_c"]  # the child's views arrived


# --- to-do lists and digests --------------------------------------------------------------------------------------

def _cohort(tmp_path):
    """Walsall's child, one PEP at each point: the store is a cohort of one child per record."""
    first = all_sections(base("walsall"), done=False)
    first["pep"]["status"] = "in_progress"
    first["meeting"]["date"] = "2025-10-07"
    second = ready("bath-ne-somerset", "submitted")
    third = ready("enfield", "review_again")
    third["qa"]["rejection_reason"] = "Target 3 must reflect her views."
    store = Store.open(tmp_path / "store", create=True, clock=clock())
    for record in (first, second, third):
        store.put(record, "import")
    return store, first, second, third


def test_todo_for_each_role(tmp_path):
    store, first, _second, third = _cohort(tmp_path)
    with store:
        urn = first["education"]["setting"]["urn"]
        teacher = todo(store, user_for("designated_teacher", urn=urn), DAY)
        assert {i.kind for i in teacher} >= {"form_due_back", "meeting_coming_up"}
        assert all(i.social_care_id == first["child"]["social_care_id"] for i in teacher)
        sw_name = third["people"]["social_worker"]["name"]
        social = todo(store, user_for("social_worker", social_worker=sw_name), DAY)
        assert [i.kind for i in social if i.kind == "sent_back"] == ["sent_back"]
        assert "Target 3 must reflect her views." in next(i.text for i in social if i.kind == "sent_back")
        vs = todo(store, user_for("virtual_school", authority="bath-ne-somerset"), DAY)
        assert [i.kind for i in vs if i.kind == "to_quality_assure"] == ["to_quality_assure"]
        everyone = todo(store, user_for("virtual_school"), DAY)
        assert {i.authority for i in everyone} == {"walsall", "bath-ne-somerset"}  # Enfield waits for its school
        assert todo(store, user_for("read_only"), DAY) == []


def test_digest_is_deterministic_and_per_user(tmp_path):
    store, *_ = _cohort(tmp_path)
    with store:
        first = write_digest(store, tmp_path / "a", DAY)
        second = write_digest(store, tmp_path / "b", DAY)
    names = sorted(p.name for _, _, paths in first for p in paths)
    assert "vs-walsall.txt" in names
    assert "vs-walsall.html" in names
    for (_, _, pa), (_, _, pb) in zip(first, second, strict=True):
        assert [p.read_bytes() for p in pa] == [p.read_bytes() for p in pb]
    text = (tmp_path / "a" / "vs-bath-ne-somerset.txt").read_text(encoding="utf-8")
    assert "PEPs to quality-assure (1)" in text
    html = (tmp_path / "a" / "vs-bath-ne-somerset.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<h2>PEPs to quality-assure (1)</h2>" in html


def test_users_file(tmp_path, invoke):
    store, first, *_ = _cohort(tmp_path)
    store.close()
    urn = first["education"]["setting"]["urn"]
    (tmp_path / "store" / "users.yaml").write_text(
        "users:\n"
        f"  - {{id: rpatel, name: R. Patel, role: designated_teacher, urn: '{urn}'}}\n"
        "  - {id: vs-w, name: Walsall VS, role: virtual_school, authority: walsall}\n", encoding="utf-8")
    with Store.open(tmp_path / "store") as opened:
        assert [u.id for u in load_users(opened.root)] == ["rpatel", "vs-w"]
        assert find_user(opened, "R. Patel").urn == urn
    listed = invoke("todo", "--store", tmp_path / "store", "--user", "rpatel", "--as-of", DAY, "--json")
    assert listed.exit_code == 0, listed.stderr
    out = json.loads(listed.stdout)
    assert out["user"]["id"] == "rpatel"
    assert {i["kind"] for i in out["items"]} >= {"form_due_back"}
    digest = invoke("digest", "--store", tmp_path / "store", "-o", tmp_path / "digests", "--as-of", DAY)
    assert digest.exit_code == 0, digest.stderr
    assert sorted(p.name for p in (tmp_path / "digests").iterdir()) == ["rpatel.html", "rpatel.txt", "vs-w.html",
                                                                       "vs-w.txt"]
    (tmp_path / "store" / "users.yaml").write_text("users:\n  - {id: x, name: X, role: designated_teacher}\n",
                                                   encoding="utf-8")
    broken = invoke("todo", "--store", tmp_path / "store", "--user", "x")
    assert broken.exit_code == 1
    assert "users.yaml:2: users.0.urn: A designated teacher's scope is their school" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_todo_usage_errors(tmp_path, invoke):
    store, *_ = _cohort(tmp_path)
    store.close()
    assert invoke("todo", "--store", tmp_path / "store").exit_code == 2
    no_urn = invoke("todo", "--store", tmp_path / "store", "--role", "designated_teacher")
    assert no_urn.exit_code == 2
    assert "--urn" in no_urn.stderr
    unknown = invoke("todo", "--store", tmp_path / "store", "--user", "nobody")
    assert unknown.exit_code == 2
    assert "No user 'nobody'" in unknown.stderr
