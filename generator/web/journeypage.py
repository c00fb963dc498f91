"""What the journey's pages need from the library: the signed-in account as a to-do user and actor, a child's journey
as its page shows it (the role's moves checked, sections by owner, QA, PP+, the history, the chain of PEPs), the QA
queue in the user's scope, the send-back reply, and owner colours as a stylesheet (the CSP allows no inline style)."""

from __future__ import annotations

import datetime as dt
import re
import threading

from data_schemas import field_info

from ..authority.profiles import authorities, get_profile
from ..qa.check import check_valid
from ..render.display import format_date
from ..store.database import Store
from ..workflow import journey as J
from ..workflow.sendback import qa_reply
from ..workflow.todo import User as TodoUser
from ..workflow.todo import by_heading, todo
from . import library

ACTIONS = {"section_completed": "Section completed", "section_reopened": "Section reopened", "rated": "Rated",
           "signed": "Signed their part",
           "ppg_agreed": "PP+ agreed", "ppg_released": "PP+ released"}
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


def todo_user(user) -> TodoUser:
    """The signed-in account as the library's to-do user: its role and scope, as `library.sees` scopes it."""
    acc = library.account(user)
    return TodoUser(user.username, actor_name(user), acc.role, email=user.email or None,
                    urn=acc.school_urn or None, social_worker=user.email or None, authority=acc.authority)


def actor_name(user) -> str:
    """The name a step is recorded under: the account's full name, else its user name."""
    return user.get_full_name().strip() or user.username


_TODO_CACHE: dict[tuple, list] = {}
_TODO_LOCK = threading.Lock()


def todo_groups(user, store: Store) -> list[tuple[str, list]]:
    """The user's to-do list on the site's day, grouped under its headings; worked out again only when the store has
    changed (a to-do list reads every record in the user's scope: ~0.7 ms a record)."""
    changed = store.conn.execute("SELECT COUNT(*), MAX(rowid) FROM versions").fetchone()
    person = todo_user(user)
    key = (person, str(store.root), tuple(changed), library.as_of())
    with _TODO_LOCK:
        if key in _TODO_CACHE:
            return _TODO_CACHE[key]
    groups = by_heading(todo(store, person, library.as_of()))
    with _TODO_LOCK:
        if len(_TODO_CACHE) >= 256:
            _TODO_CACHE.clear()
        _TODO_CACHE[key] = groups
    return groups


def moment(text: str | None) -> dt.datetime | None:
    """A store time (ISO, UTC) as an aware datetime, for the templates to show in Europe/London time."""
    try:
        value = dt.datetime.fromisoformat(text or "")
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def child_journey(store: Store, child_id: str, role: str) -> dict:
    """A child's journey as the page shows it to a role."""
    record = store.require(child_id).record
    journey = J.journey_for(record)
    shown = J.show(store, child_id, None if role == "read_only" else role)
    status = shown["status"]
    owned = journey.owners_of(role)
    writing = status in ("not_started", "in_progress", "review_again")
    writing_or_ready = writing or status == "ready_to_submit"
    ratings = {r.get("section"): r.get("rating") for r in shown["qa"].get("section_ratings") or []}
    by_owner = bool(get_profile(record["pep"]["authority"]).colours.get("sections_by_owner"))
    sections = [{**s, "mine": s["owner"] in owned and writing, "rating": ratings.get(s["id"]),
                 "when": moment(s["completed_at"]), "css": f"owner-{s['owner']}" if by_owner else ""}
                for s in shown["sections"]]
    headings = {s["id"]: s["heading"] for s in shown["sections"]}
    ppg = {**shown["ppg"], "payment_label": _payment_label(shown["ppg"]["payment_status"])}
    return {**shown, "sections": sections, "ppg": ppg, "moves": _moves(journey, shown.get("moves") or []),
            "history": [_step(journey, s, headings) for s in reversed(shown["history"])],
            "qa_date": format_date(shown["qa"]["date"]) if shown["qa"].get("date") else "",
            "chain": [{**c, "status_label": journey.label(c["status"])} for c in shown["chain"]],
            "signatures": _signatures(record, journey), "may_sign": role in J.SIGNERS and writing_or_ready,
            "may_rate": role == "virtual_school" and status == "submitted",
            "may_agree": role == "virtual_school" and status == "submitted" and shown["ppg"]["payment_status"]
            not in ("approved", "paid", "declined"),
            "may_release": role == "virtual_school" and status == "complete"
            and shown["ppg"]["payment_status"] == "approved" and shown["ppg"]["release"] != "on_vs_signoff",
            "may_start_next": status == "complete" and role in journey.moves["start"].roles_for(record),
            "sent_back": status == "review_again" and role != "read_only",
            "coloured": by_owner, "ratings": J.RATINGS}


