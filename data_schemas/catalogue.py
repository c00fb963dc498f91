"""A flat catalogue of every field of the record: path template, label, owner, widget, options."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from marshmallow import Schema, fields

from .fields import IsoDate, IsoDateTime, Money, Number, StrictBoolean, StrictInteger
from .record import PepRecord


@dataclass(frozen=True)
class FieldInfo:
    """One field of the record. `path` uses `*` for list positions: `targets.*.ppg.cost_lines.*.line_total`."""

    path: str
    label: str
    owner: str
    widget: str
    kind: str  # "leaf", "group" (an object), "list" (of objects) or "texts" (a list of strings)
    options: tuple[str, ...] = ()
    option_labels: tuple[tuple[str, str], ...] = ()
    restricted: bool = False
    unit: str | None = None
    derived: bool = False
    type: str = "string"  # string, integer, number, money, boolean, date, datetime, list, object, texts, answers

    @property
    def parent(self) -> str:
        return self.path.rpartition(".")[0]


def _field_kind(field: fields.Field) -> str:
    if isinstance(field, fields.Nested):
        return "group"
    if isinstance(field, fields.List):
        return "list" if isinstance(field.inner, fields.Nested) else "texts"
    return "leaf"


_TYPES = ((Money, "money"), (IsoDateTime, "datetime"), (IsoDate, "date"), (StrictBoolean, "boolean"),
          (StrictInteger, "integer"), (Number, "number"), (fields.Dict, "answers"))


def _field_type(field: fields.Field, kind: str) -> str:
    if kind != "leaf":
        return {"group": "object", "list": "list", "texts": "texts"}[kind]
    return next((name for cls, name in _TYPES if isinstance(field, cls)), "string")


def _walk(schema: Schema, prefix: str, owner: str, out: dict[str, FieldInfo]) -> None:
    owner = getattr(schema, "owner", None) or owner
    for name, field in schema.fields.items():
        key = field.data_key or name
        path = f"{prefix}{key}"
        meta = field.metadata
        field_owner = meta.get("owner") or owner
        kind = _field_kind(field)
        options = tuple(meta.get("options", ()))
        out[path] = FieldInfo(path, meta.get("label", key), field_owner, meta.get("widget", "text"), kind, options,
                              tuple(meta.get("option_labels", {}).items()), bool(meta.get("restricted")),
                              meta.get("unit"), bool(meta.get("derived")), _field_type(field, kind))
        if kind == "group":
            _walk(field.schema, f"{path}.", field_owner, out)
        elif kind == "list":
            _walk(field.inner.schema, f"{path}.*.", field_owner, out)


# Who the child is: the fields a returned blank form is matched to a child by, editable on every blank form (where
# the variant shows them) and read-only on a prefilled one, in the same place. The URN is the school's, where held.
IDENTITY_PATHS = ("child.social_care_id", "child.first_name", "child.surname", "child.date_of_birth",
                  "education.setting.urn")


@cache
def catalogue() -> dict[str, FieldInfo]:
    """Every field of the record by path template, in schema order."""
    out: dict[str, FieldInfo] = {}
    _walk(PepRecord(), "", "system", out)
    return out


def template_of(path: str) -> str:
    """The path template of a concrete path: `targets.2.target` -> `targets.*.target`."""
    return ".".join("*" if part.isdigit() else part for part in path.split("."))


def concrete_path(template: str, indexes: tuple[int, ...]) -> str:
    """The inverse of template_of: (`targets.*.strategies.*.action`, (0, 2)) -> `targets.0.strategies.2.action`."""
    it = iter(indexes)
    return ".".join(str(next(it)) if part == "*" else part for part in template.split("."))


@lru_cache(maxsize=16384)  # called per field of every form read or record rendered; FieldInfo is frozen
def field_info(path: str) -> FieldInfo | None:
    """The catalogue entry of a concrete or template path (answers of the views are looked up by prefix)."""
    template = template_of(path)
    if template.startswith("views.answers."):
        return catalogue()["views.answers"]
    return catalogue().get(template)


def owner_of(path: str) -> str | None:
    """Which role owns a field."""
    info = field_info(path)
    return info.owner if info else None
