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
import os
import re
import warnings
import zlib

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    StreamObject,
    create_string_object,
)

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
    fast = read_fast(data)
    return fast if fast is not None else read_pypdf(data, passwords)


def read_pypdf(data: bytes, passwords: tuple[str, ...] = ()) -> dict:
    """The reference path: pypdf, every check, every refusal with its plain reason (after the envelope check)."""
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
    elif value is None or isinstance(value, NullObject):  # /V null: no value, never the text "NullObject"
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
    if value is None or isinstance(value, NullObject):
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
    return _markup_notes_text(count)


def _markup_notes_text(count: int) -> list[str]:
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


# -- the fast path: qpdf (pikepdf) --------------------------------------------------------------------------------
#
# The same walk, the same checks and the same normalisation as above, over qpdf's parse, which is several times
# faster than pypdf's. It answers only for clean, unencrypted files it can vouch for: anything unusual (a file qpdf
# had to repair or warned about, encryption, a stream where a dictionary belongs, a number or name of an odd type,
# a page tree that is not plain, a radio widget with several "on" appearances) and anything it would refuse are
# handed to the pypdf path, whose answer (and refusal message) is then the one given. Text values are decoded from
# the raw bytes by pypdf's own rules, so both paths return the same strings. qpdf hides every dictionary entry whose
# value is null (`/V null` reads as no /V, `/Ff null` as no flags) where pypdf reads or refuses it, so a file with the
# token null anywhere, in its bytes or inside an object stream (inflated with a bound), goes to the pypdf path too,
# and so does one where a dictionary or array the walk reads refers to a missing object (qpdf reads that as null).

_TRIGGERS = frozenset({"/OpenAction", "/A", "/AA"})
_ASCII_TEXT = re.compile(rb"[\t\n\r\x20-\x7e]*")
_NULL = re.compile(rb"(?<![^\s()<>\[\]{}%\x00])null(?![^\s()<>\[\]{}/%\x00])")  # as a token, not inside a name
MAX_OBJECT_STREAM_BYTES = 2 * MAX_FILE_BYTES  # all object streams of a file, inflated


class _Unusual(Exception):  # a signal to hand over to the pypdf path, not an error
    """The fast path cannot vouch for this file: the pypdf path reads it instead."""


def read_fast(data: bytes) -> dict | None:
    """What `read_returned` returns, read with qpdf; None when the pypdf path must decide (see above)."""
    try:
        import pikepdf
    except ImportError:  # pragma: no cover - pikepdf is a dependency; without it everything goes through pypdf
        return None
    if _has_null(data):
        return None
    try:
        with _memory_file(data) as source, pikepdf.open(source, attempt_recovery=False,
                                                        inherit_page_attributes=False) as pdf:
            if pdf.is_encrypted or _object_streams_have_null(pdf, pikepdf):
                return None
            result = _QpdfWalk(pikepdf).read(pdf)
            return None if pdf.get_warnings() else result
    except Exception:  # whatever went wrong, the pypdf path gives the answer and the reason
        return None


def _has_null(data: bytes) -> bool:
    return b"null" in data and _NULL.search(data) is not None


def _object_streams_have_null(pdf, pikepdf) -> bool:
    """Whether any object stream holds the token null; True (decline) too when one cannot be inflated within bounds."""
    numbers = {e.obj_stream_number for e in pdf.get_xref_table().values() if e.type == 2}
    left = MAX_OBJECT_STREAM_BYTES
    for number in sorted(numbers):
        stream = pdf.get_object((number, 0))
        if not isinstance(stream, pikepdf.Stream) or stream.get("/Filter") != "/FlateDecode" \
                or "/DecodeParms" in stream:
            return True
        inflate = zlib.decompressobj()
        body = inflate.decompress(stream.read_raw_bytes(), left + 1)
        left -= len(body)
        if left < 0 or inflate.unconsumed_tail or _has_null(body):
            return True
    return False


