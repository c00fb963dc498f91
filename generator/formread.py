"""Reading a pep form back: its manifest (identity, field map, signature) and the current value of every field.

`read_form(data)` (used by `pep form fields`) returns a `FormContents`: `manifest` (or None, with `problem` saying
why), `form_id` from the document information, and `fields`: field name -> `FieldValue(type, value, readonly,
options)` for every terminal field in the PDF, whether or not the manifest lists it. Values are normalised as
research/pdf-docx-notes.md §9 says real clients require: text with line ends as \n (a missing /V is ""), checkboxes
True unless Off, radios as the option value (state names or indexes into /Opt; a /V written as a string or left on
a kid is accepted). It trusts the file (forms pep made, read locally); returned forms from outside go through
generator.ingest_reader, which is hardened against hostile files. Nothing is checked against a key here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from .errors import InputError
from .formspec import INFO_KEY, MANIFEST_NAME, Manifest

RADIO_FLAG = 1 << 15
READ_ONLY_FLAG = 1


@dataclass(frozen=True)
class FieldValue:
    type: str  # text | multiline | checkbox | radio | choice | signature | unknown
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


def read_form(source: bytes | str | Path, password: str | None = None) -> FormContents:
    """The manifest and field values of a PDF form (raises InputError when it is not a readable PDF)."""
    name = None if isinstance(source, bytes) else str(source)
    data = source if isinstance(source, bytes) else _read(Path(source))
    try:
        reader = PdfReader(io.BytesIO(data), password=password)
        encrypted = reader.is_encrypted
        manifest, problem = _manifest(reader)
        info = reader.metadata or {}
        fields = collect_fields(reader)
    except FileNotDecryptedError as err:
        raise InputError("The form is encrypted; give its password.", file=name) from err
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise InputError(f"Not a readable PDF ({err}).", file=name) from err
    form_id = info.get(INFO_KEY)
    return FormContents(manifest, str(form_id) if form_id is not None else None, fields, problem, encrypted)


def collect_fields(reader: PdfReader) -> dict[str, FieldValue]:
    """Every terminal field of the document by its fully qualified name, values normalised."""
    fields: dict[str, FieldValue] = {}
    acro = reader.trailer["/Root"].get("/AcroForm")
    for ref in (acro or {}).get("/Fields") or ():
        _walk(ref.get_object(), "", {}, fields)
    return fields


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"Cannot read the file: {err.strerror}.", file=str(path)) from err


def _manifest(reader: PdfReader) -> tuple[Manifest | None, str | None]:
    found = reader.attachments.get(MANIFEST_NAME)
    if not found:
        return None, "Not a form made by pep: it carries no pep-form.json manifest."
    try:
        return Manifest.from_bytes(found[0]), None
    except (ValueError, UnicodeDecodeError) as err:
        return None, f"The form's manifest cannot be read ({err})."


def _inherited(obj, key: str, inherited: dict):
    return obj.get(key, inherited.get(key))


def _walk(obj, prefix: str, inherited: dict, out: dict[str, FieldValue]) -> None:
    """Fields with a /T of their own are named parent.child; kids without /T are widgets of their parent."""
    part = obj.get("/T")
    name = f"{prefix}.{part}" if prefix and part is not None else str(part if part is not None else prefix)
    passed = {k: _inherited(obj, k, inherited) for k in ("/FT", "/Ff", "/V", "/Opt")}
    kids = [k.get_object() for k in obj.get("/Kids") or ()]
    named = [k for k in kids if "/T" in k]
    if named:
        for kid in named:
            _walk(kid, name, passed, out)
        return
    out[name] = _value(obj, kids, passed)


def _value(obj, widgets: list, passed: dict) -> FieldValue:
    kind, flags = passed.get("/FT"), int(passed.get("/Ff") or 0)
    readonly = bool(flags & READ_ONLY_FLAG)
    value = passed.get("/V")
    if kind == "/Tx":
        text = "" if value is None else str(value)
        return FieldValue("multiline" if flags & (1 << 12) else "text", _lines(text), readonly)
    if kind == "/Btn" and flags & RADIO_FLAG:
        buttons, options = widgets or [obj], passed.get("/Opt")
        return FieldValue("radio", _radio(value, buttons, options), readonly, _options(buttons, options))
    if kind == "/Btn":
        state = _state(value) or _state(obj.get("/AS"))
        return FieldValue("checkbox", state not in (None, "", "Off"), readonly)
    if kind == "/Ch":
        if isinstance(value, list):
            value = value[0] if value else None
        return FieldValue("choice", "" if value is None else str(value), readonly)
    return FieldValue("signature" if kind == "/Sig" else "unknown", None if value is None else str(value), readonly)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _state(value) -> str | None:
    """A button state: a name (/x) or a string written as "/x" by some clients."""
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        if value is None:
            return None
    return str(value).lstrip("/")


def _options(widgets: list, options) -> tuple[str, ...]:
    """The values of a radio group's buttons: their on-state names, or /Opt by position."""
    states = [next((str(k).lstrip("/") for k in (w.get("/AP") or {}).get("/N") or {} if k != "/Off"), "")
              for w in widgets]
    if options:
        return tuple(str(o[0] if isinstance(o, list) else o) for o in options)
    return tuple(s for s in states if s)


def _radio(value, widgets: list, options) -> str:
    state = _state(value)
    if state in (None, "", "Off"):  # some clients leave the group's /V and set a kid's /AS (or /V) instead
        state = next((s for w in widgets for s in (_state(w.get("/V")), _state(w.get("/AS")))
                      if s not in (None, "", "Off")), None)
    if state in (None, "", "Off"):
        return ""
    if options and state.isdigit() and int(state) < len(options):
        option = options[int(state)]
        return str(option[0] if isinstance(option, list) else option)
    return state
