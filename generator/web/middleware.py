"""Security headers on every response, and single sign-on through a TLS proxy's authenticated-user header."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import PersistentRemoteUserMiddleware

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'{inline}; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def security_headers(get_response):
    """A Content Security Policy with no inline script and nothing from elsewhere; no caching of pages about
    children; no browser features the site does not use."""

    def middleware(request):
        response = get_response(request)
        inline = " 'unsafe-inline'" if getattr(response, "pep_inline_styles", False) else ""
        response.headers.setdefault("Content-Security-Policy", CSP.format(inline=inline))
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    return middleware


class ProxyUserMiddleware(PersistentRemoteUserMiddleware):
    """Signs in the user the council's proxy names in its header (PEP_WEB_REMOTE_USER_HEADER, e.g. X-Remote-User).
    The account must exist (`pep user add`) and be active; an unknown name is not signed in. The session persists,
    so pages and downloads work as for a password sign-in."""

    @property
    def header(self) -> str:
        name = settings.PEP_REMOTE_USER_HEADER or "REMOTE_USER"
        return name if name == "REMOTE_USER" else "HTTP_" + name.upper().replace("-", "_")


class ProxyUserBackend(RemoteUserBackend):
    create_unknown_user = False  # accounts are made with `pep user add` or by the virtual school, never implicitly
