"""The PEP's journey in `pep serve` (Django test client): sections completed by their owners, moves made and refused
with their rules, the Virtual School's QA queue, rating, send-back reply and sign-off, PP+, next term, to-do lists,
owner colours, and the children list's QA filters. Each test has its own copy of a store of PEPs in progress."""

from __future__ import annotations

import html
import io
import re

from pypdf import PdfReader
from webfixtures import client_for, journey_store, journey_template, web_store  # noqa: F401  (fixtures)

from generator.store.database import Store
from generator.workflow import journey as J

WALSALL = "WS-90000"  # not started; Oakfield Academy (dt.oakfield), social worker Aoife (sw.aoife)
ENFIELD = "EN-90000"  # Chase Side Primary (dt.chaseside), social worker sw.enfield
OWNER_ROLE = {"dt": "designated_teacher", "sw": "social_worker", "both": "designated_teacher"}
ACCOUNT = {("walsall", "designated_teacher"): "dt.oakfield", ("walsall", "social_worker"): "sw.aoife",
           ("walsall", "virtual_school"): "vs.walsall", ("enfield", "designated_teacher"): "dt.chaseside",
           ("enfield", "social_worker"): "sw.enfield", ("enfield", "virtual_school"): "vs.enfield"}


def _record(store_dir, child: str) -> dict:
    with Store.open(store_dir) as store:
        return store.require(child).record


def _post(client, child: str, what: str, **data):
    return client.post(f"/children/{child}/journey/{what}/", data)


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode("utf-8")))


def _complete_sections(client_for, store_dir, child: str, authority: str) -> None:
    for section in J.section_states(_record(store_dir, child)):
        role = OWNER_ROLE.get(section.owner)
        if role:
            response = _post(client_for(ACCOUNT[(authority, role)]), child, "sections", section=section.id,
                             action="complete")
            assert response.status_code == 302, _text(response)


def _submit(client_for, store_dir, child: str, authority: str) -> None:
    dt = client_for(ACCOUNT[(authority, "designated_teacher")])
    for move in ("mark_ready", "submit"):
        response = _post(dt, child, "move", move=move)
        assert response.status_code == 302, _text(response)


def test_child_page_shows_each_section_with_its_owner_and_only_the_owners_may_mark_it(client_for, journey_store):
    teacher = _text(client_for("dt.oakfield").get(f"/children/{WALSALL}/"))
    assert "The PEP's journey" in teacher
    assert "Not started" in teacher
    states = J.section_states(_record(journey_store, WALSALL))
    for section in states:
        assert section.heading in teacher
    assert teacher.count("Mark complete") == len([s for s in states if s.owner in ("dt", "both")])
    worker = _text(client_for("sw.aoife").get(f"/children/{WALSALL}/"))
    assert worker.count("Mark complete") == len([s for s in states if s.owner in ("sw", "both")])
    reader = _text(client_for("iro.walsall").get(f"/children/{WALSALL}/"))
    assert "Mark complete" not in reader
    assert "/journey/" not in reader


def test_marking_a_section_records_who_and_when_and_the_owner_may_reopen_it(client_for, journey_store):
    worker = client_for("sw.aoife")
    response = _post(worker, WALSALL, "sections", section="section_a", action="complete")
    assert response.status_code == 302
    assert response["Location"].endswith("#journey")
    mark = next(s for s in J.section_states(_record(journey_store, WALSALL)) if s.id == "section_a")
    assert mark.completed
    assert mark.completed_by == "sw.aoife"
    assert mark.completed_at
    page = _text(worker.get(f"/children/{WALSALL}/"))
    assert "is marked complete" in page
    assert "Complete, by sw.aoife" in page
    refused = _post(client_for("dt.oakfield"), WALSALL, "sections", section="section_a", action="reopen")
    assert refused.status_code == 409
    assert "JNY-00" in _text(refused)
    assert "completed by the social worker" in _text(refused)
    assert _post(client_for("sw.aoife"), WALSALL, "sections", section="section_a", action="reopen").status_code == 302
    assert not next(s for s in J.section_states(_record(journey_store, WALSALL)) if s.id == "section_a").completed


def test_a_move_its_rules_forbid_is_refused_naming_the_rule_and_changes_nothing(client_for, journey_store):
    before = _record(journey_store, WALSALL)
    refused = _post(client_for("dt.oakfield"), WALSALL, "move", move="mark_ready")
    text = _text(refused)
    assert refused.status_code == 409
    assert "JNY-01" in text
    assert "Not yet complete" in text
    assert "Guidance:" in text
    wrong_state = _post(client_for("dt.oakfield"), WALSALL, "move", move="submit")
    assert "JNY-06" in _text(wrong_state)
    wrong_role = _post(client_for("dt.oakfield"), WALSALL, "move", move="sign_off")
    assert wrong_role.status_code == 409
    assert "JNY-00" in _text(wrong_role)
    unknown = _post(client_for("dt.oakfield"), WALSALL, "move", move="fly")
    assert unknown.status_code == 409
    assert "Unknown move" in _text(unknown)
    assert _record(journey_store, WALSALL) == before
    with Store.open(journey_store) as store:
        assert store.journey(WALSALL) == []


