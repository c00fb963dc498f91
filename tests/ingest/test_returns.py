"""Ingestion: the normalisation of what each client writes, identity and tamper checks, mapping and validation."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json

import pytest
from clients.formkit import KEY, OTHER_KEY, PREFILLED, SPECS, build_form, identity, keyring
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject, TextStringObject

from generator.ingest.reader import read_returned
from generator.ingest.returns import evaluate
from generator.signing.manifest import FieldSpec, SigningKey

KEYS = keyring()


def ingest(data: bytes, keys=KEYS):
    return evaluate("form.pdf", read_returned(data), keys)


def edit(data: bytes, name: str, change) -> bytes:
    """Apply `change(field)` to the field called `name`, as a client saving the file would."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for ref in writer._root_object["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field["/T"] == name:
            change(field)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def setter(key: str, value):
    return lambda field: field.__setitem__(NameObject(key), value)


# -- accepted -----------------------------------------------------------------------------------------------------

def test_accepted__every_field_type_at_its_data_path():
    text = "Dw i'n hoffi ŵyn ac ŷd.\nZażółć gęślą jaźń.\nSeán Ó Briain — “£5 & <more>”"
    result = ingest(build_form(values={"child_preferred_name": "Siân", "care_care_plan_summary": text,
                                       "child_eal": True, "meeting_mode": "hybrid", "targets_0_target": "Read daily",
                                       "targets_0_horizon": "long", "care_placement_count": "2"}))
    assert result.status == "accepted", result.errors
    assert result.form == {"authority": "walsall", "variant": "views-primary", "form_id": "F-TEST-0001"}
    record = result.record
    assert record["child"] == {"first_name": "Zoë", "preferred_name": "Siân", "date_of_birth": None, "eal": True,
                               "uasc": False, "social_care_id": "WSL-000123"}
    assert record["care"] == {"placement_count": 2, "care_plan_summary": text}
    assert record["meeting"] == {"mode": "hybrid"}
    assert record["pep"] == {"authority": "walsall", "variant": "views-primary", "academic_year": "2025/26"}
    assert record["targets"] == [{"number": 1, "target": "Read daily", "horizon": "long"}]


def test_accepted__empty_slots_are_left_out_and_later_ones_close_up():
    result = ingest(build_form(values={"targets_1_target": "Second slot only"}))
    assert result.status == "accepted"
    assert result.record["targets"] == [{"number": 1, "target": "Second slot only", "horizon": None}]


def test_accepted__uk_dates_become_iso():
    result = ingest(build_form(values={"child_date_of_birth": "5/3/2016"}))
    assert result.record["child"]["date_of_birth"] == "2016-03-05"


# -- what clients write differently (notes §9) -------------------------------------------------------------------

def test_normalise__crlf_and_lone_cr_become_lf():
    data = edit(build_form(), "care_care_plan_summary", setter("/V", TextStringObject("one\r\ntwo\rthree")))
    assert ingest(data).record["care"]["care_plan_summary"] == "one\ntwo\nthree"


def test_normalise__one_element_arrays_are_unwrapped():
    data = edit(build_form(), "child_preferred_name", setter("/V", ArrayObject([TextStringObject("Ffion")])))
    assert ingest(data).record["child"]["preferred_name"] == "Ffion"


def test_normalise__text_without_v_is_empty():
    data = edit(build_form(values={"child_preferred_name": "x"}), "child_preferred_name", lambda f: f.pop("/V"))
    assert ingest(data).record["child"]["preferred_name"] is None


def test_normalise__radio_value_written_as_a_string():
    data = edit(build_form(), "meeting_mode", setter("/V", TextStringObject("/virtual")))
    assert ingest(data).record["meeting"]["mode"] == "virtual"


@pytest.mark.parametrize("state", ["/on", "/Yes", "/1"])
def test_normalise__any_checkbox_state_but_off_is_ticked(state):
    data = edit(build_form(), "child_uasc", setter("/V", NameObject(state)))
    assert ingest(data).record["child"]["uasc"] is True


