"""What a fillable form holds: its fields (name, path, type, read-only) and the page structure its template draws.

The plan depends on the authority's profile, the variant, the audience and the slot counts only, never on a child's
values: that is what lets one rendered layout be filled for every child.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from data_schemas import IDENTITY_PATHS, concrete_path, template_of, value_at

from ..authority.audience import AudienceView
from ..authority.content import Item, Profile, Variant
from ..render.model import FieldRow, GroupBlock, RepeatBlock, TableBlock, TextBlock, build_model
from ..signing.manifest import FieldSpec, field_name

OWNER_NAMES = {"dt": "the designated teacher", "sw": "the social worker", "vs": "the virtual school",
               "both": "the designated teacher and social worker", "child": "the child or young person",
               "carer": "the carer", "system": "pep"}
FACES = {"faces3": {"happy": "happy", "ok": "ok", "sad": "sad"},
         "faces5": {"1": "very_sad", "2": "sad", "3": "ok", "4": "happy", "5": "very_happy"}}
HINTS = {"date": "YYYY-MM-DD", "datetime": "YYYY-MM-DD HH:MM"}
_SCALE_ENDS = re.compile(r"\s*\((1 = [^,]+),\s*(10 = [^)]+)\)\s*$")
HOUSE_LINES = 10  # a house is tall: room to write or draw
MANY_OPTIONS = 10  # a table whose choice columns have more options than this is drawn as cards


@dataclass(frozen=True)
class PlannedField:
    """One field of the form as the template and the filler see it."""

    spec: FieldSpec
    label: str
    widget: str  # the model's widget: text, multiline, lines, date, datetime, checkbox, choice, radio
    style: str  # how it is drawn: text, multiline, checkbox, options, faces, scale, pills
    lines: int
    size: float  # font size of its appearance
    options: tuple[tuple[str, str], ...] = ()
    row: FieldRow | None = None

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class FormPlan:
    fields: tuple[PlannedField, ...]
    doc: dict
    slots: dict
    # What is worked out from the plan once and kept with it (a plan is made once and shared by every child whose
    # slots are the same, and nothing changes it: the template renders a copy of `doc`).
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def slot_counts(variant: Variant, record: dict | None, view: AudienceView) -> dict[str, int]:
    """Slots per repeatable item (concrete path -> count): the profile's number, or more when a child has more."""
    counts: dict[str, int] = {}
    _count(variant_items(variant), record, (), view, counts)
    return counts


def variant_items(variant: Variant) -> tuple[Item, ...]:
    return tuple(item for section in variant.sections for item in section.items)


def _count(items, record, indexes, view, counts) -> None:
    for item in items:
        if item.path and view.hides(item.path):
            continue
        if item.kind in ("table", "repeat"):
            path = concrete_path(item.path, indexes)
            have = value_at(record, path)
            count = max(item.rows or 0, len(have) if isinstance(have, list) else 0)
            counts[path] = count
            for index in range(count):
                _count(item.children, record, (*indexes, index), view, counts)
        elif item.kind == "group":
            _count(item.children, record, indexes, view, counts)


def skeleton(counts: dict[str, int]) -> dict:
    """A record of empty list items only, so the model has exactly the slots wanted and no values."""
    root: dict = {}
    for path, count in sorted(counts.items(), key=lambda kv: kv[0].count(".")):
        node = root
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[parts[-1]] = [{} for _ in range(count)]
    return root


def column_weight(cell: FieldRow | None, widget: str) -> float:
    """How much room a table column needs: long text most, then choices, dates and amounts, tick boxes least."""
    if widget in ("multiline", "lines"):
        return 4.0
    if widget in ("choice", "radio"):
        return 2.0 if cell is not None and len(cell.options) <= 3 else 2.6
    if widget == "checkbox":
        return 1.1
    info = cell.info if cell is not None else None
    if widget in ("date", "datetime") or (info is not None and (info.unit or getattr(info, "type", "") in
                                                                ("integer", "number", "money"))):
        return 1.6
    return 3.0


def column_widths(block: TableBlock) -> list[float]:
    """Column widths in per cent of the table (the row number column takes 3%)."""
    first = block.rows[0] if block.rows else ()
    cells = {row.path.rsplit(".", 1)[-1]: row for row in first}
    weights = [column_weight(cells.get(rel.rsplit(".", 1)[-1]), widget) for rel, _, widget in block.columns]
    total = sum(weights) or 1.0
    return [round(97 * w / total, 2) for w in weights]


