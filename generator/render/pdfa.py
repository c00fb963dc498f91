"""PDF/A record documents: the document model as JSON, typeset by Typst (templates/*/record.typ) with embedded fonts."""

from __future__ import annotations

import atexit
import datetime as dt
import json
import logging
import multiprocessing
import multiprocessing.util
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import typst
from fontTools.ttLib import TTFont, TTLibError

from ..authority.profiles import template_search_path
from ..core.errors import TemplateError
from .display import clean_text
from .model import DocumentModel, FieldRow, GroupBlock, RepeatBlock, TableBlock, TextBlock
from .request import RenderRequest

log = logging.getLogger(__name__)

TEMPLATE = "record.typ"
# The date a blank document carries (PDF/A needs one; a fixed one keeps blanks byte-identical): the template edition,
# unless the request gives an `issue_date`.
TEMPLATE_EDITION = "2026-09-01"
# PDF/A-2a (tagged, Unicode text) + PDF/UA-1; PDF/A-3a when the JSON record is attached (PDF/A-2 forbids attachments).
STANDARDS = ("a-2a", "ua-1")
STANDARDS_WITH_JSON = ("a-3a", "ua-1")
# Where the Debian font packages the project installs (.ci/system-deps) put their files; $PEP_FONT_DIRS overrides.
FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/crosextra",
             "/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto")
# The authority's Word font -> the metric-compatible font installed here.
BODY_FONTS = {"Arial": ("Liberation Sans", "LiberationSans-Regular.ttf"), "Calibri": ("Carlito", "Carlito-Regular.ttf")}
FALLBACK_FONTS = ("DejaVu Sans", "Noto Sans")
FALLBACK_FILE = "DejaVuSans.ttf"
OWNER_NAMES = {"sw": "Social worker", "dt": "Designated teacher", "child": "Child or young person", "carer": "Carer",
               "vs": "Virtual school", "both": "Social worker and designated teacher"}
LONG_WIDGETS = ("multiline", "lines")
SIGNED_GROUPS = ("signoffs.",)  # groups that get a box to sign in on a blank document
LONG_LABEL = 48  # a label longer than this goes above its value, not beside it
WIDE_TEXT = 40  # a value longer than this takes the full width of the row
# Typst breaks lines only at spaces, hyphens and slashes: a run of more than 40 other characters gets zero-width spaces
# so that it wraps instead of running off the page; a run of more than 24 (an e-mail address) takes a full-width row.
_UNBROKEN = re.compile(r"[^\s\-/\u200b]{41,}")
_LONG_RUN = re.compile(r"[^\s\-/\u200b]{25,}")
# Invisible joiners, variation selectors, tags and skin-tone modifiers: dropped (not replaced) when no font has them.
_IGNORABLE = re.compile(r"[\u200c\u200d\u2060\ufe00-\ufe0f\U000e0000-\U000e007f\U0001f3fb-\U0001f3ff]")
_lock = threading.Lock()
# The data of the document being compiled reaches the template as files of a Typst package, `@local/pep-job:0.1.0`,
# in a private folder of this process: Typst hashes sys.inputs with its library, so a value changed there would miss
# every memoised layout; a changed file misses only what read it. (Not files in the templates folder: it may be
# read-only, and other processes share it. Not a project root of symlinks: Typst resolves the template's path.)
JOB_PACKAGE = ("local", "pep-job", "0.1.0")
JOB_FILES = ("data.json", "record.json")  # what a TypstJob may write; a file a job leaves out is removed
_JOB_LIB = """// Written by generator/render/pdfa.py: the document being compiled (its data; the record to attach).
#let data = json("data.json")
#let record() = read("record.json", encoding: none)
"""


@dataclass
class Replacement:
    """A character no installed font has, replaced visibly in the document (code points only: no free text)."""

    path: str
    codepoints: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rendered:
    data: bytes
    replacements: tuple[Replacement, ...]
    warnings: tuple[str, ...]


