"""Real-browser tests: Playwright driving the Debian Chromium against `pep serve` (waitress) on this machine.
Every page visited: no console errors, no request off the server, axe-core (from npm, run in the page) with no
serious or critical violation, and screenshots at 1366×768 and 390×844 in output/screenshots/."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from clients.pypdf_fill import fill
from conftest import ROOT
from webfixtures import client_for, editable_field, web_store  # noqa: F401  (fixtures)

from generator.web.demo import DEMO_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "tests" / "clients" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "output" / "screenshots"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is installed by `make` (.ci/system-deps)")]


@pytest.fixture(scope="module")
def server(web_store):
    from django.core.wsgi import get_wsgi_application
    from waitress import create_server

    wsgi = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Visit:
    """A signed-in browser context that checks every page it shows."""

    def __init__(self, browser, base: str, who: str):
        self.base, self.who = base, who
        self.context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.offsite: list[str] = []
        self.expected_404 = False
        self.page.on("console", lambda m: m.type == "error" and not self.expected_404 and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: urlparse(r.url).netloc not in (urlparse(base).netloc, "")
                     and not r.url.startswith("data:") and self.offsite.append(r.url))

    def check(self, name: str) -> None:
        """axe-core in the page, then screenshots at both sizes."""
        page = self.page
        page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the test, so the page's CSP still holds
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
        assert not bad, (name, bad)
        SHOTS.mkdir(parents=True, exist_ok=True)
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 768})
        assert not self.errors, (name, self.errors)
        assert not self.offsite, (name, self.offsite)

    def go(self, path: str, name: str | None = None):
        self.page.goto(self.base + path)
        if name:
            self.check(name)

    def sign_in(self, username: str) -> None:
        self.go("/sign-in/", "sign-in" if username == "vs.walsall" else None)
        self.page.get_by_label("User name").fill(username)
        self.page.get_by_label("Password").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base + "/")

    def download(self, locator) -> tuple[str, bytes]:
        with self.page.expect_download() as info:
            locator.click()
        download = info.value
        return download.suggested_filename, Path(download.path()).read_bytes()

    def close(self) -> None:
        self.context.close()


def test_admin_generates_a_cohort_with_live_progress_and_downloads_a_school_zip(browser, server):
    v = Visit(browser, server, "vs.walsall")
    v.sign_in("vs.walsall")
    v.check("home-virtual-school")
    v.go("/children/", "children")
    v.go("/children/WS-90000/", "child-virtual-school")
    v.go("/due/", "due")
    v.go("/access-log/", "access-log")
    v.go("/users/", "accounts")
    v.go("/unmatched/", "unmatched")
    v.go("/blank/", "blank")
    v.go("/cohort/", "cohort")
    page = v.page
    page.get_by_label("What to generate").select_option("pep")
    page.get_by_label("Fillable form").check()
    page.get_by_label("Who the documents are for").select_option("school")
    page.get_by_role("button", name="Start generating").click()
    page.wait_for_url("**/cohort/*/")
    assert page.locator("progress#progress").count() == 1
    seen = set()
    for _ in range(300):  # the bar moves without a reload, then the page shows the zips
        if page.locator("ul.zips a").count():
            break
        seen.add(page.locator("progress#progress").get_attribute("value") or page.evaluate(
            "document.getElementById('progress') && document.getElementById('progress').value"))
        page.wait_for_timeout(200)
    assert page.locator("ul.zips a").count() >= 2, page.content()
    v.check("cohort-done")
    name, data = v.download(page.locator("ul.zips a", has_text="school_140123.zip"))
    assert name == "school_140123.zip"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "manifest.csv" in names
    forms = sorted(n for n in names if n.endswith("_pep_form_school.pdf"))
    assert [n.split("_")[2] for n in forms] == ["WS-90000", "WS-90003"]  # Oakfield's children only
    v.close()


def test_teacher_returns_a_filled_form_and_sees_it_accepted(browser, server, tmp_path):
    v = Visit(browser, server, "dt.oakfield")
    v.sign_in("dt.oakfield")
    v.check("home-designated-teacher")
    v.go("/children/WS-90003/", "child-designated-teacher")
    page = v.page
    name, data = v.download(page.locator("a[href='/children/WS-90003/download/form/school/']"))
    assert name.startswith("PEP_walsall_WS-90003_")
    assert name.endswith("_pep_form_school.pdf")
    spec = editable_field(data, "multiline")
    filled = tmp_path / "returned.pdf"
    filled.write_bytes(fill(data, {spec.name: "Filled in the browser test by the designated teacher"}))
    v.go("/returns/", "returns")
    page.get_by_label("Returned forms (PDF)").set_input_files(str(filled))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/returns/*/")
    assert "1 accepted" in page.content()
    v.check("upload-accepted")
    page.get_by_role("link", name="WS-90003").click()
    assert "Filled in the browser test by the designated teacher" in page.content()
    # an invalid return: its problems and the reply to download
    bad = editable_field(data, "date")
    invalid = tmp_path / "invalid.pdf"
    invalid.write_bytes(fill(data, {bad.name: "the 40th of Octember"}))
    v.go("/returns/")
    page.get_by_label("Returned forms (PDF)").set_input_files(str(invalid))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/returns/*/")
    assert "1 invalid" in page.content()
    v.check("upload-invalid")
    reply_name, reply = v.download(page.get_by_role("link", name="Reply listing the problems (PDF)"))
    assert reply_name.endswith("_reply.pdf")
    assert reply[:4] == b"%PDF"
    # another school's child is never shown, even by its address
    v.go("/children/")
    assert "WS-90001" not in page.content()
    v.expected_404 = True
    response = page.goto(server + "/children/WS-90001/")
    assert response.status == 404
    v.check("not-found")
    v.close()


def test_social_worker_downloads_the_pdfa_for_the_case_record(browser, server):
    v = Visit(browser, server, "sw.aoife")
    v.sign_in("sw.aoife")
    v.check("home-social-worker")
    v.go("/children/WS-90001/", "child-social-worker")
    name, data = v.download(v.page.locator("a[href='/children/WS-90001/download/pdf/record/']"))
    assert name.startswith("PEP_walsall_WS-90001_")
    assert name.endswith("_pep.pdf")
    assert data[:4] == b"%PDF"
    assert b"pdfaid" in data
    v.close()


def test_read_only_and_the_dashboard(browser, server):
    v = Visit(browser, server, "iro.walsall")
    v.sign_in("iro.walsall")
    v.check("home-read-only")
    v.go("/dashboard/")
    assert "Back to pep" in v.page.content()
    v.close()
