"""`pep validate` on good and bad files, and the command line as a whole: help, examples, version, exit codes."""

import json

import click
import pytest
from conftest import sample_path, write_json

from generator import __version__
from generator.cli import main

WALSALL = sample_path("walsall", "pep")


@pytest.fixture
def walsall_record() -> dict:
    """The walsall sample as plain JSON (numbers as float, so that write_json writes them back as numbers)."""
    return json.loads(WALSALL.read_text(encoding="utf-8"))


def lines_of(result) -> list[dict]:
    return [json.loads(text) for text in result.stdout.splitlines()]


def test_a_valid_record(invoke):
    result = invoke("validate", WALSALL)
    assert result.stdout == f"{WALSALL}: valid\n"
    # the sample holds values its sections do not show: warned on stderr, kept under "Also recorded"
    assert f"{WALSALL}: warning: previous_targets.*.reason_if_not_met: " in result.stderr
    assert all(line.startswith(f"{WALSALL}: warning: ") for line in result.stderr.splitlines())
    assert result.exit_code == 0


def test_a_valid_record_as_json(invoke):
    result = invoke("validate", WALSALL, "--json")
    [line] = lines_of(result)
    assert {k: line[k] for k in ("source", "valid", "errors")} == {"source": str(WALSALL), "valid": True,
                                                                    "errors": []}
    warned = {w["path"]: w["message"] for w in line["warnings"]}
    assert "Also recorded" in warned["meeting.attendees.*.input_if_absent"]
    assert "pep.id" not in warned  # pep's own stamps are not warned about
    assert result.stderr == ""
    assert result.exit_code == 0


def test_a_record_showing_everything_gets_no_warning(invoke, tmp_path):
    record = json.loads(sample_path("walsall", "views-primary").read_text(encoding="utf-8"))
    record["views"].pop("method", None)
    result = invoke("validate", write_json(tmp_path / "views.json", record), "--json")
    assert "warnings" not in lines_of(result)[0]


def test_an_invalid_record_lists_every_error(invoke, tmp_path, walsall_record):
    walsall_record["child"]["eal"] = "yes"
    walsall_record["child"]["frist_name"] = "Sia"
    walsall_record["attendance"]["sessions_possible"] = "44"
    path = write_json(tmp_path / "record.json", walsall_record)
    result = invoke("validate", path)
    assert result.stdout == (
        f"{path}: invalid (3 errors)\n"
        "  child.eal: Not a valid boolean.\n"
        "  child.frist_name: Unknown field.\n"
        "  attendance.sessions_possible: Not a valid integer.\n"
    )
    assert result.exit_code == 1


def test_one_error_is_counted_in_the_singular(invoke, tmp_path, walsall_record):
    walsall_record["care"] = None
    path = write_json(tmp_path / "record.json", walsall_record)
    result = invoke("validate", path)
    assert result.stdout == f"{path}: invalid (1 error)\n  care: Field may not be null.\n"
    assert result.exit_code == 1


def test_json_lines_one_per_file_in_input_order(invoke, tmp_path, walsall_record):
    good = write_json(tmp_path / "good.json", walsall_record)
    walsall_record["pep"]["term"] = "Autumn"
    bad = write_json(tmp_path / "bad.json", walsall_record)
    missing = tmp_path / "missing.json"
    result = invoke("validate", bad, good, missing, "--json")
    lines = lines_of(result)
    assert lines[1].pop("warnings")  # the Walsall sample holds values its sections do not show
    assert lines == [
        {"source": str(bad), "valid": False,
         "errors": [{"path": "pep.term", "message": "Must be one of: autumn, spring, summer."}]},
        {"source": str(good), "valid": True, "errors": []},
        {"source": str(missing), "valid": False, "errors": [{"path": "", "message": "No such file."}]},
    ]
    assert result.stderr == ""
    assert result.exit_code == 1


def test_json_output_is_utf8_with_characters_kept(invoke, tmp_path, walsall_record):
    walsall_record["child"]["first_name"] = 7
    walsall_record["child"]["gender"] = "fémale"
    path = write_json(tmp_path / "Siân.json", walsall_record)
    result = invoke("validate", path, "--json")
    assert "Siân.json" in result.stdout
    assert lines_of(result)[0]["errors"] == [
        {"path": "child.first_name", "message": "Not a valid string."},
        {"path": "child.gender", "message": "Must be one of: female, male, other, not_stated."},
    ]