def render(request: RenderRequest) -> bytes:
    """The PDF/A bytes of a record document; characters no font has are replaced and logged (ids and code points)."""
    result = render_with_report(request)
    for item in result.replacements:
        log.warning("pdf %s: %s: replaced characters no installed font has: %s", request.model.child_id or "blank",
                    item.path, " ".join(item.codepoints))
    return result.data


def render_with_report(request: RenderRequest) -> Rendered:
    """Render, and say what had to be replaced and what Typst warned about."""
    job = typst_job(request)
    pdf, warnings = _compile(job.template, job.files, job.standards, job.timestamp)
    return Rendered(pdf, job.replacements, warnings)


@dataclass(frozen=True)
class TypstJob:
    """What Typst is given for one document: the template, the job files (JOB_FILES), the PDF standards and the
    timestamp."""

    template: Path
    files: dict[str, str]
    standards: tuple[str, ...]
    timestamp: int
    replacements: tuple[Replacement, ...]


def typst_job(request: RenderRequest) -> TypstJob:
    """The Typst inputs of a request (bench/bench_typst.py compiles these with template variants)."""
    attach = bool(request.options.get("attach_json")) and request.record is not None
    text = _Text(_fonts(request.model))
    data = payload(request.model, text, attach)
    files = {"data.json": json.dumps(data, ensure_ascii=False, sort_keys=True)}
    if attach:
        files["record.json"] = json.dumps(request.record, ensure_ascii=False, sort_keys=True, indent=1, default=str)
    date = _iso_date(request.model.document_date) or _iso_date(request.options.get("issue_date") or TEMPLATE_EDITION)
    standards = STANDARDS_WITH_JSON if attach else STANDARDS
    return TypstJob(find_template(request.profile.id), files, standards, _timestamp(date),
                    tuple(text.replaced.values()))


# --- fonts and characters ------------------------------------------------------------------------------------------


def font_dirs() -> tuple[str, ...]:
    """Existing font folders, in order: $PEP_FONT_DIRS (os.pathsep-separated) or the Debian packages' folders."""
    wanted = os.environ.get("PEP_FONT_DIRS", "").split(os.pathsep) if os.environ.get("PEP_FONT_DIRS") else FONT_DIRS
    return tuple(d for d in wanted if d and Path(d).is_dir())


def _fonts(model: DocumentModel) -> tuple[str, ...]:
    family = BODY_FONTS.get(model.profile.font.get("word"), BODY_FONTS["Arial"])[0]
    return (family, *FALLBACK_FONTS)


@cache
def _font_files(dirs: tuple[str, ...]) -> tuple[Path, ...]:
    return tuple(sorted(p for d in dirs for p in Path(d).rglob("*") if p.suffix.lower() in (".ttf", ".otf")))


@cache
def _coverage(files: tuple[Path, ...]) -> frozenset[int]:
    """Every code point some font in files maps to a glyph."""
    points: set[int] = set()
    for path in files:
        try:
            with TTFont(path, lazy=True, fontNumber=0) as font:
                points |= set(font["cmap"].getBestCmap() or ())
        except (OSError, TTLibError, KeyError, AssertionError):
            continue  # a broken font file is skipped: Typst skips it too
    return frozenset(points)


def covered(char: str) -> bool:
    """True when an installed font has the character (body and fallback fonts first, all fonts only if needed)."""
    files = _font_files(font_dirs())
    main = tuple(p for p in files if p.name in (FALLBACK_FILE, *(f for _, f in BODY_FONTS.values())))
    return ord(char) in _coverage(main) or ord(char) in _coverage(files)


def replacement(char: str) -> str:
    """What a character no font has becomes: its Unicode name in brackets, or its code point."""
    name = unicodedata.name(char, "")
    if not name or name.startswith(("CJK ", "HANGUL SYLLABLE", "PRIVATE", "TANGUT", "KHITAN")):
        return f"[U+{ord(char):04X}]"
    return f"[{name.lower()}]"


