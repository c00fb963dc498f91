"""The PEP's journey in the library (one state machine for the CLI, the web app and ingestion): which moves a role may
make, what must be true first (the journey's own rules and the authority's QA rules, evaluated on the record as it
would be after the move), each step recorded in the store; sections completed by their owners; the Virtual School's
quality rating; PP+ requested → agreed → released; the chain of a child's PEPs.

Every function that changes a PEP takes the store, the child's id, the role, the actor's name, and returns a `Step`
with the new version; a refused move raises `MoveRefused`, whose refusals each name a rule and its guidance.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from data_schemas import value_at

from ..authority.content import Profile, Variant
from ..authority.journey import ROLES, Journey, JourneyRule, Move, load_journey
from ..authority.profiles import get_profile
from ..core.errors import PepError, ProfileError, UsageError
from ..qa.check import QaResult, check_valid
from ..qa.rules import load_rules
from ..store.database import Store

RATINGS = ("gold", "green", "amber", "red")  # the record's qa.rating scale (data_schemas.record.Qa)
EMPTY = (None, "", [], {})


# --- results -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a move (or a warning about it): the rule, its message with any detail, where, and the guidance quoted."""

    rule: str
    message: str
    source: str
    path: str = ""

    def as_json(self) -> dict:
        return {"rule": self.rule, "message": self.message, "source": self.source, "path": self.path}

    def text(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"[{self.rule}] {self.message}{where} Source: {self.source}"


@dataclass
class MoveCheck:
    """Whether a role may make a move on a record now, and the record as it would be after it."""

    move: str
    role: str
    from_status: str
    to_status: str
    refusals: list[Refusal] = field(default_factory=list)
    warnings: list[Refusal] = field(default_factory=list)
    record: dict | None = None

    @property
    def allowed(self) -> bool:
        return not self.refusals

    def as_json(self) -> dict:
        return {"move": self.move, "role": self.role, "from": self.from_status, "to": self.to_status,
                "allowed": self.allowed, "refusals": [r.as_json() for r in self.refusals],
                "warnings": [w.as_json() for w in self.warnings]}


class MoveRefused(PepError):
    """Raised when a move (or a rating, a section, a PP+ step) is not allowed; `refusals` says why, by rule."""

    def __init__(self, what: str, refusals: list[Refusal], *, file: str | None = None):
        super().__init__(f"{what} refused: " + " ".join(r.text() for r in refusals), file=file)
        self.refusals = refusals


@dataclass
class Step:
    """A change made: the child's new version, the step as recorded, and what it led to."""

    child: str
    version: int
    step: dict
    record: dict
    warnings: list[Refusal] = field(default_factory=list)
    next_term_offered: bool = False

    def as_json(self) -> dict:
        return {"social_care_id": self.child, "version": self.version, **_step_json(self.step),
                "warnings": [w.as_json() for w in self.warnings], "next_term_offered": self.next_term_offered}


def _step_json(step: dict) -> dict:
    return {k: step.get(k) for k in ("action", "actor", "role", "at", "from", "to", "reason", "detail")}


# --- checking a move ------------------------------------------------------------------------------------------------


def journey_for(record: dict) -> Journey:
    return bind(record["pep"]["authority"])


def bind(authority: str) -> Journey:
    """The authority's journey with every check it names found: a journey rule, or one of its QA rules."""
    journey = load_journey(authority)
    qa_ids = {r.id for r in load_rules(authority).rules}
    for move in journey.moves.values():
        for rule_id in (move.roles_rule, *move.checks):
            if rule_id not in journey.rules and rule_id not in qa_ids:
                raise ProfileError(f"Move {move.id!r} names rule {rule_id!r}, which is neither a journey rule nor "
                                   f"one of {authority}'s QA rules.", file=move.file, line=move.line)
        clash = sorted(set(journey.rules) & qa_ids)
        if clash:
            raise ProfileError(f"Journey rule {clash[0]!r} has the id of a QA rule.", file=journey.files[-1])
    return journey


def _require_role(role: str) -> None:
    if role not in ROLES:
        raise UsageError(f"Unknown role {role!r} (known: {', '.join(ROLES)}).")


def status_of(record: dict) -> str:
    """Where the PEP is on its journey (a record without a status has not been started)."""
    return (record.get("pep") or {}).get("status") or "not_started"


def _refusal(rule: JourneyRule, detail: str = "", path: str = "") -> Refusal:
    return Refusal(rule.id, f"{rule.message}{' ' + detail if detail else ''}", rule.citation, path)


def check_move(record: dict, move_id: str, role: str, *, actor: str = "", reason: str | None = None,
               at: str | None = None) -> MoveCheck:
    """May `role` make `move_id` on this (valid) record now? The refusals name their rules; warnings do not block."""
    _require_role(role)
    journey = journey_for(record)
    move = journey.moves.get(move_id)
    if move is None:
        raise UsageError(f"Unknown move {move_id!r} (known: {', '.join(journey.moves)}).")
    current = status_of(record)
    check = MoveCheck(move.id, role, current, move.to)
    if role not in move.roles_for(record):
        allowed = ", ".join(move.roles_for(record)) or "nobody"
        rule = _rule(journey, move.roles_rule, record)
        check.refusals.append(Refusal(rule.id, f"{rule.message} {move.label!r} is made by: {allowed}; not by "
                                               f"{journey.roles[role]['label'].lower()}.", rule.citation))
    if current not in move.from_:
        rule = journey.rules["JNY-06"]
        froms = ", ".join(journey.label(s) for s in move.from_)
        check.refusals.append(_refusal(rule, f"{move.label!r} is made from {froms}; this PEP is "
                                             f"{journey.label(current)}."))
    after = effects(record, move, actor=actor, reason=reason, at=at or _now())
    check.record = after
    qa = check_valid(after)
    for rule_id in move.checks:
        if rule_id in journey.rules:
            check.refusals += _journey_check(journey.rules[rule_id], after, reason, qa)
        else:
            for finding in (f for f in qa.findings if f.rule == rule_id):
                target = check.refusals if finding.severity == "error" else check.warnings
                target.append(Refusal(finding.rule, finding.message, finding.source, finding.path))
    return check


def _rule(journey: Journey, rule_id: str, record: dict):
    """A journey rule, or a QA rule (role refusals may cite one)."""
    if rule_id in journey.rules:
        return journey.rules[rule_id]
    return load_rules(record["pep"]["authority"]).get(rule_id)


def _journey_check(rule: JourneyRule, after: dict, reason: str | None, qa: QaResult) -> list[Refusal]:
    kind, params = rule.kind, rule.params
    if kind == "sections_complete":
        missing = [s for s in section_states(after) if s.owner in params.get("owners", ()) and not s.completed]
        if missing:
            return [_refusal(rule, "Not yet complete: " + "; ".join(f"{s.heading} ({s.owner_label})"
                                                                    for s in missing) + ".", "sections")]
    elif kind == "reason":
        if not (reason or "").strip():
            return [_refusal(rule, "Give the reason (--reason).", "qa.rejection_reason")]
    elif kind == "field_present":
        if value_at(after, params["path"]) in EMPTY:
            return [_refusal(rule, "", params["path"])]
    elif kind == "field_not_in":
        value = value_at(after, params["path"])
        if value in params.get("values", ()):
            return [_refusal(rule, f"It is {value}.", params["path"])]
    elif kind == "qa_clean" and qa.errors:
        listed = "; ".join(f"{f.rule} {f.path or '(whole record)'}: {f.message}" for f in qa.errors)
        return [_refusal(rule, f"pep qa finds: {listed}")]
    return []


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def wall_time(at: str) -> str:
    """A store time (UTC, with its offset) as the record's date-times are written: YYYY-MM-DDTHH:MM:SS, UTC."""
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def effects(record: dict, move: Move, *, actor: str, reason: str | None, at: str) -> dict:
    """The record as it is after the move: its status, and what the move itself records."""
    after = copy.deepcopy(record)
    after.setdefault("pep", {})["status"] = move.to
    day = at[:10]
    if move.to == "review_again":
        qa = after.setdefault("qa", {})
        qa.update({"rejection_reason": reason or None, "reviewer": qa.get("reviewer") or actor or None,
                   "date": qa.get("date") or day})
    if move.to == "submitted":
        qa = after.get("qa") or {}
        for stale in ("rating", "section_ratings"):  # a (re)submitted PEP is rated afresh
            qa.pop(stale, None)
        ppg = after.get("ppg") or {}
        if _money(ppg.get("requested_total")) > 0 and ppg.get("payment_status") in (None, "not_requested"):
            ppg["payment_status"] = "pending"
    if move.to == "complete":
        signoffs = after.setdefault("signoffs", {})
        signoffs["virtual_school"] = {**(signoffs.get("virtual_school") or {}), "name": actor or None,
                                      "role": "Virtual school", "signed_at": wall_time(at), "final": True}
        qa = after.setdefault("qa", {})
        qa["reviewer"] = qa.get("reviewer") or actor or None
        qa["date"] = qa.get("date") or day
        qa.pop("rejection_reason", None)
        if move.releases_ppg:
            _sign_off_ppg(after, get_profile(after["pep"]["authority"]), actor, day)
    return after


def _money(value) -> Decimal:
    try:
        return Decimal(str(value)) if value not in EMPTY else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


# --- making a move ----------------------------------------------------------------------------------------------


def available_moves(record: dict, role: str) -> list[MoveCheck]:
    """The moves from the PEP's current status that this role may make, each checked (allowed or not)."""
    journey = journey_for(record)
    return [check_move(record, m.id, role) for m in journey.moves_from(status_of(record))
            if role in m.roles_for(record)]


def move(store: Store, child: str, move_id: str, role: str, actor: str, reason: str | None = None) -> Step:
    """Make a move on a child's current PEP, or raise MoveRefused naming each rule that forbids it."""
    _require_actor(actor)
    current = store.require(child)
    at = store.clock()
    check = check_move(current.record, move_id, role, actor=actor, reason=reason, at=at)
    if not check.allowed:
        raise MoveRefused(f"{child}: {move_id}", check.refusals)
    journey = journey_for(current.record)
    step = {"action": move_id, "actor": actor, "role": role, "at": at, "from": check.from_status,
            "to": check.to_status, "reason": (reason or "").strip() or None,
            "detail": {"warnings": [w.as_json() for w in check.warnings], **_ppg_detail(current.record, check.record)}}
    version = store.record_step(check.record, step)
    return Step(child, version, step, store.require(child).record, check.warnings,
                next_term_offered=journey.moves[move_id].to == "complete")


def _require_actor(actor: str) -> None:
    if not (actor or "").strip():
        raise UsageError("Say who is acting (--actor NAME): every step is recorded with who made it.")


def _ppg_detail(before: dict, after: dict) -> dict:
    old, new = ((r.get("ppg") or {}).get("payment_status") for r in (before, after))
    return {"ppg": {"from": old, "to": new}} if old != new else {}


# --- sections --------------------------------------------------------------------------------------------------


OWNER_LABELS = {"dt": "designated teacher", "sw": "social worker", "both": "designated teacher and social worker",
                "child": "child", "carer": "carer", "vs": "Virtual School", "system": "pep"}


@dataclass(frozen=True)
class SectionState:
    id: str
    heading: str
    owner: str
    owner_label: str
    colour: str | None
    completed: bool
    completed_by: str | None
    completed_at: str | None

    def as_json(self) -> dict:
        return {"id": self.id, "heading": self.heading, "owner": self.owner, "owner_label": self.owner_label,
                "colour": self.colour, "completed": self.completed, "completed_by": self.completed_by,
                "completed_at": self.completed_at}


def _variant(record: dict) -> tuple[Profile, Variant]:
    profile = get_profile(record["pep"]["authority"])
    return profile, profile.variant(record["pep"]["variant"])


def section_states(record: dict) -> list[SectionState]:
    """Each section of the PEP's variant: its owner, owner colour (where the authority colours by owner), state."""
    profile, variant = _variant(record)
    marks = {s.get("id"): s for s in record.get("sections") or [] if isinstance(s, dict)}
    by_owner = profile.colours.get("sections_by_owner")
    out = []
    for section in variant.sections:
        mark = marks.get(section.id) or {}
        colour = section.colour or (profile.owner_colour(section.owner) if by_owner else None)
        out.append(SectionState(section.id, section.heading, section.owner, OWNER_LABELS.get(section.owner,
                                section.owner), colour, bool(mark.get("completed")), mark.get("completed_by"),
                                mark.get("completed_at")))
    return out


def complete_section(store: Store, child: str, section_id: str, role: str, actor: str, *,
                     undo: bool = False) -> Step:
    """Mark one section complete (or, with undo, not complete) by a role that owns it."""
    _require_role(role)
    _require_actor(actor)
    record = store.require(child).record
    journey = journey_for(record)
    states = {s.id: s for s in section_states(record)}
    if section_id not in states:
        raise UsageError(f"{child}: no section {section_id!r} in this PEP (sections: {', '.join(states)}).")
    section = states[section_id]
    rule = journey.rules["JNY-00"]
    if section.owner not in journey.owners_of(role):
        raise MoveRefused(f"{child}: section {section_id}", [Refusal(
            rule.id, f"{section.heading} is completed by the {section.owner_label}, not by "
                     f"{journey.roles[role]['label'].lower()}.", rule.citation, "sections")])
    _require_writing(journey, record, f"{child}: section {section_id}", "Sections change")
    at = store.clock()
    after = copy.deepcopy(record)
    marks = [s for s in after.get("sections") or [] if isinstance(s, dict) and s.get("id") != section_id]
    marks.append({"id": section_id, "completed": not undo, "completed_by": None if undo else actor,
                  "completed_at": None if undo else wall_time(at)})
    after["sections"] = marks
    if status_of(record) == "not_started":
        after["pep"]["status"] = journey.returns["starts"]
    step = {"action": "section_reopened" if undo else "section_completed", "actor": actor, "role": role, "at": at,
            "from": status_of(record), "to": status_of(after), "detail": {"section": section_id}}
    version = store.record_step(after, step)
    return Step(child, version, step, store.require(child).record)


def _require_writing(journey: Journey, record: dict, what: str, changes: str) -> None:
    """Refuse (JNY-06) a change that is made only while the PEP is written: not once submitted, until sent back."""
    locked = [s for s, _ in journey.states if journey.rank(s) >= journey.rank("submitted") and s != "review_again"]
    if status_of(record) in locked:
        rule = journey.rules["JNY-06"]
        raise MoveRefused(what, [Refusal(rule.id, f"{changes} while a PEP is being written; this PEP is "
                                                  f"{journey.label(status_of(record))}.", rule.citation,
                                         "pep.status")])


SIGNERS = ("designated_teacher", "social_worker")  # roles that sign their part (signoffs.<role>) as they write


def sign(store: Store, child: str, role: str, actor: str) -> Step:
    """A designated teacher or social worker signs off their part of the PEP (signoffs.<role>: name, role, when),
    as the authorities' rules want before the PEP is submitted; the Virtual School signs off by its move."""
    _require_role(role)
    _require_actor(actor)
    record = store.require(child).record
    journey = journey_for(record)
    if role not in SIGNERS:
        rule = journey.rules["JNY-00"]
        raise MoveRefused(f"{child}: signing", [Refusal(
            rule.id, "The designated teacher and the social worker sign their parts; the Virtual School signs off "
                     "with its sign-off.", rule.citation, "signoffs")])
    _require_writing(journey, record, f"{child}: signing", "Parts are signed")
    at = store.clock()
    after = copy.deepcopy(record)
    signoffs = after.setdefault("signoffs", {})
    signoffs[role] = {**(signoffs.get(role) or {}), "name": actor, "role": journey.roles[role]["label"],
                      "signed_at": wall_time(at)}
    if status_of(record) == "not_started":
        after["pep"]["status"] = journey.returns["starts"]
    step = {"action": "signed", "actor": actor, "role": role, "at": at, "from": status_of(record),
            "to": status_of(after), "detail": {"signoff": f"signoffs.{role}"}}
    return Step(child, store.record_step(after, step), step, store.require(child).record)


# --- quality assurance ------------------------------------------------------------------------------------------


def rate(store: Store, child: str, role: str, actor: str, *, overall: str | None = None,
         sections: dict[str, str] | None = None, feedback: str | None = None, actions: str | None = None) -> Step:
    """The Virtual School's quality rating of a submitted PEP: overall and per section on the record's scale, with
    feedback and actions, dated. A rating is what sign-off and send-back then act on."""
    _require_role(role)
    _require_actor(actor)
    record = store.require(child).record
    journey = journey_for(record)
    refusals = []
    if role != "virtual_school":
        rule = journey.rules["JNY-00"]
        refusals.append(Refusal(rule.id, "Quality assurance is the Virtual School's.", rule.citation, "qa"))
    if status_of(record) != "submitted":
        rule = journey.rules["JNY-06"]
        refusals.append(Refusal(rule.id, f"A PEP is rated once submitted; this PEP is "
                                         f"{journey.label(status_of(record))}.", rule.citation, "pep.status"))
    if refusals:
        raise MoveRefused(f"{child}: rating", refusals)
    known = {s.id for s in section_states(record)}
    for where, value in [("overall", overall), *((f"section {k}", v) for k, v in (sections or {}).items())]:
        if value is not None and value not in RATINGS:
            raise UsageError(f"Rating {value!r} for {where} is not on the scale ({', '.join(RATINGS)}).")
    unknown = sorted(set(sections or {}) - known)
    if unknown:
        raise UsageError(f"{child}: no section {unknown[0]!r} in this PEP (sections: {', '.join(sorted(known))}).")
    if overall is None and not sections and feedback is None and actions is None:
        raise UsageError("Give a rating (overall or per section), feedback or actions.")
    at = store.clock()
    after = copy.deepcopy(record)
    qa = after.setdefault("qa", {})
    if overall is not None:
        qa["rating"] = overall
    if sections:
        current = {r.get("section"): r.get("rating") for r in qa.get("section_ratings") or []}
        current.update(sections)
        qa["section_ratings"] = [{"section": s.id, "rating": current[s.id]} for s in section_states(record)
                                 if s.id in current]
    if feedback is not None:
        qa["feedback"] = feedback
    if actions is not None:
        qa["actions_required"] = actions
    qa["reviewer"], qa["date"] = actor, at[:10]
    step = {"action": "rated", "actor": actor, "role": role, "at": at, "from": status_of(record),
            "to": status_of(record), "detail": {"overall": overall, "sections": dict(sections or {}),
                                              "feedback": feedback, "actions": actions}}
    version = store.record_step(after, step)
    return Step(child, version, step, store.require(child).record)


def qa_queue(store: Store, authority: str | None = None) -> list[dict]:
    """The submitted PEPs waiting for the Virtual School, each with pep qa's findings already listed."""
    queue = []
    for version in store.records():
        record = version.record
        if status_of(record) != "submitted" or (authority and record["pep"]["authority"] != authority):
            continue
        result = check_valid(record, f"store#{version.social_care_id}")
        queue.append({"social_care_id": version.social_care_id, "authority": record["pep"]["authority"],
                      "pep_id": record["pep"].get("id"), "qa_rating": (record.get("qa") or {}).get("rating"),
                      "findings": [f.as_json() for f in result.findings]})
    return queue


# --- PP+ ------------------------------------------------------------------------------------------------------


def ppg_state(record: dict) -> dict:
    """PP+ for this PEP: requested (the targets' costs), agreed (by the Virtual School) and released, as strings."""
    ppg = record.get("ppg") or {}
    status = ppg.get("payment_status")
    requested = _money(ppg.get("requested_total"))
    agreed = _money(ppg.get("approved_amount")) if status in ("approved", "paid") else Decimal(0)
    released = agreed if status == "paid" else Decimal(0)
    release = ppg.get("release_condition") or get_profile(record["pep"]["authority"]).ppg.get("release")
    return {"requested": f"{requested:.2f}", "agreed": f"{agreed:.2f}", "released": f"{released:.2f}",
            "payment_status": status or "not_requested", "release": release}


def _sign_off_ppg(after: dict, profile: Profile, actor: str, day: str) -> None:
    """At sign-off: what was requested and not declined is agreed; released now where the profile says PP+ is
    released on the Virtual School's sign-off."""
    ppg = after.get("ppg")
    if not isinstance(ppg, dict) or ppg.get("payment_status") in ("declined", "paid"):
        return
    amount = ppg.get("approved_amount") if ppg.get("approved_amount") not in EMPTY else ppg.get("requested_total")
    if _money(amount) <= 0:
        return
    ppg.update({"approved_amount": amount, "approved_by": ppg.get("approved_by") or actor or None,
                "approved_on": ppg.get("approved_on") or day})
    release = ppg.get("release_condition") or profile.ppg.get("release")
    ppg["payment_status"] = "paid" if release == "on_vs_signoff" else "approved"


def agree_ppg(store: Store, child: str, role: str, actor: str, amount: str | None = None) -> Step:
    """The Virtual School agrees the PP+ (the amount requested, or another) while it quality-assures the PEP."""
    _require_actor(actor)
    record = store.require(child).record
    journey = journey_for(record)
    _ppg_guard(journey, record, role, "agree", ("submitted",))
    at = store.clock()
    after = copy.deepcopy(record)
    ppg = after.setdefault("ppg", {})
    value = amount if amount is not None else ppg.get("requested_total")
    if _money(value) <= 0:
        raise UsageError(f"{child}: no PP+ amount to agree (none requested; give --amount).")
    try:
        ppg["approved_amount"] = f"{Decimal(str(value)):.2f}"
    except ArithmeticError as err:
        raise UsageError(f"Not an amount of money: {value!r}.") from err
    ppg.update({"approved_by": actor, "approved_on": at[:10], "payment_status": "approved"})
    step = {"action": "ppg_agreed", "actor": actor, "role": role, "at": at, "from": status_of(record),
            "to": status_of(record), "detail": {"amount": ppg["approved_amount"], **_ppg_detail(record, after)}}
    return Step(child, store.record_step(after, step), step, after)


def release_ppg(store: Store, child: str, role: str, actor: str) -> Step:
    """Release agreed PP+ after sign-off, where the profile does not release it on the sign-off itself."""
    _require_actor(actor)
    record = store.require(child).record
    journey = journey_for(record)
    _ppg_guard(journey, record, role, "release", ("complete",))
    state = ppg_state(record)
    rule = journey.rules["JNY-07"]
    if state["release"] == "on_vs_signoff":
        raise MoveRefused(f"{child}: PP+ release", [Refusal(rule.id, f"{rule.message} Here PP+ is released on the "
                                                                     "sign-off itself.", rule.citation, "ppg")])
    if state["payment_status"] != "approved":
        raise MoveRefused(f"{child}: PP+ release", [Refusal(rule.id, f"{rule.message} Nothing agreed is waiting "
                                                                     f"(PP+ is {state['payment_status']}).",
                                                            rule.citation, "ppg.payment_status")])
    if state["release"] == "green_qa_only" and (record.get("qa") or {}).get("rating") not in ("green", "gold"):
        raise MoveRefused(f"{child}: PP+ release", [Refusal(rule.id, f"{rule.message} Only PEPs rated green are "
                                                                     "paid.", rule.citation, "qa.rating")])
    at = store.clock()
    after = copy.deepcopy(record)
    after["ppg"]["payment_status"] = "paid"
    step = {"action": "ppg_released", "actor": actor, "role": role, "at": at, "from": status_of(record),
            "to": status_of(record), "detail": {"amount": state["agreed"], **_ppg_detail(record, after)}}
    return Step(child, store.record_step(after, step), step, after)


def _ppg_guard(journey: Journey, record: dict, role: str, what: str, states: tuple[str, ...]) -> None:
    _require_role(role)
    refusals = []
    if role != "virtual_school":
        rule = journey.rules["JNY-00"]
        refusals.append(Refusal(rule.id, f"Only the Virtual School may {what} PP+.", rule.citation, "ppg"))
    if status_of(record) not in states:
        rule = journey.rules["JNY-07"]
        refusals.append(Refusal(rule.id, f"PP+ is {'agreed' if what == 'agree' else 'released'} when the PEP is "
                                         f"{' or '.join(journey.label(s) for s in states)}; this PEP is "
                                         f"{journey.label(status_of(record))}.", rule.citation, "pep.status"))
    if refusals:
        raise MoveRefused(f"PP+ {what}", refusals)


# --- the chain of PEPs and the history -----------------------------------------------------------------------------


def chain(store: Store, child: str) -> list[dict]:
    """Every PEP of a child in the store, oldest first: id, term, status, QA rating, versions, the one before."""
    store.require(child)
    peps: dict[str, dict] = {}
    for version in store.versions(child):
        pep = version.record.get("pep") or {}
        key = pep.get("id") or f"(no id, {pep.get('academic_year') or '?'} {pep.get('term') or '?'})"
        entry = peps.setdefault(key, {"pep_id": pep.get("id"), "first_version": version.version,
                                      "previous_pep_id": pep.get("previous_pep_id")})
        entry.update({"academic_year": pep.get("academic_year"), "term": pep.get("term"),
                      "variant": pep.get("variant"), "status": pep.get("status") or "not_started",
                      "qa_rating": (version.record.get("qa") or {}).get("rating"), "last_version": version.version,
                      "ppg": ppg_state(version.record)})
    current = store.require(child).record["pep"].get("id")
    return [{**entry, "current": entry["pep_id"] == current} for entry in peps.values()]


def history(store: Store, child: str) -> list[dict]:
    """Every journey step of a child's PEPs, oldest first: who, when, from → to, reason, detail."""
    store.require(child)
    return store.journey(child)


def show(store: Store, child: str, role: str | None = None) -> dict:
    """What a child's page shows: status, sections with owners and who completed them, QA, PP+, the moves the role
    may make (each checked), the journey so far and the chain of PEPs."""
    record = store.require(child).record
    journey = journey_for(record)
    status = status_of(record)
    qa = record.get("qa") or {}
    out = {"social_care_id": child, "authority": record["pep"]["authority"], "pep_id": record["pep"].get("id"),
           "status": status, "status_label": journey.label(status),
           "sections": [s.as_json() for s in section_states(record)],
           "qa": {k: qa.get(k) for k in ("rating", "section_ratings", "feedback", "actions_required",
                                          "rejection_reason", "reviewer", "date")},
           "ppg": ppg_state(record), "history": history(store, child), "chain": chain(store, child)}
    if role is not None:
        out["moves"] = [c.as_json() for c in available_moves(record, role)]
    return out