def test_pages_and_actions_are_out_of_reach_of_other_schools_read_only_users_and_forged_posts(client_for,
                                                                                             journey_store):
    assert _post(client_for("dt.brookside"), WALSALL, "sections", section="section_b_school",
                 action="complete").status_code == 404
    assert _post(client_for("iro.walsall"), WALSALL, "move", move="start").status_code == 404
    assert _post(client_for("dt.oakfield"), WALSALL, "rate", overall="green").status_code == 404
    assert _post(client_for("vs.essex"), WALSALL, "move", move="send_back", reason="x").status_code == 404
    assert client_for("dt.oakfield").get("/qa/").status_code == 404
    assert client_for("dt.oakfield").get(f"/children/{WALSALL}/journey/move/").status_code == 405
    from django.contrib.auth.models import User
    from django.test import Client

    forged = Client(enforce_csrf_checks=True)
    forged.force_login(User.objects.get(username="sw.aoife"))
    assert _post(forged, WALSALL, "sections", section="section_a", action="complete").status_code == 403
    assert not next(s for s in J.section_states(_record(journey_store, WALSALL)) if s.id == "section_a").completed


def test_a_walsall_pep_goes_to_complete_through_three_roles_with_one_send_back(client_for, journey_store):
    _complete_sections(client_for, journey_store, WALSALL, "walsall")
    _submit(client_for, journey_store, WALSALL, "walsall")
    vs = client_for("vs.walsall")
    queue = _text(vs.get("/qa/"))
    assert WALSALL in queue
    assert ("Passes" in queue or "warning" in queue)
    home = _text(vs.get("/"))
    assert "To quality-assure" in home or "to quality-assure" in home.lower()
    assert WALSALL in home
    # sign-off before a rating is refused (JNY-03); a send-back needs a reason (JNY-02)
    assert "JNY-03" in _text(_post(vs, WALSALL, "move", move="sign_off"))
    assert _post(vs, WALSALL, "rate", overall="amber", section_section_b_targets="red",
                 feedback="Targets are not SMART.", actions="Give each target a date and a measure.").status_code == 302
    no_reason = _post(vs, WALSALL, "move", move="send_back", reason="  ")
    assert no_reason.status_code == 409
    assert "JNY-02" in _text(no_reason)
    reason = "The targets have no dates or measures."
    assert _post(vs, WALSALL, "move", move="send_back", reason=reason).status_code == 302
    record = _record(journey_store, WALSALL)
    assert record["pep"]["status"] == "review_again"
    assert record["qa"]["rejection_reason"] == reason
    assert {"section": "section_b_targets", "rating": "red"} in record["qa"]["section_ratings"]
    # the school sees why, and downloads the reply and a re-issued form holding what is written
    dt = client_for("dt.oakfield")
    page = _text(dt.get(f"/children/{WALSALL}/"))
    assert "Sent back for review" in page
    assert reason in page
    assert "Give each target a date" in page
    reply = dt.get(f"/children/{WALSALL}/journey/reply.pdf")
    assert reply.status_code == 200
    assert reply["Content-Disposition"].endswith('_reply.pdf"')
    reply_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(reply.streaming_content)
                                                                        if reply.streaming else reply.content)).pages)
    assert "targets have no dates or measures" in re.sub(r"\s+", " ", reply_text)
    text = dt.get(f"/children/{WALSALL}/journey/reply.txt").content.decode("utf-8")
    assert reason in text
    assert "Actions required: Give each target a date and a measure." in text
    form = dt.get(f"/children/{WALSALL}/journey/reply.form")
    values = {str(v.get("/V")) for v in PdfReader(io.BytesIO(form.content)).get_fields().values() if v.get("/V")}
    assert record["child"]["first_name"] in values
    assert "Sent back" in _text(dt.get("/")) or "sent back" in _text(dt.get("/")).lower()
    # put right and submitted again: rated afresh, then signed off; PP+ is released on the sign-off in Walsall
    _submit(client_for, journey_store, WALSALL, "walsall")
    assert "rating" not in _record(journey_store, WALSALL)["qa"]
    assert J.ppg_state(_record(journey_store, WALSALL))["released"] == "0.00"
    assert _post(vs, WALSALL, "rate", overall="green").status_code == 302
    done = _post(vs, WALSALL, "move", move="sign_off")
    assert done.status_code == 302
    record = _record(journey_store, WALSALL)
    assert record["pep"]["status"] == "complete"
    assert record["signoffs"]["virtual_school"]["final"] is True
    ppg = J.ppg_state(record)
    assert ppg["payment_status"] == "paid"
    assert ppg["released"] == ppg["requested"] != "0.00"
    page = _text(vs.get(f"/children/{WALSALL}/"))
    assert "You can now start next term's PEP" in page
    assert "Start next term's PEP" in page
    assert f"Released</dt><dd>£{ppg['released']}" in page
    with Store.open(journey_store) as store:
        steps = [(s["action"], s["from"], s["to"]) for s in store.journey(WALSALL) if s["action"] in J.bind(
            "walsall").moves]
    assert steps == [("mark_ready", "in_progress", "ready_to_submit"), ("submit", "ready_to_submit", "submitted"),
                     ("send_back", "submitted", "review_again"), ("mark_ready", "review_again", "ready_to_submit"),
                     ("submit", "ready_to_submit", "submitted"), ("sign_off", "submitted", "complete")]
    for label in ("Mark ready to submit", "Submit to the Virtual School", "Send back for review",
                  "Sign off (complete)", "Rated", "Section completed"):
        assert label in page
    # the children list filters by QA rating and by where the PEP is
    listed = _text(vs.get("/children/?qa=green"))
    assert WALSALL in listed
    assert "WS-90001" not in listed
    assert WALSALL not in _text(vs.get("/children/?journey=in_progress"))
    assert "WS-90001" in _text(vs.get("/children/?journey=in_progress"))
    # next term's PEP starts from this one; the chain shows both
    assert _post(vs, WALSALL, "next-term").status_code == 302
    chain = _text(vs.get(f"/children/{WALSALL}/"))
    assert "Next term's PEP" in chain
    assert record["pep"]["id"] in chain
    after = _record(journey_store, WALSALL)
    assert after["pep"]["status"] == "not_started"
    assert after["pep"]["previous_pep_id"] == record["pep"]["id"]
    assert after["pep"]["id"] in chain
    assert "Not started" in chain


