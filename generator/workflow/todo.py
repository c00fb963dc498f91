"""What each person must do next: a to-do list per user (forms due back, sections to complete, PEPs to submit or put
right, PEPs to quality-assure, PP+ to release, meetings coming up, overdue PEPs), and a daily digest per user as
plain-text and HTML message files for the council's mail system to send (pep sends no email itself).

Users are a role with a scope: a designated teacher's school (URN), a social worker (name or email, as the records
hold them in people.social_worker), the Virtual School of an authority. They come from an optional `users.yaml` in
the store folder (see USERS_FILE), which a web app can replace with its own accounts; without one, the users are
those the records name.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from data_schemas import flatten_messages, value_at

from ..authority.journey import ROLES
from ..authority.profiles import get_profile
from ..core.errors import UsageError
from ..core.writer import write_atomic
from ..core.yamlsrc import load_yaml
from ..qa.check import check_valid
from ..qa.due import cohort_due
from ..qa.kinds import as_date
from ..store.database import Store
from .journey import journey_for, section_states

USERS_FILE = "users.yaml"
DEFAULT_HORIZON_WEEKS = 3
KINDS = {  # kind -> heading, in the order a list shows them
    "overdue": "Overdue PEPs",
    "sent_back": "Sent back: put right and mark ready again",
    "form_due_back": "Forms due back",
    "sections_to_complete": "Sections to complete",
    "mark_ready": "Ready to mark as ready to submit",
    "to_submit": "PEPs to submit",
    "to_quality_assure": "PEPs to quality-assure",
    "ppg_to_release": "PP+ to release",
    "meeting_coming_up": "Meetings coming up",
}
ROLE_KINDS = {
    "designated_teacher": ("overdue", "sent_back", "form_due_back", "mark_ready", "to_submit", "meeting_coming_up"),
    "social_worker": ("overdue", "sent_back", "sections_to_complete", "mark_ready", "to_submit", "meeting_coming_up"),
    "virtual_school": ("overdue", "sections_to_complete", "to_submit", "to_quality_assure", "ppg_to_release",
                       "meeting_coming_up"),
    "read_only": (),
}


# --- users ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A person the to-do list is for: a role and its scope."""

    id: str
    name: str
    role: str
    email: str | None = None
    urn: str | None = None
    social_worker: str | None = None
    authority: str | None = None

    def as_json(self) -> dict:
        return {k: getattr(self, k) for k in ("id", "name", "role", "email", "urn", "social_worker", "authority")}

    @property
    def scope(self) -> str:
        if self.role == "designated_teacher":
            return f"school URN {self.urn}"
        if self.role == "social_worker":
            return f"social worker {self.social_worker}"
        return f"authority {self.authority}" if self.authority else "every authority"


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class UserSchema(_Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_.-]{0,63}$", error=(
        "Use lower-case letters, digits, '.', '_' and '-' (it names the digest files).")))
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    email = fields.Email()
    urn = fields.String(validate=validate.Regexp(r"^\d{6,7}$", error="A school URN is 6 or 7 digits."))
    social_worker = fields.String(metadata={"doc": "the name or email the records give in people.social_worker"})
    authority = fields.String()

    @validates_schema
    def _scope(self, data, **_):
        role = data.get("role")
        if role == "designated_teacher" and not data.get("urn"):
            raise ValidationError("A designated teacher's scope is their school: give its urn.", "urn")
        if role == "social_worker" and not (data.get("social_worker") or data.get("email")):
            raise ValidationError("A social worker's scope is their name or email in the records: give "
                                  "social_worker (or email).", "social_worker")


class UsersFileSchema(_Strict):
    users = fields.List(fields.Nested(UserSchema), required=True)


