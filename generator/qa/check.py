"""Quality assurance of a PEP against its authority's rules, with a report an officer can send the PEP back with."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import jinja2

from ..authority.coverage import record_warnings
from ..authority.profiles import get_profile, template_search_path
from ..authority.validation import check_record
from ..core.errors import InputError, TemplateError
from ..core.records import load_json_file
from .academic_calendar import load_calendar
from .kinds import KINDS, STAGE_RANK, Context, NotChecked, as_date, empty, fmt, label
from .rules import Rule, load_rules

SCHEMA_RULE = "SCHEMA"
SCHEMA_SOURCE = "The PEP record's shape (pep validate): a record must be valid before its authority's rules can run."


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a PEP: the rule, how serious, where, what, and the guidance it comes from."""

    rule: str
    severity: str
    path: str
    message: str
    source: str

    def as_json(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "path": self.path, "message": self.message,
                "source": self.source}


@dataclass
class QaResult:
    """The outcome of checking one record."""

    source: str
    valid: bool
    findings: list[Finding] = field(default_factory=list)
    not_checked: list[tuple[str, str]] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    record: dict | None = None
    stage: str | None = None

    @cached_property
    def not_shown(self) -> list[tuple[str, str]]:
        """(path, why) of each field held that the variant does not show; worked out only for the reports."""
        return record_warnings(self.record) if self.valid and self.record else []

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def verdict(self) -> str:
        if self.errors:
            return "send back"
        return "passes with warnings" if self.warnings else "passes"

    def as_json(self) -> dict:
        return {"source": self.source, "findings": [f.as_json() for f in self.findings], "valid": self.valid,
                "stage": self.stage, "checked": self.checked,
                "not_checked": [{"rule": r, "reason": why} for r, why in self.not_checked],
                "not_shown": [{"path": path, "message": why} for path, why in self.not_shown]}


def check_data(data, source: str = "<record>") -> QaResult:
    """Validate a parsed record, then (if valid) check it against its authority's rules."""
    result = check_record(data)
    if not result.valid:
        findings = [Finding(SCHEMA_RULE, "error", path, message, SCHEMA_SOURCE) for path, message in result.errors]
        return QaResult(source, False, findings)
    return check_valid(result.record, source)


def check_file(path: Path) -> QaResult:
    """Read, validate and check one record file; unreadable files come back as one schema finding."""
    try:
        data = load_json_file(path)
    except InputError as err:
        message = err.message if err.line is None else f"line {err.line}: {err.message}"
        return QaResult(str(path), False, [Finding(SCHEMA_RULE, "error", "", message, SCHEMA_SOURCE)])
    return check_data(data, str(path))


def check_valid(record: dict, source: str = "<record>") -> QaResult:
    """Check an already validated record against every rule of its authority that applies to its variant."""
    authority, variant_id = record["pep"]["authority"], record["pep"]["variant"]
    profile = get_profile(authority)
    ctx = Context(record, profile, profile.variant(variant_id), load_calendar(authority))
    result = QaResult(source, True, record=record, stage=ctx.stage)
    for rule in load_rules(authority).for_variant(variant_id):
        _run(rule, ctx, result)
    order = {"error": 0, "warning": 1}
    result.findings.sort(key=lambda f: order[f.severity])
    return result


def _run(rule: Rule, ctx: Context, result: QaResult) -> None:
    if rule.inactive:
        result.not_checked.append((rule.id, rule.inactive))
        return
    if not all(ctx.matches(condition) for condition in rule.when):
        result.not_applicable.append(rule.id)
        return
    if rule.over and rule.if_empty != "check" and empty(ctx.get(rule.over)):
        result.checked.append(rule.id)
        if rule.if_empty == "flag" and STAGE_RANK[ctx.stage] >= STAGE_RANK["held"]:  # lists are due at the meeting
            result.findings.append(Finding(rule.id, rule.severity, rule.over,
                                           f"{rule.message} There is nothing under {label(rule.over)}.",
                                           rule.citation))
        return
    try:
        violations = KINDS[rule.kind].check(ctx, rule.params)
    except NotChecked as why:
        result.not_checked.append((rule.id, str(why).rstrip(".")))
        return
    result.checked.append(rule.id)
    for path, detail in violations:
        result.findings.append(Finding(rule.id, rule.severity, path, f"{rule.message} {detail}", rule.citation))


