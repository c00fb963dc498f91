"""A structural PDF/A check (identification, output intent, fonts, actions, annotations): not a full validator."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject, IndirectObject, StreamObject

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
# Actions PDF/A-2 and -3 forbid (ISO 19005-2 6.5.1), JavaScript among them.
FORBIDDEN_ACTIONS = ("/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/JavaScript", "/Hide",
                     "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView")
_HEADER = re.compile(rb"%PDF-1\.([0-7])")
_FLAG_INVISIBLE, _FLAG_HIDDEN, _FLAG_PRINT, _FLAG_NOVIEW = 1, 2, 4, 32


@dataclass
class PdfaReport:
    """What the check found: the claimed PDF/A part and conformance, PDF/UA part, and every problem."""

    part: int | None = None
    conformance: str | None = None
    ua: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def level(self) -> str:
        """`PDF/A-2A` (with `+ PDF/UA-1` when claimed), or "" when the file claims no PDF/A part."""
        if not self.part:
            return ""
        return f"PDF/A-{self.part}{self.conformance or ''}" + (f" + PDF/UA-{self.ua}" if self.ua else "")


def check_pdfa(data: bytes) -> PdfaReport:
    """Check a PDF's bytes for the structural requirements of PDF/A-1/2/3 (and PDF/UA identification)."""
    report = PdfaReport()
    header = _HEADER.match(data[:16])
    if not header:
        report.problems.append("header: not %PDF-1.0 to %PDF-1.7 at the start of the file")
        return report
    if not re.match(rb"[^\n\r]*[\r\n]+%[\x80-\xff]{4}", data[:64]):
        report.problems.append("header: no comment of four binary bytes on the second line")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            report.problems.append("trailer: the file is encrypted (PDF/A forbids encryption)")
            return report
        _check(reader, report)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
        report.problems.append(f"file: cannot be read as PDF ({type(err).__name__})")
    return report


def _check(reader: PdfReader, report: PdfaReport) -> None:
    root = reader.trailer["/Root"].get_object()
    _identification(root, reader, report)
    _trailer_id(reader, report)
    _output_intent(root, report)
    for number, page in enumerate(reader.pages, 1):
        _fonts(page.get("/Resources"), f"page {number}", report, set())
        _annotations(page, number, report)
    _objects(reader, report)
    _forms(root, report)
    _attachments(root, report)
    if report.conformance in ("A", "a") or report.ua:
        _tagging(root, report)


# --- identification -------------------------------------------------------------------------------------------


def _identification(root: DictionaryObject, reader: PdfReader, report: PdfaReport) -> None:
    xmp = _xmp(root, report)
    if xmp is None:
        return
    report.part = _int(_xmp_value(xmp, "pdfaid", "part"))
    report.conformance = _xmp_value(xmp, "pdfaid", "conformance")
    report.ua = _int(_xmp_value(xmp, "pdfuaid", "part"))
    if report.part not in (1, 2, 3):
        report.problems.append("metadata: no pdfaid:part 1, 2 or 3 in the XMP")
    if (report.conformance or "").upper() not in ("A", "B", "U"):
        report.problems.append("metadata: no pdfaid:conformance A, B or U in the XMP")
    title = (reader.metadata or {}).get("/Title")
    xmp_title = "".join(xmp.findall(".//dc:title//rdf:li", NS)[0].itertext()) if xmp.findall(
        ".//dc:title//rdf:li", NS) else None
    if title and xmp_title is not None and str(title) != xmp_title:
        report.problems.append("metadata: the document title differs between the Info dictionary and the XMP")


def _xmp(root: DictionaryObject, report: PdfaReport) -> ElementTree.Element | None:
    stream = root.get("/Metadata")
    if stream is None:
        report.problems.append("metadata: no XMP metadata stream in the catalog")
        return None
    raw = stream.get_object().get_data()
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        report.problems.append("metadata: the XMP declares a DOCTYPE or entities")
        return None
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError:
        report.problems.append("metadata: the XMP is not well-formed XML")
        return None


