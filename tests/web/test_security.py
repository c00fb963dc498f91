"""Sign-in, throttling, CSRF, headers, single sign-on through a proxy header, TLS-proxy settings, `pep user`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.test import Client, override_settings
from webfixtures import client_for, web_store  # noqa: F401  (fixtures)

from generator.web.demo import DEMO_PASSWORD


def test_sign_in_and_out(web_store):
    client = Client()
    response = client.post("/sign-in/", {"username": "vs.walsall", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/sign-out/").status_code == 200
    assert client.get("/").status_code == 302


def test_errors_are_tied_to_their_fields(web_store):
    page = Client().post("/sign-in/", {"username": "", "password": ""}).content.decode()
    assert 'aria-describedby="username-error"' in page
    assert 'id="username-error"' in page
    assert 'href="#password"' in page


def test_sign_in_is_throttled_after_repeated_failures(web_store):
    client = Client()
    for _ in range(5):
        assert client.post("/sign-in/", {"username": "dt.brookside", "password": "wrong"}).status_code == 400
    response = client.post("/sign-in/", {"username": "dt.brookside", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    from generator.web.models import SignInFailure

    SignInFailure.objects.all().delete()
    assert client.post("/sign-in/", {"username": "dt.brookside", "password": DEMO_PASSWORD}).status_code == 302


def test_csrf_is_required_on_every_form(web_store):
    from django.contrib.auth.models import User

    client = Client(enforce_csrf_checks=True)
    assert client.post("/sign-in/", {"username": "vs.walsall", "password": DEMO_PASSWORD}).status_code == 403
    client.force_login(User.objects.get(username="vs.walsall"))
    for url in ("/returns/", "/cohort/", "/users/", "/unmatched/", "/sign-out/"):
        response = client.post(url, {})
        assert response.status_code == 403, url
        assert "out of date" in response.content.decode()


def test_security_headers(client_for):
    response = client_for("vs.walsall").get("/children/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("style-src")[0]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    dashboard = client_for("vs.walsall").get("/dashboard/")
    assert "script-src 'self'" in dashboard["Content-Security-Policy"]


def test_cookies_are_http_only_and_secure_behind_tls(web_store, tmp_path):
    from generator.web.settings import build

    local = build(tmp_path, host="127.0.0.1")
    assert local["SESSION_COOKIE_HTTPONLY"]
    assert not local["SESSION_COOKIE_SECURE"]  # plain http on this machine only
    proxied = build(tmp_path, host="0.0.0.0", tls_proxy=True)
    assert proxied["SESSION_COOKIE_SECURE"]
    assert proxied["CSRF_COOKIE_SECURE"]
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxied["SECURE_HSTS_SECONDS"] >= 31536000
    assert build(tmp_path, host="pep.example.org")["SESSION_COOKIE_SECURE"]


def test_behind_a_tls_proxy_plain_http_is_redirected(web_store):
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_SSL_REDIRECT=True):
        assert Client().get("/sign-in/").status_code == 301
        response = Client().get("/sign-in/", HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 200
        assert "max-age" in response.get("Strict-Transport-Security", "max-age")


def test_single_sign_on_through_the_proxy_header(web_store):
    from django.conf import settings

    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                      "generator.web.middleware.ProxyUserMiddleware")
    with override_settings(MIDDLEWARE=middleware, PEP_REMOTE_USER_HEADER="X-Remote-User",
                           AUTHENTICATION_BACKENDS=["generator.web.middleware.ProxyUserBackend",
                                                    "django.contrib.auth.backends.ModelBackend"]):
        client = Client(HTTP_X_REMOTE_USER="sw.aoife")
        page = client.get("/")
        assert page.status_code == 200
        assert "sw.aoife" in page.content.decode()
        assert client.get("/children/WS-90003/").status_code == 404  # still scoped
        assert Client(HTTP_X_REMOTE_USER="nobody.known").get("/").status_code == 302  # never created implicitly


def test_pep_user_commands(web_store, invoke):
    result = invoke("user", "add", "sw.new", "--role", "social_worker", "--authority", "walsall", "--email",
                    "New.Worker@example.org", "--store", web_store, "--password-stdin",
                    input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    listed = json.loads(invoke("user", "list", "--json", "--store", web_store).stdout)
    assert {"username": "sw.new", "role": "social_worker", "authority": "walsall", "school_urn": "",
            "email": "new.worker@example.org", "active": True, "password": True} in listed
    bad = invoke("user", "add", "dt.x", "--role", "designated_teacher", "--authority", "walsall", "--store",
                 web_store)
    assert bad.exit_code == 1
    assert "URN" in bad.stderr
    assert invoke("user", "add", "x", "--role", "boss", "--authority", "walsall").exit_code == 2
    short = invoke("user", "set-password", "sw.new", "--password-stdin", "--store", web_store, input="short\n")
    assert short.exit_code == 1
    assert "too short" in short.stderr
    assert invoke("user", "disable", "sw.new", "--store", web_store).exit_code == 0
    assert Client().post("/sign-in/", {"username": "sw.new", "password": "a long enough passphrase"}
                         ).status_code == 400


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.mark.skipif(_pg_bin() is None, reason="PostgreSQL is not installed here (CI installs it: .ci/system-deps)")
def test_accounts_in_postgresql(tmp_path):
    """A throwaway PostgreSQL cluster on a unix socket; `pep user` and sign-in work with the accounts there."""
    bin_dir = _pg_bin()
    base = Path(tempfile.mkdtemp(prefix="pep-pg-"))  # outside pytest's owner-only folders, for the server's user
    data, sock = base / "pgdata", base / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as nobody
        for path in (base, sock):
            shutil.chown(path, "nobody")
        as_user = ["runuser", "-u", "nobody", "--"]
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "pep", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "pg.log"), "-o",
                    f"-k {sock} -c listen_addresses='' -p 54329", "start"], check=True, capture_output=True)
    try:
        subprocess.run([*as_user, str(bin_dir / "createdb"), "-h", str(sock), "-p", "54329", "-U", "pep", "pepweb"],
                       check=True, capture_output=True)
        store = tmp_path / "store"
        env = {**os.environ, "PEP_WEB_DATABASE_URL": f"postgresql://pep@/pepweb?host={sock}&port=54329"}
        pep = [sys.executable, "-m", "generator"]
        added = subprocess.run([*pep, "user", "add", "vs.pg", "--role", "virtual_school", "--authority", "walsall",
                                "--store", str(store), "--password-stdin"], input="a long enough passphrase\n",
                               env=env, capture_output=True, text=True)
        assert added.returncode == 0, added.stderr
        listed = subprocess.run([*pep, "user", "list", "--json", "--store", str(store)], env=env,
                                capture_output=True, text=True, check=True)
        assert json.loads(listed.stdout)[0]["username"] == "vs.pg"
        assert not (store / "pep-web.sqlite3").exists()  # the accounts are in PostgreSQL, not the store folder
        check = ("from generator.web.settings import configure; import pathlib; "
                 f"configure(pathlib.Path({str(store)!r})); "
                 "from django.test import Client; c = Client(); "
                 "r = c.post('/sign-in/', {'username': 'vs.pg', 'password': 'a long enough passphrase'}); "
                 "print(r.status_code, c.get('/').status_code)")
        signed = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True)
        assert signed.stdout.split() == ["302", "200"]
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
