"""An independent reader of a returned form's fields, written apart from generator.ingest.reader, to check it.

It walks /AcroForm by hand with plain pypdf and normalises as pep's reader documents (research notes §9): field
values inherited down the tree, radio states mapped to /Opt by widget position, any checkbox state but Off is
ticked, one-element arrays unwrapped, CR and CRLF read as LF. It refuses (ReferenceRefused) anything it is not
sure of: encryption it cannot open, XFA, scripts, no fields, loops, odd types. Only for tests; never for real files.
"""

from __future__ import annotations

import io
import re
import warnings

from pypdf import PdfReader
from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, NameObject, StreamObject

READONLY, MULTILINE, RADIO, PUSH = 1, 1 << 12, 1 << 15, 1 << 16
_INHERITED = ("/FT", "/Ff", "/V", "/Opt")
_LINE_END = re.compile(r"\r\n?")


class ReferenceRefused(Exception):
    """The reference reader will not give an answer for this file."""


def read_reference(data: bytes) -> dict[str, dict]:
    """Every terminal field by qualified name: kind, value, readonly, and options (radio) or multiline (text)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _fields(_acroform(PdfReader(io.BytesIO(data), strict=True)))
    except ReferenceRefused:
        raise
    except Exception as err:  # anything pypdf cannot read is a refusal here
        raise ReferenceRefused(type(err).__name__) from err


def run(data: bytes) -> dict:
    """Task for a bounded worker (generator.ingest.safety.WorkerPool): refusals come back as their reason."""
    try:
        return {"fields": read_reference(data)}
    except ReferenceRefused as err:
        return {"refused": str(err)}


def _acroform(reader: PdfReader) -> DictionaryObject:
    if reader.is_encrypted and not reader.decrypt(""):
        raise ReferenceRefused("encrypted")
    root = reader.trailer["/Root"].get_object()
    if "/JavaScript" in (_get(root, "/Names") or {}) or "/OpenAction" in root or "/AA" in root:
        raise ReferenceRefused("scripts or actions on opening")
    form = _get(root, "/AcroForm")
    if not isinstance(form, DictionaryObject) or "/XFA" in form or not _get(form, "/Fields"):
        raise ReferenceRefused("no AcroForm fields, or XFA")
    return form


def _get(obj, key):
    value = obj.get(key)
    return value.get_object() if value is not None else None


def _fields(form: DictionaryObject) -> dict[str, dict]:
    out: dict[str, dict] = {}
    seen: set[int] = set()
    for top in _get(form, "/Fields"):
        node = top.get_object()
        parent = _get(node, "/Parent")
        if parent is not None and "/T" in node and "/T" in parent:
            continue  # a radio kid listed beside its group
        _visit(node, "", {}, out, seen)
    return out


def _visit(node: DictionaryObject, prefix: str, inherited: dict, out: dict, seen: set[int]) -> None:
    if id(node) in seen or len(seen) > 20_000:
        raise ReferenceRefused("a loop or far too many fields")
    seen.add(id(node))
    for key in ("/A", "/AA"):
        if key in node:
            raise ReferenceRefused("an action on a field")
    here = {**inherited, **{k: _get(node, k) for k in _INHERITED if k in node}}
    title = _string(_get(node, "/T")) if "/T" in node else None
    name = title if not prefix else prefix if title is None else f"{prefix}.{title}"
    kids = [k.get_object() for k in (_get(node, "/Kids") or [])]
    radio = here.get("/FT") == "/Btn" and _flags(here) & RADIO
    if not radio and any("/T" in k for k in kids):
        for kid in kids:
            _visit(kid, name, here, out, seen)
        return
    if name in out:
        raise ReferenceRefused("two fields with one name")
    out[name] = _terminal(node, here, kids or [node])


def _flags(attrs: dict) -> int:
    flags = attrs.get("/Ff", 0)
    if not isinstance(flags, int):
        raise ReferenceRefused("field flags that are not a number")
    return int(flags)


def _terminal(node: DictionaryObject, attrs: dict, widgets: list) -> dict:
    kind, flags = attrs.get("/FT"), _flags(attrs)
    readonly = bool(flags & READONLY)
    if kind == "/Tx":
        return {"kind": "text", "value": _string(attrs.get("/V")), "multiline": bool(flags & MULTILINE),
                "readonly": readonly}
    if kind == "/Btn" and flags & PUSH:
        return {"kind": "pushbutton", "value": None, "readonly": readonly}
    if kind == "/Btn" and flags & RADIO:
        return {"kind": "radio", **_radio(node, attrs, widgets), "readonly": readonly}
    if kind == "/Btn":
        ticked = _on(attrs["/V"]) if "/V" in attrs else any(_on(_get(w, "/AS")) for w in widgets)
        return {"kind": "checkbox", "value": bool(ticked), "readonly": readonly}
    if kind == "/Ch":
        return {"kind": "choice", "value": _string(attrs.get("/V")), "readonly": readonly}
    return {"kind": "signature" if kind == "/Sig" else "unknown", "value": None, "readonly": readonly}


def _radio(node: DictionaryObject, attrs: dict, widgets: list) -> dict:
    """Options by widget position through /Opt when it has one entry a widget, else the widgets' own states."""
    states = [_appearance_state(w) for w in widgets]
    opt = [_string(o.get_object()) for o in (attrs.get("/Opt") or [])]
    positional = len(opt) == len(widgets)
    options = opt if positional else [s for i, s in enumerate(states) if s and s not in states[:i]]
    picked = None
    for widget in widgets:
        if widget is not node and "/V" in widget and _on(_get(widget, "/V")):
            picked = _on(_get(widget, "/V"))
            break
    picked = picked or _on(attrs.get("/V"))
    if picked is None:
        picked = next((s for w, s in zip(widgets, states, strict=True) if s and _on(_get(w, "/AS"))), None)
    if positional and picked in states:
        picked = opt[states.index(picked)]
    return {"value": picked, "options": options}


def _appearance_state(widget: DictionaryObject) -> str | None:
    normal = _get(_get(widget, "/AP") or DictionaryObject(), "/N")
    if isinstance(normal, DictionaryObject):
        names = [k[1:] for k in normal if k != "/Off"]
        if names:
            return names[0]
    return _on(_get(widget, "/AS"))


def _on(value) -> str | None:
    """A button state as any client writes it (name, string with or without '/', one-element array); Off is None."""
    if isinstance(value, ArrayObject):
        value = value[0].get_object() if len(value) == 1 else None
    if value is None:
        return None
    text = str(value)
    text = text[1:] if isinstance(value, NameObject) or text.startswith("/") else text
    return text if text not in ("", "Off") else None


def _string(value) -> str:
    if isinstance(value, ArrayObject):
        return "\n".join(_string(v.get_object()) for v in value)
    if isinstance(value, StreamObject):
        text = _bytes_text(value.get_data())
    elif isinstance(value, NameObject):
        text = value[1:]
    elif isinstance(value, ByteStringObject):
        text = _bytes_text(bytes(value))
    elif value is None:
        text = ""
    elif isinstance(value, str):
        text = str(value)
    else:
        raise ReferenceRefused(f"a value of type {type(value).__name__}")
    return _LINE_END.sub("\n", text)


def _bytes_text(raw: bytes) -> str:
    if raw.startswith((b"\xfe\xff", b"\xff\xfe")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
