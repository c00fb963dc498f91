"""The cohort dashboard: one self-contained HTML page of PEP timeliness, QA findings, RONI ratings and PP+ spend."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup, escape

from ..authority.profiles import get_profile
from .check import QaResult, check_valid, render_template
from .due import STATUS_LABELS, STATUSES, Cohort, DueItem, cohort_due, counts, pep_date

STATUS_COLOURS = {"overdue": "#b3261e", "due_soon": "#c77700", "on_time": "#1e6b35", "not_required": "#8a94a0",
                  "unknown": "#5a6470"}
SEVERITY_COLOURS = {"error": "#b3261e", "warning": "#c77700"}
RONI_COLOURS = {"red": "#b3261e", "amber": "#c77700", "green": "#1e6b35", "not_rated": "#8a94a0"}
MONEY_COLOURS = {"requested": "#1F3864", "agreed": "#8a6d1e", "released": "#4a8c5c"}
MONEY_KINDS = ("requested", "agreed", "released")
TERM_ORDER = {"autumn": 1, "spring": 2, "summer": 3}
PENNY = Decimal("0.01")


# --- charts (inline SVG, no scripts, no external resources) -------------------------------------------------------


def bar_chart(title: str, rows: list[tuple[str, list[tuple[float, str, str]]]], unit: str = "",
              width: int = 560) -> Markup:
    """Horizontal stacked bars: rows of (label, [(value, colour, series name)]), values printed at the end."""
    label_w, bar_h, gap, top = 170, 22, 10, 8
    total_max = max((sum(v for v, _, _ in parts) for _, parts in rows), default=0) or 1
    scale = (width - label_w - 70) / total_max
    height = top + len(rows) * (bar_h + gap) + 4
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" aria-labelledby="t{_id(title)}"><title id="t{_id(title)}">'
           f'{escape(title)}</title>']
    for index, (name, parts) in enumerate(rows):
        y = top + index * (bar_h + gap)
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" font-size="12" fill="#1b1f24">'
                   f'{escape(_short(name, 26))}</text>')
        x = float(label_w)
        for value, colour, series in parts:
            if value <= 0:
                continue
            w = value * scale
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colour}">'
                       f'<title>{escape(name)}: {escape(series)} {_num(value)}{escape(unit)}</title></rect>')
            x += w
        total = sum(v for v, _, _ in parts)
        out.append(f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="12" fill="#1b1f24">{escape(unit)}{_num(total)}'
                   f'</text>')
    out.append("</svg>")
    return Markup("".join(out))


def legend(items: list[tuple[str, str]]) -> Markup:
    """A small legend: coloured squares with names."""
    parts = [f'<span style="display:inline-block;margin-right:14px"><span style="display:inline-block;width:11px;'
             f'height:11px;background:{colour};margin-right:5px;vertical-align:-1px"></span>{escape(name)}</span>'
             for name, colour in items]
    return Markup(f'<p class="note">{"".join(parts)}</p>')


def _id(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())[:40]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value) -> str:
    if isinstance(value, Decimal) or (isinstance(value, float) and value != int(value)):
        return f"{Decimal(str(value)).quantize(PENNY):,}"
    return f"{int(value):,}"


# --- the figures --------------------------------------------------------------------------------------------------


def _latest_per_child(records: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    latest: dict[tuple[str, str], tuple[str, dict]] = {}
    for source, record in records:
        key = (record["pep"]["authority"], record["child"]["social_care_id"])
        if key not in latest or (pep_date(record) or dt.date.min) >= (pep_date(latest[key][1]) or dt.date.min):
            latest[key] = (source, record)
    return [latest[k] for k in sorted(latest)]


def timeliness(items: list[DueItem]) -> dict:
    by_authority: dict[str, Counter] = defaultdict(Counter)
    for item in items:
        by_authority[item.authority][item.status] += 1
    rows = [(get_profile(a).short_name, [(by_authority[a][s], STATUS_COLOURS[s], STATUS_LABELS[s]) for s in STATUSES])
            for a in sorted(by_authority)]
    return {"counts": counts(items), "chart": bar_chart("PEPs by status and authority", rows),
            "legend": legend([(STATUS_LABELS[s], STATUS_COLOURS[s]) for s in STATUSES]),
            "urgent": [i for i in items if i.status in ("overdue", "due_soon", "unknown")]}


def qa_summary(results: list[QaResult]) -> dict:
    """Findings by rule: how many records each rule found something in."""
    by_rule: dict[str, dict] = {}
    for result in results:
        authority = result.record["pep"]["authority"]
        for finding in result.findings:
            entry = by_rule.setdefault(finding.rule, {"rule": finding.rule, "severity": finding.severity,
                                                      "authority": authority, "records": set(), "findings": 0,
                                                      "message": finding.message, "source": finding.source})
            entry["records"].add(result.source)
            entry["findings"] += 1
    rules = sorted(by_rule.values(), key=lambda e: (e["severity"] != "error", -len(e["records"]), e["rule"]))
    rows = [(e["rule"], [(len(e["records"]), SEVERITY_COLOURS[e["severity"]], e["severity"])]) for e in rules]
    verdicts = Counter(r.verdict for r in results)
    return {"rules": rules, "verdicts": verdicts, "results": results,
            "chart": bar_chart("Records with a finding, by rule", rows) if rows else None,
            "legend": legend([("Error (must)", SEVERITY_COLOURS["error"]),
                              ("Warning (should)", SEVERITY_COLOURS["warning"])])}


def roni_summary(latest: list[tuple[str, dict]]) -> dict:
    """RONI ratings of the children in key stages 3 and 4 (their latest record), where their PEP has a RONI."""
    ratings: Counter = Counter()
    for _, record in latest:
        variant = get_profile(record["pep"]["authority"]).variant(record["pep"]["variant"])
        has_roni = "roni.rating" in variant.leaf_paths() or record.get("roni")
        if has_roni and (record.get("child") or {}).get("key_stage") in ("KS3", "KS4"):
            ratings[(record.get("roni") or {}).get("rating") or "not_rated"] += 1
    order = ("red", "amber", "green", "not_rated")
    names = {"red": "Red", "amber": "Amber", "green": "Green", "not_rated": "Not rated"}
    rows = [(names[r], [(ratings[r], RONI_COLOURS[r], names[r])]) for r in order]
    return {"ratings": {names[r]: ratings[r] for r in order}, "total": sum(ratings.values()),
            "chart": bar_chart("RONI ratings, key stages 3 and 4", rows)}


def _released(record: dict, profile) -> Decimal:
    """What of a PEP's PP+ has been released: paid, or approved where release follows the VS sign-off."""
    ppg = record.get("ppg") or {}
    amount = Decimal(ppg.get("approved_amount") or ppg.get("requested_total") or 0)
    status = ppg.get("payment_status")
    on_signoff = (ppg.get("release_condition") or profile.ppg.get("release")) == "on_vs_signoff"
    signed = bool(((record.get("signoffs") or {}).get("virtual_school") or {}).get("signed_at"))
    return amount if status == "paid" or (status == "approved" and on_signoff and signed) else Decimal(0)


