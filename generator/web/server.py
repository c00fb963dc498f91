"""Serving the application with waitress, a production WSGI server (not Django's development server)."""

from __future__ import annotations

from pathlib import Path


def application(store_dir: Path, **options):
    """The WSGI application for a store folder (Django configured in code, accounts database migrated)."""
    from .settings import configure

    configure(store_dir, **options)
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def serve(store_dir: Path, host: str, port: int, threads: int = 8, **options) -> None:
    from waitress import serve as waitress_serve

    app = application(store_dir, host=host, **options)
    waitress_serve(app, host=host, port=port, threads=threads, ident="pep", clear_untrusted_proxy_headers=True,
                   trusted_proxy=options.get("trusted_proxy"), trusted_proxy_headers={"x-forwarded-proto"}
                   if options.get("trusted_proxy") else set(), max_request_body_size=1100 * 1024 * 1024)
