"""`pep journey`: move a PEP along its journey (start, mark ready, submit, send back, sign off), complete sections,
rate its quality, agree and release PP+, and show a child's PEP, its history and its chain of PEPs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..authority.journey import ROLES
from ..authority.profiles import authorities
from ..core.errors import UsageError
from ..qa.check import check_valid
from ..store.database import Store
from ..workflow import journey as J
from ..workflow.nextterm import next_term
from ..workflow.sendback import qa_send_back
from .common import emit_json, say
from .store import _store_option

_ROLE = click.option("--role", type=click.Choice(ROLES), required=True, help="Who is acting, by role.")
_ACTOR = click.option("--actor", required=True, help="Who is acting, by name (recorded in the history).")


@click.group("journey")
def command():
    """A PEP's journey: not started → in progress → ready to submit → submitted → review again (with a reason) or
    complete. Which role may make each move, and what must be true first, come from templates/common/journey.yaml
    and the authority's own journey.yaml and QA rules; a move they forbid is refused with the rule and its guidance.
    Every step is recorded in the store's history: who, when, from → to, reason.

    \b
    Example:
      pep journey move WS-10442 submit --role designated_teacher --actor "R. Patel" --store pep-store
      pep journey show WS-10442 --store pep-store
    """


def _refused(err: J.MoveRefused, as_json: bool, extra: dict | None = None) -> None:
    if as_json:
        emit_json({**(extra or {}), "allowed": False, "refusals": [r.as_json() for r in err.refusals]})
    say(f"Refused: {err.message.split(' refused: ')[0]}")
    for refusal in err.refusals:
        say(f"  {refusal.text()}")
    sys.exit(1)


@command.command("move")
@click.argument("child")
@click.argument("move_id", metavar="MOVE")
@_store_option
@_ROLE
@_ACTOR
@click.option("--reason", help="Why (required to send a PEP back).")
@click.option("--send-back", "send_back_dir", type=click.Path(path_type=Path, file_okay=False),
              help="With send_back: write the reply to the school and the re-issued form here.")
@click.option("--next-term", "start_next", is_flag=True, help="With sign_off: also start the next term's PEP.")
@click.option("--check", "dry_run", is_flag=True, help="Only say whether the move is allowed; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="The step (or the refusal) as JSON.")
def move(child, move_id, store_dir, role, actor, reason, send_back_dir, start_next, dry_run, as_json):
    """Make MOVE on CHILD's current PEP: start, mark_ready, withdraw, submit, send_back, sign_off.

    Exits 1, changing nothing, when the move is refused; each refusal names its rule and quotes its guidance.

    \b
    Example:
      pep journey move WS-10442 send_back --role virtual_school --actor "J. Okoro" --reason "No dates"
      pep journey move WS-10442 sign_off --role virtual_school --actor "J. Okoro" --next-term
    """
    with Store.open(store_dir) as store:
        if dry_run:
            check = J.check_move(store.require(child).record, move_id, role, actor=actor, reason=reason)
            if as_json:
                emit_json(check.as_json())
            else:
                click.echo(f"{child}: {move_id} {'allowed' if check.allowed else 'refused'}")
                for line in check.refusals + check.warnings:
                    say(f"  {line.text()}")
            sys.exit(0 if check.allowed else 1)
        try:
            step = J.move(store, child, move_id, role, actor, reason)
        except J.MoveRefused as err:
            _refused(err, as_json, {"social_care_id": child, "move": move_id, "role": role})
        written = []
        if send_back_dir is not None and step.step["to"] == "review_again":
            findings = check_valid(step.record).findings
            written = qa_send_back(step.record, reason or "", findings, send_back_dir, actor=actor)
        started = None
        if start_next and step.next_term_offered:
            started = next_term(step.record)
            store.put(started.record, "next-term")
    out = step.as_json()
    out["written"] = [str(p) for p in written]
    if started:
        out["next_term"] = started.record["pep"]["id"]
    if as_json:
        emit_json(out)
    else:
        click.echo(f"{child}: {step.step['from']} → {step.step['to']} ({move_id} by {actor}, {role}); "
                   f"version {step.version}")
    for warning in step.warnings:
        say(f"  Warning: {warning.text()}")
    for path in written:
        say(f"{path}: written")
    if step.next_term_offered and not started:
        say(f"Signed off. Start the next term's PEP with: pep store next-term {child}")
    if started:
        say(f"Next term's PEP started: {started.record['pep']['id']}")


@command.command("show")
@click.argument("child")
@_store_option
@click.option("--role", type=click.Choice(ROLES), help="Also list the moves this role may make, each checked.")
@click.option("--json", "as_json", is_flag=True, help="Everything as one JSON object.")
def show(child, store_dir, role, as_json):
    """Show CHILD's PEP: its status, each section's owner and state, QA, PP+, the history and the chain of PEPs.

    \b
    Example:
      pep journey show WS-10442 --role virtual_school
    """
    with Store.open(store_dir) as store:
        page = J.show(store, child, role)
    if as_json:
        emit_json(page)
        return
    click.echo(f"{child} ({page['authority']}), PEP {page['pep_id']}: {page['status_label']}")
    click.echo("Sections:")
    for s in page["sections"]:
        done = f"complete ({s['completed_by']}, {s['completed_at']})" if s["completed"] else "not complete"
        click.echo(f"  {s['id']}: {s['heading']} [{s['owner_label']}] {done}")
    qa, ppg = page["qa"], page["ppg"]
    click.echo(f"QA: rating {qa['rating'] or '(not rated)'}{', ' + qa['date'] if qa['date'] else ''}"
               f"{'; sent back: ' + qa['rejection_reason'] if qa['rejection_reason'] else ''}")
    click.echo(f"PP+: requested £{ppg['requested']}, agreed £{ppg['agreed']}, released £{ppg['released']} "
               f"({ppg['payment_status']})")
    for m in page.get("moves", []):
        click.echo(f"Move {m['move']}: {'allowed' if m['allowed'] else 'refused'}")
        for r in m["refusals"]:
            click.echo(f"    [{r['rule']}] {r['message']}")
    click.echo("History:")
    for h in page["history"]:
        reason = f": {h['reason']}" if h["reason"] else ""
        click.echo(f"  {h['at']}  {h['action']} by {h['actor']} ({h['role']})  {h['from']} → {h['to']}{reason}")
    click.echo("PEPs: " + " → ".join(f"{c['pep_id']} ({c['status']})" for c in page["chain"]))


@command.command("sections")
@click.argument("child")
@_store_option
@click.option("--complete", "complete", multiple=True, metavar="SECTION", help="Mark this section complete.")
@click.option("--reopen", "reopen", multiple=True, metavar="SECTION", help="Mark this section not complete.")
@click.option("--role", type=click.Choice(ROLES), help="Who is acting (with --complete or --reopen).")
@click.option("--actor", help="Who is acting, by name (with --complete or --reopen).")
@click.option("--json", "as_json", is_flag=True, help="The sections as a JSON list.")
def sections(child, store_dir, complete, reopen, role, actor, as_json):
    """List CHILD's PEP sections with owner and state, or mark sections complete by a role that owns them.

    \b
    Example:
      pep journey sections WS-10442
      pep journey sections WS-10442 --complete section_a --role social_worker --actor "A. Brown"
    """
    with Store.open(store_dir) as store:
        if (complete or reopen) and not (role and actor):
            raise click.UsageError("--complete and --reopen need --role and --actor.")
        try:
            for section in complete:
                J.complete_section(store, child, section, role, actor)
            for section in reopen:
                J.complete_section(store, child, section, role, actor, undo=True)
        except J.MoveRefused as err:
            _refused(err, as_json, {"social_care_id": child})
        states = J.section_states(store.require(child).record)
    if as_json:
        emit_json([s.as_json() for s in states])
        return
    for s in states:
        done = f"complete ({s.completed_by}, {s.completed_at})" if s.completed else "not complete"
        click.echo(f"{s.id}: {s.heading} [{s.owner_label}] {done}")


@command.command("sign")
@click.argument("child")
@_store_option
@_ROLE
@_ACTOR
@click.option("--json", "as_json", is_flag=True, help="The step (or the refusal) as JSON.")
def sign(child, store_dir, role, actor, as_json):
    """Sign off the designated teacher's or the social worker's part of CHILD's PEP (signoffs.<role>: name, role,
    now), while the PEP is being written. The Virtual School signs off with `pep journey move ... sign_off`.

    \b
    Example:
      pep journey sign WS-10442 --role designated_teacher --actor "R. Patel"
    """
    with Store.open(store_dir) as store:
        try:
            step = J.sign(store, child, role, actor)
        except J.MoveRefused as err:
            _refused(err, as_json, {"social_care_id": child})
    if as_json:
        emit_json(step.as_json())
    else:
        click.echo(f"{child}: signed off by {actor} ({role}); version {step.version}")


def _section_rating(ctx, param, values):
    out = {}
    for value in values:
        section, sep, rating = value.partition("=")
        if not sep or not section or not rating:
            raise click.BadParameter(f"{value!r}: use SECTION=RATING, e.g. section_b_targets=amber.")
        out[section] = rating
    return out


@command.command("rate")
@click.argument("child")
@_store_option
@_ROLE
@_ACTOR
@click.option("--overall", type=click.Choice(J.RATINGS), help="The overall rating.")
@click.option("--section", "section_ratings", multiple=True, callback=_section_rating, metavar="SECTION=RATING",
              help="A section's rating (repeatable).")
@click.option("--feedback", help="Feedback to the school and social worker.")
@click.option("--actions", help="Actions required.")
@click.option("--json", "as_json", is_flag=True, help="The step as JSON.")
def rate(child, store_dir, role, actor, overall, section_ratings, feedback, actions, as_json):
    """Rate the quality of CHILD's submitted PEP (the Virtual School): overall and per section, with feedback and
    actions; dated. Sign-off needs a rating that is not red.

    \b
    Example:
      pep journey rate WS-10442 --role virtual_school --actor "J. Okoro" --overall amber
      pep journey rate WS-10442 --role virtual_school --actor "J. Okoro" --section section_b_targets=red
    """
    with Store.open(store_dir) as store:
        try:
            step = J.rate(store, child, role, actor, overall=overall, sections=section_ratings, feedback=feedback,
                          actions=actions)
        except J.MoveRefused as err:
            _refused(err, as_json, {"social_care_id": child})
    if as_json:
        emit_json(step.as_json())
    else:
        click.echo(f"{child}: rated {overall or '(sections only)'}; version {step.version}")


@command.command("ppg")
@click.argument("child")
@_store_option
@_ROLE
@_ACTOR
@click.option("--agree", "action", flag_value="agree", help="Agree the PP+ requested (or --amount).")
@click.option("--release", "action", flag_value="release",
              help="Release agreed PP+ after sign-off (where it is not released on the sign-off itself).")
@click.option("--amount", help="With --agree: the amount agreed, e.g. 400.00.")
@click.option("--json", "as_json", is_flag=True, help="The step, or CHILD's PP+ figures, as JSON.")
def ppg(child, store_dir, role, actor, action, amount, as_json):
    """Show CHILD's PP+ (requested, agreed, released), or agree or release it as the Virtual School.

    \b
    Example:
      pep journey ppg WS-10442 --role virtual_school --actor "J. Okoro" --agree --amount 400.00
    """
    with Store.open(store_dir) as store:
        try:
            if action == "agree":
                step = J.agree_ppg(store, child, role, actor, amount)
            elif action == "release":
                step = J.release_ppg(store, child, role, actor)
            else:
                step = None
        except J.MoveRefused as err:
            _refused(err, as_json, {"social_care_id": child})
        state = J.ppg_state(store.require(child).record)
    if as_json:
        emit_json({**(step.as_json() if step else {"social_care_id": child}), "ppg": state})
        return
    click.echo(f"{child}: PP+ requested £{state['requested']}, agreed £{state['agreed']}, released "
               f"£{state['released']} ({state['payment_status']})")


@command.command("chain")
@click.argument("child")
@_store_option
@click.option("--json", "as_json", is_flag=True, help="The PEPs as a JSON list, oldest first.")
def chain(child, store_dir, as_json):
    """List CHILD's PEPs in the store, oldest first: id, term, status, QA rating, the versions each spans.

    \b
    Example:
      pep journey chain WS-10442
    """
    with Store.open(store_dir) as store:
        peps = J.chain(store, child)
    if as_json:
        emit_json(peps)
        return
    for p in peps:
        click.echo(f"{'*' if p['current'] else ' '} {p['pep_id']}  {p['term'] or ''} {p['academic_year'] or ''}  "
                   f"{p['status']}  QA {p['qa_rating'] or '-'}  versions {p['first_version']}–{p['last_version']}")


@command.command("queue")
@_store_option
@click.option("--authority", help="Only this authority's PEPs.")
@click.option("--json", "as_json", is_flag=True, help="The queue as a JSON list.")
def queue(store_dir, authority, as_json):
    """The submitted PEPs waiting for the Virtual School's quality assurance, with pep qa's findings.

    \b
    Example:
      pep journey queue --authority walsall
    """
    with Store.open(store_dir) as store:
        items = J.qa_queue(store, authority)
    if as_json:
        emit_json(items)
        return
    if not items:
        click.echo("No PEPs waiting for quality assurance.")
    for item in items:
        errors = sum(f["severity"] == "error" for f in item["findings"])
        click.echo(f"{item['social_care_id']} ({item['authority']}) PEP {item['pep_id']}: {errors} error(s), "
                   f"{len(item['findings']) - errors} warning(s)")
        for f in item["findings"]:
            click.echo(f"  [{f['rule']}] {f['severity']}: {f['path'] or '(whole record)'}: {f['message']}")


@command.command("table")
@click.argument("authority", required=False)
@click.option("--json", "as_json", is_flag=True, help="The journey as JSON.")
def table(authority, as_json):
    """The journey of an authority (or of every one): each move, from and to which states, who may make it and the
    rules checked first.

    \b
    Example:
      pep journey table enfield
    """
    ids = [authority] if authority else sorted(authorities())
    rows = []
    for aid in ids:
        if aid not in authorities():
            raise UsageError(f"Unknown authority {aid!r} (known: {', '.join(sorted(authorities()))}).")
        journey = J.bind(aid)
        for m in journey.moves.values():
            when = "; ".join(f"{', '.join(e['roles'])} when {e['when']['path']} "
                             f"{'= ' + str(e['when'].get('equals')) if 'equals' in e['when'] else 'matches'}"
                             for e in m.roles_when)
            rows.append({"authority": aid, "move": m.id, "label": m.label, "from": list(m.from_), "to": m.to,
                         "roles": list(m.roles), "roles_when": when or None, "checks": list(m.checks),
                         "releases_ppg": m.releases_ppg})
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        roles = ", ".join(r["roles"]) + (f" (also {r['roles_when']})" if r["roles_when"] else "")
        click.echo(f"{r['authority']}  {r['move']}: {' / '.join(r['from'])} → {r['to']}  by {roles}  "
                   f"checks {', '.join(r['checks']) or '-'}")

