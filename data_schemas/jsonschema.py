"""JSON Schema (draft 2020-12) generated from the marshmallow schemas, for the whole record or a subset of paths."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .fields import IsoDate, IsoDateTime, Money, Number, StrictBoolean, StrictInteger
from .record import PepRecord

DIALECT = "https://json-schema.org/draft/2020-12/schema"
MONEY_PATTERN = r"^£?(\d{1,7}|\d{1,3}(,\d{3}){1,2})(\.\d{1,2})?$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"


def _validators(field: fields.Field) -> list:
    found = field.validators
    return list(found) if isinstance(found, list | tuple) else [found] if found else []


def _apply_validators(field: fields.Field, out: dict) -> None:
    for rule in _validators(field):
        if isinstance(rule, validate.OneOf):
            out["enum"] = list(rule.choices) + ([None] if field.allow_none else [])
        elif isinstance(rule, validate.Regexp):
            out["pattern"] = rule.regex.pattern
        elif isinstance(rule, validate.Length):
            key = ("maxItems", "minItems") if out.get("type") == "array" else ("maxLength", "minLength")
            if rule.max is not None:
                out[key[0]] = rule.max
            if rule.min is not None:
                out[key[1]] = rule.min
        elif isinstance(rule, validate.Range):
            if rule.min is not None:
                out["minimum"] = rule.min
            if rule.max is not None:
                out["maximum"] = rule.max


def _scalar(field: fields.Field) -> dict:
    if isinstance(field, Money):
        return {"oneOf": [{"type": "string", "pattern": MONEY_PATTERN},
                          {"type": "number", "minimum": 0, "multipleOf": 0.01}]}
    if isinstance(field, IsoDateTime):
        return {"type": "string", "pattern": DATETIME_PATTERN}
    if isinstance(field, IsoDate):
        return {"type": "string", "format": "date"}
    if isinstance(field, StrictBoolean):
        return {"type": "boolean"}
    if isinstance(field, StrictInteger):
        return {"type": "integer"}
    if isinstance(field, Number):
        return {"type": "number"}
    if isinstance(field, fields.Dict):
        return {"type": "object", "propertyNames": {"pattern": r"^[a-z][a-z0-9_]{1,63}$"}}
    return {"type": "string"}


def _nullable(out: dict, field: fields.Field) -> dict:
    if not field.allow_none:
        return out
    if "oneOf" in out:
        out["oneOf"].append({"type": "null"})
    elif "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _annotate(field: fields.Field, out: dict, owner: str) -> dict:
    meta = field.metadata
    if meta.get("label"):
        out["title"] = meta["label"]
    out["x-owner"] = meta.get("owner") or owner
    if meta.get("derived"):
        out["x-derived"] = True
        out["description"] = "Computed by pep; a supplied value must agree."
    return out


def _field(field: fields.Field, path: str, owner: str, keep) -> dict:
    owner = field.metadata.get("owner") or owner
    if isinstance(field, fields.Nested):
        return _annotate(field, _object(field.schema, f"{path}.", owner, keep), owner)
    if isinstance(field, fields.List):
        inner = field.inner
        items = (_object(inner.schema, f"{path}.*.", owner, keep) if isinstance(inner, fields.Nested)
                 else _field(inner, f"{path}.*", owner, keep))
        out = {"type": "array", "items": items}
        _apply_validators(field, out)
        return _annotate(field, out, owner)
    out = _scalar(field)
    _apply_validators(field, out)
    return _annotate(field, _nullable(out, field), owner)


def _object(schema: Schema, prefix: str, owner: str, keep) -> dict:
    owner = getattr(schema, "owner", None) or owner
    properties, required = {}, []
    for name, field in schema.fields.items():
        key = field.data_key or name
        path = f"{prefix}{key}"
        if not keep(path):
            continue
        properties[key] = _field(field, path, owner, keep)
        if field.required:
            required.append(key)
    out = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def json_schema(paths: set[str] | None = None, title: str = "PEP record", consts: dict | None = None) -> dict:
    """The record's JSON Schema; with `paths` (templates), only those fields, their ancestors and descendants."""

    def keep(path: str) -> bool:
        if paths is None:
            return True
        return any(p == path or p.startswith(path + ".") or path.startswith(p + ".") for p in paths)

    out = {"$schema": DIALECT, "title": title, **_object(PepRecord(), "", "system", keep)}
    for dotted, value in (consts or {}).items():
        node = out
        for key in dotted.split("."):
            node = node["properties"][key]
        node["const"] = value
        node.pop("enum", None)
    return out
