"""The bundled samples: each invalid one fails with exactly its expected paths, every valid one validates."""

import json

import pytest
from conftest import SAMPLES, all_samples

INVALID = SAMPLES / "invalid"
EXPECTED = json.loads((INVALID / "expected.json").read_text(encoding="utf-8"))


def test_every_invalid_sample_has_its_expected_errors_listed():
    files = sorted(p.name for p in INVALID.glob("*.json") if p.name != "expected.json")
    assert files == sorted(EXPECTED)
    assert len(files) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_sample_reports_exactly_the_expected_paths(invoke, name):
    path = INVALID / name
    result = invoke("validate", path, "--json")
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert line["source"] == str(path)
    assert line["valid"] is False
    assert sorted(error["path"] for error in line["errors"]) == sorted(EXPECTED[name])
    assert all(error["message"] for error in line["errors"])
    assert result.exit_code == 1


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_sample_is_valid_json_describing_a_record(name):
    data = json.loads((INVALID / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert {"pep", "child"} <= set(data)


def test_several_errors_in_one_record_are_reported_together(invoke):
    result = invoke("validate", INVALID / "several-errors-at-once.json")
    assert result.stdout == (
        f"{INVALID / 'several-errors-at-once.json'}: invalid (8 errors)\n"
        "  child.gender: Must be one of: female, male, other, not_stated.\n"
        "  child.frist_name: Unknown field.\n"
        "  people.social_worker.phone: Not a valid phone number.\n"
        "  meeting.time: Not a valid time (use HH:MM, 24-hour).\n"
        "  meeting.next_pep_date: The next PEP must come after this meeting.\n"
        "  attendance.sessions_attended: Cannot be more than the sessions possible (54).\n"
        "  targets.0.ppg.cost_lines.1.quantity: Not a valid number.\n"
        "  targets.1.by_date: Comes before the meeting at which the target was set.\n"
    )
    assert result.exit_code == 1


def test_all_invalid_samples_at_once_give_one_line_each(invoke):
    files = [INVALID / name for name in sorted(EXPECTED)]
    result = invoke("validate", *files, "--json")
    lines = [json.loads(text) for text in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(f) for f in files]
    assert not any(line["valid"] for line in lines)
    assert result.exit_code == 1


@pytest.mark.parametrize("path", all_samples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_sample_validates(invoke, path):
    result = invoke("validate", path, "--json")
    line = json.loads(result.stdout)
    assert {k: line[k] for k in ("source", "valid", "errors")} == {"source": str(path), "valid": True, "errors": []}
    assert set(line) <= {"source", "valid", "errors", "warnings"}  # warnings: held values no section shows
    assert result.exit_code == 0


def test_there_is_a_valid_sample_for_walsall():
    assert SAMPLES / "walsall" / "pep.json" in all_samples()
