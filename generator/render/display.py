"""How values are shown in documents: UK dates, pounds, Yes/No, option labels, and safe text."""

from __future__ import annotations

import datetime as dt
import re

from data_schemas import FieldInfo

# C0 controls (except tab and line feed) and DEL break Word XML and PDF text; tabs become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TICK, BOX = "☒", "☐"


def clean_text(value: str) -> str:
    """Line ends as \\n, no control characters (Word's VT and form feeds become line ends)."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\x0c", "\n")
    return _CONTROL.sub("", text.replace("\t", "    "))


def format_date(value: str) -> str:
    """2025-09-03 -> 3 September 2025."""
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    text = f"{day.day} {day:%B %Y}"
    if len(value) > 10 and "T" in value:
        text += f", {value[11:16]}"
    return text


def format_value(value, info: FieldInfo | None = None, options: dict | None = None) -> str:
    """A record value as text for a document ("" when absent)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "\n".join(format_value(v, info, options) for v in value)
    widget = info.widget if info else None
    text = clean_text(str(value))
    if options and text in options:
        return options[text]
    if info is not None:
        labels = dict(info.option_labels)
        if text in labels:
            return labels[text]
        if info.unit == "£":
            return f"£{text}"
        if info.unit == "%":
            return f"{text}%"
    if widget in ("date", "datetime"):
        return format_date(text)
    return text
