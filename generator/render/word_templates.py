"""Builds the Word (docxtpl) templates from code, reproducibly, and checks committed templates against that source."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.enum.section import WD_ORIENT
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Twips

from ..authority.profiles import COMMON, templates_root
from ..core.writer import write_atomic
from .docxzip import DocxZip

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f'xmlns:w="{W_NS}"'
PAGE_W, PAGE_H, MARGIN = 11906, 16838, 1021  # A4 in twips, 1.8 cm margins
WIDTH = PAGE_W - 2 * MARGIN  # the text width every table spans
MAX_COLUMNS = 8  # grid tables: gridCol slots the context fills (unused ones get width 0 and are dropped)
LABEL_W = 3300  # label column of a label/value table
BORDER = "A6A6A6"
DEFAULT_FONT = "Arial"  # replaced by the authority's profile.font.word when rendering


@dataclass(frozen=True)
class Design:
    """What differs between the record template and the children's views template."""

    name: str
    base_pt: float
    heading_pt: float
    title_pt: float


DESIGNS = {
    "record": Design("record", 10, 12.5, 20),
    "views": Design("views", 12, 14, 24),
}


# --- raw OOXML pieces (docxtpl tags live in their text and attributes) -------------------------------------------

def run(text: str, rpr: str = "") -> str:
    return f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(runs: str = "", style: str | None = None, ppr: str = "") -> str:
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    return f"<w:p><w:pPr>{style_xml}{ppr}</w:pPr>{runs}</w:p>"


def tag(text: str) -> str:
    """A paragraph holding only a docxtpl paragraph tag ({%p ... %}); docxtpl removes the paragraph."""
    return para(run(text))


def cell(content: str, width: str | int, fill: str | None = None, span: int | str | None = None,
         valign: str = "top") -> str:
    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    grid_span = f'<w:gridSpan w:val="{span}"/>' if span else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid_span}{shade}<w:vAlign w:val="{valign}"/>'
            f"</w:tcPr>{content or para()}</w:tc>")


def row(cells: str, height: str | int | None = None, header: bool = False, cant_split: bool | str = False) -> str:
    """A table row; cant_split may be a template expression ("1" keeps a short row on one page)."""
    split = cant_split if isinstance(cant_split, str) else ("1" if cant_split else "")
    props = (f'<w:cantSplit w:val="{split}"/>' if split else "") + (
        f'<w:trHeight w:val="{height}" w:hRule="atLeast"/>' if height is not None else "") + (
        "<w:tblHeader/>" if header else "")
    return f"<w:tr><w:trPr>{props}</w:trPr>{cells}</w:tr>"