def _agreed(record: dict) -> Decimal:
    """What of a PEP's PP+ the Virtual School has agreed: the amount approved, once approved (or paid)."""
    ppg = record.get("ppg") or {}
    if ppg.get("payment_status") not in ("approved", "paid"):
        return Decimal(0)
    return Decimal(ppg.get("approved_amount") or ppg.get("requested_total") or 0)


def _split(total: Decimal, parts: dict[str, Decimal]) -> dict[str, Decimal]:
    """Share a released total over categories in proportion to what each requested (pence add up exactly)."""
    requested = sum(parts.values())
    if not requested or not total:
        return dict.fromkeys(parts, Decimal(0))
    shares = {k: (total * v / requested).quantize(PENNY, ROUND_HALF_UP) for k, v in parts.items()}
    last = max(parts, key=lambda k: (parts[k], k))
    shares[last] += total - sum(shares.values())
    return shares


def ppg_summary(records: list[tuple[str, dict]]) -> dict:
    """PP+ requested, agreed and released, by term and category of spend (each counted separately)."""
    table: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(MONEY_KINDS, Decimal(0)))
    for _, record in records:
        pep = record["pep"]
        term = (pep.get("academic_year") or "", TERM_ORDER.get(pep.get("term"), 0), pep.get("term") or "")
        parts: dict[str, Decimal] = defaultdict(Decimal)
        for target in record.get("targets") or []:
            ppg = target.get("ppg") or {}
            if ppg.get("total") and Decimal(ppg["total"]) > 0 and target.get("vs_decision") != "declined":
                parts[ppg.get("category") or "other"] += Decimal(ppg["total"])
        released = _split(_released(record, get_profile(pep["authority"])), parts)
        agreed = _split(_agreed(record), parts)
        for category, amount in parts.items():
            table[(*term, category)]["requested"] += amount
            table[(*term, category)]["agreed"] += agreed[category]
            table[(*term, category)]["released"] += released[category]
    return _ppg_view(table)


