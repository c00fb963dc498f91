"""`pep serve`: the web application for the virtual school, designated teachers and social workers."""

from __future__ import annotations

from pathlib import Path

import click

from ..store.database import STORE_ENV, default_store_dir
from .common import say


@click.command("serve")
@click.option("--store", "store_dir", type=click.Path(path_type=Path, file_okay=False), envvar=STORE_ENV,
              help="The store folder: children's records, and the accounts database (default: $PEP_STORE, else "
                   "./pep-store).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--demo", is_flag=True, help="Fill the store with invented children and demo accounts (printed "
                                           "here) on first start; signs forms with a demo key in the store folder.")
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Signing keys for forms (default: $PEP_KEY_FILE or ~/.config/pep/keys.json).")
@click.option("--database-url", envvar="PEP_WEB_DATABASE_URL",
              help="Accounts database, e.g. postgresql://pep@/pep?host=/run/postgresql (default: SQLite in the "
                   "store folder; also $PEP_WEB_DATABASE_URL).")
@click.option("--tls-proxy", is_flag=True, envvar="PEP_WEB_TLS_PROXY",
              help="Behind a TLS proxy that sets X-Forwarded-Proto: secure cookies, HSTS, https only.")
@click.option("--trusted-proxy", help="The proxy's address, whose X-Forwarded-Proto waitress believes.")
@click.option("--remote-user-header", envvar="PEP_WEB_REMOTE_USER_HEADER",
              help="Single sign-on: the proxy's authenticated-user header, e.g. X-Remote-User.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
def command(store_dir, host, port, demo, key_file, database_url, tls_proxy, trusted_proxy, remote_user_header,
            threads):
    """Serve the web application on HOST:PORT with waitress.

    \b
    Example:
      pep serve --demo
      pep serve --store /srv/pep-store --host 0.0.0.0 --tls-proxy --trusted-proxy 10.0.0.2
    """
    from ..web import server
    from ..web.settings import configure

    store_dir = store_dir or default_store_dir()
    options = {"database_url": database_url, "tls_proxy": tls_proxy or None,
               "remote_user_header": remote_user_header}
    if demo:
        from ..signing.keys import demo_key_file, ensure_demo_key
        from ..web.demo import DEMO_AS_OF, DEMO_PASSWORD, demo_accounts, fill_store, stage_journeys

        ensure_demo_key(store_dir)
        key_file = key_file or demo_key_file(store_dir)
        options["as_of"] = DEMO_AS_OF
        if not (store_dir / "pep-store.sqlite3").exists():
            say(f"Demo: {fill_store(store_dir, 12)} invented children put in {store_dir}; "
                f"{stage_journeys(store_dir, 12)} of them moved along their PEP's journey.")
        configure(store_dir, host=host, key_file=key_file, **options)
        say(f"Demo accounts (password {DEMO_PASSWORD}):")
        for username, role in demo_accounts():
            say(f"  {username:<14} {role}")
        say(f"Due dates are counted from {DEMO_AS_OF}.")
    say(f"pep serve: http://{host}:{port}/ (store {store_dir}); Ctrl-C stops.")
    server.serve(store_dir, host, port, threads, key_file=key_file, trusted_proxy=trusted_proxy, **options)
