"""A configured `pep serve` application over a store of invented children, shared by the web tests (imported by
each test module: a second conftest.py would shadow the top-level one that other tests import)."""

from __future__ import annotations

import pytest

ACCOUNTS = ("vs.walsall", "dt.oakfield", "dt.brookside", "sw.aoife", "iro.walsall", "vs.essex")


@pytest.fixture(scope="session")
def web_store(tmp_path_factory):
    """Django configured once for the session on a store of 6 Walsall and 6 Essex children, with demo accounts."""
    from generator.signing.keys import new_key
    from generator.web.demo import DEMO_AS_OF, demo_accounts, fill_store
    from generator.web.settings import configure

    store = tmp_path_factory.mktemp("web-store")
    fill_store(store, 6, ("walsall", "essex"))
    key_file = store / "keys.json"
    new_key(key_file)
    configure(store, key_file=key_file, as_of=DEMO_AS_OF)
    demo_accounts()
    return store


@pytest.fixture
def client_for(web_store):
    """A test client signed in as a demo account."""
    from django.contrib.auth.models import User
    from django.test import Client

    def make(username: str | None) -> Client:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        return client

    return make


def editable_field(data: bytes, widget: str):
    """The first field of a form that a school may type into, of the given widget (text or multiline only)."""
    from data_schemas import field_info
    from generator.ingest.fields import read_form

    for spec in read_form(data).manifest.fields:
        info = field_info(spec.path)
        if not spec.readonly and spec.type in ("text", "multiline") and info and info.widget == widget \
                and not info.derived:
            return spec
    raise AssertionError(f"no editable {widget} field")
