"""Broken, unsafe and hostile PDFs built in memory (never committed), each aimed at one way a reader can fail."""

from __future__ import annotations

import io
import zlib

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NullObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from .formkit import build_form


def rewrite(data: bytes, change) -> bytes:
    """The PDF after pypdf has applied change(writer) and saved it."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _js_action(code: str = "app.alert('hi')") -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)})


def truncated() -> bytes:
    data = build_form()
    return data[: len(data) // 2]


def corrupt() -> bytes:
    """A header and an end marker around garbage."""
    return b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\ntrailer\n<< /Root 99 0 R >>\n%%EOF\n"


def password_protected() -> bytes:
    return rewrite(build_form(), lambda w: w.encrypt(user_password="s3cret", owner_password="own",
                                                      algorithm="AES-256"))


def owner_password_only() -> bytes:
    """Encrypted with an empty user password: every viewer opens it, and so must we."""
    return rewrite(build_form(), lambda w: w.encrypt(user_password="", owner_password="own", algorithm="AES-256"))


def flattened() -> bytes:
    """The form with its fields gone (what pdftk `flatten` and "print to PDF" leave)."""
    def drop(writer):
        del writer._root_object["/AcroForm"]
        for page in writer.pages:
            page[NameObject("/Annots")] = ArrayObject()
    return rewrite(build_form(), drop)


def printed() -> bytes:
    """A plain one-page PDF: no fields, no pep data."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def xfa_only() -> bytes:
    def xfa(writer):
        writer._root_object[NameObject("/AcroForm")] = DictionaryObject({
            NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): writer._add_object(_xml_stream())})
    return rewrite(printed(), xfa)


def _xml_stream() -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'><template/></xdp:xdp>")
    return stream


def javascript_open_action() -> bytes:
    return build_form(extra=lambda w, page: w._root_object.__setitem__(
        NameObject("/OpenAction"), w._add_object(_js_action())))


def javascript_names() -> bytes:
    """Document-level JavaScript in the /Names tree (what Acrobat runs on opening)."""
    def extra(writer, page):
        names = writer._root_object["/Names"]
        names[NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): ArrayObject(
            [TextStringObject("init"), writer._add_object(_js_action())])})
    return build_form(extra=extra)


def javascript_field_action() -> bytes:
    """A keystroke script on a field, chained behind a harmless action."""
    def extra(writer, page):
        field = writer._root_object["/AcroForm"]["/Fields"][2].get_object()
        harmless = DictionaryObject({NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): ArrayObject(
            [page.indirect_reference, NameObject("/Fit")]), NameObject("/Next"): _js_action()})
        field[NameObject("/AA")] = DictionaryObject({NameObject("/K"): harmless})
    return build_form(extra=extra)


def launch_action() -> bytes:
    def extra(writer, page):
        link = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
                                 NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                                 NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                                                     NameObject("/F"): TextStringObject("calc.exe")})})
        page["/Annots"].append(writer._add_object(link))
    return build_form(extra=extra)


def manifest_bomb(megabytes: int = 20) -> bytes:
    """The pep data attachment is a small zlib stream that inflates to `megabytes` of zeros."""
    blob = zlib.compress(b"\0" * (megabytes * 1024 * 1024), 9)
    data = build_form(manifest_bytes=b"{}")
    def swap(writer):
        names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
        stream = names[1].get_object()["/EF"]["/F"].get_object()
        stream._data = blob
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream[NameObject("/Length")] = NumberObject(len(blob))
    return rewrite(data, swap)


def value_bomb(megabytes: int = 20) -> bytes:
    """A text field whose value is a stream inflating to `megabytes`."""
    blob = zlib.compress(b"A" * (megabytes * 1024 * 1024), 9)
    def extra(writer, page):
        stream = StreamObject()
        stream._data = blob
        stream.update({NameObject("/Filter"): NameObject("/FlateDecode"),
                       NameObject("/Length"): NumberObject(len(blob))})
        field = writer._root_object["/AcroForm"]["/Fields"][2].get_object()
        field[NameObject("/V")] = writer._add_object(stream)
    return build_form(extra=extra)


def object_stream_bomb(megabytes: int = 100) -> bytes:
    """The catalogue sits in an object stream that inflates to `megabytes` (a cross-reference-stream file)."""
    return packed_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>" + b" " * (megabytes * 1024 * 1024)},
                      {2: b"<< /Type /Pages /Kids [] /Count 0 >>"})