def _ppg_view(table: dict) -> dict:
    from data_schemas import catalogue

    names = dict(catalogue()["targets.*.ppg.category"].option_labels)
    rows = [{"term": f"{key[2].capitalize()} {key[0]}".strip(), "category": names.get(key[3], key[3]), **value}
            for key, value in sorted(table.items())]
    by_term: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(MONEY_KINDS, Decimal(0)))
    for row in rows:
        for k in MONEY_KINDS:
            by_term[row["term"]][k] += row[k]
    chart_rows = [(f"{term}: {k}", [(float(value[k]), MONEY_COLOURS[k], k)]) for term, value in by_term.items()
                  for k in MONEY_KINDS]
    totals = {k: sum((r[k] for r in rows), Decimal(0)) for k in MONEY_KINDS}
    return {"rows": rows, "totals": totals,
            "chart": bar_chart("PP+ requested, agreed and released by term (£)", chart_rows, "£") if rows else None,
            "legend": legend([(k.capitalize(), MONEY_COLOURS[k]) for k in MONEY_KINDS])}


JOURNEY_LABELS = {"not_started": "Not started", "in_progress": "In progress", "ready_to_submit": "Ready to submit",
                  "submitted": "Submitted", "review_again": "Review again", "complete": "Complete"}


def journey_summary(latest: list[tuple[str, dict]]) -> dict:
    """Where each child's latest PEP is on its journey, and its QA rating with the date it was given."""
    statuses = Counter((r.get("pep") or {}).get("status") or "not_started" for _, r in latest)
    rated = [{"child": r["child"]["social_care_id"], "authority": r["pep"]["authority"],
              "status": JOURNEY_LABELS.get(r["pep"].get("status") or "not_started"),
              "rating": (r.get("qa") or {}).get("rating"), "date": (r.get("qa") or {}).get("date")}
             for _, r in latest if (r.get("qa") or {}).get("rating")]
    return {"statuses": [(label, statuses[key]) for key, label in JOURNEY_LABELS.items()], "rated": rated,
            "ratings": Counter(r["rating"] for r in rated)}


def build(cohort: Cohort, as_of: dt.date) -> dict:
    """Everything the dashboard shows, computed from a cohort of valid records."""
    items = cohort_due(cohort.records, as_of)
    results = [check_valid(record, source) for source, record in cohort.records]
    latest = _latest_per_child(cohort.records)
    illustrative = any(i.illustrative for i in items)
    return {"as_of": as_of, "records": len(cohort.records), "children": len(latest),
            "authorities": sorted({get_profile(r["pep"]["authority"]).short_name for _, r in cohort.records}),
            "problems": cohort.problems, "due": timeliness(items), "qa": qa_summary(results),
            "roni": roni_summary(latest), "ppg": ppg_summary(cohort.records), "illustrative": illustrative,
            "journey": journey_summary(latest),
            "status_labels": STATUS_LABELS}


def render(cohort: Cohort, as_of: dt.date) -> str:
    """The dashboard as one self-contained HTML page."""
    return render_template("dashboard.html.j2", None, **build(cohort, as_of))