def load_users(store_root: Path) -> list[User] | None:
    """The users of `users.yaml` in the store folder, or None when there is none. Errors name file, line and key."""
    path = Path(store_root) / USERS_FILE
    if not path.exists():
        return None
    src = load_yaml(path, str(path))
    if not isinstance(src.data, dict):
        raise src.error((), "A users file is a mapping with a list of users.")
    try:
        data = UsersFileSchema().load(src.data)
    except ValidationError as err:
        where, message = flatten_messages(err.messages)[0]
        raise src.error(tuple(int(k) if k.isdigit() else k for k in where.split(".")) if where else (),
                        message) from err
    users = [_user(raw) for raw in data["users"]]
    seen: set[str] = set()
    for index, user in enumerate(users):
        if user.id in seen:
            raise src.error(("users", index, "id"), f"Two users have the id {user.id!r}.")
        seen.add(user.id)
        if user.authority:
            try:
                get_profile(user.authority)
            except UsageError as err:
                raise src.error(("users", index, "authority"), err.message) from err
    return users


def _user(raw: dict) -> User:
    sw = raw.get("social_worker") or (raw.get("email") if raw["role"] == "social_worker" else None)
    return User(raw["id"], raw["name"], raw["role"], raw.get("email"), raw.get("urn"), sw, raw.get("authority"))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "user"


def users_from_records(store: Store) -> list[User]:
    """Without a users file: every social worker, school and Virtual School the records name."""
    found: dict[str, User] = {}
    for version in store.records():
        record = version.record
        authority = record["pep"]["authority"]
        found.setdefault(f"vs-{authority}", User(f"vs-{authority}", get_profile(authority).virtual_school,
                                                 "virtual_school", authority=authority))
        sw = value_at(record, "people.social_worker") or {}
        if sw.get("name"):
            uid = f"sw-{slug(sw['name'])}"
            found.setdefault(uid, User(uid, sw["name"], "social_worker", sw.get("email"), social_worker=sw["name"]))
        urn = value_at(record, "education.setting.urn")
        if urn:
            dt_name = value_at(record, "people.designated_teacher.name") or "Designated teacher"
            found.setdefault(f"dt-{urn}", User(f"dt-{urn}", dt_name, "designated_teacher",
                                               value_at(record, "people.designated_teacher.email"), urn=str(urn)))
    return [found[k] for k in sorted(found)]


def all_users(store: Store) -> list[User]:
    users = load_users(store.root)
    return users if users is not None else users_from_records(store)


def find_user(store: Store, name: str) -> User:
    """A user by id or name (case-insensitive) from users.yaml, else from the records."""
    users = all_users(store)
    wanted = name.strip().lower()
    matches = [u for u in users if wanted in (u.id.lower(), u.name.lower())]
    if not matches:
        where = USERS_FILE if load_users(store.root) is not None else "the records (no users.yaml)"
        raise UsageError(f"No user {name!r} in {where} (known: {', '.join(u.id for u in users) or 'none'}).")
    if len(matches) > 1:
        raise UsageError(f"{name!r} names {len(matches)} users ({', '.join(u.id for u in matches)}); use the id.")
    return matches[0]


def user_for(role: str, *, urn: str | None = None, social_worker: str | None = None,
             authority: str | None = None, name: str | None = None) -> User:
    """A user described on the command line (or by a web app's account): a role and its scope."""
    if role not in ROLES:
        raise UsageError(f"Unknown role {role!r} (known: {', '.join(ROLES)}).")
    if role == "designated_teacher" and not urn:
        raise UsageError("A designated teacher's to-do list is for a school: give --urn.")
    if role == "social_worker" and not social_worker:
        raise UsageError("A social worker's to-do list is for one social worker: give --social-worker NAME.")
    ident = {"designated_teacher": f"dt-{urn}", "social_worker": f"sw-{slug(social_worker or '')}",
             "virtual_school": f"vs-{authority or 'all'}", "read_only": "read-only"}[role]
    return User(ident, name or social_worker or ident, role, urn=urn, social_worker=social_worker,
                authority=authority)


# --- the to-do list ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TodoItem:
    kind: str
    social_care_id: str
    authority: str
    pep_id: str | None
    text: str
    due: dt.date | None = None
    detail: dict = field(default_factory=dict, compare=False, hash=False)

    def as_json(self) -> dict:
        return {"kind": self.kind, "heading": KINDS[self.kind], "social_care_id": self.social_care_id,
                "authority": self.authority, "pep_id": self.pep_id, "text": self.text,
                "due": self.due.isoformat() if self.due else None, "detail": self.detail}


