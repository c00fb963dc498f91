"""The PEP's journey as data: templates/common/journey.yaml, changed by templates/<authority>/journey.yaml (found by
the template search path), validated with marshmallow (unknown keys are errors naming the file, line and key).

What a move needs before it is made is bound to the authority's QA rules by generator.workflow.journey; this module
holds the shape, the merge, and the two things a store needs without the workflow: which status a returned form
leaves a PEP in (`ingest_status`) and which sections it completes (`returned_completions`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from data_schemas import flatten_messages, value_at
from data_schemas.fields import OWNERS

from ..core.yamlsrc import YamlSource, load_yaml
from .profiles import COMMON, authorities, citation, template_search_path, templates_root

JOURNEY_FILE = "journey.yaml"
ROLES = ("virtual_school", "designated_teacher", "social_worker", "read_only")
STATUSES = ("not_started", "in_progress", "ready_to_submit", "submitted", "review_again", "complete")
RULE_ID = validate.Regexp(r"^[A-Z]{3}-\d{2}[a-z]?$", error="Use an id like JNY-01 or WAL-07.")
MOVE_ID = validate.Regexp(r"^[a-z][a-z_]{1,30}$", error="Use lower-case letters and '_'.")
CHECK_KINDS = ("role", "state", "sections_complete", "reason", "field_present", "field_not_in", "qa_clean",
               "ppg_release")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class SourceSchema(_Strict):
    document = fields.String(required=True)
    seed = fields.String()
    url = fields.String()
    quote = fields.String(required=True)


class StateSchema(_Strict):
    id = fields.String(required=True, validate=validate.OneOf(STATUSES))
    label = fields.String(required=True)


class RoleSchema(_Strict):
    label = fields.String(required=True)
    completes = fields.List(fields.String(validate=validate.OneOf(OWNERS)), required=True)


class ConditionSchema(_Strict):
    """A test on one data path of the record: equals a value, is one of some, or is (not) filled."""

    path = fields.String(required=True)
    equals = fields.Raw(allow_none=True)
    in_ = fields.List(fields.Raw(), data_key="in")
    present = fields.Boolean()

    @validates_schema
    def _one_test(self, data, **_):
        tests = [k for k in ("equals", "in_", "present") if k in data]
        if len(tests) != 1:
            raise ValidationError("A condition has a path and exactly one of: equals, in, present.")


class RolesWhenSchema(_Strict):
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=validate.Length(min=1))
    when = fields.Nested(ConditionSchema, required=True)


def _role_list(**kw):
    return fields.List(fields.String(validate=validate.OneOf(ROLES)), **kw)


class MoveSchema(_Strict):
    """A move in the common file: every key but the optional ones is required."""

    label = fields.String(required=True)
    from_ = fields.List(fields.String(validate=validate.OneOf(STATUSES)), data_key="from", required=True,
                        validate=validate.Length(min=1))
    to = fields.String(required=True, validate=validate.OneOf(STATUSES))
    roles = _role_list(required=True)
    roles_when = fields.List(fields.Nested(RolesWhenSchema), load_default=list)
    roles_rule = fields.String(load_default="JNY-00", validate=RULE_ID)
    checks = fields.List(fields.String(validate=RULE_ID), load_default=list)
    releases_ppg = fields.Boolean(load_default=False)
    source = fields.Nested(SourceSchema)


class MoveChangeSchema(_Strict):
    """An authority's change to a move: any key of a move; `checks` are added to the common ones."""

    label = fields.String()
    from_ = fields.List(fields.String(validate=validate.OneOf(STATUSES)), data_key="from",
                        validate=validate.Length(min=1))
    to = fields.String(validate=validate.OneOf(STATUSES))
    roles = _role_list()
    roles_when = fields.List(fields.Nested(RolesWhenSchema))
    roles_rule = fields.String(validate=RULE_ID)
    checks = fields.List(fields.String(validate=RULE_ID))
    releases_ppg = fields.Boolean()
    source = fields.Nested(SourceSchema, required=True, metadata={"doc": "the guidance the change comes from"})


class RuleSchema(_Strict):
    id = fields.String(required=True, validate=RULE_ID)
    kind = fields.String(required=True, validate=validate.OneOf(CHECK_KINDS))
    message = fields.String(required=True)
    source = fields.Nested(SourceSchema, required=True)
    params = fields.Dict(keys=fields.String(), load_default=dict)


class CompletionSchema(_Strict):
    form = fields.String(required=True, validate=validate.OneOf(["record", "views"]))
    completes = fields.List(fields.String(validate=validate.OneOf(OWNERS)), required=True,
                            validate=validate.Length(min=1))
    when_filled = fields.String(required=True)
    by = fields.String()
    by_text = fields.String()


class ReturnsSchema(_Strict):
    starts = fields.String(required=True, validate=validate.OneOf(STATUSES))
    ceiling = fields.String(required=True, validate=validate.OneOf(STATUSES))
    completions = fields.List(fields.Nested(CompletionSchema), load_default=list)


