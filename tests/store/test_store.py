"""The store: versions, audit entries, originals, duplicates, three-way merging, and the `pep store` commands."""

from __future__ import annotations

import hashlib
import json
import stat

import pytest
from clients.formkit import KEY, PREFILLED, build_form

from generator.store.database import DB_NAME, Store, StoreError, diff
from generator.workflow.nextterm import following, next_term

CHILD = "WSL-000123"
BASE = {"pep": {"authority": "walsall", "variant": "pep", "academic_year": "2025/26", "term": "spring",
                "id": "WSL-000123-2025-26-spring"},
        "child": {"social_care_id": CHILD, "first_name": "Zoë", "preferred_name": "Zo"},
        "care": {"care_plan_summary": "Long-term foster care."},
        "targets": [{"target": "Read every day", "horizon": "short"}, {"target": "Times tables", "horizon": "long"}],
        "meeting": {"mode": "in_person"}}


@pytest.fixture
def key_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PEP_SIGNING_KEY", f"{KEY.id}:{KEY.secret.hex()}")
    monkeypatch.setenv("PEP_KEY_FILE", str(tmp_path / "no-keys.json"))
    monkeypatch.delenv("PEP_STORE", raising=False)


def write(path, data: bytes):
    path.write_bytes(data)
    return path


def ingest(invoke, store, *files):
    result = invoke("ingest", *files, "--json", "--store", store, "--workers", "1")
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def test_store__accepted_form_is_version_1_with_audit_and_original(invoke, tmp_path, key_env):
    form = write(tmp_path / "f.pdf", build_form(values={"child_preferred_name": "Zo", "meeting_mode": "virtual"}))
    result, [line] = ingest(invoke, tmp_path / "store", form)
    assert result.exit_code == 0
    assert line["stored_version"] == 1
    sha = hashlib.sha256(form.read_bytes()).hexdigest()
    original = tmp_path / "store" / "originals" / sha[:2] / f"{sha}.pdf"
    assert original.read_bytes() == form.read_bytes()
    assert stat.S_IMODE(original.stat().st_mode) == 0o400
    assert stat.S_IMODE((tmp_path / "store" / DB_NAME).stat().st_mode) == 0o600
    with Store.open(tmp_path / "store") as store:
        assert store.current(CHILD).record["meeting"] == {"mode": "virtual"}
        [entry] = store.history(CHILD)
    assert entry["action"] == "ingest"
    assert entry["source_sha256"] == sha
    assert entry["form_id"] == "F-TEST-0001"
    assert {"path": "child.preferred_name", "from": None, "to": "Zo"} in entry["changes"]


def test_store__the_same_file_twice_is_a_duplicate_and_changes_nothing(invoke, tmp_path, key_env):
    form = write(tmp_path / "f.pdf", build_form(values={"child_eal": True}))
    ingest(invoke, tmp_path / "store", form)
    result, [line] = ingest(invoke, tmp_path / "store", form)
    assert result.exit_code == 0
    assert line["duplicate"] is True
    assert line["status"] == "accepted"
    assert "stored_version" not in line
    with Store.open(tmp_path / "store") as store:
        assert len(store.history(CHILD)) == 1
        assert store.current(CHILD).version == 1
    assert "1 duplicate(s)" in result.stderr
    result = invoke("ingest", form, "--store", tmp_path / "store", "--workers", "1")
    assert "[duplicate: ingested before, nothing changed]" in result.stdout


def test_store__a_later_return_records_each_change_from_and_to(invoke, tmp_path, key_env):
    store_dir = tmp_path / "store"
    with Store.open(store_dir, create=True) as store:
        assert store.put(BASE, "import") == 1
    form = write(tmp_path / "f.pdf", build_form(values={"child_preferred_name": "Zozo", "child_eal": True,
                                                        "meeting_mode": "hybrid"}))
    _, [line] = ingest(invoke, store_dir, form)
    assert line["stored_version"] == 2
    with Store.open(store_dir) as store:
        record = store.current(CHILD).record
        entry = store.history(CHILD)[-1]
        assert store.version(CHILD, 1).record["child"]["preferred_name"] == "Zo"
    assert record["child"]["preferred_name"] == "Zozo"
    assert record["targets"][1]["target"] == "Times tables"  # untouched parts of the record are kept
    changes = {c["path"]: (c["from"], c["to"]) for c in entry["changes"]}
    assert changes["child.preferred_name"] == ("Zo", "Zozo")
    assert changes["meeting.mode"] == ("in_person", "hybrid")
    assert changes["child.eal"] == (None, True)


