"""The whole loop on real forms: store → form → school fills → ingest → store → final PDF; send-back of an invalid
return; forms issued with a password."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from clients.formkit import KEY, keyring
from conftest import write_json
from pypdf import PdfReader, PdfWriter
from pypdf.generic import TextStringObject

from generator.ingest.reader import read_returned
from generator.ingest.returns import evaluate
from generator.pipeline.generate import prepare, render
from generator.store.database import Store

ROOT = Path(__file__).resolve().parents[2]
KEYS = keyring(KEY)


@pytest.fixture
def key_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PEP_SIGNING_KEY", f"{KEY.id}:{KEY.secret.hex()}")
    monkeypatch.setenv("PEP_KEY_FILE", str(tmp_path / "no-keys.json"))


def sample(variant: str = "views-primary") -> dict:
    record = json.loads((ROOT / "samples/walsall/pep.json").read_text(encoding="utf-8"), parse_float=Decimal)
    record["pep"]["variant"] = variant
    return record


def type_into(data: bytes, values: dict[str, str]) -> bytes:
    """Set text fields as a script would."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for ref in writer.root_object["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if str(field["/T"]) in values:
            field[TextStringObject("/V")] = TextStringObject(values[str(field["/T"])])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def form_from_store(invoke, tmp_path, variant: str) -> tuple[Path, str, Path]:
    """(store, child id, form) after importing the Walsall sample and generating its form from the store."""
    store = tmp_path / "store"
    assert invoke("store", "import", ROOT / "samples/walsall/pep.json", "--store", store).exit_code == 0
    child = sample()["child"]["social_care_id"]
    made = invoke("generate", "walsall", variant, "--format", "form", "--store", store, "--child", child,
                  "-o", tmp_path / "out")
    assert made.exit_code == 0, made.stderr
    return store, child, Path(made.stdout.strip())


def test_loop__store_to_form_to_store_to_final_pdf(invoke, tmp_path, key_env):
    store, child, form = form_from_store(invoke, tmp_path, "views-primary")
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(type_into(form.read_bytes(), {"views_answers_pri_find_hard": "Fractions\nand spelling"}))
    ingested = invoke("ingest", returned, "--store", store, "--json", "--workers", "1")
    assert json.loads(ingested.stdout)["status"] == "accepted", ingested.stdout
    with Store.open(store) as opened:
        stored = opened.current(child)
    assert stored.version == 2
    assert stored.record["views"]["answers"]["pri_find_hard"] == "Fractions\nand spelling"
    assert stored.record["pep"]["variant"] == "pep"  # the child's record stays the PEP it was
    final = invoke("generate", "walsall", "pep", "--format", "pdf", "--store", store, "--child", child,
                   "-o", tmp_path / "out")
    assert final.exit_code == 0, final.stderr
    assert Path(final.stdout.strip()).read_bytes().startswith(b"%PDF-")


def test_generate__store_and_child_go_together(invoke, tmp_path):
    result = invoke("generate", "walsall", "pep", "--format", "pdf", "--store", tmp_path)
    assert result.exit_code == 2
    assert "Give --store DIR together with --child ID" in result.stderr
    result = invoke("generate", "walsall", "pep", "--format", "pdf", "--store", tmp_path, "--child", "X", "--blank")
    assert result.exit_code == 2


def test_send_back__reply_and_a_reissued_form_holding_what_was_typed(invoke, tmp_path, key_env):
    data = render(prepare("walsall", "views-primary", "form", sample(), "school",
                          options={"keys": KEYS, "issue_date": "2026-01-12"}))
    typed = {"views_date": "31/02/2026", "views_answers_pri_find_hard": "Spelling — ŵŷ\nand reading"}
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(type_into(data, typed))
    result = invoke("ingest", returned, "--send-back", tmp_path / "replies", "--json", "--workers", "1")
    line = json.loads(result.stdout)
    assert line["status"] == "invalid"
    assert line["record"]["views"]["date"] == "31/02/2026"
    form_id = line["form"]["form_id"]
    reply = (tmp_path / "replies" / f"{form_id}_reply.txt").read_text(encoding="utf-8")
    assert "- The child's views: Date: Not a valid date (use YYYY-MM-DD). You wrote: “31/02/2026”." in reply
    assert (tmp_path / "replies" / f"{form_id}_reply.pdf").read_bytes().startswith(b"%PDF-")
    again = evaluate("reissued", read_returned((tmp_path / "replies" / f"{form_id}_reissued.pdf").read_bytes()), KEYS)
    assert again.status == "invalid"
    assert again.form["form_id"] != form_id
    assert {k: again.values[k] for k in typed} == typed
    original = evaluate("returned", read_returned(returned.read_bytes()), KEYS)
    assert again.values == original.values  # everything typed, and every read-only value as first issued


def test_password__forms_issued_with_a_password_are_read_with_it(invoke, tmp_path, key_env):
    data = render(prepare("walsall", "views-primary", "form", sample(), "school",
                          options={"keys": KEYS, "issue_date": "2026-01-12", "password": "Sch00l!"}))
    form = tmp_path / "locked.pdf"
    form.write_bytes(data)
    refused = json.loads(invoke("ingest", form, "--json", "--workers", "1").stdout)
    assert refused["status"] == "rejected"
    assert refused["errors"][0]["message"].startswith("It is protected with a password pep was not given")
    read = json.loads(invoke("ingest", form, "--json", "--workers", "1", "--password", "Sch00l!").stdout)
    assert read["status"] == "accepted"


def test_loop__untouched_prefilled_answer_keeps_a_newer_stored_value(invoke, tmp_path, key_env):
    store, child, form = form_from_store(invoke, tmp_path, "pep")
    newer = sample("pep")
    newer["attainment"]["progress_comment"] = "Updated by the designated teacher after the form went out."
    newer_file = write_json(tmp_path / "newer.json", newer)
    assert invoke("store", "import", newer_file, "--store", store).exit_code == 0
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(type_into(form.read_bytes(), {"attendance_plan": "Attendance is being tracked weekly."}))
    ingested = json.loads(invoke("ingest", returned, "--store", store, "--json", "--workers", "1").stdout)
    assert ingested["status"] == "accepted", ingested
    with Store.open(store) as opened:
        record = opened.current(child).record
    assert record["attainment"]["progress_comment"] == "Updated by the designated teacher after the form went out."
    assert record["attendance"]["plan"] == "Attendance is being tracked weekly."
