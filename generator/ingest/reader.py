"""Reading an untrusted returned form: refuse unsafe or broken files, and normalise what each PDF client writes.

`read_returned` runs inside a bounded worker (generator.ingest.safety). Unlike generator.ingest.fields (which lists
the fields of forms pep made), it assumes the file is hostile: every walk is iterative with a visited set and an
object budget, decompression is bounded, actions are refused, and nothing is ever executed. Normalisation follows
research notes §9: radio states mapped through /Opt by widget position (never by parsing the digit), a choice
written on a radio kid, CR/CRLF line ends, one-element arrays (pdftk FDF), radio values as strings (pypdf), missing
/V, any checkbox state but /Off.
"""

from __future__ import annotations

import io
import logging
import warnings
import zlib

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError
from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from ..signing.manifest import INFO_KEY, MANIFEST_NAME
from .safety import MIB, Refused

MAX_FILE_BYTES = 25 * MIB
MAX_MANIFEST_BYTES = 2 * MIB
MAX_FIELDS = 5000
MAX_DEPTH = 24
MAX_NODES = 50_000  # name-tree nodes, fields, kids, annotations and actions visited, all told
MAX_VALUE_CHARS = 200_000
MAX_PAGES = 2000

_FF_READONLY, _FF_MULTILINE, _FF_RADIO, _FF_PUSH = 1, 1 << 12, 1 << 15, 1 << 16
_UNSAFE_ACTIONS = {
    "/JavaScript": "JavaScript", "/Launch": "an action that launches a program or opens a file",
    "/ImportData": "an action that imports data from another file",
    "/SubmitForm": "an action that sends the form to a web address",
    "/Rendition": "a media action that can run scripts",
}
_MARKUP = {"/FreeText", "/Ink", "/Stamp", "/Text", "/Square", "/Circle", "/Line", "/Polygon", "/PolyLine",
           "/Highlight", "/Underline", "/StrikeOut", "/Caret"}
_LOOKS_LIKE = ((b"PK\x03\x04", "a Word document or ZIP file"), (b"\xd0\xcf\x11\xe0", "an old Word or Excel file"),
               (b"\xff\xd8\xff", "a JPEG image"), (b"\x89PNG", "a PNG image"), (b"{", "a JSON or text file"),
               (b"<", "an HTML or XML file"))

logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its messages can quote file content; we report our own


class _Budget:
    """Counts the objects a walk visits, so no structure can make reading run unbounded."""

    def __init__(self, limit: int = MAX_NODES):
        self.left = limit

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise Refused(f"It has more than {MAX_NODES:,} form, annotation or name-tree objects, far more than a "
                          "pep form; it is not one of ours or is built to exhaust the reader.")


def read_returned(payload: bytes | tuple[bytes, tuple[str, ...]]) -> dict:
    """What a returned PDF holds: its pep manifest (bytes), info form id, fillable fields (normalised) and notes.

    `payload` is the file's bytes, or (bytes, passwords to try after the empty one). Raises Refused with a plain
    reason for anything that is not a readable, safe, fillable PDF.
    """
    data, passwords = payload if isinstance(payload, tuple) else (payload, ())
    _check_envelope(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _read(_open(data, passwords))
        except (Refused, MemoryError, RecursionError):
            raise
        except FileNotDecryptedError as err:
            raise _password() from err
        except LimitReachedError as err:
            raise Refused("Part of it is larger or more deeply nested than any real form (a decompression bomb or "
                          "a crafted file), so it was not read.") from err
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, zlib.error) as err:
            raise _damaged(err) from err