def _xmp_value(xmp: ElementTree.Element, prefix: str, name: str) -> str | None:
    """A simple XMP property, written either as an attribute of rdf:Description or as an element."""
    key = f"{{{NS[prefix]}}}{name}"
    for description in xmp.iter(f"{{{NS['rdf']}}}Description"):
        if key in description.attrib:
            return description.attrib[key].strip()
        element = description.find(key)
        if element is not None and element.text:
            return element.text.strip()
    return None


def _true(value) -> bool:
    return isinstance(value, BooleanObject) and bool(value.value)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _trailer_id(reader: PdfReader, report: PdfaReport) -> None:
    ident = reader.trailer.get("/ID")
    if not isinstance(ident, ArrayObject) or len(ident) != 2:
        report.problems.append("trailer: no /ID array of two strings")


def _output_intent(root: DictionaryObject, report: PdfaReport) -> None:
    intents = root.get("/OutputIntents")
    intents = intents.get_object() if intents is not None else []
    pdfa = [i.get_object() for i in intents if i.get_object().get("/S") == "/GTS_PDFA1"]
    if not pdfa:
        report.problems.append("catalog: no /OutputIntents entry with /S /GTS_PDFA1")
        return
    profile = pdfa[0].get("/DestOutputProfile")
    data = profile.get_object().get_data() if profile is not None else b""
    if data[36:40] != b"acsp":
        report.problems.append("catalog: the PDF/A output intent has no valid ICC profile")


# --- fonts, annotations, actions ------------------------------------------------------------------------------


def _fonts(resources, where: str, report: PdfaReport, seen: set) -> None:
    """Every font used by a page, its form XObjects and patterns must be embedded (Type 3 fonts are by nature)."""
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject):
        return
    fonts = resources.get("/Font")
    for name, ref in (fonts.get_object().items() if fonts is not None else []):
        key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
        if key not in seen:
            seen.add(key)
            _font(ref.get_object(), f"{where}: font {name}", report)
    for kind in ("/XObject", "/Pattern"):
        objects = resources.get(kind)
        for ref in (objects.get_object().values() if objects is not None else []):
            key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
            if key in seen:
                continue
            seen.add(key)
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Form" or kind == "/Pattern":
                _fonts(obj.get("/Resources"), where, report, seen)
            elif _true(obj.get("/Interpolate")):
                report.problems.append(f"{where}: an image has /Interpolate true")


def _font(font: DictionaryObject, where: str, report: PdfaReport) -> None:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return
    if subtype == "/Type0":
        font = font["/DescendantFonts"].get_object()[0].get_object()
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
        report.problems.append(f"{where} ({font.get('/BaseFont', '?')}) is not embedded")


def _annotations(page, number: int, report: PdfaReport) -> None:
    annots = page.get("/Annots")
    for index, ref in enumerate(annots.get_object() if annots is not None else []):
        annot = ref.get_object()
        where = f"page {number}: annotation {index} ({annot.get('/Subtype', '?')})"
        if annot.get("/Subtype") == "/Popup" or _zero_rect(annot.get("/Rect")):
            continue
        ap = annot.get("/AP")
        if ap is None or "/N" not in ap.get_object():
            report.problems.append(f"{where}: no appearance stream (/AP /N)")
        elif set(ap.get_object()) != {"/N"}:
            report.problems.append(f"{where}: the appearance dictionary has more than /N")
        flags = int(annot.get("/F", 0))
        if not flags & _FLAG_PRINT or flags & (_FLAG_INVISIBLE | _FLAG_HIDDEN | _FLAG_NOVIEW):
            report.problems.append(f"{where}: must print and must not be hidden (/F {flags})")
        if ap is not None:
            _fonts_of_appearance(ap.get_object(), where, report)


def _fonts_of_appearance(ap: DictionaryObject, where: str, report: PdfaReport) -> None:
    for state in ap.values():
        state = state.get_object()
        streams = [state] if isinstance(state, StreamObject) else [s.get_object() for s in state.values()]
        for stream in streams:
            _fonts(stream.get("/Resources"), where, report, set())


