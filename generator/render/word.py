"""Word output: the document model turned into a docxtpl context and rendered into the authority's template."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import threading
from functools import lru_cache, partial
from pathlib import Path

from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import ChainableUndefined, StrictUndefined, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing
from lxml import etree
from lxml.etree import XMLSyntaxError

from data_schemas.fields import OWNER_NAMES

from ..authority.content import Variant
from ..authority.profiles import template_search_path, templates_root
from ..core.errors import TemplateError
from .display import BOX, TICK, clean_text, format_date
from .model import DocumentModel, FieldRow, GroupBlock, RepeatBlock, TableBlock, TextBlock
from .word_templates import MAX_COLUMNS, WIDTH, package_bytes

LABELS = {"child": "Child's name", "child_id": "Social care ID", "date": "Date of this document", "copy_for": "Copy",
          "legend": "Colour key: who completes each section", "page": "Page", "of": "of"}
LINE = {"record": 280, "views": 360}  # twips a handwritten line needs in each template
NUMERIC = {"integer": 0.8, "number": 0.8, "money": 1.0}
WEIGHTS = {"date": 1.1, "datetime": 1.5, "checkbox": 0.9, "choice": 1.4, "radio": 1.4, "text": 1.7, "lines": 2.0,
           "multiline": 2.6}
HINTS = {"date": "DD / MM / YYYY", "datetime": "DD / MM / YYYY  hh:mm", "lines": "one per line"}
HEADING_CHARS = 66  # what fits on a section heading's line beside the "to be completed by" note
MAX_TICKS = 10
DEFAULT_ACCENT = "#E7E6E6"
KEEP_CHARS = 600  # rows holding more than this may break across a page  # longer option lists get a space to write in
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)  # as docxtpl's resolve_listing finds them
_LISTING = re.compile("[\n\t\a\f]")
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def text(value) -> str:
    """Text safe for Word XML: line ends as \\n, no control characters, no code points XML forbids."""
    return _NOT_XML.sub("", clean_text(str(value))) if value else ""


def hex6(colour: str) -> str:
    return colour.lstrip("#").upper()


def tint(colour: str, amount: float = 0.82) -> str:
    """A light shade of a colour (label cells of a section coloured by who completes it)."""
    channels = (int(hex6(colour)[i:i + 2], 16) for i in (0, 2, 4))
    return "".join(f"{round(c + (255 - c) * amount):02X}" for c in channels)


def ink(colour: str) -> str:
    """White or near-black text, whichever reads on a background colour."""
    red, green, blue = (int(hex6(colour)[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return "FFFFFF" if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.55 else "1A1A1A"


def owner_name(owner: str) -> str:
    name = OWNER_NAMES.get(owner, owner)
    return name[:1].upper() + name[1:]


def ticks(options, chosen=None) -> str:
    """☐ Autumn   ☒ Spring   ☐ Summer: every option, the chosen one ticked."""
    return "   ".join(f"{TICK if value == chosen else BOX}\u00a0{text(label)}" for value, label in options)


# --- cells ------------------------------------------------------------------------------------------------------

def filled(row: FieldRow) -> bool:
    return row.value is not None and row.value != "" and row.value != []


def cell_text(row: FieldRow, in_grid: bool = False) -> tuple[str, str]:
    """(text, grey hint) of a value: the data, or tick boxes and hints where there is nothing yet."""
    options = row.options
    if row.widget == "radio" and options:
        return ticks(options, str(row.value) if filled(row) else None), ""
    if filled(row):
        return text(row.text), ""
    if row.widget == "checkbox":
        return (BOX, "") if in_grid else (ticks((("y", "Yes"), ("n", "No"))), "")
    if row.widget in ("choice", "radio") and options:
        short = len(options) <= 4 and all(len(label) <= 12 for _, label in options)
        if len(options) <= MAX_TICKS and (short or not in_grid):
            return ticks(options), ""
        return "", "" if in_grid else "write the answer"
    return "", HINTS.get(row.widget, "")


def height(row: FieldRow, line: int) -> int:
    """Room to write by hand when a value is empty; 0 (as tall as the text) otherwise."""
    if filled(row):
        return 0
    lines = max(row.lines, 3) if row.widget == "lines" else row.lines
    return lines * line + 140


def field_item(row: FieldRow, line: int) -> dict:
    shown, hint = cell_text(row)
    return {"kind": "field", "path": row.path, "label": text(row.label), "text": shown, "hint": hint,
            "height": height(row, line), "keep": keep(shown)}


def keep(*shown: str) -> str:
    """"1" keeps a row on one page (short rows); long text may flow over pages."""
    return "1" if sum(len(s) + 60 * s.count("\n") for s in shown) <= KEEP_CHARS else "0"


# --- grids ------------------------------------------------------------------------------------------------------

def column_widths(table: TableBlock) -> list[int]:
    """Twips per column: by what the column holds, never narrower than its longest header word."""
    first = table.rows[0] if table.rows else ()
    raw = []
    for index, (_, label, widget) in enumerate(table.columns):
        info = first[index].info if index < len(first) else None
        weight = NUMERIC.get(getattr(info, "type", ""), WEIGHTS.get(widget, 1.5))
        longest = max((len(word) for word in label.split()), default=4)
        raw.append(max(weight * 1000, longest * 115 + 200))
    scale = WIDTH / sum(raw)
    widths = [int(w * scale) for w in raw]
    widths[-1] += WIDTH - sum(widths)
    return widths


def align(row: FieldRow) -> str:
    return "right" if row.info is not None and getattr(row.info, "type", "") in NUMERIC else "left"


def grid_item(table: TableBlock, line: int, total: FieldRow | None) -> dict:
    if len(table.columns) > MAX_COLUMNS:
        raise TemplateError(f"{len(table.columns)} columns; the Word templates allow {MAX_COLUMNS}.",
                            path=table.path)
    widths = column_widths(table)
    rows = []
    for fields in table.rows:
        cells = [dict(zip(("text", "hint"), cell_text(f, in_grid=True), strict=True), kind="cell", w=w, align=align(f),
                      path=f.path) for f, w in zip(fields, widths, strict=True)]
        tall = 3 if any(f.widget == "multiline" for f in fields) else 1
        rows.append({"kind": "row", "cells": cells, "keep": keep(*(c["text"] for c in cells)),
                     "height": 0 if any(filled(f) for f in fields) else tall * line + 200})
    summary = None
    if total is not None:
        summary = {"kind": "total", "path": total.path, "label": text(total.label), "text": cell_text(total)[0],
                   "span": len(widths) - 1,
                   "w1": sum(widths[:-1]), "w2": widths[-1]}
    return {"kind": "grid", "caption": text(table.label), "rows": rows, "total": summary,
            "columns": [{"kind": "column", "label": text(label), "w": w}
                        for (_, label, _), w in zip(table.columns, widths, strict=True)],
            "grid": widths + [0] * (MAX_COLUMNS - len(widths))}


# --- the item stream --------------------------------------------------------------------------------------------

class _Items:
    """Flattens sections and their nested blocks into the one list the template loops over."""

    def __init__(self, model: DocumentModel, line: int):
        self.model, self.line, self.out = model, line, []
        self.by_owner = model.variant.kind != "views"
        self.coloured = bool(model.profile.colours.get("sections_by_owner"))
        self.accent = hex6(model.profile.colours.get("accent") or DEFAULT_ACCENT)
        self.fill = self.accent

    def add(self, item: dict) -> None:
        if item["kind"] in ("fields", "grid", "question"):
            item["fill"] = self.fill
        self.out.append(item)

    def section(self, section) -> None:
        by_owner = self.by_owner and section.owner != "system"
        owner = f"To be completed by: {owner_name(section.owner)}" if by_owner else ""
        self.fill = tint(section.colour) if self.coloured else self.accent
        if owner and len(section.heading) + 0.6 * len(owner) > HEADING_CHARS:
            owner = "\n" + owner  # a line of its own under a long heading
        self.add({"kind": "heading", "text": text(section.heading), "colour": hex6(section.colour),
                         "ink": ink(section.colour), "owner": owner})
        if section.intro:
            self.add({"kind": "intro", "text": text(section.intro)})
        self.blocks(section.blocks)

    def blocks(self, blocks) -> None:
        pending: list[dict] = []
        skip = None
        for index, block in enumerate(blocks):
            if block is skip:
                continue
            if isinstance(block, FieldRow) and block.question is None:
                pending.append(field_item(block, self.line))
                continue
            self.flush(pending)
            pending = []
            skip = self.block(block, blocks[index + 1] if index + 1 < len(blocks) else None)
        self.flush(pending)

    def flush(self, rows: list[dict], caption: str = "") -> None:
        if rows:
            self.add({"kind": "fields", "caption": caption, "rows": rows})

    def block(self, block, following):
        """Add one block; returns the next block when it was folded in (a table's total)."""
        if isinstance(block, FieldRow):
            self.question(block)
        elif isinstance(block, GroupBlock):
            rows = [field_item(f, self.line) for f in block.fields]
            if self.model.blank and block.path.startswith("signoffs."):
                rows.append({"kind": "field", "label": "Signature", "text": "", "hint": "",
                             "height": 2 * self.line + 200, "keep": "1"})
            self.flush(rows, text(block.label))
        elif isinstance(block, TableBlock):
            return self.table(block, following)
        elif isinstance(block, RepeatBlock):
            self.repeat(block)
        elif isinstance(block, TextBlock):
            self.add({"kind": "note" if block.style == "note" else "text", "text": text(block.text)})
        return None

    def question(self, row: FieldRow) -> None:
        shown, hint = cell_text(row)
        lines = max(row.lines, 1) if row.widget in ("multiline", "text") else 1
        self.add({"kind": "question", "path": row.path, "label": text(row.label), "text": shown, "hint": hint,
                         "height": 0 if filled(row) else lines * self.line + 160})

    def table(self, table: TableBlock, following):
        total = None
        if isinstance(following, FieldRow) and following.path == table.path.rpartition(".")[0] + ".total":
            total = following
        if not table.rows:
            self.add({"kind": "empty", "text": f"{text(table.label)}: none recorded."})
            if total is not None:
                self.flush([field_item(total, self.line)])
        else:
            self.add(grid_item(table, self.line, total))
        return total

    def repeat(self, block: RepeatBlock) -> None:
        if not block.entries:
            self.add({"kind": "empty", "text": f"{text(block.label)}: none recorded."})
        for entry in block.entries:
            self.add({"kind": "subheading", "text": text(entry.title)})
            self.blocks(entry.blocks)


def legend(model: DocumentModel) -> list[dict]:
    """The colour key of authorities that colour sections by who completes them."""
    owners = dict.fromkeys((s.owner, s.colour) for s in model.sections)
    if not model.profile.colours.get("sections_by_owner") or model.variant.kind == "views" or len(owners) < 2:
        return []
    width = WIDTH // max(len(owners), 1)
    return [{"kind": "colour", "name": owner_name(owner), "colour": hex6(colour), "ink": ink(colour), "w": width}
            for owner, colour in owners]


def build_context(model: DocumentModel, design: str = "record") -> dict:
    """Everything the template shows, as plain dicts, lists and safe strings."""
    profile, variant = model.profile, model.variant
    line = LINE[design]
    items = _Items(model, line)
    for section in model.sections:
        items.section(section)
    name, child_id = text(model.child_name), text(model.child_id)
    date = format_date(model.document_date) if model.document_date else ""
    key = legend(model)
    marking = text(profile.protective_marking)
    return {
        "authority": text(profile.name), "virtual_school": text(profile.virtual_school),
        "brand": hex6(profile.colours["brand"]), "accent": hex6(profile.colours.get("accent") or DEFAULT_ACCENT),
        "title": text(variant.title), "subtitle": text(variant.subtitle),
        "child_name": name, "child_id": child_id, "date": date, "copy": text(model.audience.note),
        "details_height": 0 if name and child_id and date else 460, "labels": LABELS,
        "legend": key, "legend_grid": [o["w"] for o in key] + [0] * (MAX_COLUMNS - len(key)),
        "marking": marking,
        "marking_note": f"{marking}: this document holds personal information about a looked-after child. "
                        "Keep it secure and share it only with people who need it.",
        "header_left": f"{name or 'Child: ' + '_' * 24}   ·   ID: {child_id or '_' * 14}",
        "header_right": text(f"{profile.short_name} – {variant.title}"),
        "footer_left": text(profile.name),
        "footer_centre": f"Document date: {date or '_' * 14}",
        "closing": f"End of {text(variant.title)}.",
        "items": items.out,
    }


# --- templates --------------------------------------------------------------------------------------------------

class UndefinedName(UndefinedError):
    """A template used a name the context does not have; `name` is that name."""

    def __init__(self, message: str, name: str):
        super().__init__(message)
        self.name = name


class StrictNames(StrictUndefined):
    """StrictUndefined whose error names the missing variable and, for an item, its kind and known keys."""

    def __init__(self, hint=None, obj=missing, name=None, exc=None):
        super().__init__(hint, obj, name, partial(UndefinedName, name=str(name)))

    @property
    def _undefined_message(self) -> str:
        return describe(self._undefined_obj, self._undefined_name) or super()._undefined_message


def describe(obj, name) -> str | None:
    """What is missing, for an item of the context: its kind and the names it does have."""
    if isinstance(obj, dict):
        what = f"a {obj['kind']!r} item" if "kind" in obj else "this object"
        return f"{name!r} is not a name of {what} (it has: {', '.join(sorted(obj))})"
    return None


class _Env(SandboxedEnvironment):
    """Autoescaping, strict and sandboxed; compiles each template text once per process."""

    def __init__(self, undefined=StrictNames):
        super().__init__(autoescape=True, undefined=undefined, keep_trailing_newline=True)
        self._compiled: dict[str, object] = {}

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None:
            return super().from_string(source, globals, template_class)
        found = self._compiled.get(source)
        if found is None:
            found = self._compiled[source] = super().from_string(source)
        return found


class CachedTemplate(DocxTemplate):
    """A docxtpl template read once: its bytes, its parsed package, its patched body and its compiled Jinja kept for
    every render (docxtpl would parse the whole package again for each one)."""

    def __init__(self, path: Path):
        self.path = path
        self.kind = "views" if path.stem.startswith("views") else "record"
        super().__init__(io.BytesIO(path.read_bytes()))
        self._body: str | None = None
        self._pristine: _Pristine | None = None
        self.lock = threading.Lock()  # one render at a time: the web server renders in several threads

    def init_docx(self, reload: bool = True):
        """The package as read, from the second render on by putting back what a render replaced."""
        if self.docx is not None and self.is_rendered and reload and self._pristine and self._pristine.restore():
            self.docx, self.is_rendered = self._pristine.part.document, False
            return
        super().init_docx(reload)
        if self._pristine is None or self._pristine.part is not self.docx.part:
            self._pristine = _Pristine(self.docx)

    def build_xml(self, context, jinja_env=None):
        if self._body is None:
            self.init_docx()
            self._body = self.patch_xml(self.get_xml())
        return self.render_xml_part(self._body, self.docx._part, context, jinja_env)

    def render_properties(self, context, jinja_env=None):
        """Not rendered as templates: _set_properties writes them from the model after each render. (docxtpl would
        compile the previous child's title and id as Jinja on every render, and the compile cache would grow.)"""

    def fix_tables(self, xml):
        """docxtpl's table repair (grid columns to match the cells a {%tc %} loop made), with the same result; each
        row's width in grid columns is its cell count plus the extra columns of the few cells that span."""
        tree = etree.fromstring(xml, parser=etree.XMLParser(recover=True))
        ns = "{" + tree.nsmap["w"] + "}"
        for table in tree.iter(ns + "tbl"):
            _fix_grid(table, ns)
        return tree

    def resolve_listing(self, xml):
        """docxtpl's rewrite of \\n, \\t, \\a, \\f into Word breaks, run only on paragraphs that hold one."""
        resolve = super().resolve_listing
        return _PARAGRAPH.sub(lambda m: resolve(m.group(0)) if _LISTING.search(m.group(0)) else m.group(0), xml)


def _fix_grid(table, ns: str) -> None:
    """One table of docxtpl's fix_tables: add grid columns for rows with more cells, drop those no row reaches."""
    grid = table.find(ns + "tblGrid")
    columns = grid.findall(ns + "gridCol")
    rows = list(table.iter(ns + "tr"))  # as docxtpl: rows of nested tables count too
    cells = {row: len(row.findall(ns + "tc")) for row in rows}
    to_add = max((n - len(columns) for n in cells.values()), default=0)
    if to_add > 0:
        _add_columns(grid, columns, to_add, ns)
        columns = grid.findall(ns + "gridCol")
    spanned = dict(cells)
    for span in table.iter(ns + "gridSpan"):
        props, cell = span.getparent(), span.getparent().getparent()
        row = cell.getparent() if cell is not None else None
        if (props.tag == ns + "tcPr" and cell.tag == ns + "tc" and row in cells and cell.find(ns + "tcPr") is props
                and props.find(ns + "gridSpan") is span):
            spanned[row] += int(span.get(ns + "val")) - 1
    to_remove = len(columns) - max(spanned.values(), default=0)
    if to_remove > 0:
        _remove_columns(grid, columns, to_remove, ns)


def _add_columns(grid, columns: list, to_add: int, ns: str) -> None:
    width = sum(float(c.get(ns + "w")) for c in columns if c.get(ns + "w") is not None)
    if width > 0:
        old_average, new_average = width / len(columns), width / (len(columns) + to_add)
        for column in columns:
            column.set(ns + "w", str(int(float(column.get(ns + "w")) * new_average / old_average)))
        for _ in range(to_add):
            etree.SubElement(grid, ns + "gridCol", {ns + "w": str(int(new_average))})


def _remove_columns(grid, columns: list, to_remove: int, ns: str) -> None:
    removed = 0.0
    for column in columns[-to_remove:]:
        removed += float(column.get(ns + "w"))
        grid.remove(column)
    left = grid.findall(ns + "gridCol")
    extra = int(removed / len(left)) if left else 0
    for column in left:
        column.set(ns + "w", str(int(float(column.get(ns + "w")) + extra)))


class _Pristine:
    """What a docxtpl render changes in a package, as it was read: the document's XML (a fresh copy each time:
    taking a rendered body out of the tree costs lxml ~100 ms), the header and footer parts (a render points the
    relationships at new ones), the core properties and the footnotes' XML."""

    MUTABLE_BLOBS = ("footnotes+xml",)

    def __init__(self, document):
        self.part = document.part
        self.root = copy.deepcopy(self.part._element)
        self.targets = {key: rel._target for key, rel in self.part.rels.items()
                        if rel.reltype in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI)}
        self.core = self.part.package._core_properties_part
        self.core_xml = copy.deepcopy(self.core._element)
        self.blobs = {part: part.blob for part in self.part.package.parts
                      if part.content_type.endswith(self.MUTABLE_BLOBS)}
        self.names = self._names()

    def _names(self) -> list[str]:
        return sorted(str(part.partname) for part in self.part.package.parts)

    def restore(self) -> bool:
        """Put the package back as read; False (so the caller reads it again) when a render added or dropped parts
        this does not know how to undo (pictures, sub-documents)."""
        for key, target in self.targets.items():
            self.part.rels[key]._target = target
        if self._names() != self.names:
            return False
        self.part._element = copy.deepcopy(self.root)
        self.core._element = copy.deepcopy(self.core_xml)
        for part, blob in self.blobs.items():
            part._blob = blob
        return True


