"""The journey's pages and actions: moves, sections completed by their owners, the Virtual School's QA queue and
rating, PP+ agreed and released, the send-back reply, next term's PEP, and the owner-colour stylesheet. Every action
goes through the library's state machine (generator.workflow.journey); a refusal is shown with its rules."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..core.errors import PepError
from ..workflow import journey as J
from ..workflow.nextterm import next_term
from . import journeypage, library
from .views import CONTENT_TYPES, _attachment, child_page, log_access, roles

ACTING = ("virtual_school", "designated_teacher", "social_worker")
NOTICE = "pep_notice"


def _done(request, child_id: str, text: str):
    request.session[NOTICE] = text
    return redirect(f"/children/{child_id}/#journey")


def _refused(request, child_id: str, err: PepError, entered: dict | None = None):
    refusals = getattr(err, "refusals", None)
    problems = ([{"rule": r.rule, "message": r.message, "source": r.source} for r in refusals] if refusals
                else [{"rule": "", "message": err.message, "source": ""}])
    return child_page(request, child_id, problems=problems, entered=entered or {}, status=409)


def _acting(request, child_id: str):
    """The child (in the user's scope, else a 404) and who is acting."""
    summary = library.child_or_404(request.user, child_id)
    return summary, library.account(request.user).role, journeypage.actor_name(request.user)


@roles(*ACTING)
@require_POST
def move(request, child_id: str):
    _, role, actor = _acting(request, child_id)
    move_id = request.POST.get("move", "")
    reason = request.POST.get("reason", "").strip()[:2000] or None
    with library.open_store() as store:
        try:
            step = J.move(store, child_id, move_id, role, actor, reason)
        except PepError as err:
            return _refused(request, child_id, err, {"reason": reason or "", "move": move_id})
    log_access(request, "journey", child_id, f"{move_id} v{step.version}")
    label = J.journey_for(step.record).label(step.step["to"])
    text = f"Done: the PEP is now “{label}”."
    if step.warnings:
        text += " Note: " + " ".join(w.text() for w in step.warnings)
    if step.next_term_offered:
        text += " You can now start next term's PEP."
    return _done(request, child_id, text)


@roles(*ACTING)
@require_POST
def sections(request, child_id: str):
    _, role, actor = _acting(request, child_id)
    section_id, undo = request.POST.get("section", ""), request.POST.get("action") == "reopen"
    with library.open_store() as store:
        try:
            step = J.complete_section(store, child_id, section_id, role, actor, undo=undo)
        except PepError as err:
            return _refused(request, child_id, err)
    log_access(request, "journey", child_id, f"section {section_id} v{step.version}")
    heading = next((s.heading for s in J.section_states(step.record) if s.id == section_id), section_id)
    return _done(request, child_id, f"“{heading}” is marked {'not complete' if undo else 'complete'}.")


@roles(*J.SIGNERS)
@require_POST
def sign(request, child_id: str):
    _, role, actor = _acting(request, child_id)
    with library.open_store() as store:
        try:
            step = J.sign(store, child_id, role, actor)
        except PepError as err:
            return _refused(request, child_id, err)
    log_access(request, "journey", child_id, f"signed v{step.version}")
    return _done(request, child_id, f"Your part is signed off ({actor}).")


@roles("virtual_school")
@require_POST
def rate(request, child_id: str):
    _, role, actor = _acting(request, child_id)
    overall = request.POST.get("overall") or None
    section_ratings = {key[len("section_"):]: value for key, value in request.POST.items()
                       if key.startswith("section_") and value}
    feedback = request.POST.get("feedback", "").strip()[:4000] or None
    actions = request.POST.get("actions", "").strip()[:4000] or None
    with library.open_store() as store:
        try:
            step = J.rate(store, child_id, role, actor, overall=overall, sections=section_ratings,
                          feedback=feedback, actions=actions)
        except PepError as err:
            return _refused(request, child_id, err, {"feedback": feedback or "", "actions": actions or ""})
    log_access(request, "journey", child_id, f"rated v{step.version}")
    return _done(request, child_id, "Quality assurance saved" + (f": rated {overall}." if overall else "."))


@roles("virtual_school")
@require_POST
def ppg(request, child_id: str):
    _, role, actor = _acting(request, child_id)
    action = request.POST.get("action")
    with library.open_store() as store:
        try:
            if action == "agree":
                step = J.agree_ppg(store, child_id, role, actor, request.POST.get("amount", "").strip() or None)
            elif action == "release":
                step = J.release_ppg(store, child_id, role, actor)
            else:
                raise Http404("No such action.")
        except PepError as err:
            return _refused(request, child_id, err)
    log_access(request, "journey", child_id, f"ppg {action} v{step.version}")
    state = J.ppg_state(step.record)
    return _done(request, child_id, f"PP+ {'agreed' if action == 'agree' else 'released'}: £{state['agreed']}.")


@roles(*ACTING)
@require_POST
def start_next_term(request, child_id: str):
    _, role, _actor = _acting(request, child_id)
    with library.open_store() as store:
        record = store.require(child_id).record
        journey = J.journey_for(record)
        if J.status_of(record) != "complete" or role not in journey.moves["start"].roles_for(record):
            return _refused(request, child_id, PepError("Next term's PEP is started once this one is complete, by "
                                                        "someone who may start a PEP."))
        try:
            started = next_term(record)
            version = store.put(started.record, "next-term")
        except PepError as err:
            return _refused(request, child_id, err)
    log_access(request, "journey", child_id, f"next term v{version}")
    return _done(request, child_id, f"Next term's PEP {started.record['pep']['id']} started; it carries forward "
                                    f"{len(started.carried_forward)} parts to check and reviews "
                                    f"{started.targets_reviewed} target{'s' if started.targets_reviewed != 1 else ''}.")


@roles(*ACTING)
def reply(request, child_id: str, kind: str):
    """What a sent-back PEP's school needs: the reply (text or PDF) and the re-issued form holding what is written."""
    summary = library.child_or_404(request.user, child_id)
    record = library.record_of(child_id)
    if J.status_of(record) != "review_again" or kind not in ("txt", "pdf", "form"):
        raise Http404("No such reply.")
    stem = record["pep"].get("id") or child_id
    if kind == "form":
        variant = library.variants_of(summary.authority)
        if not any(v.id == summary.variant and "form" in v.formats for v in variant):
            raise Http404("No such form.")
        name, data = library.document(summary.authority, summary.variant, "form", record, "school")
        content_type = CONTENT_TYPES["form"]
    else:
        text, pdf = journeypage.reply_files(record)
        name, data = f"{stem}_reply.{kind}", text if kind == "txt" else pdf
        content_type = "text/plain; charset=utf-8" if kind == "txt" else "application/pdf"
    log_access(request, "download", child_id, f"send-back {kind} v{summary.version}")
    return _attachment(name, data, content_type)


@roles("virtual_school")
def qa_queue(request):
    with library.open_store() as store:
        rows = journeypage.queue(store, request.user)
    return render(request, "pepweb/qa_queue.html", {"title": "Quality assurance", "rows": rows})


def owner_css(request, authority: str):
    """The owner colours of an authority as a stylesheet (public: colours, nothing about any child)."""
    css = journeypage.owner_stylesheet(authority)
    if not css:
        raise Http404("No such stylesheet.")
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
