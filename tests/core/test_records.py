"""Reading record files: size, encoding, JSON syntax, duplicate keys, constants and nesting, each with its message."""

from decimal import Decimal

import pytest

from generator.core.errors import InputError
from generator.core.records import MAX_DEPTH, load_json_file, parse_json, read_bytes


def error_of(raw: bytes, source: str = "in.json") -> InputError:
    with pytest.raises(InputError) as caught:
        parse_json(raw, source)
    return caught.value


def test_numbers_with_a_fraction_stay_exact():
    assert parse_json(b'{"amount": 0.1, "weeks": 6, "pct": 95.50}', "in.json") == {
        "amount": Decimal("0.1"), "weeks": 6, "pct": Decimal("95.50")}


def test_a_utf8_byte_order_mark_is_accepted():
    assert parse_json(b'\xef\xbb\xbf{"name": "Si\xc3\xa2n"}', "in.json") == {"name": "Siân"}


@pytest.mark.parametrize(("raw", "message", "line"), [
    (b"", "The file is empty.", None),
    (b" \n\t\n", "The file is empty.", None),
    (b'{"a": 1,\n "b": }', "Not valid JSON: Expecting value (column 7).", 2),
    (b'{"a": 1} {"b": 2}', "Not valid JSON: Extra data (column 10).", 1),
    (b"{'a': 1}", "Not valid JSON: Expecting property name enclosed in double quotes (column 2).", 1),
    (b'{"a": 1, "a": 2}', "Not valid JSON: duplicate key 'a'.", None),
    (b'{"child": {"upn": "A1", "upn": "A2"}}', "Not valid JSON: duplicate key 'upn'.", None),
    (b'{"a": NaN}', "Not valid JSON: NaN is not allowed in a PEP record.", None),
    (b'{"a": Infinity}', "Not valid JSON: Infinity is not allowed in a PEP record.", None),
    (b'{"a": -Infinity}', "Not valid JSON: -Infinity is not allowed in a PEP record.", None),
    ('{"a": 1}'.encode("utf-16"), "Encoded as UTF-16; save the record as UTF-8.", None),
    ('{"a": 1}'.encode("utf-16-le"), "Encoded as UTF-16; save the record as UTF-8.", None),
    ('{"a": 1}'.encode("utf-16-be"), "Encoded as UTF-16; save the record as UTF-8.", None),
    ('{"a": 1}'.encode("utf-32"), "Encoded as UTF-32; save the record as UTF-8.", None),
    ('{"name": "Siân"}'.encode("latin-1"), "Not valid UTF-8 (byte 0xE2 at offset 12); save the record as UTF-8.",
     None),
    ('{"name": "Zoë"}'.encode("cp1252"), "Not valid UTF-8 (byte 0xEB at offset 12); save the record as UTF-8.", None),
])
def test_unreadable_json_gives_a_clear_message(raw, message, line):
    err = error_of(raw)
    assert err.message == message
    assert err.line == line
    assert err.file == "in.json"
    assert err.exit_code == 1


def test_the_error_names_the_file_and_line():
    assert str(error_of(b'{\n\n"a" 1}', "samples/x.json")) == (
        "samples/x.json:3: Not valid JSON: Expecting ':' delimiter (column 5).")
    assert str(error_of(b"", "samples/x.json")) == "samples/x.json: The file is empty."


def test_nesting_up_to_the_limit_is_read():
    raw = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json(raw, "in.json") is not None


@pytest.mark.parametrize("raw", [
    b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
    b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1),
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
    b"[" * 100_000,
])
def test_deep_nesting_is_refused_without_crashing(raw):
    assert error_of(raw).message == f"JSON nested too deeply (more than {MAX_DEPTH} levels)."


def test_a_missing_file(tmp_path):
    with pytest.raises(InputError) as caught:
        load_json_file(tmp_path / "missing.json")
    assert str(caught.value) == f"{tmp_path / 'missing.json'}: No such file."


def test_a_directory(tmp_path):
    with pytest.raises(InputError) as caught:
        load_json_file(tmp_path)
    assert str(caught.value) == f"{tmp_path}: Is a directory, not a PEP record."


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written to disk
    with pytest.raises(InputError) as caught:
        load_json_file(big)
    assert str(caught.value) == f"{big}: Too large (50.0 MB); a PEP record is at most 10 MB."


def test_the_size_limit_and_wording_can_be_chosen(tmp_path):
    path = tmp_path / "form.pdf"
    path.write_bytes(b"x" * 3 * 1024 * 1024)
    with pytest.raises(InputError) as caught:
        read_bytes(path, limit=2 * 1024 * 1024, what="a form")
    assert caught.value.message == "Too large (3.0 MB); a form is at most 2 MB."
    assert read_bytes(path, limit=3 * 1024 * 1024) == b"x" * 3 * 1024 * 1024


def test_a_top_level_array_is_read_as_json(tmp_path):
    path = tmp_path / "list.json"
    path.write_text('[{"pep": {}}]', encoding="utf-8")
    assert load_json_file(path) == [{"pep": {}}]


def test_reading_never_changes_the_file(tmp_path):
    path = tmp_path / "record.json"
    path.write_bytes(b'{"a": 1, "a": 2}')
    before = path.stat()
    with pytest.raises(InputError):
        load_json_file(path)
    assert path.read_bytes() == b'{"a": 1, "a": 2}'
    assert path.stat().st_mtime_ns == before.st_mtime_ns
