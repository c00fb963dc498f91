"""Filling a cached form layout for one child, fast: an incremental update appended to the layout's bytes.

Only what changes is written after the layout: the fields that get a value (with their appearance streams), the
manifest attachment, the catalog that points to it and a new information dictionary. The layout is parsed once per
process; its field objects are found through /Fields, which the clean-up ordered like the plan.
"""

from __future__ import annotations

import io
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

from ..core.errors import PepError
from .appearance import FONT_RESOURCE, MAX_KEPT_TEXT, TEXT_COLOUR, remember, text_stream
from .font import FormFont
from .plan import FormPlan, PlannedField

_INDEXES: OrderedDict[bytes, LayoutIndex] = OrderedDict()
_REWRITTEN = ("/V", "/AS", "/AP")
_DEFLATERS: dict[tuple[bytes, int], tuple] = {}  # (prefix, level) -> it compressed, and the compressor after it
MAX_DEFLATERS = 8
_TEXTS: dict[str, bytes] = {}  # a text -> it as a PDF string object, serialised (see _text)
MAX_INDEXES = 8
_INDEX_LOCK = threading.Lock()


@dataclass
class LayoutIndex:
    """A parsed layout: its reader (objects are parsed on first use and then kept), and where things are."""

    data: bytes
    reader: PdfReader
    startxref: int
    size: int
    root: IndirectObject
    fields: dict[str, IndirectObject]
    font: IndirectObject
    entries: dict[int, bytes] = field(default_factory=dict)  # object number -> its dictionary entries, serialised
    memo: dict[tuple, object] = field(default_factory=dict)  # what set_field looks up in the layout, found once
    streams: dict[tuple, bytes] = field(default_factory=dict)  # appearance stream objects (see stream())
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def unchanged_entries(self, ref: IndirectObject) -> bytes:
        """A layout dictionary's entries but /V, /AS and /AP, serialised once per process (filling rewrites only
        those three, and pypdf's general writer costs more than everything else in a fill)."""
        found = self.entries.get(ref.idnum)
        if found is None:
            out = io.BytesIO()
            for key, value in self.reader.get_object(ref).items():
                if key not in _REWRITTEN:
                    NameObject(key).write_to_stream(out)
                    out.write(b" ")
                    value.write_to_stream(out)
            found = self.entries[ref.idnum] = out.getvalue()
        return found


    def kept(self, ref: IndirectObject, keys: tuple[str, ...]) -> bytes:
        """Those of a layout object's `keys` that it has, serialised (once per process)."""
        found = self.memo.get(("kept", ref.idnum, keys))
        if found is None:
            obj = self.reader.get_object(ref)
            found = b"".join(key.encode("ascii") + b" " + _serialised(obj.raw_get(key)) for key in keys if key in obj)
            self.memo["kept", ref.idnum, keys] = found
        return found

    def stream(self, content: bytes, width: float, height: float) -> bytes:
        """An appearance stream object of a width x height box showing `content` (Flate-compressed), serialised;
        the same ones are made once per layout."""
        return remember(self.streams, (content, width, height), lambda: self.make_stream(content, width, height))

    def make_stream(self, content: bytes, width: float, height: float) -> bytes:
        data = zlib.compress(content, 6)
        font_ref = f"{self.font.idnum} {self.font.generation} R".encode("ascii")
        head = (b"<</Type/XObject/Subtype/Form/BBox[0 0 " + _number(width) + b" " + _number(height)
                + b"]/Resources<</Font<<" + FONT_RESOURCE.encode("ascii") + b" " + font_ref
                + b">>>>/Filter/FlateDecode/Length " + str(len(data)).encode("ascii") + b">>\nstream\n")
        return head + data + b"\nendstream"

    def rect(self, ref: IndirectObject) -> tuple[float, ...]:
        found = self.memo.get(("rect", ref.idnum))
        if found is None:
            found = self.memo["rect", ref.idnum] = tuple(float(v) for v in self.reader.get_object(ref)["/Rect"])
        return found

    def kids_showing(self, ref: IndirectObject, state: NameObject) -> list[IndirectObject]:
        """The radio group's kids that have an appearance for `state` (every kid is Off in the layout)."""
        found = self.memo.get(("kids", ref.idnum, state))
        if found is None:
            kids = self.reader.get_object(ref)["/Kids"]
            found = [k for k in kids if state in self.reader.get_object(k)["/AP"]["/N"]]
            self.memo["kids", ref.idnum, state] = found
        return found


def layout_index(data: bytes, plan: FormPlan) -> LayoutIndex:
    """The index of a layout, made once per process."""
    with _INDEX_LOCK:
        return _layout_index(data, plan)


