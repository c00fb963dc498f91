"""Form layouts: the template rendered by WeasyPrint once, cleaned up so every viewer agrees, cached by content.

The clean-up (research/pdf-docx-notes.md §1a, §2): radio kids lose /T /TU /V and their states are renamed to the
option values; kids leave /Fields; the fonts WeasyPrint embedded whole for the fields are replaced by pep's compact
field font; every field gets appearance streams (checkboxes and radios an on and an Off one); flags are OR'd in;
NeedAppearances is false.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
from functools import cache
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from .. import __version__
from ..authority.profiles import template_search_path
from ..core.errors import TemplateError
from ..signing.manifest import canonical, canonical_with
from . import cache as form_cache
from .appearance import FONT_RESOURCE, OFF_STREAM, TEXT_COLOUR, check_stream, dot_stream
from .font import FormFont, font_key, form_font
from .plan import FormPlan, PlannedField

LAYOUT_VERSION = "1"
TEMPLATE = "form.html.j2"
READ_ONLY, MULTILINE, NO_TOGGLE_OFF, RADIO = 1, 1 << 12, 1 << 14, 1 << 15
_CODE = ("layout.py", "plan.py", "appearance.py", "font.py")


@cache
def _code_digest() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def template_files(profile_id: str) -> dict[str, str]:
    """The form templates an authority uses (its own override first, else the common one): name -> SHA-256."""
    found: dict[str, str] = {}
    for folder in template_search_path(profile_id):
        for path in sorted(folder.glob("form*")) if folder.is_dir() else ():
            if path.is_file() and path.name not in found:
                found[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def layout_key(profile_id: str, plan: FormPlan) -> str:
    """What a layout depends on: templates, everything the page shows (profile wording, variant content, slot
    counts), the fields and their sizes, the field font and the code that draws them."""
    import weasyprint

    return hashlib.sha256(canonical_with({
        "layout": LAYOUT_VERSION, "pep": __version__, "code": _code_digest(), "weasyprint": weasyprint.__version__,
        "templates": template_files(profile_id), "font": font_key()}, _plan_json(plan))).hexdigest()


def _plan_json(plan: FormPlan) -> dict[str, bytes]:
    """canonical() of the plan's page structure and fields, as layout_key hashes them, encoded once per plan (the
    same bytes as encoding them with the rest of the key: form_cache.cache_key's hash of it all)."""
    found = plan.memo.get("layout_json")
    if found is None:
        fields = [[f.name, f.spec.type, f.spec.readonly, list(f.spec.options), f.size, f.lines, f.label]
                  for f in plan.fields]
        found = plan.memo["layout_json"] = {"doc": canonical(plan.doc), "fields": canonical(fields)}
    return found


def template_version(profile_id: str, *content: bytes) -> str:
    """The version of a form's template and content, for its identity: pep's version + a digest."""
    digest = hashlib.sha256(repr(sorted(template_files(profile_id).items())).encode())
    for part in content:
        digest.update(part)
    return f"{__version__}+{digest.hexdigest()[:12]}"


def render_html(profile_id: str, plan: FormPlan) -> str:
    """The form's HTML from the authority's template (sandboxed Jinja, autoescaped, strict about names)."""
    paths = [str(p) for p in template_search_path(profile_id)]
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(paths), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    try:
        return env.get_template(TEMPLATE).render(doc=copy.deepcopy(plan.doc))  # the plan stays as it was made
    except jinja2.TemplateSyntaxError as err:
        raise TemplateError(err.message or "Syntax error.", file=err.filename or TEMPLATE, line=err.lineno) from err
    except jinja2.TemplateNotFound as err:
        raise TemplateError(f"Template not found (looked in {', '.join(paths)}).", file=str(err.name)) from err
    except jinja2.TemplateError as err:
        raise TemplateError(str(err), file=TEMPLATE) from err


def layout(profile_id: str, plan: FormPlan) -> bytes:
    """The cleaned-up layout PDF of a plan: from the cache, else rendered and cached."""
    key = layout_key(profile_id, plan)
    cached = form_cache.get(key, ".pdf")
    if cached is not None and cached.startswith(b"%PDF-"):
        return cached
    data = render_layout(profile_id, plan)
    form_cache.put(key, ".pdf", data)
    return data


def render_layout(profile_id: str, plan: FormPlan) -> bytes:
    """Render the plan with WeasyPrint (fillable) and clean it up; no cache."""
    import weasyprint

    html = render_html(profile_id, plan)
    raw = weasyprint.HTML(string=html, base_url=str(template_search_path(profile_id)[-1])).write_pdf(pdf_forms=True)
    return cleanup(raw, plan, form_font())


# --- clean-up --------------------------------------------------------------------------------------------------


