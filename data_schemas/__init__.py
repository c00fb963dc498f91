"""The PEP record: marshmallow schemas, derived values, the field catalogue and the JSON Schema export."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from marshmallow import ValidationError

from .base import set_path, value_at
from .catalogue import IDENTITY_PATHS, FieldInfo, catalogue, concrete_path, field_info, owner_of, template_of
from .questions import Question, question_bank, questions_for
from .record import PepRecord

__all__ = [
    "IDENTITY_PATHS",
    "FieldInfo",
    "PepRecord",
    "Question",
    "ValidationResult",
    "catalogue",
    "concrete_path",
    "field_info",
    "flatten_messages",
    "owner_of",
    "question_bank",
    "questions_for",
    "set_path",
    "template_of",
    "validate_record",
    "value_at",
]


@dataclass
class ValidationResult:
    """The outcome of validating one record: the normalised record (JSON-ready) or every error by path."""

    record: dict | None
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def flatten_messages(messages, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested messages as (dotted path, message) pairs, in the order they were found."""
    if isinstance(messages, str):
        return [(prefix.rstrip("."), messages)]
    if isinstance(messages, list):
        return [pair for item in messages for pair in flatten_messages(item, prefix)]
    pairs = []
    for key, value in messages.items():
        sub = prefix if key == "_schema" else f"{prefix}{key}."
        pairs += flatten_messages(value, sub)
    return pairs


@cache
def _schema() -> PepRecord:
    """One schema for every load: building the ~60 nested schemas is most of a validation's cost."""
    return PepRecord()


def validate_record(data) -> ValidationResult:
    """Validate a record's shape; derived values are computed and checked. Returns all errors at once."""
    if not isinstance(data, dict):
        return ValidationResult(None, [("", "A PEP record must be a JSON object.")])
    schema = _schema()
    try:
        loaded = schema.load(data)
    except ValidationError as err:
        return ValidationResult(None, flatten_messages(err.messages))
    return ValidationResult(schema.dump(loaded))