ENV = _Env()


def find_template(profile_id: str, variant: Variant, root: Path | None = None) -> Path:
    """The template of a variant: <variant>.docx, then <kind>.docx, in the authority's folder, then common."""
    names = (f"{variant.id}.docx", f"{variant.kind}.docx")
    for folder in template_search_path(profile_id, root):
        for name in names:
            if (folder / name).is_file():
                return folder / name
    raise TemplateError(f"No Word template for {profile_id} {variant.id} (looked for {', '.join(names)}).",
                        file=str(template_search_path(profile_id, root)[-1]))


@lru_cache(maxsize=16)
def _load(path: Path, stamp: int) -> CachedTemplate:
    return CachedTemplate(path)


def load_template(path: Path) -> CachedTemplate:
    """The parsed template, cached per process (reloaded when the file changes)."""
    return _load(path, path.stat().st_mtime_ns)


def render_context(template: CachedTemplate, context: dict) -> None:
    """Render into the template's document; template faults become TemplateError naming the file."""
    try:
        template.render(context, jinja_env=ENV)
    except (JinjaError, SecurityError, XMLSyntaxError, ValueError) as err:
        message = err.message if isinstance(err, JinjaError) and err.message else str(err)
        raise TemplateError(f"cannot render: {message}", file=display_path(template.path),
                            line=getattr(err, "lineno", None)) from err


