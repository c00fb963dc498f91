"""Django settings built in code from the store folder and a few options, so nobody juggles a settings module.

Environment (all optional; each has a `pep serve` option too):
  PEP_WEB_DATABASE_URL        accounts database, e.g. postgresql://pep@/pep?host=/run/postgresql (default: SQLite
                              `pep-web.sqlite3` in the store folder)
  PEP_WEB_TLS_PROXY=1         behind a TLS-terminating proxy that sets X-Forwarded-Proto: secure cookies, HSTS,
                              redirect to https
  PEP_WEB_REMOTE_USER_HEADER  single sign-on: the proxy's authenticated-user header, e.g. X-Remote-User
  PEP_WEB_ALLOWED_HOSTS       comma-separated host names the site answers to (default: the --host and localhost)
  PEP_WEB_SECRET_KEY          the session-signing secret (default: made once, kept owner-only in the store folder)
  PEP_WEB_AS_OF               count due dates from this date instead of today (demos and tests)
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from ..core.errors import UsageError
from ..core.writer import write_atomic

WEB_DB = "pep-web.sqlite3"
SECRET_FILE = ".pep-web-secret"
MAX_UPLOAD_FILES = 100
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # per file, as `pep ingest` reads at most
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _secret(store_dir: Path) -> str:
    if os.environ.get("PEP_WEB_SECRET_KEY"):
        return os.environ["PEP_WEB_SECRET_KEY"]
    path = store_dir / SECRET_FILE
    if not path.exists():
        store_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, secrets.token_urlsafe(50).encode())
        os.chmod(path, 0o600)
    return path.read_text(encoding="utf-8").strip()


def database_from_url(url: str | None, store_dir: Path) -> dict:
    """Django's DATABASES['default'] from a URL (postgresql://user:password@host:port/name?host=/socket)."""
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(store_dir / WEB_DB),
                "OPTIONS": {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"}}
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "sqlite"):
        raise UsageError(f"PEP_WEB_DATABASE_URL: use postgresql://… or sqlite:///path, not {parsed.scheme}://.")
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path)}
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    return {"ENGINE": "django.db.backends.postgresql", "NAME": unquote(parsed.path.lstrip("/")) or "pep",
            "USER": unquote(parsed.username or ""), "PASSWORD": unquote(parsed.password or ""),
            "HOST": query.pop("host", parsed.hostname or ""), "PORT": str(parsed.port or query.pop("port", "")),
            "CONN_MAX_AGE": 60, "OPTIONS": query}


def _as_of(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise UsageError(f"PEP_WEB_AS_OF {value!r} is not a date (use YYYY-MM-DD).") from err


def build(store_dir: Path, *, host: str = "127.0.0.1", database_url: str | None = None, tls_proxy: bool | None = None,
          remote_user_header: str | None = None, key_file: Path | None = None, as_of: str | None = None,
          debug: bool = False) -> dict:
    """Every Django setting for a store folder."""
    env = os.environ
    store_dir = Path(store_dir).resolve()
    tls = tls_proxy if tls_proxy is not None else env.get("PEP_WEB_TLS_PROXY", "") not in ("", "0")
    header = remote_user_header or env.get("PEP_WEB_REMOTE_USER_HEADER") or None
    hosts = [h.strip() for h in env.get("PEP_WEB_ALLOWED_HOSTS", "").split(",") if h.strip()]
    hosts = hosts or sorted({host, "localhost", "127.0.0.1", "[::1]", "testserver"})
    middleware = [
        "django.middleware.security.SecurityMiddleware",
        "generator.web.middleware.security_headers",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    backends = ["django.contrib.auth.backends.ModelBackend"]
    if header:
        middleware.insert(middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                          "generator.web.middleware.ProxyUserMiddleware")
        backends.insert(0, "generator.web.middleware.ProxyUserBackend")
    settings = {
        "DEBUG": debug,
        "SECRET_KEY": _secret(store_dir),
        "ALLOWED_HOSTS": hosts,
        "ROOT_URLCONF": "generator.web.urls",
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                           "generator.web.apps.PepWebConfig"],
        "MIDDLEWARE": middleware,
        "AUTHENTICATION_BACKENDS": backends,
        "DATABASES": {"default": database_from_url(database_url or env.get("PEP_WEB_DATABASE_URL"), store_dir)},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "TEMPLATES": [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                       "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                          "django.contrib.auth.context_processors.auth",
                                                          "generator.web.views.nav_context"]}}],
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.Argon2PasswordHasher",
                             "django.contrib.auth.hashers.PBKDF2PasswordHasher"],
        "AUTH_PASSWORD_VALIDATORS": [
            {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
            {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
            {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"}],
        "LOGIN_URL": "/sign-in/",
        "LOGIN_REDIRECT_URL": "/",
        "USE_TZ": True,
        "TIME_ZONE": "Europe/London",
        "LANGUAGE_CODE": "en-gb",
        "USE_I18N": False,
        # cookies and sessions
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_AGE": 8 * 3600,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_COOKIE_NAME": "pep_session",
        "CSRF_COOKIE_NAME": "pep_csrf",
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_SECURE": tls or host not in LOOPBACK,
        "CSRF_COOKIE_SECURE": tls or host not in LOOPBACK,
        "CSRF_FAILURE_VIEW": "generator.web.views.csrf_failure",
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        # uploads: kept in memory up to the per-file limit, never written where they could be served
        "DATA_UPLOAD_MAX_NUMBER_FILES": MAX_UPLOAD_FILES + 1,
        "FILE_UPLOAD_MAX_MEMORY_SIZE": MAX_UPLOAD_BYTES,
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 2 * 1024 * 1024,
        "FILE_UPLOAD_TEMP_DIR": str(store_dir / ".uploads"),
        "FILE_UPLOAD_PERMISSIONS": 0o600,
        "LOGGING": _logging(),
        # pep's own
        "PEP_STORE": store_dir,
        "PEP_KEY_FILE": Path(key_file) if key_file else None,
        "PEP_AS_OF": _as_of(as_of or env.get("PEP_WEB_AS_OF")),
        "PEP_REMOTE_USER_HEADER": header,
        "PEP_MAX_UPLOAD_FILES": MAX_UPLOAD_FILES,
        "PEP_MAX_UPLOAD_BYTES": MAX_UPLOAD_BYTES,
    }
    if tls:
        settings.update({"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"), "SECURE_SSL_REDIRECT": True,
                         "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
                         "USE_X_FORWARDED_HOST": False,
                         "CSRF_TRUSTED_ORIGINS": [f"https://{h}" for h in hosts if h != "testserver"]})
    return settings


def _logging() -> dict:
    """Requests are logged by path and status only (paths carry ids, never names); nothing else about a child."""
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
            "loggers": {"django": {"handlers": ["stderr"], "level": "WARNING"},
                        "pep.web": {"handlers": ["stderr"], "level": "INFO"}}}


def configure(store_dir: Path, **options) -> None:
    """Configure and set up Django for this process (once), then bring the accounts database up to date."""
    import django
    from django.conf import settings

    if not settings.configured:
        built = build(store_dir, **options)
        Path(built["FILE_UPLOAD_TEMP_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)  # large uploads spool here
        settings.configure(**built)
        django.setup()
    migrate()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
