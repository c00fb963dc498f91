"""The marshmallow schema of an authority profile (templates/<authority>/profile.yaml): unknown keys are errors."""

from __future__ import annotations

from functools import cache

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from data_schemas.fields import OWNERS

FORMATS = ("docx", "pdf", "form")
AUDIENCES = ("record", "school", "carer", "child")
ITEM_KINDS = ("field", "table", "repeat", "group", "texts", "question", "text", "block")
HEX = validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="Use a colour like #1F4E79.")
ID = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,39}$", error="Use lower-case letters, digits, '-' and '_'.")


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _str(**kw):
    return fields.String(**kw)


class ItemField(fields.Field):
    """A content item: a mapping with exactly one kind key, or (inside tables and groups) a bare relative path."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"field": value}
        if not isinstance(value, dict):
            raise ValidationError("An item is a mapping such as {field: child.first_name} or a path.")
        return _item_schema().load(value)


class ItemSchema(Strict):
    field = _str()
    table = _str()
    repeat = _str()
    group = _str()
    texts = _str()
    question = _str()
    text = _str()
    block = _str()
    label = _str()
    help = _str()
    owner = _str(validate=validate.OneOf(OWNERS))
    lines = fields.Integer(strict=True, validate=validate.Range(1, 60))
    rows = fields.Integer(strict=True, validate=validate.Range(0, 60))
    title = _str()
    columns = fields.List(ItemField())
    fields_ = fields.List(ItemField(), data_key="fields")
    items = fields.List(ItemField())
    style = _str(validate=validate.OneOf(["note", "guidance", "warning", "heading"]))

    @validates_schema
    def _one_kind(self, data, **_):
        kinds = [k for k in ITEM_KINDS if k in data]
        if len(kinds) != 1:
            raise ValidationError(f"An item needs exactly one of: {', '.join(ITEM_KINDS)} (found "
                                  f"{', '.join(kinds) or 'none'}).")


@cache
def _item_schema() -> ItemSchema:
    """One ItemSchema for every item: building a schema per item made loading profiles slow."""
    return ItemSchema()


class SectionSchema(Strict):
    id = _str(required=True, validate=ID)
    heading = _str(required=True)
    owner = _str(required=True, validate=validate.OneOf(OWNERS))
    intro = _str()
    colour = _str(validate=HEX)
    items = fields.List(ItemField(), required=True, validate=validate.Length(min=1))


class NotCollectedSchema(Strict):
    path = _str(required=True, metadata={"doc": "a field, object or list of the record (a path template)"})
    reason = _str(required=True, metadata={"doc": "why the variant does not collect it, from the seed"})


class VariantSchema(Strict):
    title = _str(required=True)
    subtitle = _str()
    kind = _str(required=True, validate=validate.OneOf(["record", "views"]))
    phase = _str(validate=validate.OneOf(["early_years", "primary", "secondary", "post16"]))
    formats = fields.List(_str(validate=validate.OneOf(FORMATS)), required=True, validate=validate.Length(min=1))
    years = fields.List(_str(), metadata={"doc": "national curriculum years the variant is for"})
    label_set = _str()
    form_owners = fields.List(_str(validate=validate.OneOf(OWNERS)), validate=validate.Length(min=1))
    lead = _str(validate=validate.OneOf(OWNERS), metadata={"doc": "who leads and owns the document"})
    sections = fields.List(fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1))
    not_collected = fields.List(fields.Nested(NotCollectedSchema), load_default=list,
                                metadata={"doc": "fields of the record this variant does not collect, with why"})


class ColoursSchema(Strict):
    brand = _str(required=True, validate=HEX)
    accent = _str(required=True, validate=HEX)
    owners = fields.Dict(keys=_str(validate=validate.OneOf(OWNERS)), values=_str(validate=HEX))
    sections_by_owner = fields.Boolean(load_default=False)


class FontSchema(Strict):
    word = _str(required=True, validate=validate.OneOf(["Arial", "Calibri"]))


class AgesSchema(Strict):
    min_years = fields.Integer(strict=True, required=True, validate=validate.Range(0, 25))
    min_extra_terms = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 3))
    max_years = fields.Integer(strict=True, required=True, validate=validate.Range(0, 25))
    statutory_school_age_only = fields.Boolean(load_default=False)


class InitialPepSchema(Strict):
    arrange_within_days = fields.Integer(strict=True, allow_none=True)
    hold_within_days = fields.Integer(strict=True, allow_none=True)
    emergency_within_days = fields.Integer(strict=True, allow_none=True)


class ReviewSchema(Strict):
    every = _str(required=True, validate=validate.OneOf(["term", "six_months"]))
    window = _str(load_default="any", validate=validate.OneOf(["any", "first_half_of_term", "first_weeks"]))
    window_weeks = fields.Integer(strict=True, allow_none=True)
    after_change_of_setting = fields.Boolean(load_default=True)
    not_in_last_weeks_of_term = fields.Integer(strict=True, allow_none=True)
    change_within_days = fields.Integer(strict=True, allow_none=True,
                                        metadata={"doc": "a new PEP after a change of school or placement (pep due)"})


class TimescalesSchema(Strict):
    day_kind = _str(required=True, validate=validate.OneOf(["calendar", "working", "school"]))
    initial_pep = fields.Nested(InitialPepSchema, required=True)
    review = fields.Nested(ReviewSchema, required=True)
    complete_within_days = fields.Integer(strict=True, allow_none=True)
    reminder_weeks = fields.Integer(strict=True, allow_none=True)


class PpgSchema(Strict):
    cap_per_term = fields.Decimal(allow_none=True, places=2, as_string=True)
    awards_per_year = fields.Integer(strict=True, allow_none=True)
    request_bands = fields.List(fields.Decimal(places=2, as_string=True), allow_none=True)
    release = _str(validate=validate.OneOf(["on_vs_signoff", "green_qa_only", "in_arrears", "termly"]))
    top_slice_pct = fields.Decimal(allow_none=True, as_string=True)


class TargetRulesSchema(Strict):
    required_categories = fields.List(_str(), load_default=list)
    academic_positions = fields.List(fields.Integer(strict=True), load_default=list)
    max_weeks = fields.Integer(strict=True, allow_none=True)
    horizons = fields.List(_str(validate=validate.OneOf(["short", "long"])), load_default=list)


class AudienceSchema(Strict):
    hide = fields.List(_str(), load_default=list)
    show_unlisted = fields.Boolean(load_default=False, metadata={
        "doc": "end the document with 'Also recorded': every value the record holds that no section shows"})
    note = _str()


class ProfileSchema(Strict):
    id = _str(required=True, validate=ID)
    name = _str(required=True)
    short_name = _str(required=True)
    virtual_school = _str(required=True)
    seed = _str(required=True)
    protective_marking = _str(required=True)
    colours = fields.Nested(ColoursSchema, required=True)
    font = fields.Nested(FontSchema, required=True)
    ages = fields.Nested(AgesSchema, required=True)
    timescales = fields.Nested(TimescalesSchema, required=True)
    ppg = fields.Nested(PpgSchema, required=True)
    targets = fields.Nested(TargetRulesSchema, required=True)
    label_sets = fields.Dict(keys=_str(validate=ID), values=fields.Dict(keys=_str(), values=_str()),
                             load_default=dict)
    labels = fields.Dict(keys=_str(), values=_str(), load_default=dict)
    wording = fields.Dict(keys=_str(validate=ID), values=_str(), load_default=dict)
    file_name_pattern = _str(required=True)
    form_slots = fields.Dict(keys=_str(), values=fields.Integer(strict=True, validate=validate.Range(0, 60)),
                             load_default=dict)
    audiences = fields.Dict(keys=_str(validate=validate.OneOf(AUDIENCES)), values=fields.Nested(AudienceSchema),
                            load_default=dict)
    blocks = fields.Dict(keys=_str(validate=ID), values=fields.List(ItemField()), load_default=dict)
    variants = fields.Dict(keys=_str(validate=ID), values=fields.Nested(VariantSchema), required=True)
    exclude_variants = fields.List(_str(), load_default=list)
