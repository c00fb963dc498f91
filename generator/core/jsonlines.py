"""JSON text that stays one line for every reader: the one helper every JSON and JSON Lines writer uses.

`json.dumps(..., ensure_ascii=False)` writes U+0085 (NEL), U+2028 and U+2029 raw. They are valid inside JSON
strings, but Python's `str.splitlines`, many log tools and JavaScript before ES2019 read them as line breaks, so
one record would become several lines. Lone surrogates (which a returned form can carry) cannot be written as
UTF-8 at all. Each is written as its `\\uXXXX` escape instead: the same JSON value, on one line.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

_LINE_BREAKING = re.compile("[\u0085\u2028\u2029\ud800-\udfff]")


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def escape_line_breaks(text: str) -> str:
    """JSON text with U+0085, U+2028, U+2029 and lone surrogates written as escapes (only ever inside strings)."""
    return _LINE_BREAKING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_text(value, indent: int | None = None, *, sort_keys: bool = False, default=_default) -> str:
    """UTF-8-ready JSON text (non-ASCII kept, money as strings) that no reader splits over lines."""
    return escape_line_breaks(json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sort_keys,
                                         default=default))


def json_line(value, **kwargs) -> str:
    """One JSON Lines entry (without its line end)."""
    return json_text(value, None, **kwargs)
