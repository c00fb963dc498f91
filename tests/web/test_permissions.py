"""The permission matrix: every role × every page and download kind × a child in and out of scope → allowed or 404
(never 403), including ids guessed by hand."""

from __future__ import annotations

import pytest
from webfixtures import client_for, web_store  # noqa: F401  (fixtures)

from generator.web.library import DOWNLOADS

# Invented children (generator/web/demo.py): school by number % 3, social worker by (number // 3) % 2
#   WS-90000 Oakfield (140123), Aoife   WS-90001 Brookside (140456), Aoife   WS-90002 Hillcrest, Aoife
#   WS-90003 Oakfield, Tomasz           WS-90004 Brookside, Tomasz          WS-90005 Hillcrest, Tomasz
SCOPE = {
    "vs.walsall": {"WS-90000", "WS-90001", "WS-90002", "WS-90003", "WS-90004", "WS-90005"},
    "iro.walsall": {"WS-90000", "WS-90001", "WS-90002", "WS-90003", "WS-90004", "WS-90005"},
    "dt.oakfield": {"WS-90000", "WS-90003"},
    "dt.brookside": {"WS-90001", "WS-90004"},
    "sw.aoife": {"WS-90000", "WS-90001", "WS-90002"},
    "vs.essex": {"EX-90000", "EX-90001", "EX-90002", "EX-90003", "EX-90004", "EX-90005"},
}
ROLE = {"vs.walsall": "virtual_school", "iro.walsall": "read_only", "dt.oakfield": "designated_teacher",
        "dt.brookside": "designated_teacher", "sw.aoife": "social_worker", "vs.essex": "virtual_school"}
CHILDREN = ["WS-90000", "WS-90001", "WS-90003", "WS-90005", "EX-90000", "WS-99999", "ws-90000", "..%2f..%2fetc"]
KINDS = [(fmt, audience) for fmt in ("docx", "pdf", "form") for audience in ("record", "school", "carer", "child")]


def test_the_scope_is_what_the_records_say(client_for):
    from django.contrib.auth.models import User

    from generator.web.library import visible

    for username, expected in SCOPE.items():
        assert {c.id for c in visible(User.objects.get(username=username))} == expected, username


@pytest.mark.parametrize("username", list(SCOPE))
def test_child_pages_allow_or_404(client_for, username):
    client = client_for(username)
    for child in CHILDREN:
        response = client.get(f"/children/{child}/")
        assert response.status_code == (200 if child in SCOPE[username] else 404), (username, child)
        if response.status_code == 200:
            assert child.encode() in response.content


@pytest.mark.parametrize("username", list(SCOPE))
def test_every_download_kind_allow_or_404(client_for, username):
    client = client_for(username)
    inside = sorted(SCOPE[username])[0]
    outside = "EX-90000" if inside.startswith("WS") else "WS-90000"
    formats, audiences = DOWNLOADS[ROLE[username]]
    for fmt, audience in KINDS:
        allowed = fmt in formats and audience in audiences
        response = client.get(f"/children/{inside}/download/{fmt}/{audience}/")
        assert response.status_code == (200 if allowed else 404), (username, inside, fmt, audience)
        if allowed:
            name = response["Content-Disposition"].split('"')[1]
            suffix = "" if audience == "record" else f"_{audience}"
            assert name.startswith(f"PEP_{'walsall' if inside.startswith('WS') else 'essex'}_{inside}_")
            assert name.endswith(f"{'_form' if fmt == 'form' else ''}{suffix}.{'docx' if fmt == 'docx' else 'pdf'}")
            assert response.content[:4] in (b"%PDF", b"PK\x03\x04")
        for child in (outside, "WS-99999"):
            assert client.get(f"/children/{child}/download/{fmt}/{audience}/").status_code == 404
    assert client.get(f"/children/{inside}/download/exe/record/").status_code == 404
    assert client.get(f"/children/{inside}/download/pdf/everyone/").status_code == 404


ROLE_PAGES = {
    "/": set(ROLE.values()), "/children/": set(ROLE.values()), "/blank/": set(ROLE.values()),
    "/due/": set(ROLE.values()), "/due.ics": set(ROLE.values()), "/dashboard/": set(ROLE.values()),
    "/returns/": {"virtual_school", "designated_teacher", "social_worker"},
    "/cohort/": {"virtual_school"}, "/access-log/": {"virtual_school"}, "/users/": {"virtual_school"},
    "/cohort/999/": {"none"}, "/cohort/999/status.json": {"none"}, "/returns/999/": {"none"},
    "/returns/999/0/reply.pdf": {"none"}, "/unmatched/": {"virtual_school"},
}


@pytest.mark.parametrize("username", list(SCOPE))
def test_pages_by_role(client_for, username):
    client = client_for(username)
    for url, roles in ROLE_PAGES.items():
        assert client.get(url).status_code == (200 if ROLE[username] in roles else 404), (username, url)


def test_signed_out_users_are_sent_to_sign_in(client_for):
    client = client_for(None)
    for url in ["/", "/children/", "/children/WS-90000/", "/children/WS-90000/download/pdf/record/", "/cohort/",
                "/due.ics", "/dashboard/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/sign-in/?next="), url


def test_blank_downloads_by_role(client_for):
    vs, dt, ro = client_for("vs.walsall"), client_for("dt.oakfield"), client_for("iro.walsall")
    response = vs.get("/blank/pep/form/school/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="PEP_walsall_blank_pep_form_school.pdf"'
    assert dt.get("/blank/pep/form/record/").status_code == 404  # a teacher gets the school's copy only
    assert dt.get("/blank/views-primary/form/school/").status_code == 200
    assert ro.get("/blank/pep/form/record/").status_code == 404
    assert vs.get("/blank/pep1/pdf/record/").status_code == 404  # Essex's variant is not Walsall's


def test_the_children_list_filters_and_searches(client_for):
    client = client_for("vs.walsall")
    page = client.get("/children/?school=140123").content.decode()
    assert "WS-90000" in page
    assert "WS-90003" in page
    assert "WS-90001" not in page
    page = client.get("/children/?q=ws-90004").content.decode()
    assert "1 child found" in page
    page = client.get("/children/?due=overdue&rag=none&stage=draft&key_stage=KS3&page=abc").content.decode()
    assert "found" in page
    teacher = client_for("dt.oakfield").get("/children/?school=140456").content.decode()
    assert "0 children found" in teacher  # another school's filter shows nothing


def test_every_access_is_logged_with_ids_only(client_for):
    from generator.web.models import AccessEntry

    client_for("sw.aoife").get("/children/WS-90001/download/pdf/record/")
    entry = AccessEntry.objects.filter(username="sw.aoife", action="download").first()
    assert entry.child == "WS-90001"
    assert entry.what.startswith("pdf pep record")
    log = client_for("vs.walsall").get("/access-log/?child=WS-90001").content.decode()
    assert "sw.aoife" in log
    assert "WS-90001" in log
    assert "sw.aoife" not in client_for("vs.essex").get("/access-log/").content.decode()


def test_a_childs_versions_show_their_time_in_london(client_for):
    page = client_for("vs.walsall").get("/children/WS-90000/").content.decode()
    assert '<time datetime="2026-11-23T09:00:00+00:00">23 Nov 2026, 09:00</time>' in page
    assert "T09:00:00+00:00:" not in page  # never the raw ISO string as the visible text