def in_scope(user: User, record: dict) -> bool:
    if user.authority and record["pep"]["authority"] != user.authority:
        return False
    if user.role == "designated_teacher":
        return str(value_at(record, "education.setting.urn") or "") == str(user.urn)
    if user.role == "social_worker":
        sw = value_at(record, "people.social_worker") or {}
        wanted = (user.social_worker or "").strip().lower()
        return wanted in ((sw.get("name") or "").strip().lower(), (sw.get("email") or "").strip().lower())
    return True


def todo(store: Store, user: User, as_of: dt.date | None = None) -> list[TodoItem]:
    """The user's to-do list on a day (default today), most urgent first."""
    as_of = as_of or dt.date.today()
    kinds = ROLE_KINDS[user.role]
    records = [(v.social_care_id, v.record) for v in store.records() if in_scope(user, v.record)]
    items: list[TodoItem] = []
    if "overdue" in kinds:
        for due in cohort_due([(f"store#{c}", r) for c, r in records], as_of):
            if due.status == "overdue":
                items.append(TodoItem("overdue", due.child, due.authority, None,
                                      f"{due.series}: due {due.due.isoformat() if due.due else '(unknown)'}"
                                      f"{' (' + due.basis + ')' if due.basis else ''}.", due.due,
                                      {"days_left": due.days_left}))
    for child, record in records:
        items += _record_items(user, kinds, child, record, as_of)
    order = list(KINDS)
    return sorted(items, key=lambda i: (order.index(i.kind), i.due or dt.date.max, i.social_care_id))


def _record_items(user: User, kinds: tuple[str, ...], child: str, record: dict, as_of: dt.date) -> list[TodoItem]:
    journey = journey_for(record)
    pep = record["pep"]
    status = pep.get("status") or "not_started"
    authority, pep_id = pep["authority"], pep.get("id")
    label = f"{get_profile(authority).short_name} {pep.get('term') or ''} {pep.get('academic_year') or ''}".strip()
    deadline = as_date(value_at(record, "pep.deadline_date")) or as_date(value_at(record, "meeting.date"))
    item = lambda kind, text, due=None, **detail: TodoItem(kind, child, authority, pep_id, text, due, detail)  # noqa: E731
    out: list[TodoItem] = []
    writing = status in ("not_started", "in_progress", "review_again")
    mine = [s for s in section_states(record) if s.owner in journey.owners_of(user.role)]
    open_sections = [s for s in mine if not s.completed]
    if writing and open_sections:
        names = "; ".join(s.heading for s in open_sections)
        kind = "form_due_back" if "form_due_back" in kinds else "sections_to_complete"
        if kind in kinds:
            out.append(item(kind, f"{label}: {names}.", deadline, sections=[s.id for s in open_sections]))
    if "sent_back" in kinds and status == "review_again" and user.role in journey.moves["mark_ready"].roles_for(
            record):
        reason = value_at(record, "qa.rejection_reason") or "(no reason recorded)"
        actions = value_at(record, "qa.actions_required")
        out.append(item("sent_back", f"{label}: {reason}{' Actions: ' + actions if actions else ''}", deadline))
    if ("mark_ready" in kinds and status == "in_progress" and not open_sections
            and user.role in journey.moves["mark_ready"].roles_for(record)):
        out.append(item("mark_ready", f"{label}: your sections are complete; mark the PEP ready to submit.",
                        deadline))
    if "to_submit" in kinds and status == "ready_to_submit" and user.role in journey.moves["submit"].roles_for(
            record):
        out.append(item("to_submit", f"{label}: ready to submit to the Virtual School.", deadline))
    if "to_quality_assure" in kinds and status == "submitted":
        result = check_valid(record, f"store#{child}")
        out.append(item("to_quality_assure", f"{label}: submitted; pep qa finds {len(result.errors)} error(s) and "
                                             f"{len(result.warnings)} warning(s).", None,
                        findings=[f.rule for f in result.findings]))
    ppg = record.get("ppg") or {}
    release = ppg.get("release_condition") or get_profile(authority).ppg.get("release")
    if ("ppg_to_release" in kinds and status == "complete" and ppg.get("payment_status") == "approved"
            and release != "on_vs_signoff"):
        out.append(item("ppg_to_release", f"{label}: PP+ £{ppg.get('approved_amount')} agreed, not yet released."))
    if "meeting_coming_up" in kinds:
        out += _meeting(item, record, status, label, as_of)
    return out