def tag_row(text: str, columns: int = 1) -> str:
    """A table row holding only a docxtpl row tag ({%tr ... %}); docxtpl removes the row."""
    return row(cell(tag(text), WIDTH // columns) + "".join(cell("", WIDTH // columns) for _ in range(columns - 1)))


def table(rows: str, grid: list[str | int], borders: bool = True) -> str:
    edge = f'w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"' if borders else 'w:val="nil"'
    sides = "".join(f"<w:{s} {edge}/>" for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    cols = "".join(f'<w:gridCol w:w="{w}"/>' for w in grid)
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{WIDTH}" w:type="dxa"/><w:tblInd w:w="0" w:type="dxa"/>'
            f'<w:tblBorders>{sides}</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar>'
            '<w:top w:w="45" w:type="dxa"/><w:left w:w="85" w:type="dxa"/><w:bottom w:w="45" w:type="dxa"/>'
            f'<w:right w:w="85" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr>'
            f"<w:tblGrid>{cols}</w:tblGrid>{rows}</w:tbl>")


def field_code(code: str, shown: str) -> str:
    """A Word field (PAGE, NUMPAGES) with a cached result for readers that do not update fields."""
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f"<w:r><w:t>{shown}</w:t></w:r>"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


BOLD = "<w:b/><w:bCs/>"
WHITE = '<w:color w:val="FFFFFF"/>'
SMALL = '<w:sz w:val="16"/><w:szCs w:val="16"/>'
HINT = '<w:color w:val="808080"/><w:sz w:val="16"/><w:szCs w:val="16"/>'


def value_runs(text: str, hint: str) -> str:
    """The value of a cell and, after it, a grey hint (a date format, "one per line") shown when it is empty."""
    return run(text) + run(hint, HINT)


# --- the body --------------------------------------------------------------------------------------------------

def title_block(design: Design) -> str:
    band = cell(para(run("{{ authority }}", BOLD + WHITE + f'<w:sz w:val="{int(design.heading_pt * 2 + 4)}"/>'),
                     ppr='<w:spacing w:after="0"/>')
                + para(run("{{ virtual_school }}", WHITE), ppr='<w:spacing w:after="0"/>'),
                WIDTH, fill="{{ brand }}")
    return (table(row(band), [WIDTH], borders=False)
            + para(run("{{ title }}", '<w:color w:val="{{ brand }}"/>'), "Title")
            + tag("{%p if subtitle %}") + para(run("{{ subtitle }}"), "Subtitle") + tag("{%p endif %}"))


def details_block() -> str:
    """Who and what the document is about: child, id, date and whose copy it is."""
    label, value = 2100, WIDTH // 2 - 2100

    def pair(name: str, shown: str) -> str:
        return (cell(para(run(name, BOLD), "PepLabel"), label, fill="{{ accent }}")
                + cell(para(run(shown), "PepValue"), value))

    rows = (row(pair("{{ labels.child }}", "{{ child_name }}") + pair("{{ labels.child_id }}", "{{ child_id }}"),
                height="{{ details_height }}")
            + row(pair("{{ labels.date }}", "{{ date }}") + pair("{{ labels.copy_for }}", "{{ copy }}"),
                  height="{{ details_height }}"))
    return table(rows, [label, value, label, WIDTH - 2 * label - value])


def legend_block() -> str:
    """Enfield-style colour key: which colour belongs to which role."""
    swatch = cell(para(run("{{ o.name }}", BOLD + '<w:color w:val="{{ o.ink }}"/>'), "PepValue"),
                  "{{ o.w }}", fill="{{ o.colour }}", valign="center")
    grid = [f"{{{{ legend_grid[{i}] }}}}" for i in range(MAX_COLUMNS)]
    rows = row(cell(tag("{%tc for o in legend %}"), 100) + swatch + cell(tag("{%tc endfor %}"), 100))
    return (tag("{%p if legend %}") + para(run("{{ labels.legend }}", BOLD), "PepSmall")
            + table(rows, grid) + tag("{%p endif %}"))


def heading_item() -> str:
    edge = 'w:val="single" w:sz="4" w:space="4" w:color="{{ item.colour }}"'
    ppr = ("<w:pBdr>" + "".join(f"<w:{s} {edge}/>" for s in ("top", "left", "bottom", "right")) + "</w:pBdr>"
           '<w:shd w:val="clear" w:color="auto" w:fill="{{ item.colour }}"/>'
           f'<w:tabs><w:tab w:val="right" w:pos="{WIDTH - 230}"/></w:tabs>'
           '<w:ind w:left="0" w:right="165"/>')  # the box's border spacing lines up with the tables' edges
    ink = '<w:color w:val="{{ item.ink }}"/>'
    return para(run("{{ item.text }}", ink) + "<w:r><w:tab/></w:r>"
                + run("{{ item.owner }}", '<w:b w:val="0"/>' + ink + SMALL), "Heading1", ppr)


def fields_item(design: Design) -> str:
    """A label/value table: one row per field, an optional caption row (a person, a sign-off)."""
    caption = row(cell(para(run("{{ item.caption }}", BOLD), "PepLabel", "<w:keepNext/>"), WIDTH,
                       fill="{{ item.fill }}", span=2),
                  cant_split=True)
    label = cell(para(run("{{ f.label }}", BOLD), "PepLabel"), LABEL_W, fill="{{ item.fill }}")
    value = cell(para(value_runs("{{ f.text }}", "{{ f.hint }}"), "PepValue"), WIDTH - LABEL_W)
    rows = (tag_row("{%tr if item.caption %}", 2) + caption + tag_row("{%tr endif %}", 2)
            + tag_row("{%tr for f in item.rows %}", 2)
            + row(label + value, height="{{ f.height }}", cant_split="{{ f.keep }}")
            + tag_row("{%tr endfor %}", 2))
    return table(rows, [LABEL_W, WIDTH - LABEL_W])


def grid_item() -> str:
    """A table of a list: a repeated header row, one row per item (or empty rows to write in) and an optional total."""
    head = cell(para(run("{{ c.label }}", BOLD), "PepLabel"), "{{ c.w }}", fill="{{ item.fill }}")
    body = cell(para(value_runs("{{ x.text }}", "{{ x.hint }}"), "PepValue", '<w:jc w:val="{{ x.align }}"/>'),
                "{{ x.w }}")
    total_label = cell(para(run("{{ item.total.label }}", BOLD), "PepLabel", '<w:jc w:val="right"/>'),
                       "{{ item.total.w1 }}", fill="{{ item.fill }}", span="{{ item.total.span }}")
    total_value = cell(para(run("{{ item.total.text }}", BOLD), "PepValue"), "{{ item.total.w2 }}")
    rows = (row(cell(tag("{%tc for c in item.columns %}"), 100) + head + cell(tag("{%tc endfor %}"), 100),
                header=True, cant_split=True)
            + tag_row("{%tr for r in item.rows %}", 3)
            + row(cell(tag("{%tc for x in r.cells %}"), 100) + body + cell(tag("{%tc endfor %}"), 100),
                  height="{{ r.height }}", cant_split="{{ r.keep }}")
            + tag_row("{%tr endfor %}", 3)
            + tag_row("{%tr if item.total %}", 2) + row(total_label + total_value, cant_split=True)
            + tag_row("{%tr endif %}", 2))
    grid = [f"{{{{ item.grid[{i}] }}}}" for i in range(MAX_COLUMNS)]
    return para(run("{{ item.caption }}", BOLD), "Heading3") + table(rows, grid)


def question_item() -> str:
    """A children's views question: the question, then a box for the answer (ticks for a choice)."""
    ask = row(cell(para(run("{{ item.label }}", BOLD), "PepLabel", "<w:keepNext/>"), WIDTH, fill="{{ item.fill }}"),
              cant_split=True)
    answer = row(cell(para(value_runs("{{ item.text }}", "{{ item.hint }}"), "PepValue"), WIDTH),
                 height="{{ item.height }}")
    return table(ask + answer, [WIDTH]) + para(style="PepGap")


def item_loop(design: Design) -> str:
    branches = [
        ("heading", heading_item()),
        ("subheading", para(run("{{ item.text }}", '<w:color w:val="{{ brand }}"/>'), "Heading2",
                            '<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="{{ brand }}"/></w:pBdr>')),
        ("intro", para(run("{{ item.text }}"), "PepIntro")),
        ("note", para(run("{{ item.text }}"), "PepNote",
                      '<w:pBdr><w:left w:val="single" w:sz="18" w:space="6" w:color="{{ brand }}"/></w:pBdr>'
                      '<w:shd w:val="clear" w:color="auto" w:fill="{{ accent }}"/>')),
        ("text", para(run("{{ item.text }}"))),
        ("fields", fields_item(design) + para(style="PepGap")),
        ("grid", grid_item() + para(style="PepGap")),
        ("question", question_item()),
        ("empty", para(run("{{ item.text }}", '<w:i/><w:color w:val="595959"/>'), "PepValue")),
    ]
    out = [tag("{%p for item in items %}")]
    for index, (kind, xml) in enumerate(branches):
        out += [tag(f"{{%p {'if' if index == 0 else 'elif'} item.kind == '{kind}' %}}"), xml]
    return "".join([*out, tag("{%p endif %}"), tag("{%p endfor %}")])


def closing_block() -> str:
    return para(run("{{ closing }}", '<w:i/><w:color w:val="595959"/>'), "PepSmall", '<w:spacing w:before="240"/>')


def body_xml(design: Design) -> list[str]:
    marking = para(run("{{ marking_note }}", '<w:i/>'), "PepSmall")
    return [title_block(design), details_block(), marking, legend_block(), item_loop(design), closing_block()]


# --- header and footer ----------------------------------------------------------------------------------------

def header_xml() -> str:
    half = WIDTH // 2
    marking = para(run("{{ marking }}", BOLD), "Header", '<w:jc w:val="center"/>')
    line = row(cell(para(run("{{ header_left }}"), "Header"), half)
               + cell(para(run("{{ header_right }}"), "Header", '<w:jc w:val="right"/>'), half))
    rule = f'<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="{BORDER}"/></w:pBdr>'
    return marking + table(line, [half, half], borders=False) + para(style="Header", ppr=rule)


def footer_xml() -> str:
    third = WIDTH // 3
    pages = (run("{{ labels.page }} ") + field_code("PAGE", "1") + run(" {{ labels.of }} ")
             + field_code("NUMPAGES", "1"))
    line = row(cell(para(run("{{ footer_left }}"), "Footer"), third)
               + cell(para(run("{{ footer_centre }}"), "Footer", '<w:jc w:val="center"/>'), third)
               + cell(para(pages, "Footer", '<w:jc w:val="right"/>'), WIDTH - 2 * third))
    rule = f'<w:pBdr><w:top w:val="single" w:sz="4" w:space="1" w:color="{BORDER}"/></w:pBdr>'
    marking = para(run("{{ marking }}", BOLD), "Footer", rule + '<w:jc w:val="center"/>')
    return marking + table(line, [third, third, WIDTH - 2 * third], borders=False)


def _fill_part(element, xml: str) -> None:
    """Replace a body, header or footer's content with raw OOXML (keeping a body's section properties)."""
    keep = element.find(qn("w:sectPr"))
    for child in list(element):
        if child is not keep:
            element.remove(child)
    fragment = parse_xml(f"<w:root {W}>{xml}</w:root>")
    for child in list(fragment):
        if keep is not None:
            keep.addprevious(child)
        else:
            element.append(child)


# --- styles, page and package ---------------------------------------------------------------------------------

def _style_specs(design: Design) -> dict[str, tuple[str, str, str]]:
    """style id -> (name, paragraph properties, run properties); sizes in half-points."""
    base, head = int(design.base_pt * 2), int(design.heading_pt * 2)

    def size(half_points: int) -> str:
        return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'

    keep = "<w:keepNext/><w:keepLines/>"
    return {
        "Title": ("Title", '<w:spacing w:before="200" w:after="0"/>', BOLD + size(int(design.title_pt * 2))),
        "Subtitle": ("Subtitle", '<w:spacing w:before="0" w:after="160"/>',
                     '<w:color w:val="404040"/>' + size(base + 4)),
        "Heading1": ("heading 1", keep + '<w:spacing w:before="300" w:after="120"/><w:outlineLvl w:val="0"/>',
                     BOLD + size(head)),
        "Heading2": ("heading 2", keep + '<w:spacing w:before="240" w:after="100"/><w:outlineLvl w:val="1"/>',
                     BOLD + size(base + 3)),
        "Heading3": ("heading 3", keep + '<w:spacing w:before="100" w:after="40"/><w:outlineLvl w:val="2"/>',
                     BOLD + '<w:color w:val="262626"/>' + size(base)),
        "Header": ("header", '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
                   '<w:color w:val="404040"/>' + size(16)),
        "Footer": ("footer", '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
                   '<w:color w:val="404040"/>' + size(16)),
        "PepLabel": ("PEP label", '<w:spacing w:after="0"/>', size(base - 1)),
        "PepValue": ("PEP value", '<w:spacing w:after="0"/>', ""),
        "PepIntro": ("PEP intro", '<w:keepNext/><w:spacing w:after="120"/>', '<w:i/><w:color w:val="404040"/>'),
        "PepNote": ("PEP note", '<w:spacing w:before="60" w:after="120"/><w:ind w:left="120" w:right="120"/>', ""),
        "PepSmall": ("PEP small print", '<w:spacing w:after="60"/>', '<w:color w:val="404040"/>' + size(16)),
        "PepGap": ("PEP gap", '<w:spacing w:before="0" w:after="0" w:line="160" w:lineRule="exact"/>', size(8)),
    }


def _styles(doc, design: Design) -> None:
    """House styles; fonts only in the document defaults, so one swap there sets the authority's font."""
    root = doc.styles.element
    for fonts in root.iter(qn("w:rFonts")):
        fonts.getparent().remove(fonts)
    for colour in root.iter(qn("w:color")):
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            colour.attrib.pop(qn(attr), None)
    defaults = root.find(qn("w:docDefaults"))
    root.remove(defaults)
    root.insert(0, parse_xml(
        f'<w:docDefaults {W}><w:rPrDefault><w:rPr><w:rFonts w:ascii="{DEFAULT_FONT}" w:hAnsi="{DEFAULT_FONT}" '
        f'w:eastAsia="{DEFAULT_FONT}" w:cs="{DEFAULT_FONT}"/><w:sz w:val="{int(design.base_pt * 2)}"/>'
        f'<w:szCs w:val="{int(design.base_pt * 2)}"/><w:lang w:val="en-GB" w:eastAsia="en-GB" w:bidi="ar-SA"/>'
        '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="80" w:line="252" w:lineRule="auto"/>'
        "</w:pPr></w:pPrDefault></w:docDefaults>"))
    for style_id, (name, ppr, rpr) in _style_specs(design).items():
        old = root.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style_id}']")
        if old is not None:
            root.remove(old)
        root.append(parse_xml(
            f'<w:style {W} w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr>{ppr}</w:pPr>'
            f"<w:rPr>{rpr}</w:rPr></w:style>"))


def _page(section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Twips(PAGE_W), Twips(PAGE_H)
    section.left_margin = section.right_margin = Twips(MARGIN)
    section.top_margin, section.bottom_margin = Twips(1300), Twips(1250)
    section.header_distance = section.footer_distance = Twips(454)
    section.header.is_linked_to_previous = False
    section.footer.is_linked_to_previous = False


def _package(doc, design: Design) -> None:
    """No thumbnail of python-docx's own template; fixed, neutral properties (set per document when rendering)."""
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype.endswith("/thumbnail")]:
        rels.pop(rid)
    props = doc.core_properties
    props.author = props.last_modified_by = "pep"
    props.title = f"pep Word template ({design.name})"
    props.subject = props.keywords = props.comments = props.category = ""
    props.revision = 1


def build(kind: str) -> bytes:
    """The bytes of one template ("record" or "views"), the same every time."""
    design = DESIGNS[kind]
    doc = docx.Document()
    section = doc.sections[0]
    _page(section)
    _styles(doc, design)
    _fill_part(doc.element.body, "".join(body_xml(design)))
    _fill_part(section.header._element, header_xml())
    _fill_part(section.footer._element, footer_xml())
    _package(doc, design)
    return package_bytes(doc)


class _PackageZip:
    """The writer python-docx's PackageWriter writes parts to (docxzip: one fixed time, each distinct part deflated
    once per process)."""

    def __init__(self):
        self.zip = DocxZip()

    def write(self, pack_uri, blob: bytes) -> None:
        self.zip.add(pack_uri.membername, blob)


def package_bytes(document) -> bytes:
    """A python-docx document as .docx bytes, the same bytes for the same content (no clock in the zip)."""
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    writer = _PackageZip()
    PackageWriter._write_content_types_stream(writer, package.parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, package.parts)
    return writer.zip.getvalue()


def template_parts(data: bytes) -> dict[str, bytes]:
    """Every part of a package by name (to compare a committed template with its source)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def template_path(kind: str, root: Path | None = None) -> Path:
    return (root or templates_root()) / COMMON / f"{kind}.docx"


def build_all(root: Path | None = None) -> list[tuple[Path, str]]:
    """Write every template under root (templates/ by default); returns (path, written|replaced|unchanged)."""
    return [(path, write_atomic(path, build(kind), force=True))
            for kind in DESIGNS for path in [template_path(kind, root)]]


def stale_templates(root: Path | None = None) -> list[str]:
    """What differs between the committed templates and what this module builds (empty when they match)."""
    problems = []
    for kind in DESIGNS:
        path = template_path(kind, root)
        if not path.exists():
            problems.append(f"{path}: missing; run `pep templates build`.")
            continue
        committed, fresh = template_parts(path.read_bytes()), template_parts(build(kind))
        changed = sorted(n for n in committed.keys() | fresh.keys() if committed.get(n) != fresh.get(n))
        if changed:
            problems.append(f"{path}: differs from its source in {', '.join(changed)}; run `pep templates build`.")
    return problems


# --- lint -------------------------------------------------------------------------------------------------------

