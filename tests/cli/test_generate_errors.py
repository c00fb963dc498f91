"""`pep generate` refusing bad requests and bad data: exit codes, exact messages, nothing written, inputs untouched."""

import json
import shutil
from pathlib import Path

import pytest
from conftest import write_json

from generator.authority.profiles import _registry

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "walsall" / "pep.json"


@pytest.fixture
def templates(tmp_path, monkeypatch):
    """Walsall, and "testshire": a copy of Walsall whose PEP is offered as Word only."""
    root = tmp_path / "templates"
    (root / "common").mkdir(parents=True)
    shutil.copy(ROOT / "templates" / "common" / "defaults.yaml", root / "common")
    (root / "walsall").mkdir()
    text = (ROOT / "templates" / "walsall" / "profile.yaml").read_text(encoding="utf-8")
    (root / "walsall" / "profile.yaml").write_text(text, encoding="utf-8")
    (root / "testshire").mkdir()
    test_text = text.replace("id: walsall\n", "id: testshire\n")
    test_text = test_text.replace("formats: [docx, pdf, form]", "formats: [docx]")
    (root / "testshire" / "profile.yaml").write_text(test_text, encoding="utf-8")
    monkeypatch.setenv("PEP_TEMPLATES", str(root))
    _registry.cache_clear()
    yield root
    _registry.cache_clear()


@pytest.fixture
def record() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out"


def assert_refused(result, out: Path, stderr: str, exit_code: int) -> None:
    assert result.stdout == ""
    assert result.stderr == stderr
    assert result.exit_code == exit_code
    assert not out.exists()


@pytest.mark.parametrize(("args", "stderr"), [
    (["nowhere", "pep"], "Error: Unknown authority 'nowhere' (known: testshire, walsall).\n"),
    (["Walsall", "pep"], "Error: Unknown authority 'Walsall' (known: testshire, walsall).\n"),
    (["walsall", "pep9"], "Error: Unknown variant 'pep9' for walsall (known: pep, views-early-years, views-primary, "
                          "views-secondary, views-post16).\n"),
    (["testshire", "pep", "--format", "form"], "Error: testshire pep is not offered as form (offered: docx).\n"),
    (["testshire", "pep", "--format", "pdf"], "Error: testshire pep is not offered as pdf (offered: docx).\n"),
])
def test_unknown_authority_variant_or_format_is_a_usage_error(invoke, templates, out, args, stderr):
    if "--format" not in args:
        args = [*args, "--format", "docx"]
    assert_refused(invoke("generate", *args, "--blank", "-o", out), out, stderr, 2)


def test_the_usage_error_comes_before_validating_the_data(invoke, templates, out, tmp_path, record):
    path = write_json(tmp_path / "record.json", {"pep": "not an object"})
    result = invoke("generate", "walsall", "pep9", "--format", "docx", "--data", path, "-o", out)
    assert_refused(result, out, "Error: Unknown variant 'pep9' for walsall (known: pep, views-early-years, "
                                "views-primary, views-secondary, views-post16).\n", 2)


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--format", "odt", "Error: Invalid value for '--format': 'odt' is not one of 'docx', 'pdf', 'form'.\n"),
    ("--audience", "parent", "Error: Invalid value for '--audience': 'parent' is not one of 'record', 'school', "
                             "'carer', 'child'.\n"),
])
def test_an_unknown_choice_is_a_usage_error(invoke, templates, out, option, value, message):
    args = ["generate", "walsall", "pep", "--blank", "-o", out]
    args += ["--format", "docx", option, value] if option != "--format" else [option, value]
    result = invoke(*args)
    assert result.stdout == ""
    assert result.stderr.endswith(message)
    assert result.exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize("data", ["both", "neither"])
def test_exactly_one_of_data_and_blank(invoke, templates, out, data):
    extra = {"both": ["--blank", "--data", SAMPLE], "neither": []}[data]
    result = invoke("generate", "walsall", "pep", "--format", "docx", "-o", out, *extra)
    assert result.stdout == ""
    assert result.stderr == ("Usage: main generate [OPTIONS] AUTHORITY VARIANT\n"
                             "Try 'main generate --help' for help.\n\n"
                             "Error: Give exactly one of --data FILE or --blank.\n")
    assert result.exit_code == 2
    assert not out.exists()


def test_the_format_is_required(invoke, templates, out):
    result = invoke("generate", "walsall", "pep", "--blank", "-o", out)
    assert result.stderr.endswith("Error: Missing option '--format'. Choose from:\n\tdocx,\n\tpdf,\n\tform\n")
    assert result.exit_code == 2