def add_font(writer: PdfWriter, font: FormFont) -> IndirectObject:
    """The field font as a Type0 / CIDFontType2 font (Identity-H, ToUnicode), its file Flate-compressed."""
    file_stream = DecodedStreamObject()
    file_stream.set_data(font.data)
    file_stream = file_stream.flate_encode(level=9)
    file_stream[NameObject("/Length1")] = NumberObject(len(font.data))
    descriptor = DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"), NameObject("/FontName"): NameObject(f"/{font.name}"),
        NameObject("/Flags"): NumberObject(32), NameObject("/ItalicAngle"): NumberObject(0),
        NameObject("/FontBBox"): ArrayObject(NumberObject(v) for v in font.bbox),
        NameObject("/Ascent"): NumberObject(font.ascent), NameObject("/Descent"): NumberObject(font.descent),
        NameObject("/CapHeight"): NumberObject(font.cap_height), NameObject("/StemV"): NumberObject(80),
        NameObject("/FontFile2"): writer._add_object(file_stream),
    })
    cid = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/CIDFontType2"),
        NameObject("/BaseFont"): NameObject(f"/{font.name}"),
        NameObject("/CIDSystemInfo"): DictionaryObject({
            NameObject("/Registry"): TextStringObject("Adobe"), NameObject("/Ordering"): TextStringObject("Identity"),
            NameObject("/Supplement"): NumberObject(0)}),
        NameObject("/FontDescriptor"): writer._add_object(descriptor),
        NameObject("/CIDToGIDMap"): NameObject("/Identity"), NameObject("/DW"): NumberObject(1000),
        NameObject("/W"): ArrayObject([NumberObject(0), ArrayObject(NumberObject(w) for w in font.widths)]),
    })
    cmap = DecodedStreamObject()
    cmap.set_data(font.to_unicode())
    type0 = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type0"),
        NameObject("/BaseFont"): NameObject(f"/{font.name}"), NameObject("/Encoding"): NameObject("/Identity-H"),
        NameObject("/DescendantFonts"): ArrayObject([writer._add_object(cid)]),
        NameObject("/ToUnicode"): writer._add_object(cmap.flate_encode(level=9)),
    })
    return writer._add_object(type0)


def xobject(writer: PdfWriter, content: bytes, width: float, height: float,
            font_ref: IndirectObject | None = None) -> IndirectObject:
    """A form XObject holding an appearance."""
    stream = DecodedStreamObject()
    stream[NameObject("/Type")] = NameObject("/XObject")
    stream[NameObject("/Subtype")] = NameObject("/Form")
    stream[NameObject("/BBox")] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(round(width, 3)),
                                               FloatObject(round(height, 3))])
    resources = DictionaryObject()
    if font_ref is not None:
        resources[NameObject("/Font")] = DictionaryObject({NameObject(FONT_RESOURCE): font_ref})
    stream[NameObject("/Resources")] = resources
    stream.set_data(content)
    return writer._add_object(stream)


def box(annot: DictionaryObject) -> tuple[float, float]:
    """A widget's width and height, normalising its /Rect (WeasyPrint writes top before bottom)."""
    x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
    annot[NameObject("/Rect")] = ArrayObject(FloatObject(round(v, 3)) for v in (min(x1, x2), min(y1, y2),
                                                                               max(x1, x2), max(y1, y2)))
    return abs(x2 - x1), abs(y2 - y1)


def flags(obj: DictionaryObject, bits: int) -> None:
    """OR bits into /Ff, keeping the others (pypdf's flags= would replace them)."""
    obj[NameObject("/Ff")] = NumberObject(int(obj.get("/Ff", 0)) | bits)


def button_appearance(writer: PdfWriter, annot, state: str, kind: str, shared: dict) -> None:
    """On and Off appearances of a checkbox or radio widget (streams shared between widgets of the same size)."""
    width, height = box(annot)
    key = (kind, round(width, 2), round(height, 2))
    if key not in shared:
        on = check_stream(width, height) if kind == "checkbox" else dot_stream(width, height)
        shared[key] = (xobject(writer, on, width, height), xobject(writer, OFF_STREAM, width, height))
    on_ref, off_ref = shared[key]
    annot[NameObject("/AP")] = DictionaryObject({NameObject("/N"): DictionaryObject({
        NameObject(f"/{state}"): on_ref, NameObject("/Off"): off_ref})})
    annot[NameObject("/AS")] = NameObject("/Off")
    annot[NameObject("/MK")] = DictionaryObject({NameObject("/CA"): TextStringObject("4" if kind == "checkbox"
                                                                                    else "l")})