def test_enfield_colours_each_section_by_its_owner_and_releases_pp_plus_only_on_sign_off(client_for, journey_store):
    css = client_for(None).get("/owners/enfield.css")
    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    body = css.content.decode()
    assert ".owner-dt { border-left: 0.5rem solid #B0182B; }" in body
    assert "#1F4E9A" in body
    assert "#6B2C91" in body
    assert client_for(None).get("/owners/walsall.css").status_code == 404
    assert client_for(None).get("/owners/nowhere.css").status_code == 404
    page = _text(client_for("dt.chaseside").get(f"/children/{ENFIELD}/"))
    assert '<link rel="stylesheet" href="/owners/enfield.css">' in page
    assert 'class="owner-badge owner-dt">Designated teacher' in page
    assert 'class="owner-badge owner-sw">Social worker' in page
    assert "/owners/" not in _text(client_for("dt.oakfield").get(f"/children/{WALSALL}/"))
    _submit(client_for, journey_store, ENFIELD, "enfield")
    vs = client_for("vs.enfield")
    assert _post(vs, ENFIELD, "rate", overall="green").status_code == 302
    assert J.ppg_state(_record(journey_store, ENFIELD))["released"] == "0.00"
    assert _post(vs, ENFIELD, "ppg", action="release").status_code == 409  # JNY-07: only by the sign-off
    signed = _post(vs, ENFIELD, "move", move="sign_off")
    assert signed.status_code == 302, re.findall(r"<li><span class=\"id\">.{0,300}", _text(signed))
    state = J.ppg_state(_record(journey_store, ENFIELD))
    assert state["payment_status"] == "paid"
    assert state["released"] != "0.00"


def test_home_pages_list_what_each_person_must_do_next(client_for, journey_store):
    worker = _text(client_for("sw.aoife").get("/"))
    assert "Your to-do list" in worker
    assert "Sections to complete" in worker
    assert WALSALL in worker
    teacher = _text(client_for("dt.oakfield").get("/"))
    assert "Your to-do list" in teacher
    assert WALSALL in teacher
    assert "WS-90001" not in teacher.split("PEPs overdue")[0]
    assert "Nothing to do today" in _text(client_for("vs.essex").get("/"))


def test_the_teacher_signs_off_their_part_on_the_page(client_for, journey_store):
    teacher = client_for("dt.oakfield")
    assert "Sign off my part" in _text(teacher.get(f"/children/{WALSALL}/"))
    assert _post(teacher, WALSALL, "sign").status_code == 302
    signed = _record(journey_store, WALSALL)["signoffs"]["designated_teacher"]
    assert signed["name"] == "dt.oakfield"
    page = _text(teacher.get(f"/children/{WALSALL}/"))
    assert "Your part is signed off" in page
    assert "Designated teacher: dt.oakfield," in re.sub(r"<[^>]+>", "", page)
    assert _post(client_for("vs.walsall"), WALSALL, "sign").status_code == 404
    assert _post(client_for("iro.walsall"), WALSALL, "sign").status_code == 404
