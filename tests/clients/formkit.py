"""Small signed pep-style forms built in memory with pypdf, and hostile variants of them, for ingestion tests."""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from generator.signing.keys import KeyRing, SigningKey
from generator.signing.manifest import INFO_KEY, MANIFEST_NAME, FieldSpec, FormIdentity, Manifest

KEY = SigningKey("test-key", bytes(range(32)))
OTHER_KEY = SigningKey("test-key", bytes(range(1, 33)))


def keyring(*keys: SigningKey) -> KeyRing:
    keys = keys or (KEY,)
    return KeyRing(list(keys), keys[0].id, "test")


def identity(form_id: str = "F-TEST-0001", child: str = "WSL-000123", variant: str = "views-primary",
             authority: str = "walsall", key_id: str = KEY.id) -> FormIdentity:
    return FormIdentity(form_id, authority, variant, "1", child, "2026-01-10", key_id)


SPECS = [
    FieldSpec("pep_academic_year", "pep.academic_year", "text", readonly=True),
    FieldSpec("child_first_name", "child.first_name", "text", readonly=True),
    FieldSpec("child_preferred_name", "child.preferred_name", "text"),
    FieldSpec("child_date_of_birth", "child.date_of_birth", "text"),
    FieldSpec("care_placement_count", "care.placement_count", "text"),
    FieldSpec("care_care_plan_summary", "care.care_plan_summary", "multiline"),
    FieldSpec("child_eal", "child.eal", "checkbox"),
    FieldSpec("child_uasc", "child.uasc", "checkbox"),
    FieldSpec("meeting_mode", "meeting.mode", "radio", ("in_person", "virtual", "hybrid")),
    FieldSpec("targets_0_target", "targets.0.target", "multiline"),
    FieldSpec("targets_0_horizon", "targets.0.horizon", "radio", ("short", "long")),
    FieldSpec("targets_1_target", "targets.1.target", "multiline"),
    FieldSpec("targets_1_horizon", "targets.1.horizon", "radio", ("short", "long")),
]
PREFILLED = {"pep_academic_year": "2025/26", "child_first_name": "Zoë"}


def _stream(data: bytes, writer: PdfWriter, extra: dict | None = None):
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                   NameObject("/BBox"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(12),
                                                     NumberObject(12)])})
    stream.update(extra or {})
    return writer._add_object(stream)


def _rect(i: int, j: int = 0) -> ArrayObject:
    x, y = 50 + 30 * j, 780 - 50 * i
    return ArrayObject([FloatObject(x), FloatObject(y), FloatObject(x + 20), FloatObject(y + 20)])


def _text_rect(i: int) -> ArrayObject:
    y = 780 - 50 * i
    return ArrayObject([FloatObject(50), FloatObject(y - 20), FloatObject(500), FloatObject(y + 20)])


def _widget(page, rect) -> DictionaryObject:
    return DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
                             NameObject("/Rect"): rect, NameObject("/F"): NumberObject(4),
                             NameObject("/P"): page.indirect_reference})


def _states(writer, on: str):
    box = b"0 0 12 12 re S"
    tick = b"0 0 12 12 re S 2 2 8 8 re f"
    return DictionaryObject({NameObject("/N"): DictionaryObject({
        NameObject(f"/{on}"): _stream(tick, writer), NameObject("/Off"): _stream(box, writer)})})


def _field(writer, page, i: int, spec: FieldSpec, value, index_states: bool) -> list:
    """The field object(s) for one spec; returns the annotations to put on the page."""
    flags = 1 if spec.readonly else 0
    if spec.type in ("text", "multiline"):
        node = _widget(page, _text_rect(i))
        node.update({NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject(spec.name),
                     NameObject("/DA"): TextStringObject("/Helv 10 Tf 0 g"),
                     NameObject("/Ff"): NumberObject(flags | (4096 if spec.type == "multiline" else 0)),
                     NameObject("/V"): TextStringObject(value or "")})
        return [writer._add_object(node)]
    if spec.type == "checkbox":
        node = _widget(page, _rect(i))
        state = NameObject("/Yes" if value else "/Off")
        node.update({NameObject("/FT"): NameObject("/Btn"), NameObject("/T"): TextStringObject(spec.name),
                     NameObject("/Ff"): NumberObject(flags), NameObject("/V"): state, NameObject("/AS"): state,
                     NameObject("/AP"): _states(writer, "Yes"),
                     NameObject("/MK"): DictionaryObject({NameObject("/CA"): TextStringObject("4")})})
        return [writer._add_object(node)]
    group = DictionaryObject({NameObject("/FT"): NameObject("/Btn"), NameObject("/T"): TextStringObject(spec.name),
                              NameObject("/Ff"): NumberObject(flags | (1 << 15) | (1 << 14))})
    group_ref = writer._add_object(group)
    kids = []
    for j, option in enumerate(spec.options):
        state = str(j) if index_states else option
        on = value == option
        kid = _widget(page, _rect(i, j))
        kid.update({NameObject("/Parent"): group_ref, NameObject("/AS"): NameObject(f"/{state}" if on else "/Off"),
                    NameObject("/AP"): _states(writer, state),
                    NameObject("/MK"): DictionaryObject({NameObject("/CA"): TextStringObject("l")})})
        kids.append(writer._add_object(kid))
    group[NameObject("/Kids")] = ArrayObject(kids)
    if value:
        group[NameObject("/V")] = NameObject(f"/{spec.options.index(value) if index_states else value}")
    if index_states:
        group[NameObject("/Opt")] = ArrayObject([TextStringObject(o) for o in spec.options])
    return [group_ref, *kids]


def build_form(specs=None, values=None, *, prefilled=None, ident=None, key=KEY, sign=True, index_states=False,
               manifest_specs=None, manifest_bytes=None, info_form_id="same", extra=None) -> bytes:
    """A one-page signed pep-style form; `values` sets what is in the PDF, the manifest records `prefilled`."""
    specs = SPECS if specs is None else specs
    prefilled = dict(PREFILLED if prefilled is None else prefilled)
    values = {**prefilled, **(values or {})}
    ident = ident or identity()
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    fields, annots = [], []
    for i, spec in enumerate(specs):
        objs = _field(writer, page, i, spec, values.get(spec.name), index_states)
        fields.append(objs[0])
        annots += objs[1:] if spec.type == "radio" else objs
    page[NameObject("/Annots")] = ArrayObject(annots)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica"),
                             NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({
        NameObject("/Fields"): ArrayObject(fields), NameObject("/NeedAppearances"): BooleanObject(True),
        NameObject("/DA"): TextStringObject("/Helv 10 Tf 0 g"),
        NameObject("/DR"): DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/Helv"): writer._add_object(font)})})})
    manifest = Manifest(ident, list(manifest_specs or specs), prefilled)
    if sign:
        manifest.sign(key)
    writer.add_attachment(MANIFEST_NAME, manifest_bytes if manifest_bytes is not None else manifest.to_bytes())
    if info_form_id:
        writer.add_metadata({INFO_KEY: ident.form_id if info_form_id == "same" else info_form_id})
    if extra:
        extra(writer, page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
