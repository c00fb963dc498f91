"""QA rules as data: templates/common/rules.yaml and each authority's rules.yaml, validated and bound to its profile."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from marshmallow import ValidationError, fields, validate, validates_schema

from data_schemas import flatten_messages

from ..authority.content import Profile
from ..authority.profiles import COMMON, citation, get_profile, templates_root
from ..core.errors import ProfileError
from ..core.yamlsrc import YamlSource, load_yaml
from .conditions import ConditionSchema, Strict
from .kinds import IF_EMPTY, KINDS, LIST_OF

RULES_FILE = "rules.yaml"
RULE_ID = validate.Regexp(r"^[A-Z]{3}-\d{2}[a-z]?$", error="Use an id like WAL-11 or ENF-05a.")
PROFILE_REF = re.compile(r"^\$profile\.([a-z_]+(?:\.[a-z_]+)*)$")
# The seed's own verb sets the severity (research/domain.md §2). Phrases beyond the research's list are marked.
VERBS = {
    "must": "error", "must not": "error", "need to": "error", "needs to": "error", "required": "error",
    "statutory": "error", "has a duty": "error",
    "vital": "error",  # "it is vital that": as strong as must
    "only": "error",  # "Only a teacher can ...", "Only when ... will": a restriction, not a permission
    "instead of": "error",  # "have a pathway plan instead of a PEP2": the other document is the wrong one
    "should": "warning", "ideally": "warning", "recommended": "warning", "expected": "warning",
    "will": "warning",  # "The Virtual School ... will attend": a stated commitment, held as an expectation
    # instructions without an obligation word:
    "ensure": "warning", "make sure": "warning", "important": "warning", "please": "warning",
}
PERMISSIVE = ("can", "may", "normally", "usually", "generally", "where possible", "if appropriate")


class SourceSchema(Strict):
    document = fields.String(required=True)
    seed = fields.String(metadata={"doc": "the seed file in shared/seeds, when the rule comes from one"})
    url = fields.String()
    quote = fields.String(required=True)
    verb = fields.String(required=True, metadata={"doc": "the word(s) of the quote that set the severity"})


class RuleSchema(Strict):
    id = fields.String(required=True, validate=RULE_ID)
    kind = fields.String(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(["error", "warning"]))
    message = fields.String(required=True)
    source = fields.Nested(SourceSchema, required=True)
    applies_to = fields.List(fields.String(), metadata={"doc": "variant ids (default: every record variant)"})
    when = fields.List(fields.Nested(ConditionSchema), load_default=list)
    params = fields.Raw(load_default=dict, metadata={"doc": "a mapping, or \"$profile.x\" for a profile block"})
    replaces = fields.List(fields.String(validate=RULE_ID), load_default=list)

    @validates_schema
    def _params(self, data, **_):
        params = data.get("params")
        if not isinstance(params, dict) and not (isinstance(params, str) and PROFILE_REF.match(params)):
            raise ValidationError("Params are a mapping, or \"$profile.<block>\" to use a block of the profile.",
                                  "params")

    @validates_schema
    def _verb(self, data, **_):
        source = data.get("source") or {}
        verb, quote = (source.get("verb") or "").lower(), (source.get("quote") or "").lower()
        if not verb:
            return
        if verb in PERMISSIVE:
            raise ValidationError(f"The seed says {verb!r}: it allows this, so it is no finding. List it under "
                                  "not_rules instead.", "source")
        if verb not in VERBS:
            raise ValidationError(f"Unknown verb {verb!r} (known: {', '.join(VERBS)}).", "source")
        if not re.search(rf"(?<![a-z]){re.escape(verb)}(?![a-z])", quote):
            raise ValidationError(f"The verb {verb!r} is not in the quote.", "source")
        if data.get("severity") and VERBS[verb] != data["severity"]:
            raise ValidationError(f"The seed says {verb!r}, which makes this {VERBS[verb]!r}, not "
                                  f"{data['severity']!r}.", "severity")


class NotRuleSchema(Strict):
    ref = fields.String(required=True)
    document = fields.String(required=True)
    quote = fields.String(required=True)
    reason = fields.String(required=True)
    empty = fields.List(fields.String(), load_default=list,
                        metadata={"doc": "lists this entry explains may be empty (no rule asks for them)"})


class NarrowSchema(Strict):
    """An authority keeps a national rule to some of its variants only, and says why."""

    rule = fields.String(required=True, validate=RULE_ID)
    applies_to = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    reason = fields.String(required=True)


class ScheduleSourceSchema(Strict):
    document = fields.String(required=True)
    seed = fields.String()
    quote = fields.String(required=True)


class ScheduleSchema(Strict):
    """When a series of PEPs falls due (pep due); what it leaves out comes from profile.timescales.review."""

    id = fields.String(required=True, validate=RULE_ID)
    name = fields.String(metadata={"doc": "what the series is called (default: its variant ids)"})
    variants = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    every = fields.String(validate=validate.OneOf(["term", "six_months"]))
    window = fields.String(validate=validate.OneOf(["any", "first_half_of_term", "first_weeks"]))
    window_weeks = fields.Integer(strict=True, validate=validate.Range(1, 20))
    recommended_weeks = fields.Integer(strict=True, validate=validate.Range(1, 20),
                                       metadata={"doc": "a recommended (not required) point in the term"})
    source = fields.Nested(ScheduleSourceSchema, required=True)


class RulesFileSchema(Strict):
    authority = fields.String(required=True)
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)
    schedules = fields.List(fields.Nested(ScheduleSchema), load_default=list)
    national = fields.List(fields.Nested(NarrowSchema), load_default=list)
    not_rules = fields.List(fields.Nested(NotRuleSchema), load_default=list)


@dataclass(frozen=True)
class Rule:
    """A rule bound to one authority: its parameters resolved and checked, or the reason it cannot run."""

    id: str
    kind: str
    severity: str
    message: str
    source: dict
    applies_to: tuple[str, ...]
    when: tuple[dict, ...]
    params: dict
    file: str
    line: int | None
    national: bool
    inactive: str | None = None
    over: str | None = None  # the list the rule checks, if any
    if_empty: str | None = None  # what an empty or missing list means: flag | check | pass

    @property
    def citation(self) -> str:
        """The guidance the rule comes from, as one line."""
        return citation(self.source)


@dataclass(frozen=True)
class RuleSet:
    """Every rule of an authority (national ones included, minus those its own rules replace)."""

    authority: str
    rules: tuple[Rule, ...]
    not_rules: tuple[dict, ...] = field(default=())
    files: tuple[str, ...] = ()
    schedules: tuple[dict, ...] = ()

    def for_variant(self, variant: str) -> list[Rule]:
        return [r for r in self.rules if variant in r.applies_to]

    def get(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


def _load_file(path: Path, display: str) -> tuple[dict, YamlSource]:
    src = load_yaml(path, display)
    if not isinstance(src.data, dict):
        raise src.error((), "A rules file is a mapping with authority, rules and not_rules.")
    try:
        return RulesFileSchema().load(src.data), src
    except ValidationError as err:
        where, message = flatten_messages(err.messages)[0]
        key_path = tuple(int(k) if k.isdigit() else k for k in where.split(".")) if where else ()
        raise src.error(key_path, message) from err


def _resolve(value, profile: Profile):
    """Replace "$profile.a.b" strings by the profile's values; returns (value, name of a missing setting or None)."""
    if isinstance(value, str) and (match := PROFILE_REF.match(value)):
        node: object = profile
        for part in match.group(1).split("."):
            node = getattr(node, part, None) if not isinstance(node, dict) else node.get(part)
        return node, (match.group(1) if node is None or node == [] else None)
    if isinstance(value, dict):
        pairs = {k: _resolve(v, profile) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, next((m for _, m in pairs.values() if m), None)
    if isinstance(value, list):
        pairs = [_resolve(v, profile) for v in value]
        return [v for v, _ in pairs], next((m for _, m in pairs if m), None)
    return value, None


def _bind(raw: dict, index: int, src: YamlSource, profile: Profile, national: bool) -> Rule:

    where = ("rules", index)
    if raw["kind"] not in KINDS:
        raise src.error((*where, "kind"), f"Unknown rule kind {raw['kind']!r} (known: {', '.join(sorted(KINDS))}).")
    record_variants = [v.id for v in profile.variants.values() if v.kind == "record"]
    applies = raw.get("applies_to")
    unknown = [v for v in applies or () if v not in profile.variants]
    if unknown and not national:
        raise src.error((*where, "applies_to"), f"Unknown variant {unknown[0]!r} for {profile.id} (known: "
                                                f"{', '.join(profile.variants)}).")
    params, missing = _resolve(raw["params"], profile)
    inactive = f"{profile.short_name}'s profile sets no {missing}" if missing else None
    if not inactive and not isinstance(params, dict):
        raise src.error((*where, "params"), "The profile setting named here is not a mapping.")
    over = if_empty = None
    if not inactive:
        params = dict(params)
        if_empty = params.pop("if_empty", None)
        try:
            params = KINDS[raw["kind"]].params().load(params)
        except ValidationError as err:
            key, message = flatten_messages(err.messages)[0]
            raise src.error((*where, "params", *key.split(".")), message) from err
        over = LIST_OF[raw["kind"]](params) if raw["kind"] in LIST_OF else None
        if over and if_empty not in IF_EMPTY:
            raise src.error((*where, "params"), f"A rule over a list ({over}) says what an empty list means: "
                                                f"params.if_empty is one of {', '.join(IF_EMPTY)}.")
        if not over and if_empty is not None:
            raise src.error((*where, "params", "if_empty"), "Only a rule over a list takes if_empty.")
    return Rule(raw["id"], raw["kind"], raw["severity"], raw["message"].strip(), raw["source"],
                tuple(v for v in (applies or record_variants) if v in profile.variants), tuple(raw["when"]), params,
                src.file, src.line_of(where), national, inactive, over, if_empty)


def _bind_file(data: dict, src: YamlSource, profile: Profile, national: bool) -> list[Rule]:
    return [_bind(raw, i, src, profile, national) for i, raw in enumerate(data["rules"])]


def load_rules(authority: str, root: Path | None = None) -> RuleSet:
    """The rules of an authority: the national ones (templates/common) and its own, bound to its profile."""
    return _load((root or templates_root()).resolve(), authority)


@cache
def _load(root: Path, authority: str) -> RuleSet:
    profile = get_profile(authority, root)
    common, common_src = _load_file(root / COMMON / RULES_FILE, f"templates/{COMMON}/{RULES_FILE}")
    national = _bind_file(common, common_src, profile, True)
    own_path = root / authority / RULES_FILE
    own, own_src, local = {"rules": [], "not_rules": []}, None, []
    if own_path.exists():
        own, own_src = _load_file(own_path, f"templates/{authority}/{RULES_FILE}")
        if own["authority"] != authority:
            raise own_src.error(("authority",), f"Says {own['authority']!r} but sits in the folder {authority!r}.")
        local = _bind_file(own, own_src, profile, False)
    replaced = _replaced(own, own_src, {r.id for r in national})
    national = _narrowed(national, own.get("national") or [], own_src, profile)
    rules = [r for r in national if r.id not in replaced] + local
    _unique(rules, own_src or common_src)
    files = tuple(s.file for s in (common_src, own_src) if s)
    schedules = tuple(own.get("schedules") or ())
    for index, schedule in enumerate(schedules):
        unknown = [v for v in schedule["variants"] if v not in profile.variants]
        if unknown:
            raise own_src.error(("schedules", index, "variants"), f"Unknown variant {unknown[0]!r} for {authority}.")
    return RuleSet(authority, tuple(rules), tuple(common["not_rules"]) + tuple(own["not_rules"]), files, schedules)


def _replaced(own: dict, src: YamlSource | None, national_ids: set[str]) -> set[str]:
    replaced = set()
    for index, raw in enumerate(own["rules"]):
        for rid in raw["replaces"]:
            if rid not in national_ids:
                raise src.error(("rules", index, "replaces"), f"No national rule {rid!r} to replace.")
            replaced.add(rid)
    return replaced


def _narrowed(national: list[Rule], narrows: list[dict], src: YamlSource | None, profile: Profile) -> list[Rule]:
    """National rules with the variants an authority keeps them to."""
    by_id = {r.id: r for r in national}
    for index, narrow in enumerate(narrows):
        rule = by_id.get(narrow["rule"])
        if rule is None:
            raise src.error(("national", index, "rule"), f"No national rule {narrow['rule']!r}.")
        unknown = [v for v in narrow["applies_to"] if v not in profile.variants]
        if unknown:
            raise src.error(("national", index, "applies_to"), f"Unknown variant {unknown[0]!r} for {profile.id}.")
        by_id[rule.id] = replace(rule, applies_to=tuple(v for v in rule.applies_to if v in narrow["applies_to"]))
    return [by_id[r.id] for r in national]


def _unique(rules: list[Rule], src: YamlSource) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            raise ProfileError(f"Two rules have the id {rule.id!r} (also at {seen[rule.id].file}:"
                               f"{seen[rule.id].line}).", file=rule.file, line=rule.line)
        seen[rule.id] = rule
