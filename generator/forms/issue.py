"""`--format form`: fillable PDF forms. The layout is rendered once and cached; each child's form is a fill of it,
carrying its field map, identity and HMAC signature inside (CONTRACT.md "Forms")."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
from dataclasses import asdict

from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions

from data_schemas import value_at

from ..core.errors import UsageError
from ..render.display import clean_text, format_value
from ..signing.keys import KeyRing
from ..signing.manifest import INFO_KEY, MANIFEST_NAME, FieldSpec, FormIdentity, Manifest, canonical_with, fields_json
from .fill import fill_layout
from .font import form_font
from .layout import layout as cached_layout
from .layout import template_version
from .plan import FormPlan, PlannedField, plan_form

_ISO_MINUTES = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
PERMISSIONS = (UserAccessPermissions.PRINT | UserAccessPermissions.PRINT_TO_REPRESENTATION
               | UserAccessPermissions.FILL_FORM_FIELDS | UserAccessPermissions.ADD_OR_MODIFY
               | UserAccessPermissions.EXTRACT | UserAccessPermissions.EXTRACT_TEXT_AND_GRAPHICS)


def render(request) -> bytes:
    """A fillable form for the request's record (or a blank one), signed with the current key."""
    options = request.options
    keys = options.get("keys") or KeyRing.load()
    key = keys.current()
    issue_date = _issue_date(options.get("issue_date"))
    profile, variant, record = request.profile, request.variant, request.record
    plan = plan_form(profile, variant, request.model.audience, record)
    layout = cached_layout(profile.id, plan)
    values = {f.name: field_value(f, record) for f in plan.fields}
    manifest = make_manifest(request, plan, values, issue_date, key.id).sign(key)
    shown = {f.name: shown_text(f, record, values[f.name]) for f in plan.fields if f.spec.readonly}
    return fill(layout, plan, values, shown, manifest, request.model.metadata, options.get("password"))


def _issue_date(value) -> str:
    if value is None:
        return dt.date.today().isoformat()
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError as err:
        raise UsageError(f"The issue date {text!r} is not a date (YYYY-MM-DD).") from err


def field_value(planned: PlannedField, record: dict | None):
    """What a field holds for a record: text (line ends as \\n), True/False for a checkbox, an option or ""."""
    value = value_at(record, planned.spec.path)
    kind = planned.spec.type
    if kind == "checkbox":
        return value is True
    if kind == "radio":
        return str(value) if value is not None and str(value) in planned.spec.options else ""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(clean_text(str(v)) for v in value if v is not None)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = clean_text(str(value))
    if planned.widget == "datetime" and _ISO_MINUTES.fullmatch(text):
        return text.replace("T", " ")  # as the form's hint shows it: YYYY-MM-DD HH:MM
    return text


def shown_text(planned: PlannedField, record: dict | None, value) -> str:
    """How a read-only value is printed: dates and amounts the way people read them (the field keeps the data)."""
    if planned.spec.type != "text" or value == "":
        return value if isinstance(value, str) else ""
    raw = value_at(record, planned.spec.path)
    info = planned.row.info if planned.row is not None else None
    return format_value(raw, info, dict(planned.options) or None) or value


def make_manifest(request, plan: FormPlan, values: dict, issue_date: str, key_id: str) -> Manifest:
    """The form's identity, field map and every value it was issued with (read-only and editable alike: ingestion
    refuses changed read-only values, and the store merges only what the school changed); the form id is a digest
    of all of them, so the same data, issue date and key always give the same form."""
    profile, variant = request.profile, request.variant
    specs: list[FieldSpec] = [f.spec for f in plan.fields]
    prefilled = {f.name: values[f.name] for f in plan.fields if values[f.name] not in ("", None, False)}
    version = template_version(profile.id, profile.repr_bytes, variant.id.encode())
    child_id = str(value_at(request.record, "child.social_care_id") or "")
    digest = hashlib.sha256(canonical_with({
        "authority": profile.id, "variant": variant.id, "version": version, "child": child_id, "date": issue_date,
        "key": key_id, "audience": request.model.audience.audience, "values": values},
        {"fields": fields_json(specs)})).hexdigest()
    identity = FormIdentity(f"pf-{digest[:24]}", profile.id, variant.id, version, child_id, issue_date, key_id)
    return Manifest(identity, specs, prefilled)


def fill(layout: bytes, plan: FormPlan, values: dict, shown: dict, manifest: Manifest, metadata: dict,
         password: str | None = None) -> bytes:
    """The cached layout filled with a child's values, the manifest embedded, optionally encrypted (AES-256)."""
    data = fill_layout(layout, plan, form_font(), values, shown, _info(metadata, manifest),
                       {MANIFEST_NAME: manifest.to_bytes()}, {MANIFEST_NAME: manifest.fields_prefix()})
    return encrypt(data, password) if password else data


def encrypt(data: bytes, password: str) -> bytes:
    """AES-256 with the password to open it; printing (high quality), filling in and accessibility allowed."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=secrets.token_urlsafe(24), algorithm="AES-256",
                   permissions_flag=PERMISSIONS)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _info(metadata: dict, manifest: Manifest) -> dict:
    identity = asdict(manifest.identity)
    keywords = [*metadata.get("keywords", ()), f"form-id:{identity['form_id']}"]
    return {"/Title": metadata.get("title", ""), "/Author": metadata.get("author", ""),
            "/Subject": metadata.get("subject", ""), "/Keywords": ", ".join(keywords), "/Producer": "pep (pypdf)",
            INFO_KEY: identity["form_id"]}
