"""The pages of `pep serve`. Every view that touches a child looks the child up through the user's scope: a child
out of scope, a guessed id, or a download kind the role may not have is a 404, never a 403."""

from __future__ import annotations

import datetime as dt
import functools
import mimetypes
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from ..authority.audience import AUDIENCES
from ..authority.journey import load_journey
from ..authority.profiles import get_profile
from ..core.errors import PepError
from ..qa.check import check_valid
from ..qa.dashboard import render as render_dashboard
from ..qa.due import Cohort, cohort_due, counts, to_ics
from . import accounts, journeypage, library
from .models import ROLES, AccessEntry, CohortJob, SignInFailure, Upload, UploadedFile

STATIC = Path(__file__).parent / "static"
THROTTLE_FAILURES = 5  # failed sign-ins of one user name, or 20 from one address, within the window
THROTTLE_ADDRESS = 20
THROTTLE_WINDOW = dt.timedelta(minutes=15)
PAGE_SIZE = 25


def nav_context(request) -> dict:
    acc = library.account(request.user) if request.user.is_authenticated else None
    return {"acc": acc, "role_label": ROLES.get(acc.role, "") if acc else "",
            "authority_name": library.authority_name(acc.authority) if acc else ""}


def roles(*allowed):
    """Signed in, and one of these roles; anyone else gets a 404 (the page does not exist for them)."""

    def wrap(view):
        @functools.wraps(view)
        @login_required
        def inner(request, *args, **kwargs):
            acc = library.account(request.user)
            if acc is None or (allowed and acc.role not in allowed):
                raise Http404("No such page.")
            return view(request, *args, **kwargs)

        return inner

    return wrap


def log_access(request, action: str, child: str = "", what: str = "") -> None:
    acc = library.account(request.user)
    AccessEntry.objects.create(user=request.user, username=request.user.username,
                               authority=acc.authority if acc else "", child=child, action=action, what=what[:200])


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


# --- signing in ------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.user.is_authenticated:
        return redirect("home")
    errors, username, status = {}, "", 200
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()[:150]
        password = request.POST.get("password", "")
        since = timezone.now() - THROTTLE_WINDOW
        failures = SignInFailure.objects.filter(at__gte=since)
        if (failures.filter(username=username.lower()).count() >= THROTTLE_FAILURES
                or failures.filter(address=_address(request)).count() >= THROTTLE_ADDRESS):
            errors["form"] = ("Too many failed attempts to sign in. Wait 15 minutes and try again, or ask your "
                              "virtual school to reset your password.")
            status = 429
        else:
            if not username:
                errors["username"] = "Enter your user name."
            if not password:
                errors["password"] = "Enter your password."
            if not errors:
                user = authenticate(request, username=username, password=password)
                if user is None or library.account(user) is None:
                    SignInFailure.objects.create(username=username.lower(), address=_address(request))
                    errors["form"] = "The user name or password is not right. Check them and try again."
                    status = 400
                else:
                    SignInFailure.objects.filter(username=username.lower()).delete()
                    login(request, user)
                    safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure())
                    return redirect(next_url if next_url and safe else "home")
            else:
                status = 400
    return render(request, "pepweb/sign_in.html", {"errors": errors, "username": username, "next": next_url,
                                                   "title": "Sign in"}, status=status)


@require_POST
def sign_out(request):
    logout(request)
    return render(request, "pepweb/signed_out.html", {"title": "Signed out"})


def csrf_failure(request, reason=""):
    return render(request, "pepweb/error.html", {"title": "The form had expired", "message": (
        "The page you sent was out of date or came from somewhere else, so nothing was done. Go back, reload the "
        "page and try again.")}, status=403)


def not_found(request, exception=None):
    return render(request, "pepweb/error.html", {"title": "Page not found", "message": (
        "There is no such page, or you do not have access to it.")}, status=404)


def server_error(request):
    return render(request, "pepweb/error.html", {"title": "Something went wrong", "message": (
        "The page could not be shown. Nothing you sent was lost; try again in a moment.")}, status=500)


# --- home -------------------------------------------------------------------------------------------------------------