def test_normalise__radio_states_map_through_opt_by_position_not_by_digit():
    scale = FieldSpec("views_scale", "meeting.venue", "radio", ("1", "2", "3", "4", "5"))
    specs = [scale]
    data = build_form(specs, {"views_scale": "2"}, prefilled={}, index_states=True)
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/AcroForm"]["/Fields"][0]["/V"] == "/1"  # the state is the index...
    data = edit(data, "views_scale", setter("/V", NameObject("/2")))
    assert ingest(data).record["meeting"]["venue"] == "3"  # ...and /2 is the third option, "3"


def test_normalise__choice_written_on_the_radio_kid_wins_over_a_stale_group_value():
    """Raw WeasyPrint radios: pdf.js and others write the choice on the kid and leave the group at its prefill."""
    def on_kid(field):
        field[NameObject("/V")] = NameObject("/in_person")
        for i, kid in enumerate(field["/Kids"]):
            kid = kid.get_object()
            kid[NameObject("/T")] = TextStringObject("meeting_mode")
            kid[NameObject("/V")] = NameObject("/hybrid" if i == 2 else "/Off")
            kid[NameObject("/AS")] = NameObject("/hybrid" if i == 2 else "/Off")
    data = edit(build_form(), "meeting_mode", on_kid)
    assert ingest(data).record["meeting"]["mode"] == "hybrid"


# -- invalid ------------------------------------------------------------------------------------------------------

def test_invalid__values_that_do_not_convert_are_kept_as_typed():
    result = ingest(build_form(values={"child_date_of_birth": "31/02/2016", "care_placement_count": "three",
                                       "child_preferred_name": "Mo"}))
    assert result.status == "invalid"
    assert result.record["child"]["date_of_birth"] == "31/02/2016"
    assert result.record["care"]["placement_count"] == "three"
    assert result.record["child"]["preferred_name"] == "Mo"
    paths = {path for path, _ in result.errors}
    assert paths == {"child.date_of_birth", "care.placement_count"}


def test_invalid__a_radio_state_outside_the_choices():
    data = edit(build_form(), "meeting_mode", setter("/V", NameObject("/outdoors")))
    result = ingest(data)
    assert result.status == "invalid"
    assert result.errors[0] == ("meeting.mode", "'outdoors' is not one of the choices (in_person, virtual, hybrid).")
    assert result.record["meeting"]["mode"] == "outdoors"


# -- rejected: identity and tampering -------------------------------------------------------------------------------

def messages(result) -> list[tuple[str, str]]:
    assert result.status == "rejected"
    assert result.record is None
    return result.errors


def test_rejected__a_form_without_pep_data_is_not_ours():
    data = build_form(manifest_bytes=b"")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    del writer._root_object["/Names"]
    out = io.BytesIO()
    writer.write(out)
    assert messages(ingest(out.getvalue())) == [
        ("", "Not a form issued by pep: it has fillable fields but no pep form data inside.")]


def test_rejected__damaged_pep_data():
    errors = messages(ingest(build_form(manifest_bytes=b"{not json")))
    assert errors[0][1].startswith("Its pep form data is damaged and cannot be trusted")


def test_rejected__signed_with_another_secret():
    errors = messages(ingest(build_form(key=OTHER_KEY)))
    assert errors == [("", "Forged, altered or not issued here: The form's signature does not match its identity, "
                           "field map and prefilled values.")]


def test_rejected__signed_with_a_key_we_do_not_hold():
    other = SigningKey("elsewhere", bytes(32))
    errors = messages(ingest(build_form(ident=identity(key_id="elsewhere"), key=other)))
    assert errors == [("", "Forged, altered or not issued here: Signed with key 'elsewhere', which this installation "
                           "does not hold.")]