def _zero_rect(rect) -> bool:
    if rect is None:
        return False
    x1, y1, x2, y2 = (float(v) for v in rect.get_object())
    return x1 == x2 and y1 == y2


def _objects(reader: PdfReader, report: PdfaReport) -> None:
    """Scan every object for JavaScript, forbidden actions and additional-actions dictionaries."""
    found: set[str] = set()
    for obj in _all_objects(reader):
        for item in _walk(obj, 0):
            if "/JS" in item:
                found.add("a JavaScript action")
            elif item.get("/S") in FORBIDDEN_ACTIONS and not _structure_element(item):
                found.add(f"a {item['/S'][1:]} action")
            if "/AA" in item:
                found.add("an additional-actions (/AA) dictionary")
    names = reader.trailer["/Root"].get_object().get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        found.add("a document-level JavaScript name tree")
    report.problems.extend(f"actions: {what} (forbidden in PDF/A)" for what in sorted(found))


def _structure_element(item: DictionaryObject) -> bool:
    """Tagged-PDF structure elements also use /S (their role), which is not an action."""
    return item.get("/Type") == "/StructElem" or "/P" in item or "/K" in item


def _all_objects(reader: PdfReader) -> Iterator:
    numbers = {num for gen in reader.xref.values() for num in gen} | set(reader.xref_objStm)
    for num in sorted(numbers):
        try:
            yield reader.get_object(num)
        except (PdfReadError, ValueError, KeyError, IndexError):
            continue


def _walk(obj, depth: int) -> Iterator[DictionaryObject]:
    """Dictionaries in an object, including direct ones nested in it (not following references)."""
    if depth > 32 or isinstance(obj, IndirectObject):
        return
    if isinstance(obj, DictionaryObject):
        yield obj
        for value in obj.values():
            yield from _walk(value, depth + 1)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            yield from _walk(value, depth + 1)


def _forms(root: DictionaryObject, report: PdfaReport) -> None:
    form = root.get("/AcroForm")
    form = form.get_object() if form is not None else {}
    if _true(form.get("/NeedAppearances")):
        report.problems.append("form: /NeedAppearances true (viewers must then redraw the fields)")
    if "/XFA" in form:
        report.problems.append("form: XFA content (forbidden in PDF/A)")


def _attachments(root: DictionaryObject, report: PdfaReport) -> None:
    names = root.get("/Names")
    files = names.get_object().get("/EmbeddedFiles") if names is not None else None
    if files is None:
        return
    if report.part in (1, 2):
        report.problems.append(f"attachments: PDF/A-{report.part} may not carry attached files")
        return
    specs = files.get_object().get("/Names", [])
    for spec in list(specs)[1::2]:
        spec = spec.get_object()
        name = spec.get("/UF") or spec.get("/F")
        if "/AFRelationship" not in spec:
            report.problems.append(f"attachments: {name}: no /AFRelationship")
        embedded = spec.get("/EF", {}).get("/F")
        if embedded is None or "/Subtype" not in embedded.get_object():
            report.problems.append(f"attachments: {name}: no MIME type (/Subtype)")
    if "/AF" not in root:
        report.problems.append("attachments: the catalog has no /AF array of associated files")


def _tagging(root: DictionaryObject, report: PdfaReport) -> None:
    mark = root.get("/MarkInfo")
    if mark is None or not _true(mark.get_object().get("/Marked")):
        report.problems.append("tagging: /MarkInfo /Marked is not true")
    if "/StructTreeRoot" not in root:
        report.problems.append("tagging: no structure tree (/StructTreeRoot)")
    if report.ua:
        if "/Lang" not in root:
            report.problems.append("tagging: no document language (/Lang)")
        prefs = root.get("/ViewerPreferences")
        if prefs is None or not _true(prefs.get_object().get("/DisplayDocTitle")):
            report.problems.append("tagging: /ViewerPreferences /DisplayDocTitle is not true (PDF/UA)")