def test_invalid_data_prints_every_error_and_writes_nothing(invoke, templates, out, tmp_path, record):
    record["child"]["eal"] = "yes"
    record["meeting"]["time"] = "1:30pm"
    record["meeting"]["next_pep_date"] = "2025-09-01"
    record["targets"][0]["ppg"]["cost_lines"][0]["line_total"] = "280.00"
    record["views"]["answers"] = {"sec_how_doing": "11"}
    path = write_json(tmp_path / "record.json", record)
    result = invoke("generate", "walsall", "pep", "--format", "docx", "--data", path, "-o", out)
    assert_refused(result, out, (
        f"Error: {path}: invalid record, nothing written:\n"
        "child.eal: Not a valid boolean.\n"
        "meeting.time: Not a valid time (use HH:MM, 24-hour).\n"
        "meeting.next_pep_date: The next PEP must come after this meeting.\n"
        "views.answers.sec_how_doing: Must be one of: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10.\n"
        "targets.0.ppg.cost_lines.0.line_total: Disagrees with the computed value 270.00 (£15.00 × 3 × 6).\n"
    ), 1)


def test_a_record_of_an_unknown_authority_is_invalid_data(invoke, templates, out, tmp_path, record):
    record["pep"]["authority"] = "wolverhampton"
    path = write_json(tmp_path / "record.json", record)
    result = invoke("generate", "walsall", "pep", "--format", "docx", "--data", path, "-o", out)
    assert_refused(result, out, f"Error: {path}: invalid record, nothing written:\n"
                                "pep.authority: Unknown authority 'wolverhampton' (known: testshire, walsall).\n", 1)


def test_a_record_for_another_authority_is_refused(invoke, templates, out):
    result = invoke("generate", "testshire", "pep", "--format", "docx", "--data", SAMPLE, "-o", out)
    assert_refused(result, out, f"Error: {SAMPLE}: invalid record, nothing written:\n"
                                "pep.authority: The record is for 'walsall' but 'testshire' was asked for.\n", 1)


def test_a_record_for_another_variant_is_refused(invoke, templates, out):
    result = invoke("generate", "walsall", "views-secondary", "--format", "docx", "--data", SAMPLE, "-o", out)
    assert_refused(result, out, f"Error: {SAMPLE}: invalid record, nothing written:\n"
                                "pep.variant: The record is for 'pep' but 'views-secondary' was asked for.\n", 1)


def test_a_record_for_another_authority_and_variant_gives_both(invoke, templates, out):
    result = invoke("generate", "testshire", "views-primary", "--format", "docx", "--data", SAMPLE, "-o", out)
    assert_refused(result, out, f"Error: {SAMPLE}: invalid record, nothing written:\n"
                                "pep.authority: The record is for 'walsall' but 'testshire' was asked for.\n"
                                "pep.variant: The record is for 'pep' but 'views-primary' was asked for.\n", 1)


@pytest.mark.parametrize(("raw", "message"), [
    (None, "No such file."),
    (b"", "The file is empty."),
    (b'{"pep": {"authority": "walsall",}}', "Not valid JSON: Expecting property name enclosed in double quotes "
                                            "(column 33)."),
    (b'{"pep": {}, "pep": {}}', "Not valid JSON: duplicate key 'pep'."),
    ('{"pep": {}}'.encode("utf-16"), "Encoded as UTF-16; save the record as UTF-8."),
])
def test_an_unreadable_data_file(invoke, templates, out, tmp_path, raw, message):
    path = tmp_path / "record.json"
    if raw is not None:
        path.write_bytes(raw)
    result = invoke("generate", "walsall", "pep", "--format", "docx", "--data", path, "-o", out)
    where = f"{path}:1" if message.startswith("Not valid JSON: Expecting") else str(path)
    assert_refused(result, out, f"Error: {where}: {message}\n", 1)


def test_a_top_level_array_is_invalid_data(invoke, templates, out, tmp_path, record):
    path = write_json(tmp_path / "records.json", [record])
    result = invoke("generate", "walsall", "pep", "--format", "docx", "--data", path, "-o", out)
    assert_refused(result, out, f"Error: {path}: invalid record, nothing written:\n"
                                "A PEP record must be a JSON object.\n", 1)


def test_refused_requests_never_touch_the_input(invoke, templates, out, tmp_path, record):
    record["child"]["eal"] = "yes"
    path = write_json(tmp_path / "record.json", record)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    invoke("generate", "walsall", "pep", "--format", "docx", "--data", path, "-o", out)
    invoke("generate", "testshire", "pep", "--format", "docx", "--data", path, "-o", out)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json", "templates"]
