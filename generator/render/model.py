"""The document model: a variant's content filled from a record (or blank), the one input of every renderer."""

from __future__ import annotations

from dataclasses import dataclass, field

from data_schemas import FieldInfo, Question, concrete_path, field_info, value_at

from ..authority.audience import AudienceView
from ..authority.content import Item, Profile, Variant
from ..authority.coverage import readable_label, unlisted
from .display import clean_text, format_value


@dataclass(frozen=True)
class FieldRow:
    """One labelled value. `path` is concrete (`targets.0.target`); `value` is the record's value or None."""

    path: str
    label: str
    value: object
    text: str
    widget: str
    owner: str
    lines: int = 1
    options: tuple[tuple[str, str], ...] = ()
    help: str | None = None
    info: FieldInfo | None = None
    question: Question | None = None


@dataclass(frozen=True)
class TableBlock:
    """A list of objects shown as a table: one row per item, or `blank_rows` empty rows in a blank document."""

    path: str
    label: str
    columns: tuple[tuple[str, str, str], ...]  # (relative path, label, widget)
    rows: tuple[tuple[FieldRow, ...], ...]
    owner: str
    blank_rows: int = 0
    help: str | None = None
    kind: str = "table"


@dataclass(frozen=True)
class GroupBlock:
    """An object shown as labelled values (a person, a signature)."""

    path: str
    label: str
    fields: tuple[FieldRow, ...]
    owner: str
    help: str | None = None
    kind: str = "group"


@dataclass(frozen=True)
class RepeatEntry:
    """One item of a repeated block (one target)."""

    index: int
    title: str
    blocks: tuple


@dataclass(frozen=True)
class RepeatBlock:
    """A list of objects each shown as a block of its own (targets)."""

    path: str
    label: str
    entries: tuple[RepeatEntry, ...]
    owner: str
    help: str | None = None
    kind: str = "repeat"


@dataclass(frozen=True)
class TextBlock:
    """Fixed wording from the profile (guidance, a note)."""

    text: str
    style: str | None = None
    kind: str = "text"


@dataclass(frozen=True)
class SectionModel:
    id: str
    heading: str
    owner: str
    colour: str
    intro: str | None
    blocks: tuple


@dataclass(frozen=True)
class DocumentModel:
    """Everything a renderer needs: identity, header and footer facts, and the filled sections."""

    profile: Profile
    variant: Variant
    audience: AudienceView
    record: dict | None
    sections: tuple[SectionModel, ...]
    child_name: str
    child_id: str
    document_date: str
    metadata: dict = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return self.record is None

    def field_rows(self):
        """Every FieldRow in the document, in order (inside tables, groups and repeats too)."""
        for section in self.sections:
            yield from rows_of(section.blocks)


def rows_of(blocks):
    """Every FieldRow among blocks, in order (inside tables, groups and repeats too)."""
    for block in blocks:
        if isinstance(block, FieldRow):
            yield block
        elif isinstance(block, GroupBlock):
            yield from block.fields
        elif isinstance(block, TableBlock):
            for row in block.rows:
                yield from row
        elif isinstance(block, RepeatBlock):
            for entry in block.entries:
                yield from rows_of(entry.blocks)


class _Builder:
    def __init__(self, profile: Profile, variant: Variant, record: dict | None, view: AudienceView):
        self.profile, self.variant, self.record, self.view = profile, variant, record, view

    def blocks(self, items: tuple[Item, ...], indexes: tuple[int, ...] = ()) -> tuple:
        out = []
        for item in items:
            if item.path and self.view.hides(item.path):
                continue
            block = self.block(item, indexes)
            if block is not None:
                out.append(block)
        return tuple(out)

    def block(self, item: Item, indexes: tuple[int, ...]):
        if item.kind == "text":
            return TextBlock(item.text or "", item.style)
        if item.kind in ("field", "texts", "question"):
            return self.row(item, indexes)
        path = concrete_path(item.path, indexes)
        if item.kind == "group":
            return GroupBlock(path, item.label, self.blocks(item.children, indexes), item.owner, item.help)
        items = value_at(self.record, path) or []
        count = item.rows if self.record is None else len(items)
        if item.kind == "table":
            columns = tuple((c.relative(item.path), c.label, c.widget) for c in item.children
                            if not self.view.hides(c.path))
            rows = tuple(self.blocks(item.children, (*indexes, i)) for i in range(count))
            return TableBlock(path, item.label, columns, rows, item.owner, item.rows or 0, item.help)
        entries = tuple(RepeatEntry(i, (item.title or item.label).replace("{n}", str(i + 1)),
                                    self.blocks(item.children, (*indexes, i))) for i in range(count))
        return RepeatBlock(path, item.label, entries, item.owner, item.help)

    def row(self, item: Item, indexes: tuple[int, ...]) -> FieldRow:
        path = concrete_path(item.path, indexes)
        value = value_at(self.record, path)
        options = tuple(item.options)
        text = format_value(value, item.info if item.question is None else None, dict(options) or None)
        return FieldRow(path, item.label, value, text, item.widget, item.owner or "system", item.lines, options,
                        item.help, item.info, item.question)


ALSO_RECORDED = ("Also recorded", "Values this PEP record holds that the sections above do not show. They are kept "
                                  "here so that the case record loses nothing.")


def also_recorded(profile: Profile, variant: Variant, record: dict) -> tuple[SectionModel, ...]:
    """A last section listing every value no section shows (none when everything is shown)."""
    rows = []
    for item in unlisted(variant, record):
        info = field_info(item.template)
        label = readable_label(profile, item.path)
        rows.append(FieldRow(item.path, label, item.value, format_value(item.value, info),
                             info.widget if info else "text", "system", info=info))
    if not rows:
        return ()
    heading, intro = ALSO_RECORDED
    return (SectionModel("also_recorded", heading, "system", profile.colours["brand"], intro, tuple(rows)),)


def _child_name(record: dict | None) -> str:
    child = (record or {}).get("child") or {}
    name = " ".join(clean_text(child[k]) for k in ("first_name", "surname") if child.get(k))
    return name


def build_model(profile: Profile, variant: Variant, record: dict | None, view: AudienceView) -> DocumentModel:
    """Fill a variant's sections from a normalised, audience-filtered record (None for a blank document)."""
    builder = _Builder(profile, variant, record, view)
    sections = tuple(
        SectionModel(s.id, s.heading, s.owner, s.colour, s.intro, builder.blocks(s.items)) for s in variant.sections
    )
    if view.show_unlisted and record:
        sections += also_recorded(profile, variant, record)
    pep = (record or {}).get("pep") or {}
    child_id = value_at(record, "child.social_care_id") or ""
    date = pep.get("date") or value_at(record, "meeting.date") or value_at(record, "views.date") or ""
    metadata = {
        "title": f"{variant.title} – {profile.name}" + (f" – {child_id}" if child_id else " – blank"),
        "author": profile.virtual_school,
        "subject": f"{variant.title} ({variant.id}) for looked-after child {child_id or '(blank)'}",
        "keywords": [f"authority:{profile.id}", f"variant:{variant.id}", f"child:{child_id or 'blank'}",
                     f"pep-date:{date or 'none'}", f"academic-year:{pep.get('academic_year') or 'none'}",
                     f"term:{pep.get('term') or 'none'}", f"audience:{view.audience}",
                     f"marking:{profile.protective_marking}"],
    }
    return DocumentModel(profile, variant, view, record, sections, _child_name(record), child_id, date, metadata)