def display_path(path: Path) -> str:
    """templates/<folder>/<file> when the template is under the templates root."""
    try:
        return str(Path("templates") / path.relative_to(templates_root()))
    except ValueError:
        return str(path)


# --- the renderer -----------------------------------------------------------------------------------------------

def _set_font(document, font: str) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    for fonts in defaults.iter(qn("w:rFonts")):
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), font)


def _set_properties(document, model: DocumentModel) -> None:
    props, meta = document.core_properties, model.metadata
    props.title, props.subject = text(meta.get("title")), text(meta.get("subject"))
    props.author = props.last_modified_by = text(meta.get("author"))
    props.keywords = text("; ".join(meta.get("keywords", ())))
    props.category, props.language = model.variant.id, "en-GB"
    props.comments, props.revision = text(model.audience.note), 1
    props.identifier = text(model.child_id)
    if model.document_date:
        when = dt.datetime.fromisoformat(model.document_date[:10]).replace(tzinfo=dt.UTC)
        props.created = props.modified = when
    else:
        for name in ("dcterms:created", "dcterms:modified"):
            for node in props._element.findall(qn(name)):
                props._element.remove(node)


def render_model(model: DocumentModel, root: Path | None = None) -> bytes:
    """The .docx bytes of a document model (the same bytes for the same model)."""
    template = load_template(find_template(model.profile.id, model.variant, root))
    context = build_context(model, template.kind)
    with template.lock:
        render_context(template, context)
        document = template.docx
        _set_font(document, text(model.profile.font.get("word")) or "Arial")
        _set_properties(document, model)
        return package_bytes(document)