def test_rejected__a_forged_form_id():
    """The form id edited inside the pep data after signing."""
    from generator.signing.manifest import Manifest

    manifest = Manifest(identity(), list(SPECS), dict(PREFILLED)).sign(KEY)
    manifest.identity = dataclasses.replace(manifest.identity, form_id="F-TEST-9999")
    errors = messages(ingest(build_form(manifest_bytes=manifest.to_bytes(), info_form_id="F-TEST-9999")))
    assert errors[0][1].startswith("Forged, altered or not issued here: The form's signature does not match")


def test_rejected__a_child_id_moved_to_another_child():
    from generator.signing.manifest import Manifest

    manifest = Manifest(identity(), list(SPECS), dict(PREFILLED)).sign(KEY)
    manifest.identity = dataclasses.replace(manifest.identity, social_care_id="WSL-999999")
    assert messages(ingest(build_form(manifest_bytes=manifest.to_bytes())))[0][1].startswith("Forged")


def test_rejected__document_form_id_differs_from_the_signed_one():
    errors = messages(ingest(build_form(info_form_id="F-OTHER")))
    assert errors == [("", "The form id in the document information differs from the signed one: the pep form data "
                           "was copied from another form.")]


def test_warning__document_form_id_missing_is_only_a_warning():
    result = ingest(build_form(info_form_id=None))
    assert result.status == "accepted"
    assert result.warnings[0][1].startswith("The document information has no form id")


def test_rejected__fields_added_removed_and_renamed_each_named():
    specs = [s for s in SPECS if s.name != "child_uasc"]
    specs = [dataclasses.replace(s, name="meeting_place") if s.name == "meeting_mode" else s for s in specs]
    specs.append(FieldSpec("bank_details", "child.religion", "text"))
    errors = messages(ingest(build_form(specs, manifest_specs=SPECS)))
    assert sorted(errors) == sorted([
        ("child.uasc", "Field 'child_uasc' was removed from the form."),
        ("meeting.mode", "Field 'meeting_mode' was removed from the form."),
        ("", "Field 'meeting_place' was added; pep did not issue it."),
        ("", "Field 'bank_details' was added; pep did not issue it."),
    ])


def test_rejected__a_field_changed_type_or_choices():
    specs = [dataclasses.replace(s, type="text") if s.name == "child_eal" else
             dataclasses.replace(s, options=("short", "long", "never")) if s.name == "targets_0_horizon" else s
             for s in SPECS]
    errors = messages(ingest(build_form(specs, manifest_specs=SPECS)))
    assert errors == [("child.eal", "Field 'child_eal' was changed from a checkbox field to a text."),
                      ("targets.0.horizon", "The choices of field 'targets_0_horizon' were changed.")]


@pytest.mark.parametrize(("name", "value"), [("child_first_name", "Zoe"), ("pep_academic_year", "2024/25"),
                                              ("child_first_name", "")])
def test_rejected__a_changed_read_only_value_is_named(name, value):
    data = edit(build_form(), name, setter("/V", TextStringObject(value)))
    path = {"child_first_name": "child.first_name", "pep_academic_year": "pep.academic_year"}[name]
    assert messages(ingest(data)) == [(path, f"Read-only field {name!r} was changed after pep issued the form.")]


def test_rejected__every_changed_read_only_field_is_listed():
    data = edit(edit(build_form(), "child_first_name", setter("/V", TextStringObject("Zed"))),
                "pep_academic_year", setter("/V", TextStringObject("2030/31")))
    assert {path for path, _ in messages(ingest(data))} == {"child.first_name", "pep.academic_year"}


def test_read_only_checkbox_and_radio_values_are_compared_too():
    specs = [*SPECS, FieldSpec("child_eal_ro", "care.leaving_care_this_term", "checkbox", readonly=True),
             FieldSpec("mode_ro", "meeting.child_participation", "radio", ("attended", "part"), readonly=True)]
    prefilled = {**PREFILLED, "child_eal_ro": True, "mode_ro": "part"}
    data = build_form(specs, prefilled=prefilled)
    assert ingest(data).status in ("accepted", "invalid")
    data = edit(edit(data, "child_eal_ro", setter("/V", NameObject("/Off"))), "mode_ro",
                setter("/V", NameObject("/attended")))
    assert {p for p, _ in messages(ingest(data))} == {"care.leaving_care_this_term", "meeting.child_participation"}