class CommonJourneySchema(_Strict):
    states = fields.List(fields.Nested(StateSchema), required=True, validate=validate.Length(min=2))
    roles = fields.Dict(keys=fields.String(validate=validate.OneOf(ROLES)), values=fields.Nested(RoleSchema),
                        required=True)
    moves = fields.Dict(keys=fields.String(validate=MOVE_ID), values=fields.Nested(MoveSchema), required=True)
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)
    returns = fields.Nested(ReturnsSchema, required=True)


class AuthorityJourneySchema(_Strict):
    authority = fields.String(required=True)
    moves = fields.Dict(keys=fields.String(validate=MOVE_ID), values=fields.Nested(MoveChangeSchema),
                        load_default=dict)
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)


# --- the bound journey ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyRule:
    id: str
    kind: str
    message: str
    source: dict
    params: dict
    file: str
    line: int | None

    @property
    def citation(self) -> str:
        return citation(self.source)


@dataclass(frozen=True)
class Move:
    id: str
    label: str
    from_: tuple[str, ...]
    to: str
    roles: tuple[str, ...]
    roles_when: tuple[dict, ...]
    roles_rule: str
    checks: tuple[str, ...]
    releases_ppg: bool
    source: dict | None
    file: str
    line: int | None

    def roles_for(self, record: dict | None) -> tuple[str, ...]:
        """Who may make this move on this record (the roles, plus those whose condition the record meets)."""
        extra = [r for entry in self.roles_when if record is not None and condition_holds(entry["when"], record)
                 for r in entry["roles"]]
        return tuple(dict.fromkeys((*self.roles, *extra)))

    def all_roles(self) -> tuple[str, ...]:
        """Every role that may make this move on some record."""
        return tuple(dict.fromkeys((*self.roles, *(r for e in self.roles_when for r in e["roles"]))))


@dataclass(frozen=True)
class Journey:
    """One authority's journey: states in order, roles, moves, the journey's own rules, what returns may do."""

    authority: str
    states: tuple[tuple[str, str], ...]
    roles: dict[str, dict]
    moves: dict[str, Move]
    rules: dict[str, JourneyRule]
    returns: dict
    files: tuple[str, ...] = field(default=())
    lines: dict = field(default_factory=dict, compare=False, hash=False)

    def label(self, status: str | None) -> str:
        return dict(self.states).get(status or "not_started", status or "")

    def rank(self, status: str | None) -> int:
        return [s for s, _ in self.states].index(status or "not_started")

    def moves_from(self, status: str | None) -> list[Move]:
        return [m for m in self.moves.values() if (status or "not_started") in m.from_]

    def owners_of(self, role: str) -> tuple[str, ...]:
        return tuple(self.roles.get(role, {}).get("completes", ()))


def condition_holds(condition: dict, record: dict) -> bool:
    value = value_at(record, condition["path"])
    if "present" in condition:
        return (value not in (None, "", [], {})) == condition["present"]
    if "equals" in condition:
        return value == condition["equals"]
    return value in condition["in_"]


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path("templates") / path.relative_to(root))
    except ValueError:
        return str(path)


def _load(src: YamlSource, schema: Schema) -> dict:
    if not isinstance(src.data, dict):
        raise src.error((), "A journey file is a mapping (states, roles, moves, rules, returns).")
    try:
        return schema.load(src.data)
    except ValidationError as err:
        where, message = flatten_messages(err.messages)[0]
        # marshmallow puts "value" (or "key") between a mapping's key and what is wrong inside it
        parts = [k for k in where.split(".") if k not in ("value", "key")] if where else []
        key_path = tuple(int(k) if k.isdigit() else k for k in parts)
        raise src.error(key_path, message) from err


def _rule(raw: dict, src: YamlSource, index: int) -> JourneyRule:
    return JourneyRule(raw["id"], raw["kind"], raw["message"], raw["source"], raw["params"], src.file,
                       src.line_of(("rules", index)))


def load_journey(authority: str, root: Path | None = None) -> Journey:
    """The journey of an authority: the common file with the authority's changes (if it has a journey.yaml)."""
    return _load_journey((root or templates_root()).resolve(), authority)


