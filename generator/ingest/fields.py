"""Reading a pep form back for `pep form fields`: its manifest and each field's value, through the hardened reader.

Field values are normalised by `generator.ingest.reader` (the same code ingestion uses): text with \\n line ends
(a missing /V is ""), checkboxes true unless Off, radios as the option value whatever the client wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import InputError
from ..signing.manifest import Manifest
from .reader import read_returned
from .safety import Refused


@dataclass(frozen=True)
class FieldValue:
    type: str  # text | multiline | checkbox | radio | choice | signature | pushbutton | unknown
    value: object
    readonly: bool = False
    options: tuple[str, ...] = ()  # radio: the values its buttons stand for


@dataclass
class FormContents:
    manifest: Manifest | None
    form_id: str | None
    fields: dict[str, FieldValue] = field(default_factory=dict)
    problem: str | None = None  # why there is no manifest
    encrypted: bool = False


def _field_value(raw: dict) -> FieldValue:
    kind = "multiline" if raw["kind"] == "text" and raw.get("multiline") else raw["kind"]
    value = "" if kind == "radio" and raw.get("value") is None else raw.get("value")  # unanswered, as for text
    return FieldValue(kind, value, bool(raw.get("readonly")), tuple(raw.get("options") or ()))


def read_form(source: bytes | str | Path, password: str | None = None) -> FormContents:
    """The manifest and field values of a PDF form (InputError when it is not a readable, fillable PDF)."""
    name = None if isinstance(source, bytes) else str(source)
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as err:
        raise InputError(f"Cannot read the file: {err.strerror}.", file=name) from err
    try:
        read = read_returned((data, (password,)) if password else data)
    except Refused as err:
        raise InputError(err.message, file=name) from err
    manifest, problem = None, "Not a form made by pep: it carries no pep-form.json manifest."
    if read["manifest"] is not None:
        try:
            manifest, problem = Manifest.from_bytes(read["manifest"]), None
        except (ValueError, UnicodeDecodeError) as err:
            problem = f"The form's manifest cannot be read ({err})."
    fields = {name: _field_value(raw) for name, raw in read["fields"].items()}
    return FormContents(manifest, read["info_form_id"], fields, problem, read["encrypted"])