_SAFE_TEXT: dict[str, str] = {}  # strings that needed no replacement -> their typeset-safe form
KEPT_TEXT = 200  # longer strings are a child's own answers, not wording that repeats: not kept


class _Text:
    """Makes strings safe to typeset: clean, breakable, every character drawable; remembers what it replaced."""

    def __init__(self, fonts: tuple[str, ...]):
        self.fonts = fonts
        self.replaced: dict[str, Replacement] = {}
        self._ok: dict[str, bool] = {}
        self._replaced_now = False

    def __call__(self, value: str | None, path: str = "") -> str:
        raw = value or ""
        done = _SAFE_TEXT.get(raw)
        if done is not None:  # labels, headings and wording repeat in every child's document
            return done
        text = clean_text(raw)
        self._replaced_now = False
        if not text.isascii():
            text = "".join(self._char(c, path) for c in text)
        text = _UNBROKEN.sub(_breakable, text)
        if not self._replaced_now and len(raw) <= KEPT_TEXT:
            if len(_SAFE_TEXT) > 50_000:
                _SAFE_TEXT.clear()
            _SAFE_TEXT[raw] = text
        return text

    def _char(self, char: str, path: str) -> str:
        if char.isascii() or char == "\n":
            return char
        if char not in self._ok:
            self._ok[char] = covered(char)
        if self._ok[char]:
            return char
        if _IGNORABLE.match(char):
            return ""
        self._replaced_now = True
        item = self.replaced.setdefault(path or "(wording)", Replacement(path or "(wording)"))
        code = f"U+{ord(char):04X}"
        if code not in item.codepoints:
            item.codepoints.append(code)
        return replacement(char)


def _breakable(match: re.Match) -> str:
    run = match.group(0)
    return "\u200b".join(run[i:i + 20] for i in range(0, len(run), 20))


# --- the model as JSON ---------------------------------------------------------------------------------------------


def payload(model: DocumentModel, text: _Text, attach: bool = False) -> dict:
    """Everything the template shows, as plain JSON: strings are inserted as text, never read as markup."""
    profile, variant = model.profile, model.variant
    return {
        "meta": _meta(model, text),
        "fonts": list(text.fonts),
        "blank": model.blank,
        "kind": variant.kind,
        "attach": attach,
        "authority": text(profile.name),
        "virtual_school": text(profile.virtual_school),
        "title": text(variant.title),
        "subtitle": text(variant.subtitle or ""),
        "marking": text(profile.protective_marking),
        "child": {"name": text(model.child_name, "child.first_name"), "id": text(model.child_id)},
        "date": _display_date(model.document_date),
        "summary": _summary(model, text),
        "audience": "" if model.audience.audience == "record" else model.audience.audience,
        "colours": _colours(model),
        "legend": _legend(model),
        "stripes": bool(model.profile.colours.get("sections_by_owner")),
        "sections": [_section(s, model, text) for s in model.sections],
    }


def _meta(model: DocumentModel, text: _Text) -> dict:
    meta = model.metadata
    return {"title": text(meta.get("title", "")), "author": text(meta.get("author", "")),
            "subject": text(meta.get("subject", "")), "keywords": [text(k) for k in meta.get("keywords", [])]}


def _iso_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def _display_date(value: str | None) -> str:
    date = _iso_date(value)
    return f"{date.day} {date:%B %Y}" if date else ""


def _timestamp(date: dt.date) -> int:
    """Seconds since 1970 at the document date: the same data always gives the same bytes."""
    return int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())


def _summary(model: DocumentModel, text: _Text) -> list[list[str]]:
    """Label/value pairs under the title: who and what the document is about."""
    rows = {r.path: r for r in model.field_rows()}
    wanted = ("child.social_care_id", "child.date_of_birth", "pep.academic_year", "pep.term", "pep.date",
              "education.setting.name", "views.date" if model.variant.kind == "views" else "")
    pairs = [[text(rows[p].label), text(rows[p].text, p)] for p in wanted if p in rows]
    return pairs