def packed_pdf(packed: dict[int, bytes], plain: dict[int, bytes], root: int = 1) -> bytes:
    """A cross-reference-stream PDF: the `packed` object bodies in one compressed object stream, `plain` outside it."""
    stm, xref = max([*packed, *plain]) + 1, max([*packed, *plain]) + 2
    offsets, pos = [], 0
    for num in sorted(packed):
        offsets.append(b"%d %d" % (num, pos))
        pos += len(packed[num]) + 1
    header = b" ".join(offsets) + b" "
    body = zlib.compress(header + b" ".join(packed[n] for n in sorted(packed)), 9)
    out, where = bytearray(b"%PDF-1.7\n"), {}
    for num in sorted(plain):
        where[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, plain[num])
    where[stm] = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (stm, len(packed), len(header), len(body))) + body + b"\nendstream\nendobj\n"
    where[xref] = len(out)
    index = {n: i for i, n in enumerate(sorted(packed))}
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for num in range(1, xref + 1):
        kind, field2, field3 = (2, stm, index[num]) if num in packed else (1, where.get(num, 0), 0)
        rows.append(bytes([kind if num in packed or num in where else 0]) + field2.to_bytes(4, "big")
                    + field3.to_bytes(2, "big"))
    table = b"".join(rows)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Length %d >>\nstream\n"
            % (xref, xref + 1, root, len(table)) + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
            % where[xref])
    return bytes(out)


def raw_pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A classic PDF from object bodies, with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objects[num])
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>"


def field_cycle() -> bytes:
    """A field whose /Kids holds its own parent: walking the tree naively never ends."""
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: _PAGE,
                    4: b"<< /T (a) /Kids [5 0 R] >>", 5: b"<< /T (b) /Parent 4 0 R /Kids [4 0 R] >>"})


def page_tree_cycle() -> bytes:
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] >> >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    3: b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"})


def action_cycle() -> bytes:
    """/Next chains that loop back on themselves."""
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /AcroForm << /Fields [4 0 R] >> >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: _PAGE,
                    4: b"<< /T (a) /FT /Tx /V (x) /Subtype /Widget /Rect [0 0 1 1] >>",
                    6: b"<< /S /GoTo /D [3 0 R /Fit] /Next 7 0 R >>", 7: b"<< /S /GoTo /D [3 0 R /Fit] /Next 6 0 R >>"})


def deep_nesting(depth: int = 100_000) -> bytes:
    """An array nested `depth` levels deep as a field value."""
    nested = b"[" * depth + b"]" * depth
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: _PAGE,
                    4: b"<< /T (a) /FT /Tx /V " + nested + b" >>"})


def many_fields(count: int = 60_000) -> bytes:
    kids = b" ".join(b"<< /T (f%d) /FT /Tx >>" % i for i in range(count))
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: _PAGE,
                    4: b"<< /T (root) /Kids [" + kids + b"] >>"})


def null_flags() -> bytes:
    """A field whose /Ff is null: qpdf reads it as no flags at all, pypdf cannot read it as a number."""
    def extra(writer, page):
        writer._root_object["/AcroForm"]["/Fields"][2].get_object()[NameObject("/Ff")] = NullObject()
    return build_form(extra=extra)


def null_value() -> bytes:
    """A text field whose /V is null (qpdf shows no /V; pypdf reads a null object)."""
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: _PAGE,
                    4: b"<< /T (a) /FT /Tx /Subtype /Widget /Rect [0 0 1 1] /Ff 1 /V null >>"})


def null_in_object_stream() -> bytes:
    """A null /Ff inside a compressed object stream, where the file's raw bytes never show the token."""
    return packed_pdf({4: b"<< /T (a) /FT /Tx /Subtype /Widget /Rect [0 0 1 1] /Ff null /V (x) >>"},
                      {1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
                       2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: _PAGE})


def missing_object_flags() -> bytes:
    """A field whose /Ff refers to an object the file does not have (qpdf reads it as null, pypdf cannot)."""
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: _PAGE,
                    4: b"<< /T (a) /FT /Tx /Subtype /Widget /Rect [0 0 1 1] /Ff 99 0 R /V (x) >>"})


def missing_object_in_value() -> bytes:
    """A text value that is an array holding a reference to a missing object."""
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: _PAGE,
                    4: b"<< /T (a) /FT /Tx /Subtype /Widget /Rect [0 0 1 1] /V [(x) 99 0 R] >>"})


def huge_declared_length() -> bytes:
    """A stream claiming to be 10 GB long."""
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: _PAGE,
                    4: b"<< /T (a) /FT /Tx /V 5 0 R >>",
                    5: b"<< /Length 10000000000 >>\nstream\nabc\nendstream"})


# Every file a reader must refuse, or leave to the pypdf path (the fast path never answers for one).
REFUSED = [truncated, corrupt, password_protected, flattened, printed, xfa_only, javascript_open_action,
           javascript_names, javascript_field_action, launch_action, manifest_bomb, value_bomb, object_stream_bomb,
           huge_declared_length, field_cycle, page_tree_cycle, deep_nesting, many_fields, null_flags, null_value,
           null_in_object_stream, missing_object_flags, missing_object_in_value]