def _meeting(item, record: dict, status: str, label: str, as_of: dt.date) -> list[TodoItem]:
    profile = get_profile(record["pep"]["authority"])
    weeks = profile.timescales.get("reminder_weeks") or DEFAULT_HORIZON_WEEKS
    meeting = as_date(value_at(record, "meeting.date"))
    upcoming = meeting if status != "complete" and meeting and meeting >= as_of else None
    upcoming = upcoming or as_date(value_at(record, "meeting.next_pep_date"))
    if upcoming and as_of <= upcoming <= as_of + dt.timedelta(weeks=weeks):
        when = value_at(record, "meeting.time") if upcoming == meeting else None
        return [item("meeting_coming_up", f"{label}: PEP meeting on {upcoming.isoformat()}"
                                          f"{' at ' + when if when else ''}.", upcoming)]
    return []


# --- the digest ----------------------------------------------------------------------------------------------


def by_heading(items: list[TodoItem]) -> list[tuple[str, list[TodoItem]]]:
    """The items grouped under their kind's heading, in the order of KINDS, leaving out kinds with none."""
    groups = [(heading, [i for i in items if i.kind == kind]) for kind, heading in KINDS.items()]
    return [(heading, mine) for heading, mine in groups if mine]


def digest_text(user: User, items: list[TodoItem], as_of: dt.date) -> str:
    lines = [f"PEP to-do list for {user.name} ({user.role.replace('_', ' ')}, {user.scope})",
             f"As of {as_of.isoformat()}", ""]
    if not items:
        lines.append("Nothing to do today.")
    for heading, mine in by_heading(items):
        lines += [f"{heading} ({len(mine)})"]
        lines += [f"  - {i.social_care_id}: {i.text}" for i in mine]
        lines.append("")
    lines.append("This message was written by pep; children are named by their social care id only.")
    return "\n".join(lines).rstrip("\n") + "\n"


def digest_html(user: User, items: list[TodoItem], as_of: dt.date) -> str:
    e = html.escape
    title = f"PEP to-do list for {user.name}"
    parts = [f"<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>{e(title)}</title>"
             "<style>body{font-family:Arial,sans-serif;font-size:14px;color:#1b1f24;max-width:46em}"
             "h1{font-size:20px}h2{font-size:16px;margin-top:1.4em}li{margin:.3em 0}</style></head><body>",
             f"<h1>{e(title)}</h1><p>{e(user.role.replace('_', ' ').capitalize())}, {e(user.scope)}. As of "
             f"{e(as_of.isoformat())}.</p>"]
    if not items:
        parts.append("<p>Nothing to do today.</p>")
    for heading, mine in by_heading(items):
        parts.append(f"<h2>{e(heading)} ({len(mine)})</h2><ul>")
        parts += [f"<li><strong>{e(i.social_care_id)}</strong>: {e(i.text)}</li>" for i in mine]
        parts.append("</ul>")
    parts.append("<p><small>This message was written by pep; children are named by their social care id only."
                 "</small></p></body></html>\n")
    return "".join(parts)


def write_digest(store: Store, out_dir: Path, as_of: dt.date | None = None,
                 users: list[User] | None = None) -> list[tuple[User, int, list[Path]]]:
    """One `<user id>.txt` and `<user id>.html` per user (the same day gives the same bytes); returns, per user,
    how many items and the files written."""
    as_of = as_of or dt.date.today()
    written = []
    for user in users if users is not None else all_users(store):
        items = todo(store, user, as_of)
        paths = []
        for suffix, text in ((".txt", digest_text(user, items, as_of)), (".html", digest_html(user, items, as_of))):
            path = Path(out_dir) / f"{user.id}{suffix}"
            write_atomic(path, text.encode("utf-8"), force=True)
            paths.append(path)
        written.append((user, len(items), paths))
    return written


__all__ = ["KINDS", "USERS_FILE", "TodoItem", "User", "all_users", "find_user", "load_users",
           "todo", "user_for", "write_digest"]