def _bad_file(tmp_path, name: str) -> tuple:
    """A file that cannot be read as a record, and the message it gives."""
    path = tmp_path / name
    if name == "missing.json":
        return path, "No such file."
    if name == "folder":
        path.mkdir()
        return path, "Is a directory, not a PEP record."
    contents = {
        "empty.json": (b"", "The file is empty."),
        "syntax.json": (b'{"pep": {"authority": "walsall",}\n}', "line 1: Not valid JSON: Expecting property name "
                                                                   "enclosed in double quotes (column 33)."),
        "utf16.json": ('{"pep": {}}'.encode("utf-16"), "Encoded as UTF-16; save the record as UTF-8."),
        "latin1.json": ('{"child": {"first_name": "Siân"}}'.encode("latin-1"),
                        "Not valid UTF-8 (byte 0xE2 at offset 28); save the record as UTF-8."),
        "duplicate.json": (b'{"pep": {}, "pep": {}}', "Not valid JSON: duplicate key 'pep'."),
        "nan.json": (b'{"attendance": {"percentage": NaN}}', "Not valid JSON: NaN is not allowed in a PEP record."),
        "deep.json": (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply (more than 32 levels)."),
        "array.json": (b'[{"pep": {}, "child": {}}]', "A PEP record must be a JSON object."),
        "string.json": (b'"a record"', "A PEP record must be a JSON object."),
    }
    raw, message = contents[name]
    path.write_bytes(raw)
    return path, message


BAD_FILES = ["missing.json", "folder", "empty.json", "syntax.json", "utf16.json", "latin1.json", "duplicate.json",
             "nan.json", "deep.json", "array.json", "string.json"]


@pytest.mark.parametrize("name", BAD_FILES)
def test_an_unreadable_file_is_one_error_without_a_path(invoke, tmp_path, name):
    path, message = _bad_file(tmp_path, name)
    result = invoke("validate", path, "--json")
    assert lines_of(result) == [{"source": str(path), "valid": False, "errors": [{"path": "", "message": message}]}]
    assert result.stderr == ""
    assert result.exit_code == 1


@pytest.mark.parametrize("name", BAD_FILES)
def test_an_unreadable_file_in_text_output(invoke, tmp_path, name):
    path, message = _bad_file(tmp_path, name)
    result = invoke("validate", path)
    assert result.stdout == f"{path}: invalid (1 error)\n  {message}\n"
    assert result.exit_code == 1


def test_a_file_over_the_size_limit(invoke, tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = invoke("validate", big, "--json")
    assert lines_of(result)[0]["errors"] == [
        {"path": "", "message": "Too large (50.0 MB); a PEP record is at most 10 MB."}]
    assert result.exit_code == 1


def test_a_bad_file_does_not_stop_the_others(invoke, tmp_path):
    names = ["empty.json", "deep.json", "utf16.json"]
    paths = [_bad_file(tmp_path, name)[0] for name in names]
    result = invoke("validate", paths[0], WALSALL, *paths[1:], "--json")
    assert [(line["source"], line["valid"]) for line in lines_of(result)] == [
        (str(paths[0]), False), (str(WALSALL), True), (str(paths[1]), False), (str(paths[2]), False)]
    assert result.exit_code == 1


def test_unknown_authority_and_variant_are_record_errors(invoke, tmp_path, walsall_record):
    walsall_record["pep"]["variant"] = "pep2"
    path = write_json(tmp_path / "record.json", walsall_record)
    (line,) = lines_of(invoke("validate", path, "--json"))
    assert [e["path"] for e in line["errors"]] == ["pep.variant"]
    assert line["errors"][0]["message"].startswith("Unknown variant 'pep2' for walsall (known: pep, ")


def test_validate_needs_a_file(invoke):
    result = invoke("validate")
    assert result.stdout == ""
    assert result.stderr.endswith("Error: Missing argument 'FILES...'.\n")
    assert result.exit_code == 2


def test_an_unknown_option_is_a_usage_error(invoke):
    result = invoke("validate", WALSALL, "--jsn")
    assert result.stderr.endswith("Error: No such option '--jsn'. Did you mean '--json'?\n")
    assert result.exit_code == 2


def test_validate_never_changes_the_file(invoke, tmp_path, walsall_record):
    walsall_record["child"]["first_name"] = "Sia\r\nO"
    path = write_json(tmp_path / "record.json", walsall_record)
    before = path.read_bytes()
    invoke("validate", path, "--json")
    assert path.read_bytes() == before


# --- the command line as a whole -----------------------------------------------------------------


def _commands(group: click.Group, prefix: tuple = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


COMMANDS = list(_commands(main))


def _ends_with_an_example(help_text: str) -> bool:
    description = help_text.split("\nOptions:\n")[0].rstrip()
    example = description.rsplit("\n\n", 1)[-1].splitlines()
    commands = [text.strip() for text in example[1:]]
    return example[0].strip() == "Example:" and bool(commands) and all(c.startswith("pep ") for c in commands)


def help_of(runner, *command):
    return runner.invoke(main, [*command, "--help"], prog_name="pep", catch_exceptions=False)


def test_pep_help_ends_with_an_example_and_lists_the_commands(runner):
    result = help_of(runner)
    assert result.stdout.startswith("Usage: pep [OPTIONS] COMMAND [ARGS]...\n")
    assert _ends_with_an_example(result.stdout)
    for name in ("authorities", "generate", "schema", "validate"):
        assert f"\n  {name} " in result.stdout
    assert result.exit_code == 0


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_help_ends_with_an_example(runner, command):
    result = help_of(runner, *command)
    assert result.stdout.startswith(f"Usage: pep {' '.join(command)} ")
    assert _ends_with_an_example(result.stdout), result.stdout
    assert result.exit_code == 0


def test_the_contract_commands_are_there():
    assert {"authorities", "generate", "validate", "schema", "demo"} <= set(main.commands)


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(invoke, flag):
    result = invoke(flag)
    assert result.stdout == f"pep, version {__version__}\n"
    assert result.exit_code == 0


def test_an_unknown_command_is_a_usage_error(invoke):
    result = invoke("valdate", WALSALL)
    assert result.stdout == ""
    assert "Error: No such command 'valdate'." in result.stderr
    assert result.exit_code == 2
