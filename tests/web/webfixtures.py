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


# --- the journey: a store of PEPs being written, not yet submitted -------------------------------------------------

# (authority, number, status, sections already marked complete the day before the meeting, as Enfield wants them)
JOURNEY_CHILDREN = (("walsall", 0, "not_started", False), ("walsall", 1, "in_progress", False),
                    ("enfield", 0, "in_progress", True))
ENFIELD_ACCOUNTS = (("vs.enfield", "virtual_school", "virtual.school@enfield.example.org", ""),
                    ("dt.chaseside", "designated_teacher", "dt@chaseside.example.sch.uk", "102045"))


def journey_record(authority: str, number: int, status: str = "in_progress", marked: bool = False) -> dict:
    """An invented child whose PEP is being written (generator.web.demo.being_written), its data as the sample's
    (dates unshifted, so pep qa passes)."""
    from generator.web.demo import being_written, synthetic

    record = being_written(synthetic(authority, number, shift=False), marked)
    record["pep"]["status"] = status
    if record.get("targets"):  # the Enfield sample leaves career aspirations out on purpose (ENF-06): put right here
        record["targets"][0]["target"] += " She will also talk about the career she hopes for."
    return record


@pytest.fixture(scope="session")
def journey_template(web_store, tmp_path_factory):
    """A store of PEPs in progress (copied for each test), and the Enfield accounts that act on them."""
    from django.contrib.auth.models import User

    from generator.store.database import Store
    from generator.web.accounts import add
    from generator.web.demo import DEMO_PASSWORD

    folder = tmp_path_factory.mktemp("journey-template")
    with Store.open(folder, create=True, clock=lambda: "2026-11-23T09:00:00+00:00") as store:
        for authority, number, status, marked in JOURNEY_CHILDREN:
            store.put(journey_record(authority, number, status, marked), "import")
    enfield_sw = journey_record("enfield", 0)["people"]["social_worker"]["email"]
    for username, role, email, urn in (*ENFIELD_ACCOUNTS, ("sw.enfield", "social_worker", enfield_sw, "")):
        if not User.objects.filter(username=username).exists():
            add(username, role, "enfield", email=email, school_urn=urn, password=DEMO_PASSWORD)
    return folder


@pytest.fixture
def journey_store(journey_template, tmp_path):
    """A fresh copy of the journey store, which the site uses for this test only."""
    import shutil

    from django.test import override_settings

    folder = tmp_path / "journey-store"
    shutil.copytree(journey_template, folder)
    with override_settings(PEP_STORE=folder):
        yield folder
