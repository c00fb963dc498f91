"""Ingesting returned forms: verify identity and signature, refuse tampering, map fields to data paths, validate."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from data_schemas import field_info, set_path

from ..authority.validation import check_record
from ..core.errors import InputError
from ..core.records import read_bytes
from ..signing.keys import KeyRing
from ..signing.manifest import FieldSpec, Manifest
from .reader import MAX_FILE_BYTES
from .safety import Limits, Outcome, WorkerPool

READER = "generator.ingest.reader:read_returned"
_PDF_KIND = {"text": "text", "multiline": "text", "checkbox": "checkbox", "radio": "radio"}
_DATE_FORMS = (re.compile(r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})"),
               re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"))


@dataclass
class IngestResult:
    """The outcome for one returned file, shaped as CONTRACT.md `pep ingest --json` says."""

    source: str
    status: str  # accepted | invalid | rejected
    form: dict | None = None
    record: dict | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    duplicate: bool = False
    sha256: str = ""
    manifest: Manifest | None = None
    values: dict[str, object] = field(default_factory=dict)  # field name -> value as read (typed text kept)
    stored_version: int | None = None
    # Which child the return belongs to and how that was decided: {"child", "by"} with `by` one of "form" (a
    # prefilled form, issued for that child), "social_care_id" or "name_and_date_of_birth" (a blank form matched
    # in the store), "assigned" (by the virtual school); None when nobody could be matched (or there is no store).
    match: dict | None = None
    # What the store did with it: "version" (merged into the child's record), "unmatched" (kept for the virtual
    # school to assign), "original" (the file kept, the record unchanged); None without a store, or a duplicate.
    stored: str | None = None
    unmatched_id: int | None = None

    @property
    def blank(self) -> bool:
        """Whether the return is of a blank form (issued for no child)."""
        return self.manifest is not None and not self.manifest.identity.social_care_id

    def to_json(self) -> dict:
        out = {"source": self.source, "status": self.status, "form": self.form, "record": self.record,
               "errors": [{"path": p, "message": m} for p, m in self.errors],
               "warnings": [{"path": p, "message": m} for p, m in self.warnings], "duplicate": self.duplicate,
               "sha256": self.sha256, "match": self.match, "stored": self.stored}
        if self.stored_version is not None:
            out["stored_version"] = self.stored_version
        if self.unmatched_id is not None:
            out["unmatched_id"] = self.unmatched_id
        return out


def rejected(source: str, message: str, path: str = "", **extra) -> IngestResult:
    return IngestResult(source, "rejected", errors=[(path, message)], **extra)


# -- verification -------------------------------------------------------------------------------------------------

def evaluate(source: str, read: dict, keys: KeyRing, sha256: str = "") -> IngestResult:
    """Turn what the reader found into accepted / invalid / rejected."""
    if read.get("manifest") is None:
        return rejected(source, "Not a form issued by pep: it has fillable fields but no pep form data inside.",
                        sha256=sha256)
    try:
        manifest = Manifest.from_bytes(read["manifest"])
    except (ValueError, UnicodeDecodeError) as err:
        return rejected(source, f"Its pep form data is damaged and cannot be trusted ({err}).", sha256=sha256)
    form = {"authority": manifest.identity.authority, "variant": manifest.identity.variant,
            "form_id": manifest.identity.form_id}
    result = IngestResult(source, "rejected", form, sha256=sha256, manifest=manifest)
    why = manifest.verify(keys)
    if why:
        result.errors = [("", f"Forged, altered or not issued here: {why}")]
        return result
    result.errors = _identity_problems(manifest, read.get("info_form_id")) + tampering(manifest, read["fields"])
    if read.get("info_form_id") is None:
        result.warnings.append(("", "The document information has no form id (some viewers drop it); the signed "
                                    "pep form data inside was used."))
    result.warnings += [("", note) for note in read.get("notes", [])]
    if result.errors:
        return result
    if manifest.identity.social_care_id:
        result.match = {"child": manifest.identity.social_care_id, "by": "form"}
    return _validate(result, read["fields"])


def _identity_problems(manifest: Manifest, info_form_id: str | None) -> list[tuple[str, str]]:
    if info_form_id is not None and info_form_id != manifest.identity.form_id:
        return [("", "The form id in the document information differs from the signed one: the pep form data was "
                     "copied from another form.")]
    return []


def tampering(manifest: Manifest, fields: dict[str, dict]) -> list[tuple[str, str]]:
    """One error per field added, removed, retyped, re-optioned or (read-only) changed since the form was issued."""
    specs = {spec.name: spec for spec in manifest.fields}
    errors = [(specs[name].path, f"Field {name!r} was removed from the form.") for name in specs if name not in fields]
    errors += [("", f"Field {name!r} was added; pep did not issue it.") for name in fields if name not in specs]
    for name, spec in specs.items():
        found = fields.get(name)
        if found is None:
            continue
        if _PDF_KIND[spec.type] != found["kind"]:
            errors.append((spec.path, f"Field {name!r} was changed from a {spec.type} field to a {found['kind']}."))
        elif spec.type == "radio" and sorted(found.get("options", [])) != sorted(spec.options):
            errors.append((spec.path, f"The choices of field {name!r} were changed."))
        elif spec.readonly and not same_value(spec, spec_value(spec, manifest.prefilled.get(name)), found["value"]):
            errors.append((spec.path, f"Read-only field {name!r} was changed after pep issued the form."))
    return errors


def spec_value(spec: FieldSpec, issued) -> object:
    """A prefilled value as the reader would return it."""
    if spec.type == "checkbox":
        return bool(issued)
    if spec.type == "radio":
        return None if issued in (None, "") else str(issued)
    return "" if issued is None else str(issued)


def same_value(spec: FieldSpec, issued, returned) -> bool:
    if spec.type in ("text", "multiline"):
        return (issued or "").replace("\r\n", "\n") == (returned or "")
    return issued == returned


# -- mapping and validation ---------------------------------------------------------------------------------------

def _validate(result: IngestResult, fields: dict[str, dict]) -> IngestResult:
    manifest = result.manifest
    record, problems = {}, []
    for spec in manifest.fields:
        raw = fields[spec.name]["value"]
        result.values[spec.name] = raw
        value, problem = convert(spec, raw)
        if problem:
            problems.append((spec.path, problem))
        if not _derived(spec.path):
            set_path(record, spec.path, value)
    _add_identity(record, manifest)
    record = drop_empty_items(record)
    checked = check_record(record)
    errors = problems + [e for e in checked.errors if e not in problems and e[0] not in {p for p, _ in problems}]
    if errors:
        result.status, result.record, result.errors = "invalid", record, errors
    else:
        result.status, result.record, result.errors = "accepted", checked.record, []
    return result


def _derived(path: str) -> bool:
    info = field_info(path)
    return bool(info and info.derived)


def _add_identity(record: dict, manifest: Manifest) -> None:
    ident = manifest.identity
    pep = record.setdefault("pep", {})
    pep.setdefault("authority", ident.authority)
    pep.setdefault("variant", ident.variant)
    if ident.social_care_id:
        record.setdefault("child", {}).setdefault("social_care_id", ident.social_care_id)


def convert(spec: FieldSpec, raw) -> tuple[object, str | None]:
    """The value to put at the field's data path, and a problem when it could not be converted (text kept)."""
    if spec.type == "checkbox":
        return bool(raw), None
    if spec.type == "radio":
        if raw is None:
            return None, None
        return raw, None if raw in spec.options else f"{raw!r} is not one of the choices ({', '.join(spec.options)})."
    text = raw or ""
    info = field_info(spec.path)
    kind = info.type if info else "string"
    if text == "":
        return ([] if kind == "texts" else None), None
    converter = _CONVERTERS.get(kind)
    if converter is None:
        return text, None
    value = converter(text.strip())
    return (text, None) if value is None else (value, None)