@cache
def _load_journey(root: Path, authority: str) -> Journey:
    common_path = root / COMMON / JOURNEY_FILE
    common_src = load_yaml(common_path, _display(common_path, root))
    common = _load(common_src, CommonJourneySchema())
    states = tuple((s["id"], s["label"]) for s in common["states"])
    ids = [s for s, _ in states]
    if len(set(ids)) != len(ids):
        raise common_src.error(("states",), "Each state is listed once.")
    missing = [r for r in ROLES if r not in common["roles"]]
    if missing:
        raise common_src.error(("roles",), f"Every role needs an entry (missing: {', '.join(missing)}).")
    raw_moves = {k: {**copy.deepcopy(v), "_src": common_src, "_key": ("moves", k)} for k, v in common["moves"].items()}
    rules = {r["id"]: _rule(r, common_src, i) for i, r in enumerate(common["rules"])}
    files = [common_src.file]
    own_path = next((p / JOURNEY_FILE for p in template_search_path(authority, root)[:-1]
                     if (p / JOURNEY_FILE).exists()), None)
    if own_path is not None:
        own_src = load_yaml(own_path, _display(own_path, root))
        own = _load(own_src, AuthorityJourneySchema())
        files.append(own_src.file)
        if own["authority"] != authority:
            raise own_src.error(("authority",), f"Says {own['authority']!r} but sits in the folder {authority!r}.")
        for move_id, change in own["moves"].items():
            if move_id not in raw_moves:
                raise own_src.error(("moves", move_id), f"No move {move_id!r} to change (known: "
                                                        f"{', '.join(raw_moves)}).")
            base = raw_moves[move_id]
            added = change.pop("checks", [])
            base.update(change)
            base["checks"] = list(dict.fromkeys([*base["checks"], *added]))
            base["_src"], base["_key"] = own_src, ("moves", move_id)
        for index, raw in enumerate(own["rules"]):
            if raw["id"] in rules:
                raise own_src.error(("rules", index, "id"), f"The journey already has a rule {raw['id']!r}.")
            rules[raw["id"]] = _rule(raw, own_src, index)
    moves = {}
    for move_id, raw in raw_moves.items():
        src, key = raw.pop("_src"), raw.pop("_key")
        for check in (raw["roles_rule"], *raw["checks"]):
            if check.startswith("JNY-") and check not in rules:
                raise src.error(key, f"No journey rule {check!r}.")
        if raw["to"] in raw["from_"]:
            raise src.error((*key, "to"), "A move goes to a state other than the ones it leaves.")
        moves[move_id] = Move(move_id, raw["label"], tuple(raw["from_"]), raw["to"], tuple(raw["roles"]),
                              tuple(raw["roles_when"]), raw["roles_rule"], tuple(raw["checks"]), raw["releases_ppg"],
                              raw.get("source"), src.file, src.line_of(key))
    for required in ("JNY-00", "JNY-06"):
        if required not in rules:
            raise common_src.error(("rules",), f"The journey needs its rule {required} (who may move, and from where).")
    return Journey(authority, states, common["roles"], moves, rules, common["returns"], tuple(files))


# --- what a returned form may do (used by the store, which cannot import the workflow) ---------------------------


def ingest_status(journey: Journey, stored: str | None, returned: str | None) -> str:
    """The status a PEP has after a form comes back: forward only, never beyond `returns.ceiling`.

    A return starts a PEP not yet started; a status the returned data carries is taken only if it is further along
    than the stored one and not beyond the ceiling (what comes after is the Virtual School's QA)."""
    ceiling = journey.rank(journey.returns["ceiling"])
    current = stored or "not_started"
    best = current
    for candidate in (journey.returns["starts"], returned):
        if candidate and journey.rank(candidate) <= ceiling and journey.rank(candidate) > journey.rank(best):
            best = candidate
    return best


def returned_completions(journey: Journey, sections: list[tuple[str, str]], form_kind: str, returned: dict,
                         at: str) -> list[dict]:
    """Section statuses a returned form completes: for each `returns.completions` entry of this kind of form whose
    `when_filled` field the return fills, each section (id, owner) with an owner it completes."""
    marks = []
    for entry in journey.returns["completions"]:
        if entry["form"] != form_kind or value_at(returned, entry["when_filled"]) in (None, "", [], {}):
            continue
        by = (value_at(returned, entry["by"]) if entry.get("by") else None) or entry.get("by_text") or "returned form"
        marks += [{"id": sid, "completed": True, "completed_by": str(by), "completed_at": _wall(at)}
                  for sid, owner in sections if owner in entry["completes"]]
    return marks


def _wall(at: str) -> str:
    """A store time (UTC with its offset) as the record writes date-times: YYYY-MM-DDTHH:MM:SS."""
    return at[:19] if len(at) >= 19 and at[10:11] == "T" else at


def with_sections(record: dict, marks: list[dict]) -> dict:
    """The record with these section statuses set (a section already complete keeps who completed it)."""
    if not marks:
        return record
    out = copy.deepcopy(record)
    current = {s.get("id"): s for s in out.get("sections") or [] if isinstance(s, dict)}
    for mark in marks:
        if not (current.get(mark["id"]) or {}).get("completed"):
            current[mark["id"]] = dict(mark)
    out["sections"] = list(current.values())
    return out


def on_return(stored: dict | None, merged: dict, returned: dict, form_variant: str, at: str) -> dict:
    """The merged record of an accepted return with the journey applied: its status moved forward only (never
    backwards, never beyond the ceiling), and the sections the return completes marked complete."""
    pep = merged.get("pep") or {}
    profile = authorities().get(pep.get("authority"))
    if profile is None:
        return merged
    journey = load_journey(profile.id)
    out = copy.deepcopy(merged)
    stored_status = ((stored or {}).get("pep") or {}).get("status") if stored is not None else None
    out["pep"]["status"] = ingest_status(journey, stored_status, (returned.get("pep") or {}).get("status"))
    form = profile.variants.get(form_variant)
    record_variant = profile.variants.get(pep.get("variant"))
    if form is None or record_variant is None or record_variant.kind != "record":
        return out
    sections = [(s.id, s.owner) for s in record_variant.sections]
    return with_sections(out, returned_completions(journey, sections, form.kind, returned, at))