def test_store__fields_left_as_issued_do_not_overwrite_newer_answers(invoke, tmp_path, key_env):
    """Three-way merge: a field counts only where the school changed it from what was issued."""
    store_dir = tmp_path / "store"
    with Store.open(store_dir, create=True) as store:
        store.put({**BASE, "meeting": {"mode": "virtual"}}, "import")  # changed since the form went out
    issued = {**PREFILLED, "meeting_mode": "in_person", "child_preferred_name": "Zo"}
    form = write(tmp_path / "f.pdf", build_form(prefilled=issued, values={"child_preferred_name": ""}))
    ingest(invoke, store_dir, form)
    with Store.open(store_dir) as store:
        record = store.current(CHILD).record
    assert record["meeting"]["mode"] == "virtual"  # returned as issued: the newer stored value stays
    assert record["child"]["preferred_name"] is None  # cleared by the school: cleared in the store


def test_store__invalid_and_rejected_returns_are_recorded_but_not_merged(invoke, tmp_path, key_env):
    invalid = write(tmp_path / "i.pdf", build_form(values={"child_date_of_birth": "someday"}))
    junk = write(tmp_path / "j.pdf", b"%PDF-1.4 nothing\n")
    result, lines = ingest(invoke, tmp_path / "store", invalid, junk)
    assert result.exit_code == 1
    assert [line["status"] for line in lines] == ["invalid", "rejected"]
    with Store.open(tmp_path / "store") as store:
        assert store.children() == []
        assert store.seen(lines[0]["sha256"])["status"] == "invalid"
        assert store.seen(lines[1]["sha256"])["status"] == "rejected"
    kept = list((tmp_path / "store" / "originals").rglob("*.pdf"))
    assert [p.name for p in kept] == [f"{lines[0]['sha256']}.pdf"]  # only our own forms are kept
    result, lines = ingest(invoke, tmp_path / "store", invalid, junk)
    assert [line["duplicate"] for line in lines] == [True, True]


def test_store__merging_into_an_invalid_whole_is_reported_not_stored(invoke, tmp_path, key_env):
    store_dir = tmp_path / "store"
    with Store.open(store_dir, create=True) as store:
        store.put({**BASE, "child": {**BASE["child"], "date_of_birth": "2016-04-01"},
                   "care": {"date_entered_care": "2020-01-01"}}, "import")
    form = write(tmp_path / "f.pdf", build_form(values={"child_date_of_birth": "2021-05-05"}))
    _, [line] = ingest(invoke, store_dir, form)
    assert line["status"] == "invalid"
    assert line["errors"] == [{"path": "care.date_entered_care",
                               "message": "After merging into the stored record: Comes before the child's date of "
                                          "birth."}]
    with Store.open(store_dir) as store:
        assert store.current(CHILD).version == 1


def test_store__a_form_for_another_authority_is_not_merged(invoke, tmp_path, key_env):
    from clients.formkit import identity

    with Store.open(tmp_path / "store", create=True) as store:
        store.put(BASE, "import")
    form = write(tmp_path / "f.pdf", build_form(ident=identity(authority="enfield")))
    _, [line] = ingest(invoke, tmp_path / "store", form)
    assert line["status"] == "invalid"
    assert line["errors"][0]["message"] == "The store holds this child under walsall."


def test_store__opening_a_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="No pep store here"):
        Store.open(tmp_path / "nowhere")


def test_diff__paths_from_and_to():
    assert diff({"a": {"b": 1, "c": [1]}}, {"a": {"b": 2, "c": [1, 2]}, "d": "x"}) == [
        {"path": "a.b", "from": 1, "to": 2}, {"path": "a.c.1", "from": None, "to": 2},
        {"path": "d", "from": None, "to": "x"}]


# -- commands -----------------------------------------------------------------------------------------------------

@pytest.fixture
def filled_store(invoke, tmp_path, key_env):
    store_dir = tmp_path / "store"
    record = tmp_path / "record.json"
    record.write_text(json.dumps(BASE, ensure_ascii=False), encoding="utf-8")
    assert invoke("store", "import", record, "--store", store_dir).exit_code == 0
    ingest(invoke, store_dir, write(tmp_path / "f.pdf", build_form(values={"child_preferred_name": "Zozo"})))
    return store_dir


