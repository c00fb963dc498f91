"""Field types of the PEP record: strict JSON types, money, percentages, clean text, and owner/label metadata."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from marshmallow import fields, validate

# Roles that own (fill in) a part of the record.
OWNERS = ("sw", "dt", "child", "carer", "vs", "both", "system")
OWNER_NAMES = {
    "sw": "social worker",
    "dt": "designated teacher",
    "child": "child or young person",
    "carer": "carer",
    "vs": "virtual school",
    "both": "social worker and designated teacher",
    "system": "system (computed)",
}

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 20_000
MONEY_MAX = Decimal("1000000")

# "360", "360.00", "£1,200.50": digits with optional £ and thousands commas (no exponents); the range and the
# number of decimal places are checked after, with messages of their own.
_MONEY_TEXT = re.compile(r"^-?£?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
# C0 controls other than tab and line feed, DEL, C1 controls (U+0080-U+009F, NEL U+0085 among them: a line break to
# many readers) and lone surrogates: never valid in a PEP. One definition for every text (answers too).
BAD_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Word's manual line break (VT) and form feed paste in from documents: keep them as line ends.
_LINE_ENDS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def bad_char_message(text: str) -> str | None:
    """Why a text cannot be held (a control character or lone surrogate, with its position), or None."""
    bad = BAD_CHARS.search(text)
    if bad is None:
        return None
    code, pos = ord(bad.group()), bad.start() + 1
    if 0xD800 <= code <= 0xDFFF:
        return f"Contains a lone surrogate (U+{code:04X}) at position {pos}, which is not a character."
    return f"Contains a control character (U+{code:04X}) at position {pos}."


def _meta(label: str, owner: str | None, extra: dict | None = None) -> dict:
    meta = {"label": label}
    if owner:
        if owner not in OWNERS:
            raise ValueError(f"unknown owner {owner!r}")
        meta["owner"] = owner
    if extra:
        meta.update(extra)
    return meta


class Text(fields.String):
    """A string with line ends normalised to \\n and control characters refused."""

    default_error_messages = {  # noqa: RUF012 (marshmallow merges this class attribute)
        "control": "Contains a control character (U+{code:04X}) at position {pos}.",
        "surrogate": "Contains a lone surrogate (U+{code:04X}) at position {pos}, which is not a character.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_ENDS)
        bad = BAD_CHARS.search(text)
        if bad:
            kind = "surrogate" if 0xD800 <= ord(bad.group()) <= 0xDFFF else "control"
            raise self.make_error(kind, code=ord(bad.group()), pos=bad.start() + 1)
        return text


class StrictInteger(fields.Integer):
    """An integer that refuses strings, floats with a fraction and booleans."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    """Only JSON true and false."""

    truthy = frozenset({True})
    falsy = frozenset({False})

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):  # 1 and 0 equal True and False in Python, so the sets above let them in
            raise self.make_error("invalid", input=value)
        return value


class Number(fields.Decimal):
    """A JSON number (not a string), kept exactly as a Decimal, dumped as a JSON number."""

    default_error_messages = {"places": "Use at most {places} decimal places."}  # noqa: RUF012

    def __init__(self, places: int = 2, **kwargs):
        self.max_places = places
        super().__init__(allow_nan=False, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool | str):
            raise self.make_error("invalid")
        number = super()._validated(value)
        if number is not None and number.as_tuple().exponent < -self.max_places:
            raise self.make_error("places", places=self.max_places)
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return int(value) if value == value.to_integral_value() else float(value)


class Money(fields.Field):
    """Pounds sterling, at most 2 decimal places, from a JSON number or a string like "360.00"; dumped as "360.00"."""

    default_error_messages = {  # noqa: RUF012
        "invalid": "Not a valid amount of money (use a number or a string such as \"360.00\").",
        "places": "Money has at most 2 decimal places.",
        "range": "Must be between 0.00 and 1000000.00.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            raise self.make_error("invalid")
        if isinstance(value, str) and not _MONEY_TEXT.match(value.strip()):
            raise self.make_error("invalid")
        text = value.strip().lstrip("£").replace(",", "") if isinstance(value, str) else str(value)
        try:
            amount = Decimal(text)
        except InvalidOperation as err:
            raise self.make_error("invalid") from err
        if not amount.is_finite():
            raise self.make_error("invalid")
        if amount.as_tuple().exponent < -2:
            raise self.make_error("places")
        if not Decimal(0) <= amount <= MONEY_MAX:
            raise self.make_error("range")
        return amount.quantize(Decimal("0.01"))

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value).quantize(Decimal('0.01'))}"


class IsoDate(fields.Date):
    """A calendar date written YYYY-MM-DD."""

    default_error_messages = {"invalid": "Not a valid date (use YYYY-MM-DD)."}  # noqa: RUF012

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class IsoDateTime(fields.DateTime):
    """A date and time in ISO 8601 (YYYY-MM-DDTHH:MM[:SS][+00:00])."""

    default_error_messages = {"invalid": "Not a valid date and time (use YYYY-MM-DDTHH:MM)."}  # noqa: RUF012

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}.*", value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
        return value.isoformat()


# --- constructors used by the record schemas --------------------------------------------------


def text(label: str, owner: str | None = None, max_length: int = SHORT_TEXT_MAX, **extra) -> Text:
    """A single-line text field."""
    return Text(allow_none=True, validate=validate.Length(max=max_length),
                metadata=_meta(label, owner, {"widget": "text", **extra}))


def longtext(label: str, owner: str | None = None, **extra) -> Text:
    """A multi-line free-text field."""
    return Text(allow_none=True, validate=validate.Length(max=LONG_TEXT_MAX),
                metadata=_meta(label, owner, {"widget": "multiline", **extra}))


def pattern(label: str, regex: str, message: str, owner: str | None = None, **kw) -> Text:
    """A short text that must match a pattern (ids, codes)."""
    return Text(allow_none=kw.pop("allow_none", True), required=kw.pop("required", False),
                validate=validate.Regexp(regex, error=message),
                metadata=_meta(label, owner, {"widget": "text", **kw}))


def choice(label: str, options, owner: str | None = None, **extra) -> Text:
    """One value from a fixed list; options may be a list of values or a dict value -> label."""
    values = list(options)
    labels = dict(options) if isinstance(options, dict) else {v: v.replace("_", " ").capitalize() for v in values}
    return Text(allow_none=True, validate=validate.OneOf(values, error="Must be one of: {choices}."),
                metadata=_meta(label, owner, {"widget": "choice", "options": values, "option_labels": labels,
                                              **extra}))


def flag(label: str, owner: str | None = None, **extra) -> StrictBoolean:
    """A yes/no tick box."""
    return StrictBoolean(allow_none=True, metadata=_meta(label, owner, {"widget": "checkbox", **extra}))


def integer(label: str, low: int | None = None, high: int | None = None, owner: str | None = None,
            **extra) -> StrictInteger:
    """A whole number, optionally within a range."""
    rng = validate.Range(min=low, max=high) if low is not None or high is not None else None
    return StrictInteger(allow_none=True, validate=rng, metadata=_meta(label, owner, {"widget": "text", **extra}))


def number(label: str, low=0, high=None, places: int = 2, owner: str | None = None, **extra) -> Number:
    """A decimal number, optionally within a range."""
    return Number(places=places, allow_none=True, validate=validate.Range(min=low, max=high),
                  metadata=_meta(label, owner, {"widget": "text", **extra}))


def percent(label: str, owner: str | None = None, **extra) -> Number:
    """A percentage from 0 to 100."""
    return number(label, 0, 100, places=2, owner=owner, unit="%", **extra)


def money(label: str, owner: str | None = None, **extra) -> Money:
    """An amount in pounds."""
    return Money(allow_none=True, metadata=_meta(label, owner, {"widget": "text", "unit": "£", **extra}))


def date(label: str, owner: str | None = None, data_key: str | None = None, **extra) -> IsoDate:
    """A calendar date (`data_key` when the JSON key is a Python keyword, such as "from")."""
    return IsoDate(allow_none=True, data_key=data_key, metadata=_meta(label, owner, {"widget": "date", **extra}))


def datetime(label: str, owner: str | None = None, **extra) -> IsoDateTime:
    """A date and time."""
    return IsoDateTime(allow_none=True, metadata=_meta(label, owner, {"widget": "datetime", **extra}))


def email(label: str = "Email", owner: str | None = None) -> Text:
    """An email address."""
    return pattern(label, r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "Not a valid email address.", owner)


def time(label: str, owner: str | None = None) -> Text:
    """A time of day, HH:MM (24-hour)."""
    return pattern(label, r"^([01]\d|2[0-3]):[0-5]\d$", "Not a valid time (use HH:MM, 24-hour).", owner)


def nested(schema, label: str, owner: str | None = None, required: bool = False, **extra) -> fields.Nested:
    """A sub-object; its fields inherit the owner unless they declare their own."""
    return fields.Nested(schema, required=required, metadata=_meta(label, owner, {"widget": "group", **extra}))


def many(schema, label: str, owner: str | None = None, max_items: int = 200, **extra) -> fields.List:
    """A list of sub-objects (targets, attendees, cost lines)."""
    return fields.List(fields.Nested(schema), validate=validate.Length(max=max_items),
                       metadata=_meta(label, owner, {"widget": "table", **extra}))


def texts(label: str, owner: str | None = None, max_items: int = 50, **extra) -> fields.List:
    """A list of short texts (names, subjects)."""
    return fields.List(Text(validate=validate.Length(max=SHORT_TEXT_MAX)), validate=validate.Length(max=max_items),
                       metadata=_meta(label, owner, {"widget": "lines", **extra}))