def field_type(widget: str) -> str:
    return {"checkbox": "checkbox", "choice": "radio", "radio": "radio", "multiline": "multiline",
            "lines": "multiline"}.get(widget, "text")


class _Planner:
    """Walks a blank model and produces the fields and the template's view of the page."""

    def __init__(self, profile: Profile, variant: Variant, blank: bool):
        self.profile, self.variant, self.blank = profile, variant, blank
        self.views = variant.kind == "views"
        self.fields: list[PlannedField] = []
        self.seen: dict[str, str] = {}
        self.current_heading = ""

    def readonly(self, row: FieldRow) -> bool:
        """Derived values (pep works them out) and what other roles own; on a blank children's views form the child
        may write everything, their name included; on every blank form who the child is (IDENTITY_PATHS) can be
        filled in, where a prefilled form shows it read-only, so that a returned blank form can be matched."""
        if row.info is not None and row.info.derived:
            return True
        if self.blank and template_of(row.path) in IDENTITY_PATHS:
            return False
        return row.owner not in self.variant.form_owners and not (self.blank and self.views)

    def style(self, row: FieldRow, kind: str) -> str:
        if kind != "radio":
            return kind
        answer = row.question.answer if row.question else None
        if answer in FACES:
            return "faces"
        if answer == "scale10":
            return "scale"
        return "pills" if self.views else "options"

    def field(self, row: FieldRow, in_table: bool = False, lines: int | None = None) -> dict:
        name = field_name(row.path)
        if name in self.seen:
            return {"kind": "text", "text": f"{row.label}: see above ({self.seen[name]}).", "style": "note", "f": None}
        kind = field_type(row.widget)
        options = row.options if kind == "radio" else ()
        spec = FieldSpec(name, row.path, kind, tuple(v for v, _ in options), self.readonly(row))
        size = 12.0 if self.views else (8.5 if in_table else 9.0)
        lines = (lines or max(row.lines, 2)) if kind == "multiline" else 1
        planned = PlannedField(spec, row.label, row.widget, self.style(row, kind), lines, size, tuple(options), row)
        self.fields.append(planned)
        self.seen[name] = self.current_heading
        return {"kind": "field", "f": self.field_view(planned, row)}

    def field_view(self, planned: PlannedField, row: FieldRow) -> dict:
        label, ends = planned.label, None
        if planned.style == "scale":
            match = _SCALE_ENDS.search(label)
            if match:
                label, ends = label[:match.start()], (match.group(1), match.group(2))
        info = row.info
        hint = HINTS.get(planned.widget) or (info.unit if info is not None and info.unit else None)
        if planned.widget == "lines":
            hint = "one per line"
        faces = FACES.get(row.question.answer if row.question else "", {})
        return {"name": planned.name, "label": label, "type": planned.spec.type, "style": planned.style,
                "readonly": planned.spec.readonly, "lines": planned.lines, "hint": hint, "help": row.help,
                "ends": ends, "derived": bool(info is not None and info.derived), "question": row.question is not None,
                "height": self.height(planned),
                "options": [{"value": v, "label": lab, "face": faces.get(v)} for v, lab in planned.options]}

    def height(self, planned: PlannedField) -> float:
        """The box height in points: room for its lines at its font size."""
        if planned.spec.type == "multiline":
            return round(planned.lines * planned.size * (1.45 if self.views else 1.3) + 6, 1)
        return 24.0 if self.views else round(planned.size * 1.2 + 5, 1)

    def blocks(self, blocks) -> list[dict]:
        out: list[dict] = []
        pending_houses: list[dict] = []
        for block in blocks:
            if isinstance(block, FieldRow) and block.question and "_house_" in block.question.id:
                pending_houses.append(self.house(block))
                continue
            if pending_houses:
                out.append({"kind": "houses", "houses": pending_houses})
                pending_houses = []
            out.append(self.block(block))
        if pending_houses:
            out.append({"kind": "houses", "houses": pending_houses})
        return out

    def house(self, row: FieldRow) -> dict:
        view = self.field(row, lines=HOUSE_LINES)
        title, _, caption = row.label.partition(":")
        return {"title": title.strip(), "caption": caption.strip(), "f": view.get("f"), "note": view.get("text")}

    def block(self, block) -> dict:
        if isinstance(block, FieldRow):
            return self.field(block)
        if isinstance(block, TextBlock):
            return {"kind": "text", "text": block.text, "style": block.style}
        if isinstance(block, GroupBlock):
            return {"kind": "group", "label": block.label, "help": block.help, "blocks": self.blocks(block.fields)}
        if isinstance(block, TableBlock):
            return self.table(block)
        if isinstance(block, RepeatBlock):
            entries = [{"title": e.title, "blocks": self.blocks(e.blocks)} for e in block.entries]
            return {"kind": "repeat", "label": block.label, "help": block.help, "entries": entries, "compact": False}
        raise TypeError(f"unknown block {type(block).__name__}")

    def table(self, block: TableBlock) -> dict:
        cards = any(len(cell.options) > MANY_OPTIONS for row in block.rows for cell in row)
        if cards:
            entries = [{"title": f"{block.label} – {index + 1}", "blocks": [self.field(c) for c in row]}
                       for index, row in enumerate(block.rows)]
            return {"kind": "repeat", "label": block.label, "help": block.help, "entries": entries, "compact": True}
        rows = [[self.field(cell, in_table=True) for cell in row] for row in block.rows]
        widths = column_widths(block)
        columns = [{"label": label, "widget": widget, "width": width}
                   for (_, label, widget), width in zip(block.columns, widths, strict=True)]
        return {"kind": "table", "label": block.label, "help": block.help, "columns": columns, "rows": rows}

    def who(self, owner: str, editable: int, count: int) -> str:
        """Who completes a section, said the way the person filling in the form needs to hear it."""
        name = OWNER_NAMES.get(owner, owner)
        if editable == count:
            return f"To fill in: {name}."
        if editable == 0:
            return f"For information: completed by {name}."
        return f"Completed by {name}; please fill in the white boxes."

    def sections(self, model) -> list[dict]:
        out = []
        for section in model.sections:
            self.current_heading = section.heading
            start = len(self.fields)
            blocks = self.blocks(section.blocks)
            mine = self.fields[start:]
            editable = sum(not f.spec.readonly for f in mine)
            out.append({"id": section.id, "heading": section.heading, "colour": section.colour,
                        "intro": section.intro, "owner": section.owner, "editable": bool(editable),
                        "has_fields": bool(mine), "who": self.who(section.owner, editable, len(mine)),
                        "blocks": blocks})
        return out


