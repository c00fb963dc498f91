"""The schema of a rule's conditions and data paths, shared by the rule loader and the rule kinds."""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from data_schemas import catalogue

STAGES = ("draft", "held", "submitted")



class Strict(Schema):
    class Meta:
        unknown = RAISE


def normalise_path(path: str) -> str:
    """A data path as its catalogue template: list positions and `[id]` selectors become `*`."""
    path = re.sub(r"\[[^\]]*\]", ".*", path)
    return ".".join("*" if part.isdigit() else part for part in path.split("."))


class DataPath(fields.String):
    """A dotted data path of the record (`*` for every list item, `sections[targets]` for a section by id)."""

    def __init__(self, prefix: str = "", **kwargs):
        super().__init__(**kwargs)
        self.prefix = prefix

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if normalise_path(self.prefix + text) not in catalogue():
            where = f" (below {self.prefix.rstrip('.')})" if self.prefix else ""
            raise ValidationError(f"No field {text!r} in the PEP record{where}.")
        return text


class ConditionSchema(Strict):
    """When a rule applies: a test on a data path, the record's stage, the child's age, or any of several."""

    path = DataPath()
    in_ = fields.List(fields.Raw(), data_key="in")
    not_in = fields.List(fields.Raw())
    equals = fields.Raw()
    present = fields.Boolean()
    stage = fields.String(validate=validate.OneOf(STAGES))
    age = fields.List(fields.Integer(strict=True), validate=validate.Length(equal=2))
    any = fields.List(fields.Nested(lambda: ConditionSchema()), validate=validate.Length(min=1))

    @validates_schema
    def _one_test(self, data, **_):
        tests = [k for k in ("in_", "not_in", "equals", "present") if k in data]
        alone = [k for k in ("stage", "age", "any") if k in data]
        if "path" in data and len(tests) != 1:
            raise ValidationError("A condition on a path needs exactly one of: in, not_in, equals, present.")
        if "path" not in data and (tests or len(alone) != 1):
            raise ValidationError("A condition is a path with a test, or one of: stage, age, any.")
        if "path" in data and alone:
            raise ValidationError("Put stage, age and any in conditions of their own.")


class ItemConditionSchema(ConditionSchema):
    """A condition on a field of each list item (paths relative to the item)."""

    path = fields.String()