# -- the command ------------------------------------------------------------------------------------------------

@pytest.fixture
def key_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PEP_SIGNING_KEY", f"{KEY.id}:{KEY.secret.hex()}")
    monkeypatch.setenv("PEP_KEY_FILE", str(tmp_path / "no-keys.json"))


def test_cli__json_lines_in_input_order_and_exit_codes(invoke, tmp_path, key_env):
    good = tmp_path / "good.pdf"
    good.write_bytes(build_form(values={"child_eal": True}))
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(build_form(values={"child_date_of_birth": "soon"}))
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"hello")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (good, bad, junk)}
    result = invoke("ingest", good, bad, junk, tmp_path / "missing.pdf", "--json", "--workers", "1")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["source"], line["status"]) for line in lines] == [
        (str(good), "accepted"), (str(bad), "invalid"), (str(junk), "rejected"),
        (str(tmp_path / "missing.pdf"), "rejected")]
    assert set(lines[0]) >= {"source", "status", "form", "record", "errors", "warnings", "duplicate"}
    assert lines[0]["record"]["child"]["eal"] is True
    assert lines[0]["duplicate"] is False
    assert lines[1]["errors"] == [{"path": "child.date_of_birth", "message": "Not a valid date (use YYYY-MM-DD)."}]
    assert lines[2] == {**lines[2], "form": None, "record": None,
                        "errors": [{"path": "", "message": "It is not a PDF file."}]}
    assert lines[3]["errors"][0]["message"] == "No such file."
    assert "4 file(s): 1 accepted, 1 invalid, 2 rejected" in result.stderr
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (good, bad, junk)}


def test_cli__all_accepted_exits_0_with_a_human_listing(invoke, tmp_path, key_env):
    good = tmp_path / "good.pdf"
    good.write_bytes(build_form())
    result = invoke("ingest", good, "--workers", "1")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{good}: accepted (walsall views-primary, form F-TEST-0001)")


def test_cli__too_large_is_refused_before_reading(invoke, tmp_path, key_env):
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(26 * 1024 * 1024)
    result = invoke("ingest", big, "--json", "--workers", "1")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"][0]["message"] == ("Too large (26.0 MB); a returned form is at most "
                                                                 "25 MB.")


def test_cli__no_key_is_a_usage_error_and_no_key_is_created(invoke, tmp_path, monkeypatch):
    monkeypatch.delenv("PEP_SIGNING_KEY", raising=False)
    monkeypatch.setenv("PEP_KEY_FILE", str(tmp_path / "keys.json"))
    form = tmp_path / "f.pdf"
    form.write_bytes(build_form())
    result = invoke("ingest", form)
    assert result.exit_code == 2
    assert "No signing key to verify forms with" in result.stderr
    assert not (tmp_path / "keys.json").exists()


def test_cli__a_batch_of_hostile_files_is_each_rejected_with_its_reason(invoke, tmp_path, key_env):
    """One run over every hostile case: each comes back rejected with its message, the good files still pass."""
    from test_safety import HOSTILE

    files = [tmp_path / "good-first.pdf"]
    files[0].write_bytes(build_form())
    for i, (build, _) in enumerate(HOSTILE):
        path = tmp_path / f"hostile-{i:02d}.pdf"
        path.write_bytes(build())
        files.append(path)
    files.append(tmp_path / "good-last.pdf")
    files[-1].write_bytes(build_form(values={"child_uasc": True}))
    result = invoke("ingest", *files, "--json", "--workers", "2", "--timeout", "10")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert [line["source"] for line in lines] == [str(f) for f in files]
    assert lines[0]["status"] == lines[-1]["status"] == "accepted"
    for line, (_, message) in zip(lines[1:-1], HOSTILE, strict=True):
        assert line["status"] == "rejected"
        assert line["record"] is None
        assert line["errors"][0]["message"].startswith(message), line["source"]
