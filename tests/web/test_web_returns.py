"""Returned forms uploaded in the browser: accepted, invalid (reply and re-issued form), rejected, duplicate,
out of scope, limits."""

from __future__ import annotations

from clients.pypdf_fill import fill
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from webfixtures import client_for, editable_field, web_store  # noqa: F401  (fixtures)


def _form(client, child: str) -> bytes:
    response = client.get(f"/children/{child}/download/form/school/")
    assert response.status_code == 200
    return response.content


def _upload(client, *files: tuple[str, bytes]):
    return client.post("/returns/", {"forms": [SimpleUploadedFile(n, d, "application/pdf") for n, d in files]},
                       follow=True)


def test_a_teacher_returns_a_filled_form_and_the_child_page_shows_the_change(client_for):
    teacher = client_for("dt.oakfield")
    data = _form(teacher, "WS-90003")
    spec = editable_field(data, "multiline")
    filled = fill(data, {spec.name: "Typed by the school in the web test"})
    page = _upload(teacher, ("filled.pdf", filled)).content.decode()
    assert "1 accepted" in page
    assert "WS-90003" in page
    child = teacher.get("/children/WS-90003/").content.decode()
    assert "Typed by the school in the web test" in child
    assert spec.path in child  # the version's audit: field from → to
    assert "dt.oakfield" in child  # who uploaded it
    again = _upload(teacher, ("same-again.pdf", filled)).content.decode()
    assert "already uploaded before" in again
    assert "Duplicate" in again


def test_an_invalid_return_shows_its_problems_and_the_reply_to_download(client_for):
    teacher = client_for("dt.oakfield")
    data = _form(teacher, "WS-90000")
    spec = editable_field(data, "date")
    page = _upload(teacher, ("invalid.pdf", fill(data, {spec.name: "next Tuesday"}))).content.decode()
    assert "1 invalid" in page
    assert "next Tuesday" not in page or "date" in page.lower()
    from generator.web.models import UploadedFile

    row = UploadedFile.objects.filter(filename="invalid.pdf").latest("pk")
    assert row.status == "invalid"
    assert row.problems
    for kind in ("reply", "reissued"):
        response = teacher.get(f"/returns/{row.upload.pk}/{row.position}/{kind}.pdf")
        assert response.status_code == 200
        assert response.content[:4] == b"%PDF"
    # someone else cannot fetch it, even by guessing the address
    assert client_for("vs.walsall").get(f"/returns/{row.upload.pk}/{row.position}/reply.pdf").status_code == 404


def test_rejected_and_out_of_scope_returns(client_for):
    other = client_for("dt.brookside")
    form = _form(client_for("dt.oakfield"), "WS-90000")
    page = _upload(other, ("not-a-pdf.pdf", b"hello"), ("oakfield-child.pdf", form)).content.decode()
    assert "2 rejected" in page
    assert "do not have access" in page
    assert "WS-90000" not in page


def test_upload_limits_and_empty_uploads(client_for):
    teacher = client_for("dt.oakfield")
    response = teacher.post("/returns/", {})
    assert response.status_code == 400
    assert "Choose at least one" in response.content.decode()
    with override_settings(PEP_MAX_UPLOAD_FILES=1):
        response = teacher.post("/returns/", {"forms": [SimpleUploadedFile(f"{i}.pdf", b"%PDF") for i in range(2)]})
    assert response.status_code == 400
    assert "at most 1 at a time" in response.content.decode()
    with override_settings(PEP_MAX_UPLOAD_BYTES=3):
        response = teacher.post("/returns/", {"forms": [SimpleUploadedFile("big.pdf", b"%PDF-1.7")]})
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_a_read_only_user_cannot_upload(client_for):
    response = client_for("iro.walsall").post("/returns/", {"forms": [SimpleUploadedFile("a.pdf", b"%PDF")]})
    assert response.status_code == 404