_PLANS: OrderedDict[tuple, tuple[Profile, FormPlan]] = OrderedDict()
MAX_PLANS = 32


def plan_form(profile: Profile, variant: Variant, view: AudienceView, record: dict | None) -> FormPlan:
    """The fields and page structure of a form, with enough slots for this record (None: a blank form).

    A plan depends on the record only through its slot counts (and whether it is blank), so it is made once per
    process for each of those and reused for every child of a batch.
    """
    counts = slot_counts(variant, record, view)
    blank = record is None
    key = (profile.source_file, profile.id, variant.id, view.audience, view.hidden, tuple(sorted(counts.items())),
           blank)
    found = _PLANS.get(key)
    if found is not None and found[0] is profile:
        _PLANS.move_to_end(key)
        return found[1]
    plan = _make_plan(profile, variant, view, counts, blank)
    _PLANS[key] = (profile, plan)
    while len(_PLANS) > MAX_PLANS:
        _PLANS.popitem(last=False)
    return plan


def _make_plan(profile: Profile, variant: Variant, view: AudienceView, counts: dict[str, int], blank: bool) -> FormPlan:
    model = build_model(profile, variant, skeleton(counts), view)
    planner = _Planner(profile, variant, blank)
    sections = planner.sections(model)
    colours = profile.colours
    doc = {"kind": variant.kind, "phase": variant.phase, "authority": profile.name, "short_name": profile.short_name,
           "virtual_school": profile.virtual_school, "title": variant.title, "subtitle": variant.subtitle,
           "marking": profile.protective_marking, "brand": colours["brand"],
           "accent": colours.get("accent") or "#EEF2F7", "blank": planner.blank and planner.views,
           "form_owners": [OWNER_NAMES.get(o, o) for o in variant.form_owners],
           "wording": dict(profile.wording), "sections": sections}
    return FormPlan(tuple(planner.fields), doc, counts)