def _signatures(record: dict, journey) -> list[dict]:
    """Who has signed off their part: the designated teacher, the social worker, the Virtual School (final)."""
    signoffs = record.get("signoffs") or {}
    return [{"role": role, "label": journey.roles[role]["label"], "name": (signoffs.get(role) or {}).get("name"),
             "signed_at": (signoffs.get(role) or {}).get("signed_at"),
             "when": moment((signoffs.get(role) or {}).get("signed_at"))}
            for role in (*J.SIGNERS, "virtual_school")]


def _payment_label(status: str) -> str:
    info = field_info("ppg.payment_status")
    labels = dict(info.option_labels) if info else {}
    return labels.get(status, status.replace("_", " ").capitalize())


def _moves(journey, checks: list[dict]) -> list[dict]:
    """The role's moves as buttons: a move that only lacks its reason is offered with a box for it."""
    out = []
    for check in checks:
        asks = [r for r in check["refusals"]
                if r["rule"] in journey.rules and journey.rules[r["rule"]].kind == "reason"]
        refusals = [r for r in check["refusals"] if r not in asks]
        out.append({**check, "refusals": refusals, "allowed": not refusals,
                    "label": journey.moves[check["move"]].label, "to_label": journey.label(check["to"]),
                    "needs_reason": bool(asks) or check["to"] == "review_again"})
    return out


def _step(journey, step: dict, headings: dict[str, str]) -> dict:
    action = step["action"]
    label = journey.moves[action].label if action in journey.moves else ACTIONS.get(action, action)
    detail = step.get("detail") or {}
    notes = [headings.get(detail["section"], detail["section"]) if detail.get("section") else "",
             f"overall {detail['overall']}" if detail.get("overall") else "",
             ", ".join(f"{headings.get(k, k)} {v}" for k, v in (detail.get("sections") or {}).items()),
             f"PP+ {detail['ppg']['from'] or 'not requested'} → {detail['ppg']['to']}" if detail.get("ppg") else "",
             f"£{detail['amount']}" if detail.get("amount") else ""]
    return {**step, "label": label, "when": moment(step["at"]), "from_label": journey.label(step["from"] or ""),
            "to_label": journey.label(step["to"] or ""), "role_label": journey.roles[step["role"]]["label"]
            if step.get("role") in journey.roles else step.get("role"), "note": "; ".join(n for n in notes if n)}


def queue(store: Store, user) -> list[dict]:
    """The submitted PEPs waiting for this Virtual School, each with pep qa's findings counted and listed."""
    acc = library.account(user)
    names = {c.id: c for c in library.visible(user)}
    rows = []
    for item in J.qa_queue(store, acc.authority):
        summary = names.get(item["social_care_id"])
        if summary is None:
            continue
        errors = [f for f in item["findings"] if f["severity"] == "error"]
        rows.append({**item, "c": summary, "errors": len(errors), "warnings": len(item["findings"]) - len(errors)})
    return rows


def reply_files(record: dict) -> tuple[bytes, bytes]:
    """The reply to the school for a PEP sent back at QA (text, PDF), made from the record as it now stands."""
    qa = record.get("qa") or {}
    findings = check_valid(record).findings
    return qa_reply(record, qa.get("rejection_reason") or "", findings, qa.get("reviewer"))


def owner_stylesheet(authority: str) -> str:
    """Each owner's colour as CSS classes, for an authority that colours its sections by owner ('' otherwise)."""
    if authority not in authorities():
        return ""
    colours = get_profile(authority).colours
    if not colours.get("sections_by_owner"):
        return ""
    rules = [f"/* {authority}: sections coloured by who completes them */"]
    for owner, colour in sorted((colours.get("owners") or {}).items()):
        if _HEX.match(str(colour)) and re.fullmatch(r"[a-z_]+", owner):
            rules.append(f".owner-{owner} {{ border-left: 0.5rem solid {colour}; }}")
            rules.append(f".owner-badge.owner-{owner} {{ background: {colour}; color: #fff; border-color: {colour}; }}")
    return "\n".join(rules) + "\n"
