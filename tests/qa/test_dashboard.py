"""The cohort dashboard: its figures, and the page in a real headless browser (no console errors, no network)."""

from __future__ import annotations

import base64
import contextlib
import copy
import datetime as dt
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SAMPLES, load_sample

from generator.qa.dashboard import build, render
from generator.qa.due import load_cohort

AS_OF = dt.date(2026, 5, 8)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--remote-debugging-pipe"]


def write_json(path: Path, data) -> Path:
    """A record as JSON, numbers with a fraction (Decimal when read) written as numbers."""
    path.write_text(json.dumps(data, ensure_ascii=False, default=float), encoding="utf-8")
    return path


def sample_cohort():
    return load_cohort([p for p in sorted(SAMPLES.iterdir()) if p.is_dir() and p.name != "invalid"])


# --- figures ------------------------------------------------------------------------------------------------------


def test_figures_of_the_sample_cohort():
    data = build(sample_cohort(), AS_OF)
    records = [p for p in SAMPLES.glob("*/*.json") if p.parent.name != "invalid" and not p.stem.startswith("views")]
    assert data["records"] == len(records)
    assert sum(data["due"]["counts"].values()) >= data["children"]
    assert data["qa"]["verdicts"]["send back"] == sum(1 for r in data["qa"]["results"] if r.errors)
    assert data["roni"]["ratings"]["Amber"] >= 1  # Walsall's sample child is rated amber
    assert data["ppg"]["totals"]["released"] <= data["ppg"]["totals"]["requested"]


def test_ppg_released_is_shared_over_categories(tmp_path):
    record = copy.deepcopy(load_sample("walsall", "pep"))
    record["ppg"]["approved_amount"] = "315.00"  # half of the £630 requested
    write_json(tmp_path / "w.json", record)
    rows = build(load_cohort([tmp_path]), AS_OF)["ppg"]["rows"]
    assert {r["category"]: (r["requested"], r["released"]) for r in rows} == {
        "Mentoring": (Decimal("150.00"), Decimal("75.00")),
        "Small-group intervention": (Decimal("480.00"), Decimal("240.00"))}
    record["signoffs"].pop("virtual_school")  # not signed off: nothing released yet
    write_json(tmp_path / "w.json", record)
    assert build(load_cohort([tmp_path]), AS_OF)["ppg"]["totals"]["released"] == 0


def test_page_is_self_contained_and_escaped(tmp_path):
    record = copy.deepcopy(load_sample("walsall", "pep"))
    record["targets"][0]["target"] = "<script>alert(1)</script>"
    write_json(tmp_path / "x<y>.json", record)
    html = render(load_cohort([tmp_path]), AS_OF)
    assert "<script" not in html
    assert "x&lt;y&gt;.json" in html
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "Content-Security-Policy" in html
    assert html.count("<svg") >= 3


def test_report_command(invoke, tmp_path):
    out = tmp_path / "dash.html"
    result = invoke("report", SAMPLES / "walsall", SAMPLES / "enfield", "-o", out, "--as-of", "2026-05-08")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert invoke("report", SAMPLES / "walsall", "-o", out, "--as-of", "2026-05-09").exit_code == 1  # differs
    bad = invoke("report", SAMPLES / "invalid", "-o", tmp_path / "b.html", "--as-of", "2026-05-08")
    assert bad.exit_code == 1
    assert "left out" in bad.stderr


# --- in a real browser --------------------------------------------------------------------------------------------


class Browser:
    """Chromium driven over the DevTools protocol on a pipe (fds 3 and 4): no websocket, no port."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="pep-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        command = f'exec "$0" "$@" 3<&{to_child_r} 4>&{from_child_w}'
        self.proc = subprocess.Popen(["bash", "-c", command, CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}",
                                      "about:blank"], pass_fds=(to_child_r, from_child_w),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buffer, self.events, self.next_id = b"", [], 0

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_child], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self.from_child, 65536)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)

    def close(self):
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_child)
        os.close(self.from_child)
        shutil.rmtree(self.profile, ignore_errors=True)


def open_page(path: Path, screenshot: Path | None = None) -> dict:
    """Load a file in headless Chromium; return console errors, failed requests, facts about the DOM."""
    browser = Browser()
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1,
                                                            "mobile": False}, session=session)
        browser.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        facts = browser.send("Runtime.evaluate", {"returnByValue": True, "expression": (
            "JSON.stringify({title: document.title, svgs: document.querySelectorAll('svg').length, "
            "resources: performance.getEntriesByType('resource').map(e => e.name), "
            "h2: [...document.querySelectorAll('h2')].map(h => h.textContent.trim()), "
            "height: document.documentElement.scrollHeight})")}, session=session)
        if screenshot is not None:
            shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                                session=session)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        time.sleep(0.2)
        errors = [e for e in browser.events if _is_error(e)]
        return {"errors": errors, **json.loads(facts["result"]["value"])}
    finally:
        browser.close()


def _is_error(event: dict) -> bool:
    method, params = event.get("method"), event.get("params") or {}
    if method == "Runtime.exceptionThrown" or method == "Network.loadingFailed":
        return True
    if method == "Runtime.consoleAPICalled":
        return params.get("type") in ("error", "assert")
    if method == "Log.entryAdded":
        return params.get("entry", {}).get("level") == "error"
    return False


needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


@pytest.mark.slow
@needs_chromium
def test_dashboard_in_headless_chromium(tmp_path):
    page = tmp_path / "dashboard.html"
    page.write_text(render(sample_cohort(), AS_OF), encoding="utf-8")
    shot = Path(os.environ.get("PEP_DASHBOARD_SCREENSHOT") or tmp_path / "dashboard.png")
    facts = open_page(page, shot)
    assert facts["errors"] == []
    assert facts["resources"] == []  # nothing fetched: the page is self-contained
    assert facts["svgs"] >= 4
    assert facts["h2"][:4] == ["When PEPs are due", "Quality assurance findings",
                               "Risk of NEET (RONI), key stages 3 and 4", "Pupil Premium Plus"]
    assert shot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
@needs_chromium
def test_the_browser_check_can_fail(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><head><title>x</title></head><body>"
                    "<script>console.error('broken'); undefinedFunction();</script></body></html>", encoding="utf-8")
    facts = open_page(page)
    assert len(facts["errors"]) >= 2