class _Cleaner:
    def __init__(self, writer: PdfWriter, plan: FormPlan, font: FormFont):
        self.writer, self.font = writer, font
        self.by_name = {f.name: f for f in plan.fields}
        self.order = [f.name for f in plan.fields]
        self.font_ref = add_font(writer, font)
        self.tops: dict[str, IndirectObject] = {}
        self.da_fonts: set[str] = set()
        self.shared: dict = {}

    def run(self) -> None:
        for page in self.writer.pages:
            for ref in page.get("/Annots") or ():
                annot = ref.get_object()
                if annot.get("/Subtype") == "/Widget":
                    self.widget(ref, annot)
        missing = [n for n in self.order if n not in self.tops]
        if missing:
            raise TemplateError(f"The form template does not draw the fields {', '.join(missing[:5])}.", file=TEMPLATE)
        acro = self.writer.root_object["/AcroForm"]
        acro[NameObject("/Fields")] = ArrayObject(self.tops[n] for n in self.order)
        acro[NameObject("/DR")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject(FONT_RESOURCE): self.font_ref})})
        acro[NameObject("/DA")] = TextStringObject(f"{FONT_RESOURCE} 0 Tf 0 g")
        acro[NameObject("/NeedAppearances")] = BooleanObject(False)
        self.drop_field_fonts()

    def drop_field_fonts(self) -> None:
        """Remove from the pages the fonts WeasyPrint embedded whole for the fields, when no page text uses them."""
        contents = b"\n".join(page.get_contents().get_data() for page in self.writer.pages if page.get_contents())
        unused = {n for n in self.da_fonts if not re.search(rb"/" + re.escape(n.encode()) + rb"\s+[\d.]+\s+Tf",
                                                            contents)}
        for page in self.writer.pages:
            fonts = (page.get("/Resources") or {}).get("/Font")
            for name in unused:
                if fonts is not None:
                    fonts.pop(f"/{name}", None)

    def planned(self, name: str) -> PlannedField:
        if name not in self.by_name:
            raise TemplateError(f"The form template draws a field pep does not know: {name!r}.", file=TEMPLATE)
        return self.by_name[name]

    def widget(self, ref, annot) -> None:
        parent_ref = annot.raw_get("/Parent") if "/Parent" in annot else None
        if parent_ref is not None:
            self.radio_kid(annot, parent_ref)
            return
        planned = self.planned(str(annot.get("/T")))
        self.da_fonts.update(re.findall(r"/(\S+)\s+[\d.]+\s+Tf", str(annot.get("/DA", ""))))
        annot[NameObject("/TU")] = TextStringObject(planned.label)
        bits = READ_ONLY if planned.spec.readonly else 0
        if planned.spec.type == "checkbox":
            button_appearance(self.writer, annot, "on", "checkbox", self.shared)
            annot[NameObject("/V")] = NameObject("/Off")
        else:
            bits |= MULTILINE if planned.spec.type == "multiline" else 0
            annot[NameObject("/DA")] = TextStringObject(f"{FONT_RESOURCE} {planned.size:g} Tf {TEXT_COLOUR} rg")
            annot[NameObject("/Q")] = NumberObject(0)
            annot[NameObject("/V")] = TextStringObject("")
            annot.pop("/MK", None)
            self.blank_text(annot)
        annot.pop("/Border", None)
        flags(annot, bits)
        self.tops[planned.name] = ref

    def blank_text(self, annot) -> None:
        """An empty text appearance, one stream per box size."""
        width, height = box(annot)
        key = ("text", round(width, 2), round(height, 2))
        if key not in self.shared:
            self.shared[key] = xobject(self.writer, b"/Tx BMC\nEMC\n", width, height, self.font_ref)
        annot[NameObject("/AP")] = DictionaryObject({NameObject("/N"): self.shared[key]})

    def radio_kid(self, annot, parent_ref) -> None:
        parent = parent_ref.get_object()
        planned = self.planned(str(parent.get("/T")))
        options = [str(o) for o in parent.get("/Opt") or planned.spec.options]
        state = next(iter(annot["/AP"]["/N"])).lstrip("/")
        value = options[int(state)] if state.isdigit() and int(state) < len(options) else state
        for key in ("/T", "/TU", "/V"):
            annot.pop(key, None)
        annot.pop("/Border", None)
        button_appearance(self.writer, annot, value, "radio", self.shared)
        if planned.name not in self.tops:
            parent.pop("/Opt", None)
            parent[NameObject("/TU")] = TextStringObject(planned.label)
            parent[NameObject("/V")] = NameObject("/Off")
            parent[NameObject("/FT")] = NameObject("/Btn")
            flags(parent, RADIO | NO_TOGGLE_OFF | (READ_ONLY if planned.spec.readonly else 0))
            self.tops[planned.name] = parent_ref


def cleanup(raw: bytes, plan: FormPlan, font: FormFont) -> bytes:
    """WeasyPrint's fillable PDF made consistent for every viewer (see the module docstring)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    _Cleaner(writer, plan, font).run()
    first = io.BytesIO()
    writer.write(first)
    # Cloning again copies only what is still referenced: the fonts WeasyPrint embedded whole for the fields and
    # its own radio appearances are left behind.
    out = io.BytesIO()
    PdfWriter(clone_from=PdfReader(first)).write(out)
    return out.getvalue()