# --- reports ------------------------------------------------------------------------------------------------------


def summary_line(result: QaResult) -> str:
    """`Send back: 2 errors, 1 warning.` and the like."""
    if not result.valid:
        return f"Invalid record: {len(result.findings)} error(s) in its shape; fix them before QA."
    counts = f"{_count(len(result.errors), 'error')}, {_count(len(result.warnings), 'warning')}"
    return f"{result.verdict.capitalize()}: {counts}."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def describe(result: QaResult) -> dict:
    """What the reports show about the record, by id only (no child's name)."""
    record = result.record or {}
    pep, child, meeting = (record.get(k) or {} for k in ("pep", "child", "meeting"))
    title = None
    if pep.get("authority") and result.valid:
        profile = get_profile(pep["authority"])
        title = f"{profile.name}: {profile.variant(pep['variant']).title}"
    return {"title": title or "PEP record", "child": child.get("social_care_id"), "pep_id": pep.get("id"),
            "meeting": fmt(as_date(meeting.get("date"))) if meeting.get("date") else None,
            "term": " ".join(x for x in (str(pep.get("term") or "").capitalize(), pep.get("academic_year") or "") if x),
            "stage": result.stage}


def text_report(result: QaResult) -> str:
    """A plain-text QA report: the verdict, then every error and warning with its reason and source."""
    info = describe(result)
    lines = [f"QA report: {info['title']}", f"Record: {result.source}"]
    ids = [f"child {info['child']}" if info["child"] else "", f"PEP {info['pep_id']}" if info["pep_id"] else "",
           f"meeting {info['meeting']}" if info["meeting"] else "", info["term"]]
    if any(ids):
        lines.append(" · ".join(i for i in ids if i))
    lines += ["", summary_line(result)]
    for heading, items in (("Errors: must be put right", result.errors), ("Warnings: should be put right",
                                                                           result.warnings)):
        if items:
            lines += ["", heading]
            for n, finding in enumerate(items, 1):
                lines += [f"  {n}. [{finding.rule}] {finding.path or '(whole record)'}", f"     {finding.message}",
                          f"     Source: {finding.source}"]
    if result.not_checked:
        lines += ["", "Not checked"] + [f"  [{rule}] {why}." for rule, why in result.not_checked]
    if result.not_shown:
        lines += ["", "Held but not shown by this variant (the record copy lists them under \"Also recorded\")"]
        lines += [f"  {path}: {why}" for path, why in result.not_shown]
    if result.valid:
        lines += ["", f"Rules checked: {len(result.checked)}; not applicable to this record: "
                      f"{len(result.not_applicable)}."]
    return "\n".join(lines) + "\n"


@cache
def html_environment(authority: str | None) -> jinja2.Environment:
    """Jinja for the HTML reports: the authority's templates first, then the common ones; autoescaped, strict."""
    paths = [str(p) for p in template_search_path(authority or "common")]
    return jinja2.Environment(loader=jinja2.FileSystemLoader(paths), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_template(name: str, authority: str | None, **context) -> str:
    """Render one report template, turning Jinja's errors into a TemplateError naming the file."""
    try:
        return html_environment(authority).get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as err:
        raise TemplateError(err.message or "Syntax error.", file=err.filename or name, line=err.lineno) from err
    except jinja2.TemplateError as err:
        raise TemplateError(str(err), file=name) from err


def html_report(result: QaResult) -> str:
    """A self-contained HTML QA report for one record."""
    authority = ((result.record or {}).get("pep") or {}).get("authority")
    return render_template("qa_report.html.j2", authority, result=result, info=describe(result),
                           summary=summary_line(result))