def _colours(model: DocumentModel) -> dict:
    colours = model.profile.colours
    return {"brand": colours["brand"], "accent": colours["accent"], "on_brand": _on(colours["brand"])}


def _legend(model: DocumentModel) -> list[dict]:
    """Who completes which colour, for authorities that colour sections by role."""
    if not model.profile.colours.get("sections_by_owner"):
        return []
    owners = dict.fromkeys(s.owner for s in model.sections if s.owner in OWNER_NAMES)
    return [{"name": OWNER_NAMES[o], "colour": model.profile.owner_colour(o), "on": _on(model.profile.owner_colour(o))}
            for o in owners]


def _on(colour: str) -> str:
    """Black or white, whichever reads better on the colour (WCAG relative luminance)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lum = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2]
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#000000"


def _section(section, model: DocumentModel, text: _Text) -> dict:
    show_owner = model.variant.kind != "views" and section.owner in OWNER_NAMES
    return {"id": section.id, "heading": text(section.heading), "intro": text(section.intro or ""),
            "owner": OWNER_NAMES[section.owner] if show_owner else "",
            "colour": section.colour, "on": _on(section.colour),
            "blocks": _blocks(section.blocks, model.blank, text)}


def _blocks(blocks: tuple, blank: bool, text: _Text) -> list[dict]:
    """Blocks as JSON; runs of short fields become one grid, a cost table takes the total after it as its footer."""
    out: list[dict] = []
    for block in blocks:
        if isinstance(block, FieldRow):
            if _is_total_of(out, block):
                out[-1]["footer"] = [text(block.label), text(block.text, block.path)]
                out[-1]["footer_path"] = block.path
            elif _long(block):
                out.append({"k": "long", **_field(block, blank, text)})
            elif out and out[-1]["k"] == "fields":
                out[-1]["rows"].append(_field(block, blank, text))
            else:
                out.append({"k": "fields", "rows": [_field(block, blank, text)]})
        else:
            out.append(_block(block, blank, text))
    for block in out:
        if block["k"] == "fields":
            block["rows"] = _pair(block["rows"])
    return out


def _block(block, blank: bool, text: _Text) -> dict:
    if isinstance(block, TextBlock):
        return {"k": "text", "text": text(block.text), "style": block.style or "note"}
    if isinstance(block, GroupBlock):
        blocks = _blocks(block.fields, blank, text)
        if blank and block.path.startswith(SIGNED_GROUPS):
            blocks.append({"k": "fields", "rows": [[_signature()]]})
        return {"k": "group", "label": text(block.label), "blocks": blocks}
    if isinstance(block, TableBlock):
        return _table(block, blank, text)
    if isinstance(block, RepeatBlock):
        entries = [{"title": text(e.title), "blocks": _blocks(e.blocks, blank, text)} for e in block.entries]
        return {"k": "repeat", "label": text(block.label), "entries": entries}
    raise TemplateError(f"The PDF renderer does not know the block {type(block).__name__}.", file=TEMPLATE)


def _is_total_of(out: list[dict], row: FieldRow) -> bool:
    """A total right after the table it adds up (`X.ppg.total` after `X.ppg.cost_lines`)."""
    if not out or out[-1]["k"] != "table" or "footer" in out[-1]:
        return False
    return row.path.rpartition(".")[2] == "total" and out[-1]["parent"] == row.path.rpartition(".")[0]


def _long(row: FieldRow) -> bool:
    return row.widget in LONG_WIDGETS or len(row.label) > LONG_LABEL


def _field(row: FieldRow, blank: bool, text: _Text) -> dict:
    chosen = _chosen(row)
    value = text(row.text, row.path)
    options = [text(label) for _, label in row.options]
    tick = row.question is not None and row.question.answer == "tick"
    return {"path": row.path, "label": text(row.label), "text": value, "widget": row.widget, "empty": value == "",
            "lines": max(row.lines, 3) if row.widget == "lines" else row.lines, "options": options, "chosen": chosen,
            "tick": tick, "faces": _faces(row), "num": _numeric(row), "wide": _wide(row, value, options, blank)}


def _signature() -> dict:
    """A tall empty box to sign in, under a blank sign-off."""
    return {"label": "Signature", "text": "", "widget": "signature", "empty": True, "lines": 1, "options": [],
            "chosen": [], "tick": False, "faces": "", "num": False, "wide": True}


def _chosen(row: FieldRow) -> list[bool]:
    values = row.value if isinstance(row.value, list) else [row.value]
    return [any(str(v) == value for v in values if v is not None) for value, _ in row.options]


def _faces(row: FieldRow) -> str:
    answer = row.question.answer if row.question is not None else ""
    return answer if answer in ("faces3", "faces5") else ""


def _numeric(row: FieldRow) -> bool:
    return bool(row.info and row.info.type in ("money", "integer", "number"))


def _wide(row: FieldRow, value: str, options: list[str], blank: bool) -> bool:
    if "\n" in value or len(value) > WIDE_TEXT or _LONG_RUN.search(value):
        return True
    if row.question is not None and row.widget == "radio":
        return True
    if row.widget == "radio" or (blank and row.widget == "choice"):
        return len(options) > 3 or sum(len(o) + 4 for o in options) > WIDE_TEXT
    return False


def _pair(rows: list[dict]) -> list[list[dict]]:
    """Short fields two to a line; a wide one (or one left without a partner) takes a line of its own."""
    lines: list[list[dict]] = []
    waiting: dict | None = None
    for row in rows:
        if row["wide"]:
            if waiting:
                lines.append([waiting])
                waiting = None
            lines.append([row])
        elif waiting:
            lines.append([waiting, row])
            waiting = None
        else:
            waiting = row
    if waiting:
        lines.append([waiting])
    return lines


def _table(block: TableBlock, blank: bool, text: _Text) -> dict:
    rows = [[_cell(cell, text) for cell in row] for row in block.rows]
    columns = [{"label": text(label), "widget": widget, "num": _numeric_column(block, i)}
               for i, (_, label, widget) in enumerate(block.columns)]
    return {"k": "table", "label": text(block.label), "columns": columns, "rows": rows,
            "blank_rows": block.blank_rows if blank else 0, "widths": _widths(block, rows),
            "parent": block.path.rpartition(".")[0]}


def _cell(cell: FieldRow, text: _Text) -> dict:
    return {"path": cell.path, "text": text(cell.text, cell.path), "widget": cell.widget, "num": _numeric(cell)}


def _numeric_column(block: TableBlock, index: int) -> bool:
    return bool(block.rows) and all(_numeric(row[index]) for row in block.rows if len(row) > index)


def _widths(block: TableBlock, rows: list[list[dict]]) -> list[float]:
    """Relative column widths from the widget, the label and the longest value."""
    base = {"multiline": 3.0, "lines": 2.5, "checkbox": 0.8, "date": 1.3, "datetime": 1.6, "choice": 1.5}
    widths = []
    for i, (_, label, widget) in enumerate(block.columns):
        cells = [r[i] for r in rows if len(r) > i]
        longest = max([len(c["text"]) for c in cells] + [0])
        word = max((len(w) for w in label.split()), default=4)
        numeric = bool(cells) and all(c["num"] for c in cells)
        least = 0.9 if numeric else base.get(widget, 1.4)
        widths.append(round(max(least, word / 9, min(longest / 14, 4.0)), 2))
    return widths


# --- Typst ---------------------------------------------------------------------------------------------------------


def find_template(profile_id: str, name: str = TEMPLATE) -> Path:
    """The authority's own template if it has one, else the common one."""
    for folder in template_search_path(profile_id):
        if (folder / name).is_file():
            return folder / name
    raise TemplateError("Template not found (looked in the authority's folder, then common).", file=name)