def _check_envelope(data: bytes) -> None:
    if not data:
        raise Refused("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise Refused(f"It is {len(data) / MIB:.1f} MB; a returned form is at most {MAX_FILE_BYTES // MIB} MB.")
    if b"%PDF-" not in data[:1024]:
        kind = next((name for magic, name in _LOOKS_LIKE if data.lstrip()[:4].startswith(magic)), None)
        raise Refused(f"It is not a PDF file{f' (it looks like {kind})' if kind else ''}.")
    if b"%%EOF" not in data[-2048:]:
        raise Refused("It is cut short (no end-of-file marker): the file was truncated, perhaps in sending. "
                      "Ask for it to be sent again.")


def _damaged(err: Exception) -> Refused:
    """A plain reason for a parse failure (pypdf's own message is not repeated: it can quote file content)."""
    if isinstance(err.__cause__ or err.__context__, RecursionError):
        return Refused("Its objects are nested too deeply to read safely (a crafted or damaged file).")
    if "cycl" in str(err).lower() or "loop" in str(err).lower():
        return Refused("Its pages refer to each other in a loop (a crafted or damaged file).")
    return Refused(f"It is damaged and cannot be read ({type(err).__name__}).")


def _password() -> Refused:
    return Refused("It is protected with a password pep was not given, so it cannot be read. Ask the school to "
                   "save it again without a password, or give the password with --password.")


def _open(data: bytes, passwords: tuple[str, ...]) -> PdfReader:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not any(reader.decrypt(p) for p in ("", *passwords)):
        raise _password()
    return reader


def _read(reader: PdfReader) -> dict:
    root = _dict(reader.trailer.get("/Root"))
    if root is None:
        raise Refused("It is damaged and cannot be read (no document catalogue).")
    budget = _Budget()
    _refuse_active_content(reader, root, budget)
    acro = _dict(root.get("/AcroForm"))
    if acro is not None and acro.get("/XFA") is not None:
        raise Refused("It is an XFA form (Adobe LiveCycle/Designer), which pep never issues; XFA content is not "
                      "read. Ask for the form as pep issued it." if not _fields_of(acro) else
                      "It carries an XFA form beside its fields, which pep never issues; it is not a form as issued.")
    manifest = _manifest(root, budget)
    fields = _read_fields(acro, budget) if acro is not None else {}
    if not fields:
        raise Refused("It has no fillable fields left: it is a flattened or printed copy (\"print to PDF\"), or not "
                      "a form. Ask the school to return the filled form itself." if manifest is not None else
                      "It has no fillable fields and no pep form data: it is not a form pep issued, or it is a "
                      "flattened or printed copy of one. Ask the school to return the filled form itself.")
    info = _dict(reader.trailer.get("/Info"))
    form_id = info.get(INFO_KEY) if info is not None else None
    return {"manifest": manifest, "info_form_id": None if form_id is None else _text(form_id),
            "fields": fields, "notes": _markup_notes(reader, budget), "encrypted": reader.is_encrypted}


# -- objects ------------------------------------------------------------------------------------------------------

def _dict(obj) -> DictionaryObject | None:
    obj = obj.get_object() if isinstance(obj, IndirectObject) else obj
    return obj if isinstance(obj, DictionaryObject) else None


def _array(obj) -> list:
    obj = obj.get_object() if isinstance(obj, IndirectObject) else obj
    return list(obj) if isinstance(obj, ArrayObject) else []


def _key(obj) -> tuple | int:
    ref = getattr(obj, "indirect_reference", None)
    return (ref.idnum, ref.generation) if ref is not None else id(obj)


def _fields_of(acro: DictionaryObject) -> list:
    return _array(acro.get("/Fields"))


def _bounded_data(stream: StreamObject, limit: int, what: str) -> bytes:
    """A stream's decoded bytes, refusing more than `limit` without ever inflating further."""
    filters = stream.get("/Filter")
    filters = [str(f) for f in _array(filters)] if isinstance(filters, ArrayObject) else [str(filters or "")]
    raw = stream._data  # the undecoded bytes; get_data() would inflate without our bound
    if filters in ([""], []):
        data = raw
    elif filters == ["/FlateDecode"] and not stream.get("/DecodeParms"):
        data = zlib.decompressobj().decompress(raw, limit + 1)
    else:
        raise Refused(f"Its {what} uses an encoding pep never writes ({', '.join(filters)}).")
    if len(data) > limit:
        raise Refused(f"Its {what} expands to more than {limit // MIB} MB (a decompression bomb?), so it was not read.")
    return data


# -- values -------------------------------------------------------------------------------------------------------

def _text(value) -> str:
    """A text value as typed: unwrap one-element arrays, decode byte strings and streams, line ends as \\n."""
    value = value.get_object() if isinstance(value, IndirectObject) else value
    if isinstance(value, ArrayObject):
        value = "\n".join(_text(v) for v in value)
    elif isinstance(value, StreamObject):
        value = _decode(_bounded_data(value, MIB, "text value"))
    elif isinstance(value, NameObject):
        value = str(value)[1:]
    elif isinstance(value, ByteStringObject):
        value = _decode(bytes(value))
    elif value is None:
        value = ""
    text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        raise Refused(f"A field holds more than {MAX_VALUE_CHARS:,} characters, far more than any answer.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(raw: bytes) -> str:
    if raw[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _state(value) -> str | None:
    """A button state as written by any client: a name, a string `(/x)` or `(x)`, a one-element array; Off is None."""
    value = value.get_object() if isinstance(value, IndirectObject) else value
    if isinstance(value, ArrayObject):
        value = value[0] if len(value) == 1 else None
    if value is None:
        return None
    text = str(value)
    if isinstance(value, NameObject) or text.startswith("/"):
        text = text[1:]
    return None if text in ("", "Off") else text


# -- fields -------------------------------------------------------------------------------------------------------

def _is_listed_kid(node: DictionaryObject) -> bool:
    """A radio kid listed in /Fields as well as under its group (raw WeasyPrint forms)."""
    parent = _dict(node.get("/Parent"))
    return parent is not None and "/T" in node and "/T" in parent


def _read_fields(acro: DictionaryObject, budget: _Budget) -> dict[str, dict]:
    """Every terminal field by fully qualified name, with its kind and normalised value."""
    out: dict[str, dict] = {}
    seen: set = set()
    stack = [(ref, "", {}, 0) for ref in reversed(_fields_of(acro))]
    while stack:
        ref, parent, inherited, depth = stack.pop()
        node = _dict(ref)
        if node is None or (depth == 0 and _is_listed_kid(node)):
            continue
        if _key(node) in seen:
            raise Refused("Its form fields refer to each other in a loop (a crafted or damaged file).")
        seen.add(_key(node))
        budget.spend()
        if depth > MAX_DEPTH:
            raise Refused("Its form fields are nested too deeply to be a pep form.")
        attrs = {**inherited, **{k: node[k] for k in ("/FT", "/Ff", "/V", "/Opt") if k in node}}
        name = f"{parent}.{_text(node['/T'])}" if parent and "/T" in node else _text(node.get("/T", parent))
        kids = _array(node.get("/Kids"))
        budget.spend(len(kids))
        is_radio = str(attrs.get("/FT")) == "/Btn" and int(attrs.get("/Ff", 0)) & _FF_RADIO
        if not is_radio and any("/T" in (_dict(k) or {}) for k in kids):
            stack.extend((k, name, attrs, depth + 1) for k in reversed(kids))
            continue
        if name in out:
            raise Refused(f"Two fields share the name {name!r}; it is not a form as pep issued it.")
        out[name] = _field(node, attrs, [w for w in (_dict(k) for k in kids) if w is not None] or [node])
        if len(out) > MAX_FIELDS:
            raise Refused(f"It has more than {MAX_FIELDS:,} fields, far more than any pep form.")
    return out


def _field(node: DictionaryObject, attrs: dict, widgets: list[DictionaryObject]) -> dict:
    ftype, flags = str(attrs.get("/FT", "")), int(attrs.get("/Ff", 0))
    readonly = bool(flags & _FF_READONLY)
    if ftype == "/Tx":
        return {"kind": "text", "value": _text(attrs.get("/V")), "multiline": bool(flags & _FF_MULTILINE),
                "readonly": readonly}
    if ftype == "/Btn" and flags & _FF_PUSH:
        return {"kind": "pushbutton", "value": None, "readonly": readonly}
    if ftype == "/Btn" and flags & _FF_RADIO:
        options, value = _radio(node, attrs, widgets)
        return {"kind": "radio", "value": value, "options": options, "readonly": readonly}
    if ftype == "/Btn":
        ticked = any(_state(w.get("/AS")) for w in widgets)
        return {"kind": "checkbox", "value": _state(attrs["/V"]) is not None if "/V" in attrs else ticked,
                "readonly": readonly}
    kind = {"/Ch": "choice", "/Sig": "signature"}.get(ftype, "unknown")
    return {"kind": kind, "value": _text(attrs.get("/V")) if kind == "choice" else None, "readonly": readonly}


def _on_state(widget: DictionaryObject) -> str | None:
    """The name of a widget's on appearance (any state but Off), else its /AS."""
    normal = _dict((_dict(widget.get("/AP")) or {}).get("/N"))
    names = [str(k)[1:] for k in normal if str(k) != "/Off"] if normal is not None else []
    return names[0] if names else _state(widget.get("/AS"))


def _radio(node: DictionaryObject, attrs: dict, widgets: list[DictionaryObject]) -> tuple[list[str], str | None]:
    """The group's option values and the chosen one, mapping states through /Opt by widget position."""
    states = [_on_state(w) for w in widgets]
    opt = [_text(o) for o in _array(attrs.get("/Opt"))]
    by_position = len(opt) == len(widgets)
    options = opt if by_position else list(dict.fromkeys(s for s in states if s))
    on_kid = [_state(w.get("/V")) for w in widgets if w is not node and "/V" in w]
    chosen = next((s for s in on_kid if s), None) or _state(attrs.get("/V"))
    if chosen is None:
        chosen = next((s for w, s in zip(widgets, states, strict=True) if _state(w.get("/AS")) and s), None)
    if chosen is not None and by_position and chosen in states:
        return options, opt[states.index(chosen)]
    return options, chosen


# -- safety -------------------------------------------------------------------------------------------------------

def _refuse_active_content(reader: PdfReader, root: DictionaryObject, budget: _Budget) -> None:
    """Refuse scripts and launch-like actions wherever a viewer would run them; nothing is ever executed."""
    names = _dict(root.get("/Names"))
    if names is not None and names.get("/JavaScript") is not None:
        raise Refused(_unsafe("JavaScript"))
    acro = _dict(root.get("/AcroForm"))
    holders = [root, acro, *(_dict(f) for f in (_fields_of(acro) if acro is not None else []))]
    for holder in holders:
        if holder is not None:
            _check_actions(holder, budget)
    if len(reader.pages) > MAX_PAGES:
        raise Refused(f"It has more than {MAX_PAGES:,} pages, far more than any pep form.")
    for page in reader.pages:
        _check_actions(page, budget)
        for annot in (_dict(a) for a in _array(page.get("/Annots"))):
            budget.spend()
            if annot is not None:
                _check_actions(annot, budget)


def _check_actions(holder: DictionaryObject, budget: _Budget) -> None:
    """Follow /OpenAction, /A and every /AA trigger, and their /Next chains."""
    todo = [holder.get(k) for k in ("/OpenAction", "/A")]
    todo += list((_dict(holder.get("/AA")) or {}).values())
    seen: set = set()
    while todo:
        action = todo.pop()
        obj = action.get_object() if isinstance(action, IndirectObject) else action
        if isinstance(obj, ArrayObject):
            todo.extend(obj)
            continue
        if not isinstance(obj, DictionaryObject) or _key(obj) in seen:
            continue
        seen.add(_key(obj))
        budget.spend()
        kind = str(obj.get("/S", ""))
        if kind in _UNSAFE_ACTIONS or "/JS" in obj:
            raise Refused(_unsafe(_UNSAFE_ACTIONS.get(kind, "JavaScript")))
        todo.append(obj.get("/Next"))


def _unsafe(what: str) -> str:
    return (f"It contains {what}, which pep never puts in a form; it was not run and the file was not read "
            "further. Ask for the form as pep issued it.")


def _markup_notes(reader: PdfReader, budget: _Budget) -> list[str]:
    """Comments or text drawn on the pages (Acrobat Fill & Sign, sticky notes) are not fields and are not read."""
    count = 0
    for page in reader.pages:
        for annot in (_dict(a) for a in _array(page.get("/Annots"))):
            budget.spend()
            if annot is not None and str(annot.get("/Subtype")) in _MARKUP:
                count += 1
    if not count:
        return []
    return [f"It has {count} comment(s) or text box(es) drawn on its pages (e.g. Acrobat \"Fill & Sign\" or sticky "
            "notes); they are not part of the form and were not read. Check with the school that every answer is "
            "in the form's own fields."]


# -- manifest -----------------------------------------------------------------------------------------------------

def _manifest(root: DictionaryObject, budget: _Budget) -> bytes | None:
    """The embedded pep-form.json, found through the EmbeddedFiles name tree (or /AF); None when absent."""
    found = []
    tree = _dict((_dict(root.get("/Names")) or {}).get("/EmbeddedFiles"))
    stack, seen = ([tree] if tree is not None else []), set()
    while stack:
        node = stack.pop()
        if _key(node) in seen:
            raise Refused("Its attachment list refers to itself in a loop (a crafted or damaged file).")
        seen.add(_key(node))
        budget.spend()
        pairs = _array(node.get("/Names"))
        found += [spec for name, spec in zip(pairs[::2], pairs[1::2], strict=False) if _text(name) == MANIFEST_NAME]
        stack += [k for k in (_dict(kid) for kid in _array(node.get("/Kids"))) if k is not None]
    if not found:
        found = [spec for spec in _array(root.get("/AF"))
                 if _text((_dict(spec) or {}).get("/UF", (_dict(spec) or {}).get("/F", ""))) == MANIFEST_NAME]
    if len(found) > 1:
        raise Refused("It holds two sets of pep form data; it is not a form as pep issued it.")
    return _embedded(found[0]) if found else None


def _embedded(spec) -> bytes:
    spec = _dict(spec)
    files = _dict(spec.get("/EF")) if spec is not None else None
    stream = (files.get("/F") or files.get("/UF")) if files is not None else None
    stream = stream.get_object() if isinstance(stream, IndirectObject) else stream
    if not isinstance(stream, StreamObject):
        raise Refused("Its pep form data is damaged (the attachment has no content).")
    return _bounded_data(stream, MAX_MANIFEST_BYTES, "pep form data")
