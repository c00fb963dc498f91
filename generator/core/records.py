"""Reading record files safely: size, encoding, JSON syntax, duplicate keys and nesting depth, with clear messages."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from .errors import InputError

MAX_RECORD_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 32
_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16",
}


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _refuse_constant(name):
    raise ValueError(f"{name} is not allowed in a PEP record")


def _depth(value) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def read_bytes(path: Path, limit: int = MAX_RECORD_BYTES, what: str = "a PEP record") -> bytes:
    """The bytes of an input file, refusing missing files, directories and files over the limit."""
    if not path.exists():
        raise InputError("No such file.", file=str(path))
    if path.is_dir():
        raise InputError(f"Is a directory, not {what}.", file=str(path))
    size = path.stat().st_size
    if size > limit:
        raise InputError(f"Too large ({size / 1_048_576:.1f} MB); {what} is at most {limit // 1_048_576} MB.",
                         file=str(path))
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"Cannot read: {err.strerror}.", file=str(path)) from err


def parse_json(raw: bytes, source: str):
    """Parse JSON text (UTF-8, with or without BOM) exactly: decimals stay Decimal, duplicate keys are errors."""
    for bom, name in _BOMS.items():
        if raw.startswith(bom):
            raise InputError(f"Encoded as {name}; save the record as UTF-8.", file=source)
    detected = json.detect_encoding(raw[:4])
    if not detected.startswith("utf-8"):  # UTF-16 or UTF-32 without a byte order mark
        raise InputError(f"Encoded as {detected[:6].upper()}; save the record as UTF-8.", file=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"Not valid UTF-8 (byte 0x{raw[err.start]:02X} at offset {err.start}); "
                         "save the record as UTF-8.", file=source) from err
    if not text.strip():
        raise InputError("The file is empty.", file=source)
    try:
        data = json.loads(text, parse_float=Decimal, object_pairs_hook=_no_duplicates,
                          parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise InputError(f"Not valid JSON: {err.msg} (column {err.colno}).", file=source, line=err.lineno) from err
    except RecursionError as err:
        raise InputError(f"JSON nested too deeply (more than {MAX_DEPTH} levels).", file=source) from err
    except ValueError as err:
        raise InputError(f"Not valid JSON: {err}.", file=source) from err
    if _depth(data) > MAX_DEPTH:
        raise InputError(f"JSON nested too deeply (more than {MAX_DEPTH} levels).", file=source)
    return data


def load_json_file(path: Path):
    """Read and parse one JSON record file."""
    return parse_json(read_bytes(path), str(path))