def new_compiler(template: Path, dirs: tuple[str, ...]) -> typst.Compiler:
    """A Typst compiler for a template (its root the templates folder), seeing only the given font folders and this
    process's job package (compile with `typeset`)."""
    return typst.Compiler(str(template), root=str(template.parent.parent), font_paths=list(dirs),
                          ignore_system_fonts=True, package_path=str(_job_packages(os.getpid())))


_compiled_in = 0  # the process id that last compiled a document


def compiled_in_this_process() -> bool:
    """Whether this process has run Typst: a process forked from it hangs in Typst (its threads are not forked)."""
    return _compiled_in == os.getpid()


def typeset(compiler: typst.Compiler, files: dict[str, str], standards, timestamp: int) -> tuple[bytes, list]:
    """Write a document's job files where the template reads them, then compile it: (PDF, Typst's warnings).
    One document at a time per process (the files are shared): pep holds `_lock`, a bench runs one thread."""
    folder = _job_packages(os.getpid()).joinpath(*JOB_PACKAGE)
    if not (folder / "lib.typ").is_file():  # a /tmp cleaner removed it under a long-running server
        _write_package(folder)
    global _compiled_in
    _compiled_in = os.getpid()
    for name in JOB_FILES:
        if name in files:
            (folder / name).write_text(files[name], encoding="utf-8")
        else:
            (folder / name).unlink(missing_ok=True)
    return compiler.compile_with_warnings(pdf_standards=list(standards), timestamp=timestamp)