@roles()
def home(request):
    acc = library.account(request.user)
    children = library.visible(request.user)
    overdue = [c for c in children if c.due_status == "overdue"]
    due_soon = [c for c in children if c.due_status == "due_soon"]
    to_return = [c for c in children if c.stage == "draft" and c.due_status in ("overdue", "due_soon")]
    waiting = [c for c in children if c.waiting_for_qa]
    with library.open_store() as store:
        todo = journeypage.todo_groups(request.user, store)
    return render(request, "pepweb/home.html", {
        "todo": todo, "todo_count": sum(len(items) for _, items in todo), "as_of": library.as_of(),
        "title": "Home", "children": children, "overdue": overdue[:10], "due_soon": due_soon[:10],
        "to_return": to_return[:10], "waiting": waiting[:10],
        "counts": {"overdue": len(overdue), "due_soon": len(due_soon), "to_return": len(to_return),
                   "waiting": len(waiting)},
        "jobs": CohortJob.objects.filter(user=request.user)[:5] if acc.role == "virtual_school" else []})


# --- children ---------------------------------------------------------------------------------------------------------

FILTERS = ("school", "key_stage", "due", "rag", "stage", "journey", "qa")


@roles()
def children(request):
    everyone = library.visible(request.user)
    q = request.GET.get("q", "").strip().lower()[:100]
    chosen = {k: request.GET.get(k, "") for k in FILTERS}
    shown = [c for c in everyone if (not q or q in c.id.lower() or q in c.name.lower() or q in c.school_name.lower())
             and (not chosen["school"] or c.school_urn == chosen["school"])
             and (not chosen["key_stage"] or c.key_stage == chosen["key_stage"])
             and (not chosen["due"] or c.due_status == chosen["due"])
             and (not chosen["rag"] or c.rag == (chosen["rag"] if chosen["rag"] != "none" else ""))
             and (not chosen["stage"] or c.stage == chosen["stage"])
             and (not chosen["journey"] or (c.pep_status or "not_started") == chosen["journey"])
             and (not chosen["qa"] or c.qa_rating == (chosen["qa"] if chosen["qa"] != "none" else ""))]
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    keep = urlencode({k: v for k, v in {"q": q, **chosen}.items() if v})
    schools = sorted({(c.school_urn, c.school_name or c.school_urn) for c in everyone if c.school_urn},
                     key=lambda s: s[1])
    options = {
        "school": schools,
        "key_stage": [(k, k) for k in sorted({c.key_stage for c in everyone if c.key_stage})],
        "due": [(k, v) for k, v in library.STATUS_LABELS.items()],
        "rag": [("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("none", "Not rated")],
        "stage": list(library.STAGE_LABELS.items()),
        "journey": list(load_journey(library.account(request.user).authority).states),
        "qa": [(k or "none", v) for k, v in library.QA_LABELS.items()],
    }
    labels = {"school": "School", "key_stage": "Key stage", "due": "Next PEP", "rag": "RAG rating (RONI)",
              "stage": "Meeting stage", "journey": "PEP status", "qa": "QA rating"}
    filters = [{"name": k, "label": labels[k], "options": options[k], "value": chosen[k]} for k in FILTERS]
    return render(request, "pepweb/children.html", {"title": "Children", "page": page, "q": q, "filters": filters,
                                                    "keep": keep, "total": len(shown)})


@roles()
def child(request, child_id: str):
    return child_page(request, child_id)


def child_page(request, child_id: str, *, problems: list | None = None, entered: dict | None = None,
               status: int = 200):
    """A child's page; an action refused shows it again with the refusals (`problems`) and what was typed."""
    summary = library.child_or_404(request.user, child_id)
    acc = library.account(request.user)
    with library.open_store() as store:
        record = store.require(child_id).record
        history = store.history(child_id)
        journey = journeypage.child_journey(store, child_id, acc.role)
    audience = "school" if acc.role == "designated_teacher" else "record"
    hidden = library.audience_view(get_profile(summary.authority), audience)
    versions = []
    for entry in reversed(history):
        changes = [c for c in entry["changes"] if not hidden.hides(c["path"])]
        versions.append({**entry, "changes": changes[:40], "more": max(0, len(changes) - 40),
                         "hidden": len(entry["changes"]) - len(changes), "when": journeypage.moment(entry["at"])})
    qa = check_valid(record, child_id)
    profile = get_profile(summary.authority)
    variant = profile.variant(summary.variant)
    downloads = [{"fmt": f, "label": library.FORMATS[f], "audiences": [
        (a, library.AUDIENCE_LABELS[a]) for a in library.audiences_for(request.user)]}
        for f in library.formats_for(request.user, variant.formats)]
    if problems is None:
        log_access(request, "view", child_id, f"record v{summary.version}")
    return render(request, "pepweb/child.html", {
        "title": f"Child {child_id}", "c": summary, "variant": variant, "profile": profile,
        "sections": library.summary_sections(record, audience), "versions": versions, "qa": qa,
        "downloads": downloads, "may_upload": acc.role in library.UPLOAD_ROLES, "journey": journey,
        "notice": request.session.pop("pep_notice", None), "problems": problems or [], "entered": entered or {},
        "owner_css": journey["coloured"]}, status=status)


def _attachment(name: str, data: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


CONTENT_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "pdf": "application/pdf", "form": "application/pdf"}


@roles()
def download(request, child_id: str, fmt: str, audience: str):
    summary = library.child_or_404(request.user, child_id)
    if fmt not in CONTENT_TYPES or audience not in AUDIENCES or not library.may_download(request.user, fmt, audience):
        raise Http404("No such document.")
    variant = get_profile(summary.authority).variant(summary.variant)
    if fmt not in variant.formats:
        raise Http404("No such document.")
    record = library.record_of(child_id)
    try:
        name, data = library.document(summary.authority, summary.variant, fmt, record, audience)
    except PepError as err:
        return render(request, "pepweb/error.html", {"title": "The document could not be made",
                                                     "message": err.message}, status=409)
    log_access(request, "download", child_id, f"{fmt} {summary.variant} {audience} v{summary.version} {name}")
    return _attachment(name, data, CONTENT_TYPES[fmt])


@roles()
def blanks(request):
    acc = library.account(request.user)
    rows = []
    for variant in library.variants_of(acc.authority):
        formats = library.formats_for(request.user, variant.formats)
        if formats:
            rows.append({"variant": variant, "formats": [(f, library.FORMATS[f]) for f in formats]})
    return render(request, "pepweb/blanks.html", {"title": "Blank documents and forms", "rows": rows,
                                                  "audiences": [(a, library.AUDIENCE_LABELS[a])
                                                                for a in library.audiences_for(request.user)]})


@roles()
def blank_download(request, variant_id: str, fmt: str, audience: str):
    acc = library.account(request.user)
    profile = get_profile(acc.authority)
    variant = profile.variants.get(variant_id)
    if (variant is None or fmt not in CONTENT_TYPES or fmt not in variant.formats or audience not in AUDIENCES
            or not library.may_download(request.user, fmt, audience)):
        raise Http404("No such document.")
    name, data = library.document(acc.authority, variant_id, fmt, None, audience)
    log_access(request, "download", "", f"blank {fmt} {variant_id} {audience} {name}")
    return _attachment(name, data, CONTENT_TYPES[fmt])


# --- returned forms ---------------------------------------------------------------------------------------------------


@roles(*library.UPLOAD_ROLES)
@require_http_methods(["GET", "POST"])
def returns(request):
    limits = {"files": settings.PEP_MAX_UPLOAD_FILES, "mb": settings.PEP_MAX_UPLOAD_BYTES // (1024 * 1024)}
    error = ""
    if request.method == "POST":
        files = request.FILES.getlist("forms")
        too_big = [f.name for f in files if f.size > settings.PEP_MAX_UPLOAD_BYTES]
        if not files:
            error = "Choose at least one returned form (a PDF file) to upload."
        elif len(files) > settings.PEP_MAX_UPLOAD_FILES:
            error = (f"You chose {len(files)} files; upload at most {settings.PEP_MAX_UPLOAD_FILES} at a time. "
                     "Nothing was uploaded.")
        elif too_big:
            error = (f"{len(too_big)} file(s) are larger than {limits['mb']} MB, which no returned form is: "
                     f"{', '.join(n[:60] for n in too_big[:5])}. Nothing was uploaded.")
        else:
            try:
                upload = accounts_upload(request, files)
            except PepError as err:
                error = err.message
            else:
                return redirect("upload", upload_id=upload.pk)
    status = 400 if error else 200
    recent = Upload.objects.filter(user=request.user).order_by("-at")[:5]
    return render(request, "pepweb/returns.html", {"title": "Upload returned forms", "error": error,
                                                   "limits": limits, "recent": recent}, status=status)


def accounts_upload(request, files):
    from .returns import process

    return process(request.user, files)


@roles(*library.UPLOAD_ROLES)
def upload(request, upload_id: int):
    found = Upload.objects.filter(pk=upload_id, user=request.user).first()
    if found is None:
        raise Http404("No such upload.")
    files = list(found.files.all())
    tally = {s: sum(1 for f in files if f.status == s and not f.duplicate) for s in ("accepted", "invalid",
                                                                                     "rejected")}
    tally["duplicate"] = sum(1 for f in files if f.duplicate)
    return render(request, "pepweb/upload.html", {"title": "Returned forms: results", "upload": found,
                                                  "files": files, "tally": tally})


@roles(*library.UPLOAD_ROLES)
def upload_file(request, upload_id: int, position: int, kind: str):
    row = UploadedFile.objects.filter(upload__pk=upload_id, upload__user=request.user, position=position).first()
    relative = getattr(row, kind, "") if row is not None and kind in ("reply", "reissued") else ""
    if not relative:
        raise Http404("No such file.")
    path = (library.store_dir() / relative).resolve()
    if library.store_dir().resolve() not in path.parents or not path.is_file():
        raise Http404("No such file.")
    log_access(request, "download", row.child, f"{kind} {row.form_id}")
    return _attachment(path.name, path.read_bytes(), "application/pdf")


@roles("virtual_school")
@require_http_methods(["GET", "POST"])
def unmatched(request):
    """Returned blank forms that matched no child, for the virtual school to assign (the store's own API)."""
    acc = library.account(request.user)
    errors: dict[str, str] = {}
    message = ""
    with library.open_store() as store:
        entries = [e for e in store.unmatched() if e["form"]["authority"] == acc.authority]
        if request.method == "POST":
            number = request.POST.get("entry", "")
            child_id = request.POST.get("child", "").strip()[:64]
            entry = next((e for e in entries if str(e["id"]) == number), None)
            if entry is None:
                raise Http404("No such return.")
            visible_ids = {c.id for c in library.visible(request.user)}
            if child_id not in visible_ids:
                errors[f"child-{entry['id']}"] = f"There is no child {child_id or '(none given)'} in {acc.authority}."
            else:
                try:
                    result = store.assign(entry["id"], child_id, actor=request.user.username)
                except PepError as err:
                    errors[f"child-{entry['id']}"] = err.message
                else:
                    if result.status == "accepted":
                        message = (f"Return {entry['id']} went into {child_id}'s record "
                                   f"(version {result.stored_version}).")
                        log_access(request, "assign", child_id, f"unmatched {entry['id']} v{result.stored_version}")
                    else:
                        errors[f"child-{entry['id']}"] = "Not assigned: " + "; ".join(
                            m for _, m in result.errors[:3])
            entries = [e for e in store.unmatched() if e["form"]["authority"] == acc.authority]
    return render(request, "pepweb/unmatched.html", {"title": "Unmatched returns", "entries": entries,
                                                     "errors": errors, "message": message},
                  status=400 if errors else 200)


# --- cohort generation ------------------------------------------------------------------------------------------------


@roles("virtual_school")
@require_http_methods(["GET", "POST"])
def cohort(request):
    from . import jobs

    acc = library.account(request.user)
    profile = get_profile(acc.authority)
    variants = list(profile.variants.values())
    errors: dict[str, str] = {}
    values = {"variant": request.POST.get("variant", ""), "formats": request.POST.getlist("formats"),
              "audience": request.POST.get("audience", "school"), "source": request.POST.get("source", "store")}
    if request.method == "POST":
        variant = profile.variants.get(values["variant"])
        if variant is None:
            errors["variant"] = "Choose what to generate."
        formats = [f for f in values["formats"] if f in library.FORMATS]
        if not formats:
            errors["formats"] = "Choose at least one format."
        elif variant is not None and any(f not in variant.formats for f in formats):
            errors["formats"] = f"{variant.title} is offered as {', '.join(variant.formats)} only."
        if values["audience"] not in AUDIENCES:
            errors["audience"] = "Choose who the documents are for."
        sheet = request.FILES.get("sheet")
        if values["source"] == "sheet":
            if sheet is None:
                errors["sheet"] = "Choose the cohort sheet (.csv or .xlsx in the `pep batch template` layout)."
            elif Path(sheet.name).suffix.lower() not in (".csv", ".xlsx"):
                errors["sheet"] = "The cohort sheet must be a .csv or .xlsx file."
        elif values["source"] != "store":
            errors["source"] = "Choose where the children come from."
        if not errors:
            job = CohortJob.objects.create(user=request.user, authority=acc.authority, variant=variant.id,
                                           formats=",".join(formats), audience=values["audience"],
                                           source=values["source"])
            folder = jobs.job_dir(library.store_dir(), job.pk)
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if sheet is not None and values["source"] == "sheet":
                with (folder / f"cohort{Path(sheet.name).suffix.lower()}").open("wb") as handle:
                    for chunk in sheet.chunks():
                        handle.write(chunk)
            jobs.start(job, job_options())
            log_access(request, "cohort", "", f"job {job.pk} {variant.id} {job.formats} {job.audience}")
            return redirect("job", job_id=job.pk)
    return render(request, "pepweb/cohort.html", {
        "title": "Generate a cohort", "variants": variants, "errors": errors, "values": values,
        "formats": list(library.FORMATS.items()), "audiences": list(library.AUDIENCE_LABELS.items()),
        "jobs": CohortJob.objects.filter(authority=acc.authority)[:10]}, status=400 if errors else 200)


def job_options() -> dict:
    db = settings.DATABASES["default"]
    url = None
    if db["ENGINE"].endswith("postgresql"):
        from urllib.parse import quote

        auth = quote(db["USER"]) + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
        host = db["HOST"]
        query = urlencode({"host": host, **db.get("OPTIONS", {})}) if host.startswith("/") else urlencode(
            db.get("OPTIONS", {}))
        netloc = f"{auth}@" + ("" if host.startswith("/") else host) + (f":{db['PORT']}" if db["PORT"] else "")
        url = f"postgresql://{netloc}/{db['NAME']}" + (f"?{query}" if query else "")
    elif db["NAME"] != str(library.store_dir() / "pep-web.sqlite3"):
        url = f"sqlite://{db['NAME']}"
    return {"store_dir": str(library.store_dir()), "database_url": url,
            "key_file": str(settings.PEP_KEY_FILE) if settings.PEP_KEY_FILE else None,
            "as_of": settings.PEP_AS_OF.isoformat() if settings.PEP_AS_OF else None}


def _job_or_404(request, job_id: int) -> CohortJob:
    acc = library.account(request.user)
    job = CohortJob.objects.filter(pk=job_id, authority=acc.authority).first()
    if job is None:
        raise Http404("No such job.")
    return job


@roles("virtual_school")
def job(request, job_id: int):
    found = _job_or_404(request, job_id)
    return render(request, "pepweb/job.html", {"title": f"Cohort job {found.pk}", "job": found,
                                               "refresh": found.status in ("queued", "running")})


@roles("virtual_school")
def job_status(request, job_id: int):
    found = _job_or_404(request, job_id)
    return JsonResponse({"status": found.status, "done": found.done, "total": found.total,
                         "percent": found.percent, "written": found.written, "bad_rows": found.bad_rows,
                         "message": found.message})


@roles("virtual_school")
def job_file(request, job_id: int, name: str):
    from . import jobs

    found = _job_or_404(request, job_id)
    out = jobs.job_dir(library.store_dir(), found.pk) / "out"
    if name in found.zips:
        path = out / "zips" / name
    elif name == "batch-errors.csv":
        path = out / name
    else:
        raise Http404("No such file.")
    if not path.is_file():
        raise Http404("No such file.")
    log_access(request, "download", "", f"cohort job {found.pk} {name}")
    return FileResponse(path.open("rb"), as_attachment=True, filename=name,
                        content_type="application/zip" if name.endswith(".zip") else "text/csv")


# --- dashboard and due dates ------------------------------------------------------------------------------------------


def _scoped_records(request) -> list[tuple[str, dict]]:
    ids = {c.id for c in library.visible(request.user)}
    with library.open_store() as store:
        return [(f"store#{v.social_care_id}", v.record) for v in store.records() if v.social_care_id in ids]


@roles()
def dashboard(request):
    records = _scoped_records(request)
    page = render_dashboard(Cohort(records=records), library.as_of())
    nav = render(request, "pepweb/dashboard_nav.html", {}).content.decode("utf-8")
    page = page.replace("<body>", "<body>" + nav, 1) if "<body>" in page else nav + page
    response = HttpResponse(page)
    response.pep_inline_styles = True  # the dashboard page's own styles; still no script at all
    log_access(request, "view", "", f"dashboard of {len(records)} children")
    return response


@roles()
def due(request):
    items = cohort_due(_scoped_records(request), library.as_of())
    return render(request, "pepweb/due.html", {"title": "Due dates", "items": items, "counts": counts(items),
                                               "as_of": library.as_of(), "labels": library.STATUS_LABELS})


@roles()
def due_ics(request):
    day = library.as_of()
    items = cohort_due(_scoped_records(request), day)
    log_access(request, "download", "", f"due calendar of {len(items)} items")
    return _attachment(f"pep-due-{day.isoformat()}.ics", to_ics(items, day).encode("utf-8"), "text/calendar")


# --- the virtual school: access log and accounts ----------------------------------------------------------------------


@roles("virtual_school")
def access_log(request):
    acc = library.account(request.user)
    entries = AccessEntry.objects.filter(authority=acc.authority)
    child_id = request.GET.get("child", "").strip()[:64]
    if child_id:
        entries = entries.filter(child=child_id)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "pepweb/access_log.html", {"title": "Access log", "page": page, "child": child_id})


@roles("virtual_school")
@require_http_methods(["GET", "POST"])
def users(request):
    acc = library.account(request.user)
    errors: dict[str, str] = {}
    values = {k: request.POST.get(k, "").strip() for k in ("username", "email", "role", "school_urn", "password")}
    message = ""
    if request.method == "POST":
        action = request.POST.get("action", "add")
        if action == "disable":
            target = User.objects.filter(username=request.POST.get("target", ""),
                                         pep__authority=acc.authority).first()
            if target is None:
                raise Http404("No such user.")
            if target == request.user:
                errors["target"] = "You cannot disable your own account."
            else:
                accounts.disable(target.username)
                message = f"{target.username} is disabled and signed out."
        else:
            try:
                with transaction.atomic():
                    accounts.add(values["username"], values["role"], acc.authority, email=values["email"],
                                 school_urn=values["school_urn"], password=values["password"])
            except accounts.AccountError as err:
                errors[err.field] = err.message
            else:
                message = f"Account {values['username']} added."
                values = {}
    people = User.objects.filter(pep__authority=acc.authority).select_related("pep").order_by("username")
    return render(request, "pepweb/users.html", {"title": "Accounts", "people": people, "errors": errors,
                                                 "values": values, "message": message, "roles": list(ROLES.items())},
                  status=400 if errors else 200)


# --- static files -----------------------------------------------------------------------------------------------------


def static(request, name: str):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    path = (STATIC / name).resolve()
    if STATIC.resolve() not in path.parents or not path.is_file():
        raise Http404("No such file.")
    response = FileResponse(path.open("rb"), content_type=mimetypes.guess_type(path.name)[0] or "text/plain")
    response["Cache-Control"] = "public, max-age=3600"
    return response
