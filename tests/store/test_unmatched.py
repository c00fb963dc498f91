"""Returned blank forms: matched to a child by social care id or by name and date of birth (never by name alone),
kept as `unmatched` with their file when nobody matches, and assigned by the virtual school later."""

from __future__ import annotations

import hashlib
import json

import pytest
from clients.formkit import KEY, build_form, identity

from generator.signing.manifest import FieldSpec
from generator.store.database import Store, StoreError, name_key

CHILD = "WSL-000123"
BASE = {"pep": {"authority": "walsall", "variant": "views-primary"},
        "child": {"social_care_id": CHILD, "first_name": "Zoë", "surname": "O'Neill-Smith",
                  "date_of_birth": "2015-04-02"}}
OTHER = {"pep": {"authority": "walsall", "variant": "views-primary"},
         "child": {"social_care_id": "WSL-000999", "first_name": "Zoë", "surname": "O'Neill-Smith",
                   "date_of_birth": "2016-05-05"}}
SPECS = [FieldSpec("child_social_care_id", "child.social_care_id", "text"),
         FieldSpec("child_first_name", "child.first_name", "text"),
         FieldSpec("child_surname", "child.surname", "text"),
         FieldSpec("child_date_of_birth", "child.date_of_birth", "text"),
         FieldSpec("child_preferred_name", "child.preferred_name", "text"),
         FieldSpec("meeting_mode", "meeting.mode", "radio", ("in_person", "virtual", "hybrid"))]


@pytest.fixture
def key_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PEP_SIGNING_KEY", f"{KEY.id}:{KEY.secret.hex()}")
    monkeypatch.setenv("PEP_KEY_FILE", str(tmp_path / "no-keys.json"))
    monkeypatch.delenv("PEP_STORE", raising=False)


@pytest.fixture
def store_dir(tmp_path):
    root = tmp_path / "store"
    with Store.open(root, create=True) as store:
        store.put(BASE, "import")
        store.put(OTHER, "import")
    return root


def blank_form(tmp_path, name="blank.pdf", **values):
    data = build_form(SPECS, {f"child_{k}" if k != "meeting_mode" else k: v for k, v in values.items()},
                      prefilled={}, ident=identity(form_id="F-BLANK-1", child=""))
    path = tmp_path / name
    path.write_bytes(data)
    return path


def ingest(invoke, store_dir, *files):
    result = invoke("ingest", *files, "--json", "--store", store_dir, "--workers", "1")
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def test_a_blank_form_is_matched_by_social_care_id(invoke, tmp_path, key_env, store_dir):
    form = blank_form(tmp_path, social_care_id=CHILD, preferred_name="Zo", meeting_mode="virtual")
    result, [line] = ingest(invoke, store_dir, form)
    assert result.exit_code == 0, result.stdout
    assert line["status"] == "accepted"
    assert line["match"] == {"child": CHILD, "by": "social_care_id"}
    assert line["stored"] == "version"
    assert line["stored_version"] == 2
    with Store.open(store_dir) as store:
        assert store.current(CHILD).record["child"]["preferred_name"] == "Zo"
        assert store.unmatched() == []


def test_a_blank_form_without_an_id_is_matched_by_name_and_date_of_birth(invoke, tmp_path, key_env, store_dir):
    form = blank_form(tmp_path, first_name="zoe", surname="O’Neill Smith", date_of_birth="02/04/2015",
                      preferred_name="Zo")
    result, [line] = ingest(invoke, store_dir, form)
    assert result.exit_code == 0, result.stdout
    assert line["match"] == {"child": CHILD, "by": "name_and_date_of_birth"}
    assert line["record"]["child"]["social_care_id"] == CHILD
    with Store.open(store_dir) as store:
        record = store.current(CHILD).record
    assert record["child"]["preferred_name"] == "Zo"
    assert record["child"]["first_name"] == "Zoë"  # a blank form never renames a child


def test_a_name_alone_never_matches(invoke, tmp_path, key_env, store_dir):
    form = blank_form(tmp_path, first_name="Zoë", surname="O'Neill-Smith", preferred_name="Zo")
    result, [line] = ingest(invoke, store_dir, form)
    assert result.exit_code == 1
    assert line["match"] is None
    assert line["stored"] == "unmatched"
    with Store.open(store_dir) as store:
        [entry] = store.unmatched()
    assert entry["id"] == line["unmatched_id"]
    assert "date of birth" in entry["reason"]
    sha = hashlib.sha256(form.read_bytes()).hexdigest()
    assert entry["sha256"] == sha
    assert (store_dir / entry["original"]).read_bytes() == form.read_bytes()