def _to_int(text: str):
    return int(text.replace(",", "")) if re.fullmatch(r"[+-]?\d[\d,]*", text) else None


def _to_number(text: str):
    try:
        return Decimal(text.replace(",", "")) if re.fullmatch(r"[+-]?[\d,]*\.?\d+", text) else None
    except InvalidOperation:
        return None


def _to_date(text: str):
    """YYYY-MM-DD, or the UK day-first forms D/M/YYYY, DD.MM.YYYY, DD-MM-YYYY, as YYYY-MM-DD when a real date."""
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
            except ValueError:
                return None
    return None


def _to_datetime(text: str):
    """YYYY-MM-DD HH:MM (the form's hint) or YYYY-MM-DDTHH:MM, as ISO 8601."""
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2})?)", text)
    return f"{match[1]}T{match[2]}" if match else None


def _to_lines(text: str):
    """A list of short texts, one a line (blank lines dropped)."""
    return [line.strip() for line in text.split("\n") if line.strip()]


_CONVERTERS: dict[str, Callable[[str], object]] = {"integer": _to_int, "number": _to_number, "date": _to_date,
                                                   "datetime": _to_datetime, "texts": _to_lines}


def _is_empty(value) -> bool:
    if isinstance(value, dict):
        return all(_is_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(_is_empty(v) for v in value)
    return value in (None, "", False)


def drop_empty_items(value):
    """Leave out list items (repeatable slots) where nothing was filled in."""
    if isinstance(value, dict):
        return {k: drop_empty_items(v) for k, v in value.items()}
    if isinstance(value, list):
        return [drop_empty_items(v) for v in value if not (isinstance(v, dict | list) and _is_empty(v))]
    return value


# -- batch --------------------------------------------------------------------------------------------------------

@dataclass
class _Loaded:
    source: str
    data: bytes | None = None
    error: str | None = None
    sha256: str = ""


def _load(path: Path) -> _Loaded:
    try:
        data = read_bytes(Path(path), MAX_FILE_BYTES, "a returned form")
    except InputError as err:
        return _Loaded(str(path), error=err.message)
    return _Loaded(str(path), data, sha256=hashlib.sha256(data).hexdigest())


def ingest_files(paths: Iterable[Path], keys: KeyRing, *, workers: int = 1, limits: Limits | None = None,
                 pool: WorkerPool | None = None, passwords: tuple[str, ...] = ()
                 ) -> Iterator[tuple[IngestResult, bytes | None]]:
    """Read, verify and validate each file in input order, with its bytes (for the store); bad files never stop
    the batch. Reading happens in bounded worker processes (`pool`, or a new one with `workers`); `passwords` are
    tried on encrypted forms after the empty one."""
    keys.require_any()
    own = pool is None
    pool = pool or WorkerPool(READER, workers, limits)
    loaded: list[_Loaded] = []

    def payloads():
        for path in paths:
            item = _load(path)
            loaded.append(item)
            data = item.data if item.data is not None else b""
            yield (data, tuple(passwords)) if passwords else data

    try:
        for index, outcome in enumerate(pool.map(payloads())):
            item = loaded[index]
            loaded[index] = None
            yield judge(item, outcome, keys), item.data
    finally:
        if own:
            pool.close()


def judge(item: _Loaded, outcome: Outcome, keys: KeyRing) -> IngestResult:
    if item.error:
        return rejected(item.source, item.error)
    if outcome.error:
        return rejected(item.source, outcome.error, sha256=item.sha256)
    return evaluate(item.source, outcome.value, keys, item.sha256)
