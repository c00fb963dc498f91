"""The PEP's journey in a real browser (Playwright, the Debian Chromium, axe-core on every page): a Walsall PEP goes
from not started to complete through the social worker, the designated teacher and the Virtual School, in three
sessions, with one send-back on the way, and PP+ shows as released only after the sign-off; Enfield's sections are
coloured by their owner (the computed style, from the owner stylesheet the CSP allows)."""

from __future__ import annotations

import re

import pytest
from test_browser import CHROMIUM, SHOTS, Visit, browser, server  # noqa: F401  (fixtures)
from webfixtures import client_for, journey_store, journey_template, web_store  # noqa: F401  (fixtures)

WALSALL = "WS-90000"
ENFIELD = "EN-90000"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is installed by `make` (.ci/system-deps)")]


def _click(v: Visit, name: str) -> None:
    """Press a button that posts a form, and wait for the page it leads to."""
    with v.page.expect_navigation():
        v.page.get_by_role("button", name=name, exact=True).first.click()


def _mark_my_sections(v: Visit) -> int:
    marked = 0
    buttons = v.page.get_by_role("button", name=re.compile(r"^Mark complete"))
    while buttons.count():
        with v.page.expect_navigation():
            buttons.first.click()
        marked += 1
        assert "is marked complete" in v.page.content()
    return marked


def _check(v: Visit, name: str) -> None:
    """The page's checks and screenshots, and one of the journey section alone (for the README)."""
    v.check(name)
    v.page.locator("#journey").screenshot(path=str(SHOTS / f"{name}-section.png"))


def _journey_text(v: Visit) -> str:
    return re.sub(r"\s+", " ", v.page.locator("#journey").inner_text())


def test_a_pep_goes_to_complete_through_three_people_with_one_send_back(browser, server, journey_store):
    sw = Visit(browser, server, "sw.aoife")
    sw.sign_in("sw.aoife")
    assert "Sections to complete" in sw.page.content()
    sw.go(f"/children/{WALSALL}/")
    assert "Status: Not started" in _journey_text(sw)
    _click(sw, "Start the PEP")
    assert "Status: In progress" in _journey_text(sw)
    assert _mark_my_sections(sw) == 3  # About the child, Section A, and the meeting (both)
    _check(sw, "journey-social-worker")
    assert "Submit to the Virtual School" not in sw.page.content() or "not yet" in _journey_text(sw)

    dt = Visit(browser, server, "dt.oakfield")
    dt.sign_in("dt.oakfield")
    dt.go(f"/children/{WALSALL}/")
    assert _mark_my_sections(dt) == 7
    _click(dt, "Mark ready to submit")
    _click(dt, "Submit to the Virtual School")
    assert "the PEP is now “Submitted”" in dt.page.content()
    _check(dt, "journey-submitted")

    vs = Visit(browser, server, "vs.walsall")
    vs.sign_in("vs.walsall")
    assert "PEPs to quality-assure" in vs.page.content()
    vs.go("/qa/", "qa-queue")
    with vs.page.expect_navigation():
        vs.page.get_by_role("link", name=re.compile("Amara")).first.click()
    text = _journey_text(vs)
    assert "Sign off (complete): not yet." in text
    assert "JNY-03" in text
    vs.page.get_by_label("Overall rating").select_option("amber")
    vs.page.locator("#rate-section_b_targets").select_option("red")
    vs.page.get_by_label("Feedback").fill("The targets are not SMART yet.")
    vs.page.get_by_label("Actions for the school and social worker").fill("Give each target a date and a measure.")
    _click(vs, "Save the rating")
    _check(vs, "journey-quality-assurance")
    vs.page.get_by_label("Reason (the school sees it)").fill("The targets have no dates or measures.")
    _click(vs, "Send back for review")
    assert "Review again" in _journey_text(vs)

    dt.go(f"/children/{WALSALL}/")
    text = _journey_text(dt)
    assert "Sent back for review" in text
    assert "The targets have no dates or measures." in text
    name, data = dt.download(dt.page.get_by_role("link", name="reply (PDF)"))
    assert name.endswith("_reply.pdf")
    assert data[:4] == b"%PDF"
    name, data = dt.download(dt.page.get_by_role("link", name=re.compile("re-issued form")))
    assert name.endswith("_pep_form_school.pdf")
    _check(dt, "journey-sent-back")
    _click(dt, "Mark ready to submit")
    _click(dt, "Submit to the Virtual School")

    vs.go(f"/children/{WALSALL}/")
    released = vs.page.locator(".ppg dt:text-is('Released') + dd")
    assert released.inner_text() == "£0.00"  # not before the sign-off
    vs.page.get_by_label("Overall rating").select_option("green")
    _click(vs, "Save the rating")
    _click(vs, "Sign off (complete)")
    text = _journey_text(vs)
    assert "Status: Complete" in text
    requested = vs.page.locator(".ppg dt:text-is('Requested') + dd").inner_text()
    assert released.inner_text() == requested != "£0.00"
    assert vs.page.get_by_role("button", name="Start next term's PEP").count() == 1
    history = vs.page.locator("table.history tbody tr")
    assert history.count() >= 10 + 2 + 2 + 2  # sections, two submissions, rating twice, send-back and sign-off
    _check(vs, "journey-signed-off")
    for visit in (sw, dt, vs):
        visit.close()


def test_enfield_sections_are_coloured_by_their_owner(browser, server, journey_store):
    v = Visit(browser, server, "dt.chaseside")
    v.sign_in("dt.chaseside")
    v.go(f"/children/{ENFIELD}/")
    _check(v, "journey-enfield")
    colour = v.page.evaluate("() => getComputedStyle(document.querySelector('tr.owner-dt')).borderLeftColor")
    assert colour == "rgb(176, 24, 43)"  # the seed's red for designated teachers (#B0182B)
    badge = v.page.evaluate("() => getComputedStyle(document.querySelector('.owner-badge.owner-sw'))"
                            ".backgroundColor")
    assert badge == "rgb(31, 78, 154)"  # blue for social workers (#1F4E9A)
    v.close()