@cache
def _job_packages(pid: int) -> Path:
    """This process's package folder (a forked worker makes its own: the parent's is the parent's to write to)."""
    root = Path(tempfile.mkdtemp(prefix="pep-typst-"))
    _write_package(root.joinpath(*JOB_PACKAGE))
    atexit.register(_remove_job_packages, root, pid)
    if multiprocessing.parent_process() is not None:  # a pool's worker ends without atexit, with its finalizers
        multiprocessing.util.Finalize(None, _remove_job_packages, (root, pid), exitpriority=0)
    return root


def _write_package(package: Path) -> None:
    package.mkdir(mode=0o700, parents=True, exist_ok=True)
    (package / "typst.toml").write_text(f'[package]\nname = "{JOB_PACKAGE[1]}"\nversion = "{JOB_PACKAGE[2]}"\n'
                                        'entrypoint = "lib.typ"\n', encoding="utf-8")
    (package / "lib.typ").write_text(_JOB_LIB, encoding="utf-8")


def _remove_job_packages(root: Path, pid: int) -> None:
    if os.getpid() == pid:  # a forked child exiting leaves its parent's folder alone
        shutil.rmtree(root, ignore_errors=True)


@cache
def _compiler(template: Path, dirs: tuple[str, ...], pid: int) -> typst.Compiler:
    return new_compiler(template, dirs)  # per process too: a compiler reads the job package of the process that made it


def _compile(template: Path, files: dict, standards: tuple[str, ...], timestamp: int) -> tuple[bytes, tuple]:
    dirs = font_dirs()
    if not dirs:
        raise TemplateError("No fonts found: install the Debian font packages (make setup) or set PEP_FONT_DIRS.",
                            file=str(template))
    with _lock:  # one Compiler per template is reused, and one job package per process: one document at a time
        try:
            pdf, warnings = typeset(_compiler(template, dirs, os.getpid()), files, standards, timestamp)
        except typst.TypstError as err:
            file, line = _where(err, template)
            raise TemplateError(f"Typst could not typeset the document: {_first_line(err)}", file=file,
                                line=line) from None
    return pdf, tuple(_first_line(w) for w in warnings or ())


_LOCATION = re.compile(r"┌─ (\S+?):(\d+):\d+")


def _where(err: typst.TypstError, template: Path) -> tuple[str, int | None]:
    """The template file and line Typst points at (its diagnostic), else the template itself."""
    match = _LOCATION.search(getattr(err, "diagnostic", "") or "")
    return (match.group(1), int(match.group(2))) if match else (str(template), None)


def _first_line(err) -> str:
    message = getattr(err, "message", None) or str(err)
    return message.strip().splitlines()[0][:300] if message.strip() else type(err).__name__