class _memory_file:  # used like open()
    """The bytes as a file qpdf reads directly (an anonymous in-memory file), else a BytesIO."""

    def __init__(self, data: bytes):
        self.data, self.fd = data, None

    def __enter__(self):
        try:
            self.fd = os.memfd_create("pep-returned-form", os.MFD_CLOEXEC)
            view = memoryview(self.data)
            while view:
                view = view[os.write(self.fd, view):]
            return f"/proc/self/fd/{self.fd}"
        except (AttributeError, OSError):
            self.__exit__()
            return io.BytesIO(self.data)

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class _QpdfWalk:
    """The walk of `_read` over pikepdf objects."""

    def __init__(self, pikepdf):
        self.Dictionary, self.Array, self.Stream = pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream
        self.Name, self.String = pikepdf.Name, pikepdf.String
        self.budget = _Budget()
        self.checked: dict = {}  # objgen -> keys of an indirect dictionary already checked for null entries

    def read(self, pdf) -> dict:
        root = self.dict(pdf.trailer.get("/Root"))
        if root is None:
            raise _Unusual
        acro = self.dict(root.get("/AcroForm"))
        pages = self.pages(root)
        self.refuse_active_content(root, acro, pages)
        if acro is not None and acro.get("/XFA") is not None:
            raise _Unusual
        manifest = self.manifest(root)
        fields = self.read_fields(acro) if acro is not None else {}
        if not fields:
            raise _Unusual
        info = self.dict(pdf.trailer.get("/Info"))
        form_id = info.get(INFO_KEY) if info is not None else None
        return {"manifest": manifest, "info_form_id": None if form_id is None else self.text(form_id),
                "fields": fields, "notes": self.notes, "encrypted": False}

    # objects

    def dict(self, obj):
        return self.entries(obj)[0]

    def entries(self, obj) -> tuple:
        """A dictionary and its keys, or (None, ()) for anything else."""
        if isinstance(obj, self.Dictionary):
            return obj, self.keys(obj)
        if isinstance(obj, self.Stream):  # pypdf would treat it as a dictionary: let it
            raise _Unusual
        return None, ()

    def keys(self, obj):
        """A dictionary's keys (each pikepdf `in` costs as much as a set lookup of them all), checked once."""
        objgen = obj.objgen  # (0, 0) for a direct object
        keys = self.checked.get(objgen)
        if keys is None:
            keys = obj.keys()
            if len(obj) != len(keys):  # an entry that is null, e.g. a reference to a missing object
                raise _Unusual
            if objgen[0]:
                self.checked[objgen] = keys
        return keys

    def array(self, obj) -> list:
        items = list(obj) if isinstance(obj, self.Array) else []
        if None in items:  # a null element, e.g. a reference to a missing object
            raise _Unusual
        return items

    @staticmethod
    def key(obj) -> tuple:
        return obj.objgen if obj.is_indirect else ("direct", id(obj))

    def integer(self, value) -> int:
        if type(value) is not int:
            raise _Unusual
        return value

    # values

    def text(self, value) -> str:
        if isinstance(value, self.Array):
            text = "\n".join(self.text(v) for v in self.array(value))
        elif isinstance(value, self.String):
            raw = bytes(value)
            if _ASCII_TEXT.fullmatch(raw):
                text = raw.decode("ascii")  # PDFDocEncoding is ASCII for these bytes
            else:
                obj = create_string_object(raw)
                text = _decode(bytes(obj)) if isinstance(obj, ByteStringObject) else str(obj)
        elif isinstance(value, self.Name):
            text = self.name(value)
        elif isinstance(value, self.Stream):
            text = _decode(self.bounded_data(value, MIB, "text value"))
        elif value is None:
            text = ""
        else:
            raise _Unusual
        if len(text) > MAX_VALUE_CHARS:
            raise _Unusual
        return text.replace("\r\n", "\n").replace("\r", "\n")

    @staticmethod
    def name(value) -> str:
        text = str(value)[1:]
        if not text.isascii():
            raise _Unusual
        return text

    def state(self, value) -> str | None:
        if isinstance(value, self.Array):
            value = value[0] if len(value) == 1 else None
        if value is None:
            return None
        if isinstance(value, self.Name):
            text = self.name(value)
        elif isinstance(value, self.String):
            text = self.text(value)
            text = text[1:] if text.startswith("/") else text
        else:
            raise _Unusual
        return None if text in ("", "Off") else text

    def bounded_data(self, stream, limit: int, what: str) -> bytes:
        filters = stream.get("/Filter")
        if isinstance(filters, self.Array):
            filters = [str(f) for f in filters]
        elif filters is None or isinstance(filters, self.Name):
            filters = [str(filters or "")]
        else:
            raise _Unusual
        raw = stream.read_raw_bytes()
        if filters in ([""], []):
            data = raw
        elif filters == ["/FlateDecode"] and not stream.get("/DecodeParms"):
            data = zlib.decompressobj().decompress(raw, limit + 1)
        else:
            raise _Unusual
        if len(data) > limit:
            raise _Unusual
        return data

    # pages and active content

    def pages(self, root) -> list:
        top = self.dict(root.get("/Pages"))
        if top is None:
            raise _Unusual
        out, stack, seen = [], [top], set()
        while stack:
            node = stack.pop()
            if self.key(node) in seen or len(seen) > MAX_PAGES * 2:
                raise _Unusual
            seen.add(self.key(node))
            kind = node.get("/Type")
            if kind == "/Pages":
                kids = node.get("/Kids")
                if not isinstance(kids, self.Array):
                    raise _Unusual
                for kid in reversed(list(kids)):
                    if not isinstance(kid, self.Dictionary):
                        raise _Unusual
                    stack.append(kid)
            elif kind == "/Page" and "/Kids" not in node:
                out.append(node)
            else:
                raise _Unusual
        if len(out) > MAX_PAGES:
            raise _Unusual
        return out

    def refuse_active_content(self, root, acro, pages: list) -> None:
        names = self.dict(root.get("/Names"))
        if names is not None and names.get("/JavaScript") is not None:
            raise _Unusual
        holders = [root, acro, *(self.dict(f) for f in (self.array(acro.get("/Fields")) if acro is not None else []))]
        for holder in holders:
            if holder is not None:
                self.check_actions(holder)
        markup = 0
        for page in pages:
            self.check_actions(page)
            annots = self.array(page.get("/Annots"))
            self.budget.spend(len(annots) * 2)  # the pypdf path walks them twice: actions, then markup
            for annot in annots:
                annot = self.dict(annot)
                if annot is not None:
                    self.check_actions(annot)
                    if "/Subtype" in self.keys(annot) and str(annot.get("/Subtype")) in _MARKUP:
                        markup += 1
        self.notes = _markup_notes_text(markup)

    def check_actions(self, holder) -> None:
        if self.keys(holder).isdisjoint(_TRIGGERS):
            return
        todo = [holder.get("/OpenAction"), holder.get("/A")]
        todo += list((self.dict(holder.get("/AA")) or {}).values())
        seen: set = set()
        while todo:
            obj = todo.pop()
            if isinstance(obj, self.Array):
                todo.extend(obj)
                continue
            if isinstance(obj, self.Stream):
                raise _Unusual
            if not isinstance(obj, self.Dictionary) or self.key(obj) in seen:
                continue
            seen.add(self.key(obj))
            self.budget.spend()
            if str(obj.get("/S", "")) in _UNSAFE_ACTIONS or "/JS" in obj:
                raise _Unusual
            todo.append(obj.get("/Next"))

    # fields

    def read_fields(self, acro) -> dict[str, dict]:
        out: dict[str, dict] = {}
        seen: set = set()
        stack = [(ref, "", {}, 0) for ref in reversed(self.array(acro.get("/Fields")))]
        while stack:
            ref, parent, inherited, depth = stack.pop()
            node = self.dict(ref)
            if node is None:
                continue
            keys = self.keys(node)
            if depth == 0:
                up = self.dict(node.get("/Parent")) if "/Parent" in keys else None
                if up is not None and "/T" in keys and "/T" in self.keys(up):
                    continue
            if self.key(node) in seen:
                raise _Unusual
            seen.add(self.key(node))
            self.budget.spend()
            if depth > MAX_DEPTH:
                raise _Unusual
            attrs = dict(inherited)
            for k in ("/FT", "/Ff", "/V", "/Opt"):
                if k in keys:
                    attrs[k] = node.get(k)
            title = node.get("/T") if "/T" in keys else None
            if parent and title is not None:
                name = f"{parent}.{self.text(title)}"
            else:
                name = self.text(title) if title is not None else parent
            kids = self.array(node.get("/Kids")) if "/Kids" in keys else []
            self.budget.spend(len(kids))
            kids = [self.entries(k) for k in kids]
            ftype = attrs.get("/FT")
            flags = self.integer(attrs.get("/Ff", 0))
            is_radio = ftype == "/Btn" and flags & _FF_RADIO
            if not is_radio and any("/T" in k for _, k in kids):
                stack.extend((k, name, attrs, depth + 1) for k, _ in reversed(kids))
                continue
            if name in out:
                raise _Unusual
            out[name] = self.field(node, attrs, [w for w, _ in kids if w is not None] or [node], flags)
            if len(out) > MAX_FIELDS:
                raise _Unusual
        return out

    def field(self, node, attrs: dict, widgets: list, flags: int) -> dict:
        ftype = attrs.get("/FT")
        if ftype is not None and not isinstance(ftype, self.Name):
            raise _Unusual
        ftype = "" if ftype is None else str(ftype)
        readonly = bool(flags & _FF_READONLY)
        if ftype == "/Tx":
            return {"kind": "text", "value": self.text(attrs.get("/V")), "multiline": bool(flags & _FF_MULTILINE),
                    "readonly": readonly}
        if ftype == "/Btn" and flags & _FF_PUSH:
            return {"kind": "pushbutton", "value": None, "readonly": readonly}
        if ftype == "/Btn" and flags & _FF_RADIO:
            options, value = self.radio(node, attrs, widgets)
            return {"kind": "radio", "value": value, "options": options, "readonly": readonly}
        if ftype == "/Btn":
            ticked = any(self.state(w.get("/AS")) for w in widgets)
            return {"kind": "checkbox", "value": self.state(attrs["/V"]) is not None if "/V" in attrs else ticked,
                    "readonly": readonly}
        kind = {"/Ch": "choice", "/Sig": "signature"}.get(ftype, "unknown")
        return {"kind": kind, "value": self.text(attrs.get("/V")) if kind == "choice" else None,
                "readonly": readonly}

    def on_state(self, widget) -> str | None:
        appearance, keys = self.entries(widget.get("/AP")) if "/AP" in self.keys(widget) else (None, ())
        _, keys = self.entries(appearance.get("/N")) if "/N" in keys else (None, ())
        names = [self.name(k) for k in keys if k != "/Off"]
        if len(names) > 1:  # pypdf takes the first in file order, qpdf keeps them sorted
            raise _Unusual
        return names[0] if names else self.state(widget.get("/AS"))

    def radio(self, node, attrs: dict, widgets: list) -> tuple[list[str], str | None]:
        states = [self.on_state(w) for w in widgets]
        opt = [self.text(o) for o in self.array(attrs.get("/Opt"))]
        by_position = len(opt) == len(widgets)
        options = opt if by_position else list(dict.fromkeys(s for s in states if s))
        on_kid = [self.state(w.get("/V")) for w in widgets if self.key(w) != self.key(node) and "/V" in self.keys(w)]
        chosen = next((s for s in on_kid if s), None) or self.state(attrs.get("/V"))
        if chosen is None:
            chosen = next((s for w, s in zip(widgets, states, strict=True) if self.state(w.get("/AS")) and s), None)
        if chosen is not None and by_position and chosen in states:
            return options, opt[states.index(chosen)]
        return options, chosen

    # manifest

    def manifest(self, root) -> bytes | None:
        found = []
        tree = self.dict((self.dict(root.get("/Names")) or {}).get("/EmbeddedFiles"))
        stack, seen = ([tree] if tree is not None else []), set()
        while stack:
            node = stack.pop()
            if self.key(node) in seen:
                raise _Unusual
            seen.add(self.key(node))
            self.budget.spend()
            pairs = self.array(node.get("/Names"))
            found += [spec for name, spec in zip(pairs[::2], pairs[1::2], strict=False)
                      if self.text(name) == MANIFEST_NAME]
            stack += [k for k in (self.dict(kid) for kid in self.array(node.get("/Kids"))) if k is not None]
        if not found:
            for spec in self.array(root.get("/AF")):
                spec = self.dict(spec) or {}
                if self.text(spec.get("/UF", spec.get("/F"))) == MANIFEST_NAME:
                    found.append(spec)
        if not found:
            return None
        if len(found) > 1:
            raise _Unusual
        spec = self.dict(found[0])
        files = self.dict(spec.get("/EF")) if spec is not None else None
        stream = (files.get("/F") or files.get("/UF")) if files is not None else None
        if not isinstance(stream, self.Stream):
            raise _Unusual
        return self.bounded_data(stream, MAX_MANIFEST_BYTES, "pep form data")
