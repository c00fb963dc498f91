"""Send-back for a return that is ours but invalid: a reply listing each problem in plain words, and a re-issued
form prefilled with everything the school typed, so nobody types anything twice."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from data_schemas import field_info, question_bank, set_path, value_at

from ..authority.audience import AUDIENCES, audience_view
from ..authority.profiles import authorities
from ..core.errors import PepError
from ..core.writer import write_atomic
from ..ingest.returns import IngestResult, drop_empty_items
from ..pipeline.generate import generate, prepare
from ..signing.keys import KeyRing

WHAT_TO_DO = ("Please open the re-issued form that came with this note. It already holds everything you typed, so "
              "only the answers listed here need changing. Save it and send it back as it is (please do not print "
              "and scan it, or \"print to PDF\": those copies lose the form's fields).")


def send_back(result: IngestResult, folder: Path, keys: KeyRing, issue_date: str | None = None) -> list[Path]:
    """Write `<form id>_reply.pdf` and `.txt`, and `<form id>_reissued.pdf`; returns the paths written."""
    folder = Path(folder)
    form_id = result.manifest.identity.form_id
    paths = []
    try:
        reissued = reissue(result, keys, issue_date)
    except PepError as err:
        reissued, note = None, f"(A re-issued form could not be made: {err.message} Please use the form you have.)"
    else:
        note = ""
    lines = reply_lines(result, note)
    for suffix, data in (("reply.txt", "\n".join(lines).encode("utf-8") + b"\n"),
                         ("reply.pdf", _reply_pdf(lines)), ("reissued.pdf", reissued)):
        if data is not None:
            path = folder / f"{form_id}_{suffix}"
            write_atomic(path, data, force=True)
            paths.append(path)
    return paths


# -- the reply ----------------------------------------------------------------------------------------------------

def reply_lines(result: IngestResult, note: str = "") -> list[str]:
    """The reply as plain lines: what the form is, each problem with what was typed, and what to do."""
    ident = result.manifest.identity
    profile = authorities().get(ident.authority)
    variant = profile.variants.get(ident.variant) if profile else None
    title = variant.title if variant else ident.variant
    by_path = {spec.path: spec.name for spec in result.manifest.fields}
    lines = [f"{profile.name if profile else ident.authority}: {title}",
             f"Form {ident.form_id}, child id {ident.social_care_id or '(none)'}, issued {ident.issue_date}.", "",
             "Thank you for returning this form. We could not accept it yet, because:", ""]
    for path, message in result.errors:
        typed = result.values.get(by_path.get(path, ""))
        wrote = f" You wrote: “{typed}”." if isinstance(typed, str) and typed else ""
        lines.append(f"- {describe(path)}: {message}{wrote}")
    lines += ["", WHAT_TO_DO] + ([note] if note else [])
    return lines


def describe(path: str) -> str:
    """A data path in words: `targets.1.by_date` -> "Targets, number 2: To be achieved by"."""
    if not path:
        return "The form"
    parts, words, prefix = path.split("."), [], ""
    bank = question_bank()
    for i, part in enumerate(parts):
        prefix = f"{prefix}.{part}" if prefix else part
        if part.isdigit():
            words[-1] = f"{words[-1]}, number {int(part) + 1}"
        elif parts[i - 1: i] == ["answers"] and part in bank:
            words.append(f"“{bank[part].text}”")
        elif part != "answers" and (info := field_info(prefix)) is not None:
            words.append(info.label)
    return ": ".join(words) or path


def _reply_pdf(lines: list[str]) -> bytes:
    """The reply as a one-page PDF (WeasyPrint, the fonts pep ships)."""
    from weasyprint import HTML

    head, body = lines[0], lines[1:]
    items = "".join(f"<li>{html.escape(line[2:])}</li>" for line in body if line.startswith("- "))
    paras = [f"<p>{html.escape(line)}</p>" for line in body if line and not line.startswith("- ")]
    page = (f"<html><head><meta charset='utf-8'><title>{html.escape(head)}</title><style>body{{font-family:'DejaVu "
            f"Sans',sans-serif;font-size:11pt}}h1{{font-size:15pt}}li{{margin:.4em 0}}</style></head><body>"
            f"<h1>{html.escape(head)}</h1>{paras[0]}{paras[1]}<ul>{items}</ul>{''.join(paras[2:])}</body></html>")
    return HTML(string=page).write_pdf()


# -- the re-issued form -------------------------------------------------------------------------------------------

def reissue(result: IngestResult, keys: KeyRing, issue_date: str | None = None) -> bytes:
    """A fresh signed form with the same fields, read-only values as issued, and every typed value kept."""
    from ..forms.issue import field_value, fill, make_manifest, shown_text
    from ..forms.layout import layout
    from ..forms.plan import plan_form

    ident = result.manifest.identity
    record = _valid_part(result)
    request, plan = _matching_plan(ident.authority, ident.variant, record, result, plan_form)
    typed = {name: _as_field(value) for name, value in result.values.items()}
    values = {f.name: typed[f.name] if f.name in typed else field_value(f, request.record) for f in plan.fields}
    key = keys.current()
    manifest = make_manifest(request, plan, values, issue_date or dt.date.today().isoformat(), key.id).sign(key)
    shown = {f.name: shown_text(f, request.record, values[f.name]) for f in plan.fields if f.spec.readonly}
    return fill(layout(request.profile.id, plan), plan, values, shown, manifest, request.model.metadata)


def _as_field(value):
    """A value read back, as the form filler takes it: text, True/False, or an option ("" for none)."""
    return "" if value is None else value


def _valid_part(result: IngestResult) -> dict:
    """The record read from the return without the values that failed, so it can be rendered."""
    bad = {path for path, _ in result.errors}
    record: dict = {}
    for spec in result.manifest.fields:
        if spec.path not in bad and not (field_info(spec.path) or _NoInfo).derived:
            set_path(record, spec.path, value_at(result.record, spec.path))
    ident = result.manifest.identity
    record.setdefault("pep", {}).update({"authority": ident.authority, "variant": ident.variant})
    if ident.social_care_id:
        record.setdefault("child", {})["social_care_id"] = ident.social_care_id
    return drop_empty_items(record)


class _NoInfo:
    derived = False


def _matching_plan(authority: str, variant: str, record: dict, result: IngestResult, plan_form):
    """The audience and slot plan that gives exactly the returned form's fields (the identity does not say which
    audience a form was made for, and a different one could show what this school must not see)."""
    wanted = [spec.name for spec in result.manifest.fields]
    for audience in AUDIENCES[::-1]:
        request = prepare(authority, variant, "form", record, audience)
        for basis in (request.record, None):
            plan = plan_form(request.profile, request.variant, audience_view(request.profile, audience), basis)
            if [f.name for f in plan.fields] == wanted:
                return request, plan
    raise PepError("its fields could not be laid out again exactly as issued.")


# -- a PEP the Virtual School sends back after quality assurance ---------------------------------------------------

def qa_reply_lines(record: dict, reason: str, findings: list, actor: str | None = None) -> list[str]:
    """The reply to the school for a PEP sent back at QA: the reason, the actions, and each QA finding in plain
    words with the guidance it comes from."""
    pep, qa = record.get("pep") or {}, record.get("qa") or {}
    profile = authorities().get(pep.get("authority"))
    variant = profile.variants.get(pep.get("variant")) if profile else None
    lines = [f"{profile.name if profile else pep.get('authority')}: {variant.title if variant else pep.get('variant')}",
             f"PEP {pep.get('id') or '(no id)'}, child id {(record.get('child') or {}).get('social_care_id')}, "
             f"{pep.get('term') or ''} {pep.get('academic_year') or ''}".rstrip(), "",
             f"The Virtual School{' (' + actor + ')' if actor else ''} has sent this PEP back for review:", "",
             f"- Reason: {reason}"]
    if qa.get("actions_required"):
        lines.append(f"- Actions required: {qa['actions_required']}")
    if qa.get("feedback"):
        lines.append(f"- Feedback: {qa['feedback']}")
    for finding in findings:
        lines.append(f"- {describe(finding.path)}: {finding.message} (rule {finding.rule}; {finding.source})")
    lines += ["", "Please open the re-issued form that came with this note: it holds everything already written, so "
                  "only what is listed here needs changing. Then mark the PEP ready to submit again."]
    return lines


def qa_reply(record: dict, reason: str, findings: list, actor: str | None = None) -> tuple[bytes, bytes]:
    """The QA reply to the school as plain text and as a one-page PDF."""
    lines = qa_reply_lines(record, reason, findings, actor)
    return "\n".join(lines).encode("utf-8") + b"\n", _reply_pdf(lines)


def qa_send_back(record: dict, reason: str, findings: list, folder: Path, *, actor: str | None = None,
                 keys: KeyRing | None = None, issue_date: str | None = None) -> list[Path]:
    """Write `<pep id>_reply.txt` and `.pdf` and, for a variant with a form, the school's re-issued form holding
    what is already written; returns the paths written."""
    folder = Path(folder)
    pep = record["pep"]
    stem = pep.get("id") or f"{record['child']['social_care_id']}-{pep.get('academic_year', '').replace('/', '-')}"
    text, pdf = qa_reply(record, reason, findings, actor)
    paths = []
    for suffix, data in (("reply.txt", text), ("reply.pdf", pdf)):
        path = folder / f"{stem}_{suffix}"
        write_atomic(path, data, force=True)
        paths.append(path)
    profile = authorities()[pep["authority"]]
    if "form" in profile.variant(pep["variant"]).formats:
        options = {"keys": keys or KeyRing.load(), **({"issue_date": issue_date} if issue_date else {})}
        paths.append(generate(pep["authority"], pep["variant"], "form", record, folder, audience="school",
                              force=True, options=options).path)
    return paths