def test_an_unknown_id_or_a_conflicting_date_of_birth_is_unmatched(tmp_path, store_dir):
    with Store.open(store_dir) as store:
        assert store.match({"child": {"social_care_id": "WSL-404"}}) is None
        assert "WSL-404" in store.why_unmatched({"child": {"social_care_id": "WSL-404"}})
        assert store.match({"child": {"social_care_id": CHILD, "date_of_birth": "2015-04-03"}}) is None
        assert store.match({"child": {"social_care_id": CHILD}}, "essex") is None
        assert store.match({"child": {"first_name": "ZOE", "surname": "o'neill-smith", "date_of_birth": "2015-04-02"}},
                           "walsall").by == "name_and_date_of_birth"
        assert name_key(" Zoë  O’Neill-Smith ") == "zoe oneill smith"


def test_an_unmatched_return_is_assigned_from_the_cli(invoke, tmp_path, key_env, store_dir, monkeypatch):
    form = blank_form(tmp_path, social_care_id="WSL-00123", preferred_name="Zo", meeting_mode="hybrid")
    _, [line] = ingest(invoke, store_dir, form)
    assert line["stored"] == "unmatched"
    assert line["status"] == "accepted"
    listed = invoke("store", "unmatched", "--json", "--store", store_dir)
    [entry] = json.loads(listed.stdout)
    assert entry["identity"]["child.social_care_id"] == "WSL-00123"
    text = invoke("store", "unmatched", "--store", store_dir)
    assert "WSL-00123" in text.stdout
    assigned = invoke("store", "assign", form, CHILD, "--store", store_dir, "--actor", "vs-officer")
    assert assigned.exit_code == 0, assigned.stdout + assigned.stderr
    assert "version 2" in assigned.stdout
    with Store.open(store_dir) as store:
        record = store.current(CHILD).record
        assert record["child"]["social_care_id"] == CHILD
        assert record["meeting"]["mode"] == "hybrid"
        assert store.history(CHILD)[-1]["action"] == "assign"
        assert store.history(CHILD)[-1]["actor"] == "vs-officer"
        assert store.unmatched() == []
        assert store.unmatched(include_assigned=True)[0]["assigned_to"] == CHILD
    again = invoke("store", "assign", str(entry["id"]), CHILD, "--store", store_dir)
    assert again.exit_code == 1
    assert "already assigned" in again.stderr
    _, [duplicate] = ingest(invoke, store_dir, form)
    assert duplicate["duplicate"] is True


def test_an_unmatched_invalid_return_is_assigned_when_the_id_was_all_it_lacked(tmp_path, key_env, store_dir, invoke):
    form = blank_form(tmp_path, preferred_name="Zo")
    _, [line] = ingest(invoke, store_dir, form)
    assert line["status"] == "invalid"
    assert line["stored"] == "unmatched"
    with Store.open(store_dir) as store:
        result = store.assign(line["unmatched_id"], CHILD, actor="tester")
        assert result.status == "accepted"
        assert result.stored_version == 2
        assert result.match == {"child": CHILD, "by": "assigned"}
        with pytest.raises(StoreError, match="no unmatched return"):
            store.assign(99, CHILD)
    bad = invoke("store", "assign", tmp_path / "missing.pdf", CHILD, "--store", store_dir)
    assert bad.exit_code == 1
    assert "missing.pdf" in bad.stderr


def test_assigning_to_an_unknown_child_is_refused(tmp_path, key_env, store_dir, invoke):
    form = blank_form(tmp_path, preferred_name="Zo")
    _, [line] = ingest(invoke, store_dir, form)
    with Store.open(store_dir) as store, pytest.raises(StoreError, match="no record for child"):
        store.assign(line["sha256"], "WSL-777")


def test_a_version_1_store_is_migrated(tmp_path):
    import sqlite3

    root = tmp_path / "old"
    with Store.open(root, create=True) as store:
        store.put(BASE, "import")
    conn = sqlite3.connect(root / "pep-store.sqlite3")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.execute("DELETE FROM identities")
    conn.commit()
    conn.close()
    with Store.open(root) as store:
        assert store.match({"child": {"first_name": "Zoe", "surname": "O'Neill-Smith",
                                      "date_of_birth": "2015-04-02"}}).child == CHILD