def test_cli__show_history_export_list(invoke, filled_store, tmp_path):
    shown = invoke("store", "show", CHILD, "--store", filled_store)
    assert shown.exit_code == 0
    assert "child.preferred_name: Zozo" in shown.stdout
    assert json.loads(invoke("store", "show", CHILD, "--store", filled_store, "--json", "--version", "1").stdout)[
        "record"]["child"]["preferred_name"] == "Zo"
    history = invoke("store", "history", CHILD, "--store", filled_store)
    assert "version 1" in history.stdout
    assert 'child.preferred_name: "Zo" → "Zozo"' in history.stdout
    entries = json.loads(invoke("store", "history", CHILD, "--store", filled_store, "--json").stdout)
    assert [e["action"] for e in entries] == ["import", "ingest"]
    exported = invoke("store", "export", CHILD, "--store", filled_store)
    assert json.loads(exported.stdout)["child"]["preferred_name"] == "Zozo"
    out = tmp_path / "export.json"
    assert invoke("store", "export", CHILD, "--store", filled_store, "-o", out).exit_code == 0
    assert invoke("validate", out).exit_code == 0
    listed = json.loads(invoke("store", "list", "--store", filled_store, "--json").stdout)
    assert listed == [{**listed[0], "social_care_id": CHILD, "authority": "walsall", "version": 2}]


def test_cli__the_store_folder_comes_from_pep_store(invoke, filled_store, monkeypatch):
    monkeypatch.setenv("PEP_STORE", str(filled_store))
    assert invoke("store", "show", CHILD).exit_code == 0


def test_cli__unknown_child_and_missing_store(invoke, filled_store, tmp_path):
    result = invoke("store", "show", "WSL-404", "--store", filled_store)
    assert result.exit_code == 1
    assert "The store holds no record for child 'WSL-404'." in result.stderr
    result = invoke("store", "history", CHILD, "--store", tmp_path / "none")
    assert result.exit_code == 1
    assert "No pep store here" in result.stderr


def test_cli__import_refuses_invalid_records(invoke, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**BASE, "pep": {**BASE["pep"], "term": "winter"}}), encoding="utf-8")
    result = invoke("store", "import", bad, "--store", tmp_path / "store")
    assert result.exit_code == 1
    assert "pep.term: Must be one of" in result.stderr


# -- next term ----------------------------------------------------------------------------------------------------

def test_next_term__targets_become_the_review_of_previous_targets():
    started = next_term({**BASE, "views": {"own_words": True}, "ppg": {"requested_total": "300.00",
                                                                       "request_band": "300.00"}})
    record = started.record
    assert record["pep"] == {"authority": "walsall", "variant": "pep", "academic_year": "2025/26", "term": "summer",
                             "status": "not_started", "reason": "termly_review",
                             "id": "WSL-000123-2025-26-summer", "previous_pep_id": "WSL-000123-2025-26-spring"}
    assert record["previous_targets"] == [{"target_ref": "1", "target": "Read every day"},
                                          {"target_ref": "2", "target": "Times tables"}]
    assert "targets" not in record
    assert "meeting" not in record
    assert "views" not in record
    assert record["ppg"] == {"request_band": "300.00", "earlier_terms": [{"term": "spring", "amount": "300.00"}]}
    assert started.carried_forward == ["child", "care", "ppg"]


@pytest.mark.parametrize(("year", "term", "expected"), [
    ("2025/26", "autumn", ("2025/26", "spring")), ("2025/26", "spring", ("2025/26", "summer")),
    ("2025/26", "summer", ("2026/27", "autumn")), ("2099/00", "summer", ("2100/01", "autumn"))])
def test_next_term__follows_the_school_year(year, term, expected):
    assert following(year, term) == expected


def test_cli__next_term_makes_a_new_version(invoke, filled_store):
    result = invoke("store", "next-term", CHILD, "--store", filled_store)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"{CHILD}: version 3, PEP WSL-000123-2025-26-summer (summer 2025/26)"
    assert "2 target(s) moved into the review of previous targets." in result.stderr
    with Store.open(filled_store) as store:
        record = store.current(CHILD).record
        assert store.history(CHILD)[-1]["action"] == "next-term"
    assert record["previous_targets"][0]["target"] == "Read every day"
    assert record["child"]["preferred_name"] == "Zozo"


def test_cli__next_term_after_summer_starts_the_next_year(invoke, filled_store):
    result = invoke("store", "next-term", CHILD, "--store", filled_store, "--academic-year", "2026/27", "--term",
                    "autumn")
    assert "(autumn 2026/27)" in result.stdout


def test_store__originals_are_never_rewritten(tmp_path):
    with Store.open(tmp_path / "s", create=True) as store:
        relative = store.keep_original("ab" * 32, b"%PDF-1")
        path = tmp_path / "s" / relative
        before = path.stat().st_mtime_ns
        store.keep_original("ab" * 32, b"%PDF-1")
    assert path.stat().st_mtime_ns == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