def _layout_index(data: bytes, plan: FormPlan) -> LayoutIndex:
    key = data[-64:] + len(data).to_bytes(8, "big") + bytes(str(len(plan.fields)), "ascii")
    found = _INDEXES.get(key)
    if found is not None and found.data == data:
        _INDEXES.move_to_end(key)
        return found
    reader = PdfReader(io.BytesIO(data))
    acro = reader.trailer["/Root"]["/AcroForm"]
    refs = list(acro.raw_get("/Fields"))
    names = [f.name for f in plan.fields]
    if len(refs) != len(names) or any(str(refs[i].get_object()["/T"]) != names[i] for i in (0, -1)):
        raise PepError("The cached form layout does not match its plan; clear the form cache and try again.")
    index = LayoutIndex(data, reader, _startxref(data), int(reader.trailer["/Size"]), reader.trailer.raw_get("/Root"),
                        dict(zip(names, refs, strict=True)), acro["/DR"]["/Font"].raw_get(FONT_RESOURCE))
    _INDEXES[key] = index
    while len(_INDEXES) > MAX_INDEXES:
        _INDEXES.popitem(last=False)
    return index


def _startxref(data: bytes) -> int:
    tail = data[-1024:]
    at = tail.rfind(b"startxref")
    return int(tail[at + 9:].split()[0])


@dataclass
class Update:
    """The objects of an incremental update: changed ones keep their number, new ones get the next free numbers."""

    index: LayoutIndex
    objects: dict[int, PdfObject | bytes] = field(default_factory=dict)  # bytes: an object already serialised
    next_number: int = 0

    def __post_init__(self):
        self.next_number = self.index.size

    def add(self, obj: PdfObject | bytes) -> IndirectObject:
        number = self.next_number
        self.next_number += 1
        self.objects[number] = obj
        return IndirectObject(number, 0, None)

    def change(self, ref: IndirectObject, obj: PdfObject | bytes) -> None:
        self.objects[ref.idnum] = obj

    def copy_of(self, ref: IndirectObject) -> DictionaryObject:
        """A shallow copy of a layout object, to change without touching the shared parsed layout."""
        if ref.idnum in self.objects:
            return self.objects[ref.idnum]
        return DictionaryObject(self.index.reader.get_object(ref))

    def to_bytes(self, trailer: DictionaryObject) -> bytes:
        data = self.index.data
        parts = [data] if data.endswith(b"\n") else [data, b"\n"]
        at = len(data) + len(parts) - 1
        offsets = {}
        for number in sorted(self.objects):
            obj = self.objects[number]
            chunk = b"%d 0 obj\n%b\nendobj\n" % (number, obj if isinstance(obj, bytes) else _serialised(obj))
            offsets[number] = at
            parts.append(chunk)
            at += len(chunk)
        parts.append(b"xref\n")
        for start, run in _runs(sorted(offsets)):
            parts.append(b"%d %d\n" % (start, len(run)))
            parts.extend(b"%010d 00000 n \n" % offsets[n] for n in run)
        trailer[NameObject("/Size")] = NumberObject(max(self.next_number, self.index.size))
        trailer[NameObject("/Prev")] = NumberObject(self.index.startxref)
        parts += [b"trailer\n", _serialised(trailer), b"\nstartxref\n%d\n%%%%EOF\n" % at]
        return b"".join(parts)


def _runs(numbers: list[int]):
    run: list[int] = []
    for number in numbers:
        if run and number != run[-1] + 1:
            yield run[0], run
            run = []
        run.append(number)
    if run:
        yield run[0], run


def _number(value: float) -> bytes:
    return f"{round(value, 3):f}".rstrip("0").rstrip(".").encode("ascii")


def _serialised(obj: PdfObject) -> bytes:
    out = io.BytesIO()
    obj.write_to_stream(out)
    return out.getvalue()


def _text(value) -> bytes:
    """A value as a PDF string, serialised (once per process for each text: it depends on the text only)."""
    if type(value) is not str or len(value) > MAX_KEPT_TEXT:
        return _serialised(TextStringObject(value))
    return remember(_TEXTS, value, lambda: _serialised(TextStringObject(value)))


def appearance(update: Update, font: FormFont, planned: PlannedField, rect, text: str) -> IndirectObject:
    """A new normal appearance stream for a text widget showing `text` (word-wrapped when multi-line)."""
    x1, y1, x2, y2 = rect
    width, height = abs(x2 - x1), abs(y2 - y1)
    content, _ = text_stream(font, text, width, height, planned.size, planned.spec.type == "multiline", TEXT_COLOUR)
    if len(text) > MAX_KEPT_TEXT:
        return update.add(update.index.make_stream(content, width, height))
    return update.add(update.index.stream(content, width, height))