def render(request) -> bytes:
    """Renderer entry point (generator.generate.RENDERERS["docx"])."""
    return render_model(request.model)


class Linter:
    """Renders templates with an environment that records unknown names instead of failing, so one render finds
    them all; compiled templates are reused across renders."""

    def __init__(self):
        self.found: dict[str, str] = {}
        self.undeclared: dict[Path, set[str]] = {}
        found = self

        class Recording(ChainableUndefined):
            def __init__(self, hint=None, obj=missing, name=None, exc=UndefinedError):
                super().__init__(hint, obj, name, exc)
                found.found.setdefault(str(name), describe(obj, name) or self._undefined_message)

        self.env = _Env(Recording)

    def check(self, template: CachedTemplate, model: DocumentModel) -> list[tuple[str, str]]:
        """(name, message) for each name the template uses that the model's context lacks; [] when all are known."""
        context = build_context(model, template.kind)
        self.found = {}
        if template.path not in self.undeclared:
            self.undeclared[template.path] = template.get_undeclared_template_variables(jinja_env=self.env)
        for name in sorted(self.undeclared[template.path] - set(context)):
            self.found[name] = f"{name!r} is not in the context"
        try:
            with template.lock:
                template.render(context, jinja_env=self.env)
        except JinjaError as err:
            self.found.setdefault("", f"does not render: {err}")
        return sorted(self.found.items())
