"""Fill a form the way Chrome and Edge do: PDFium's form API clicks and types, then saves incrementally."""

from __future__ import annotations

import ctypes
import io

import pypdfium2 as pdfium
import pypdfium2.raw as raw


def _utf16(getter, *args) -> str:
    size = getter(*args, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    getter(*args, ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), size)
    return buffer.raw[: size - 2].decode("utf-16-le")


def _centre(annot) -> tuple[float, float]:
    rect = raw.FS_RECTF()
    raw.FPDFAnnot_GetRect(annot, rect)
    return (rect.left + rect.right) / 2, (rect.top + rect.bottom) / 2


def _click(form, page, annot) -> None:
    x, y = _centre(annot)
    raw.FORM_OnMouseMove(form, page, 0, x, y)
    raw.FORM_OnLButtonDown(form, page, 0, x, y)
    raw.FORM_OnLButtonUp(form, page, 0, x, y)


def _type(form, page, annot, text: str) -> None:
    """Focus the field, select what is there, and type over it key by key (Enter for a new line)."""
    _click(form, page, annot)
    raw.FORM_SelectAllText(form, page)
    raw.FORM_OnKeyDown(form, page, raw.FWL_VKEY_Delete, 0)
    raw.FORM_OnKeyUp(form, page, raw.FWL_VKEY_Delete, 0)
    for char in text:
        if char == "\n":
            raw.FORM_OnKeyDown(form, page, raw.FWL_VKEY_Return, 0)
            raw.FORM_OnChar(form, page, 13, 0)
            raw.FORM_OnKeyUp(form, page, raw.FWL_VKEY_Return, 0)
            continue
        for unit in _units(char):
            raw.FORM_OnChar(form, page, unit, 0)
    raw.FORM_ForceToKillFocus(form)


def _units(char: str) -> list[int]:
    data = char.encode("utf-16-le")
    return [int.from_bytes(data[i:i + 2], "little") for i in range(0, len(data), 2)]


def fill(data: bytes, values: dict) -> bytes:
    """`values`: field name → text, True/False (checkbox) or an option (radio); others are left as they are."""
    pdf = pdfium.PdfDocument(data)
    pdf.init_forms()
    form = pdf.formenv.raw
    for index in range(len(pdf)):
        page = pdf[index]
        for i in range(raw.FPDFPage_GetAnnotCount(page.raw)):
            annot = raw.FPDFPage_GetAnnot(page.raw, i)
            try:
                _fill_widget(form, page.raw, annot, values)
            finally:
                raw.FPDFPage_CloseAnnot(annot)
        page.close()
    out = io.BytesIO()
    pdf.save(out, flags=raw.FPDF_INCREMENTAL)
    pdf.close()
    return out.getvalue()


def _fill_widget(form, page, annot, values: dict) -> None:
    if raw.FPDFAnnot_GetSubtype(annot) != raw.FPDF_ANNOT_WIDGET:
        return
    name = _utf16(raw.FPDFAnnot_GetFormFieldName, form, annot)
    if name not in values or values[name] is None:
        return
    kind, wanted = raw.FPDFAnnot_GetFormFieldType(form, annot), values[name]
    if kind == raw.FPDF_FORMFIELD_TEXTFIELD:
        _type(form, page, annot, wanted)
    elif kind == raw.FPDF_FORMFIELD_CHECKBOX:
        if bool(raw.FPDFAnnot_IsChecked(form, annot)) != bool(wanted):
            _click(form, page, annot)
    elif kind == raw.FPDF_FORMFIELD_RADIOBUTTON:
        export = _utf16(raw.FPDFAnnot_GetFormFieldExportValue, form, annot)
        if export == wanted and not raw.FPDFAnnot_IsChecked(form, annot):
            _click(form, page, annot)
    raw.FORM_ForceToKillFocus(form)


def flatten(data: bytes) -> bytes:
    """PDFium's own flattening ("print to PDF" keeps the look and loses the fields)."""
    pdf = pdfium.PdfDocument(data)
    for index in range(len(pdf)):
        page = pdf[index]
        raw.FPDFPage_Flatten(page.raw, raw.FLAT_PRINT)
        page.close()
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()