def set_field(update: Update, font: FormFont, planned: PlannedField, value, shown: str | None) -> None:
    """Give one field its value and matching appearance."""
    ref = update.index.fields[planned.name]
    kind = planned.spec.type
    if kind in ("text", "multiline"):
        stream = appearance(update, font, planned, update.index.rect(ref), shown if shown is not None else value)
        extra = b"/V " + _text(value) + b"/AP<</N " + f"{stream.idnum} 0 R".encode("ascii") + b">>"
    elif kind == "checkbox":
        extra = b"/V/on/AS/on" + _kept(update, ref, "/AP")
    else:
        state = NameObject(f"/{value}")
        extra = b"/V" + _serialised(state)
        for kid_ref in update.index.kids_showing(ref, state):
            update.change(kid_ref, b"<<" + update.index.unchanged_entries(kid_ref) + b"/AS" + _serialised(state)
                          + _kept(update, kid_ref, "/AP") + b">>")
        extra += _kept(update, ref, "/AP", "/AS")
    update.change(ref, b"<<" + update.index.unchanged_entries(ref) + extra + b">>")


def _kept(update: Update, ref: IndirectObject, *keys: str) -> bytes:
    """Those of the layout object's /V, /AS, /AP entries that a fill keeps as they were, serialised."""
    return update.index.kept(ref, keys)


def deflate(data: bytes, level: int, prefix: bytes = b"") -> bytes:
    """zlib.compress(data, level); a `prefix` that data starts with is compressed once per process and the rest
    continued from a copy of the compressor (deflate's output does not depend on how its input is split up)."""
    if not prefix or not data.startswith(prefix):
        return zlib.compress(data, level)
    head, started = remember(_DEFLATERS, (prefix, level), lambda: _started(prefix, level), limit=MAX_DEFLATERS)
    rest = started.copy()
    return head + rest.compress(memoryview(data)[len(prefix):]) + rest.flush()


def _started(prefix: bytes, level: int):
    compressor = zlib.compressobj(level)
    return compressor.compress(prefix), compressor


def attach(update: Update, name: str, data: bytes, shared: bytes = b"") -> None:
    """Embed a file (the manifest) and point the catalog's EmbeddedFiles name tree at it; `shared`: how data starts
    in every form of the layout (see deflate)."""
    entries = DictionaryObject({NameObject("/Type"): NameObject("/EmbeddedFile"),
                                NameObject("/Subtype"): NameObject("/application/json"),
                                NameObject("/Params"): DictionaryObject({NameObject("/Size"): NumberObject(len(data))}),
                                NameObject("/Filter"): NameObject("/FlateDecode")})
    compressed = deflate(data, 9, shared)
    entries[NameObject("/Length")] = NumberObject(len(compressed))  # as pypdf's stream.flate_encode() writes it
    stream = update.add(_serialised(entries) + b"\nstream\n" + compressed + b"\nendstream")
    spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject(name),
                             NameObject("/UF"): TextStringObject(name),
                             NameObject("/AFRelationship"): NameObject("/Data"),
                             NameObject("/EF"): DictionaryObject({NameObject("/F"): stream})})
    spec_ref = update.add(spec)
    catalog = update.copy_of(update.index.root)
    names = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject(name), spec_ref])})
    catalog[NameObject("/Names")] = DictionaryObject({NameObject("/EmbeddedFiles"): update.add(names)})
    catalog[NameObject("/AF")] = ArrayObject([spec_ref])
    update.change(update.index.root, catalog)


def fill_layout(data: bytes, plan: FormPlan, font: FormFont, values: dict, shown: dict, info: dict,
                attachments: dict[str, bytes], shared: dict[str, bytes] | None = None) -> bytes:
    """The layout with values set, files attached and a new information dictionary, as one incremental update
    (`shared`: how an attachment starts in every form of the layout, compressed once; see deflate)."""
    index = layout_index(data, plan)
    with index.lock:  # its reader parses objects on first use: one fill at a time (the web server has threads)
        update = Update(index)
        for planned in plan.fields:
            value = values.get(planned.name)
            if value not in ("", False, None):
                set_field(update, font, planned, value, shown.get(planned.name))
        for name, content in attachments.items():
            attach(update, name, content, (shared or {}).get(name, b""))
        info_ref = update.add(DictionaryObject({NameObject(k): TextStringObject(v) for k, v in info.items()}))
        trailer = DictionaryObject({NameObject("/Root"): update.index.root, NameObject("/Info"): info_ref})
        return update.to_bytes(trailer)
