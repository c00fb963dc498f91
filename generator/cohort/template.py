"""The template sheet for a batch: one column per data path a variant holds, and a guide to every column."""

from __future__ import annotations

import csv
import io

from data_schemas import FieldInfo, catalogue, concrete_path

from ..authority.content import Item, Profile, Variant

IDENTITY = ("pep.academic_year", "pep.term", "pep.date", "child.social_care_id", "child.first_name",
            "child.surname")
TYPE_HINTS = {
    "date": "date: YYYY-MM-DD or DD/MM/YYYY", "datetime": "date and time: YYYY-MM-DDTHH:MM",
    "boolean": "yes or no", "integer": "whole number", "number": "number", "money": "pounds, e.g. 270.00",
    "texts": "several values separated by ;", "answers": "one of the answer values",
}


def _columns(items, indexes: tuple[int, ...], profile: Profile) -> list[tuple[str, Item]]:
    out = []
    for item in items:
        if item.kind in ("field", "texts", "question"):
            out.append((concrete_path(item.path, indexes), item))
        elif item.kind == "group":
            out += _columns(item.children, indexes, profile)
        elif item.kind in ("table", "repeat"):
            for slot in range(item.rows or profile.slots(item.path)):
                out += _columns(item.children, (*indexes, slot), profile)
    return out


def template_columns(profile: Profile, variant: Variant) -> list[tuple[str, Item | None]]:
    """(column header, item) for the identity columns, then every field of the variant in document order."""
    seen: dict[str, Item | None] = dict.fromkeys(IDENTITY)
    for section in variant.sections:
        for header, item in _columns(section.items, (), profile):
            if header not in seen or seen[header] is None:
                seen[header] = item
    return [(h, i) for h, i in seen.items() if not (i and i.info and i.info.derived)]


def _guide_row(header: str, item: Item | None) -> list[str]:
    info: FieldInfo = item.info if item and item.info else catalogue()[header]
    options = item.options if item else list(info.option_labels)
    allowed = "; ".join(value for value, _ in options)
    label = item.label if item else info.label
    return [header, label, TYPE_HINTS.get(info.type, "text"), allowed, info.owner]


def template_csv(profile: Profile, variant: Variant) -> bytes:
    """A CSV template: the header row of data paths and a # row of labels (rows starting with # are ignored)."""
    columns = template_columns(profile, variant)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([h for h, _ in columns])
    writer.writerow(["# " + _guide_row(h, i)[1] if n == 0 else _guide_row(h, i)[1] for n, (h, i) in enumerate(columns)])
    return buffer.getvalue().encode("utf-8")


def template_xlsx(profile: Profile, variant: Variant) -> bytes:
    """An Excel template: a Data sheet (headers, drop-down lists for choices) and a Guide sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = template_columns(profile, variant)
    book = Workbook()
    data = book.active
    data.title = "Data"
    data.append([h for h, _ in columns])
    data.freeze_panes = "A2"
    for cell in data[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=profile.colours["brand"].lstrip("#"))
    for number, (header, item) in enumerate(columns, start=1):
        data.column_dimensions[data.cell(1, number).column_letter].width = max(14, min(40, len(header) + 2))
        allowed = _guide_row(header, item)[3]
        if allowed and len(allowed) < 250:
            rule = DataValidation(type="list", formula1=f'"{allowed.replace("; ", ",")}"', allow_blank=True)
            data.add_data_validation(rule)
            rule.add(f"{data.cell(2, number).column_letter}2:{data.cell(2, number).column_letter}10000")
    guide = book.create_sheet("Guide")
    guide.append(["column", "label", "type", "allowed values", "owner"])
    for header, item in columns:
        guide.append(_guide_row(header, item))
    book.properties.creator = "pep"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
