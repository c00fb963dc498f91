"""Every QA rule of every authority, on a record that passes it and one that fails it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, load_sample

from generator.qa.check import check_data

TEMPLATES = ROOT / "templates"


def setp(record: dict, path: str, value) -> None:
    """Set a dotted path (creating mappings on the way; list positions as digits)."""
    *head, last = path.split(".")
    node = record
    for part in head:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def delp(record: dict, path: str) -> None:
    *head, last = path.split(".")
    node = record
    for part in head:
        node = node[int(part)] if isinstance(node, list) else node[part]
    del node[int(last) if isinstance(node, list) else last]


def base(authority: str, variant: str) -> dict:
    """A record of the authority's variant that passes every rule (the bundled sample, fixed where it fails)."""
    record = copy.deepcopy(load_sample(authority, variant))
    if authority == "enfield":  # the sample's academic targets leave out career aspirations (ENF-06)
        record["targets"][0]["target"] += " Reading about animals supports her aspiration to be a vet."
    return record


def initial(record: dict, entered: str = "2025-09-15") -> None:
    """Make the record an initial PEP after entering care on a given date (no previous PEP)."""
    setp(record, "pep.reason", "initial_entered_care")
    setp(record, "care.date_entered_care", entered)
    record["pep"].pop("previous_pep_id", None)
    record.pop("previous_targets", None)


def without_role(record: dict, role: str) -> None:
    record["meeting"]["attendees"] = [a for a in record["meeting"]["attendees"] if a["role"] != role]


def without_totals(record: dict) -> None:
    """Drop the derived PP+ totals so that validation computes them again after a cost changes."""
    for target in record.get("targets") or []:
        ppg = target.get("ppg") or {}
        ppg.pop("total", None)
        for line in ppg.get("cost_lines") or []:
            line.pop("line_total", None)
    for key in ("requested_total", "year_total"):
        (record.get("ppg") or {}).pop(key, None)


def _age(record: dict, born: str) -> None:
    setp(record, "child.date_of_birth", born)


# rule id -> (authority, variant, setup applied to both records, change that makes the record fail)
CASES = {
    # national rules (NAT-01 is replaced in Walsall and Enfield, so it is tested where it applies)
    "NAT-01": ("bath-ne-somerset", "pep", None, lambda r: delp(r, "targets.1.success_criteria")),
    "NAT-02": ("walsall", "pep", None, lambda r: setp(r, "targets.0.ppg.funded", False)),
    "NAT-03": ("bath-ne-somerset", "pep", None, lambda r: delp(r, "previous_targets.0.outcome")),
    # Walsall
    "WAL-01": ("walsall", "pep", None, lambda r: _age(r, "2006-10-01")),
    "WAL-02": ("walsall", "pep", lambda r: (initial(r), setp(r, "meeting.arranged_on", "2025-09-26")),
               lambda r: setp(r, "meeting.arranged_on", "2025-10-01")),
    "WAL-05": ("walsall", "pep", lambda r: initial(r), lambda r: without_role(r, "virtual_school")),
    "WAL-06a": ("walsall", "pep", None, lambda r: setp(r, "meeting.attendees", [])),
    "WAL-07": ("walsall", "pep", None, lambda r: setp(r, "signoffs.social_worker.signed_at", "2025-10-07T16:00")),
    "WAL-08": ("walsall", "pep", None, lambda r: delp(r, "attainment.subjects")),
    "WAL-08a": ("walsall", "pep", None, lambda r: delp(r, "signoffs.designated_teacher")),
    "WAL-09": ("walsall", "pep", None, lambda r: delp(r, "previous_targets.1.evidence")),
    "WAL-09a": ("walsall", "pep", None, lambda r: delp(r, "previous_targets.0.ppg_impact")),
    "WAL-10": ("walsall", "pep", None, lambda r: (r.pop("targets"), r["ppg"].pop("approved_amount"))),
    "WAL-10a": ("walsall", "pep", None, lambda r: delp(r, "targets.2.responsible")),
    "WAL-10b": ("walsall", "pep", None, lambda r: setp(r, "targets.1.horizon", "short")),
    "WAL-10c": ("walsall", "pep", None, lambda r: setp(r, "targets.0.by_date", "2026-02-13")),
    "WAL-11": ("walsall", "pep", None, lambda r: setp(r, "targets.1.category", "reading")),
    "WAL-13": ("walsall", "pep", None, lambda r: setp(r, "views", {"date": "2025-10-01", "method": "form"})),
    "WAL-13a": ("walsall", "pep", None, lambda r: setp(r, "views.date", "2025-10-08")),
    "WAL-14": ("walsall", "pep", None, lambda r: delp(r, "roni.rating")),
    "WAL-15": ("walsall", "pep", None, lambda r: setp(r, "signoffs.virtual_school.signed_at", "2025-10-08T12:00")),
    "WAL-16": ("walsall", "pep", None, lambda r: setp(r, "distribution", [{"to": "case_record"}])),
    # Bath & North East Somerset
    "BNS-02": ("bath-ne-somerset", "pep", lambda r: (initial(r, "2025-12-01"), setp(r, "meeting.arranged_on",
                                                                                     "2025-12-31")),
               lambda r: setp(r, "meeting.arranged_on", "2026-01-02")),
    "BNS-02a": ("bath-ne-somerset", "pep", lambda r: (initial(r, "2026-01-12"),
                                                      setp(r, "care.placement.emergency", True),
                                                      setp(r, "meeting.arranged_on", "2026-01-26")),
                lambda r: setp(r, "meeting.arranged_on", "2026-01-27")),
    "BNS-04": ("bath-ne-somerset", "pep", None, lambda r: without_role(r, "social_worker")),
    "BNS-05": ("bath-ne-somerset", "pep", None, lambda r: without_role(r, "carer")),
    "BNS-08": ("bath-ne-somerset", "pep", None, lambda r: delp(r, "attendance")),
    "BNS-08a": ("bath-ne-somerset", "pep", None,
                lambda r: (setp(r, "views", {"date": "2026-01-20"}), without_role(r, "child"),
                           r["meeting"].pop("child_participation", None))),
    # Warwickshire
    "WAR-01": ("warwickshire", "pep", None, lambda r: _age(r, "2007-01-20")),
    "WAR-02": ("warwickshire", "pep", None, lambda r: (setp(r, "meeting.date", "2026-02-24"),
                                                      setp(r, "pep.date", "2026-02-24"))),
    "WAR-03": ("warwickshire", "pep", None, lambda r: without_role(r, "designated_teacher")),
    "WAR-04": ("warwickshire", "pep", lambda r: (initial(r, "2026-01-19"), setp(r, "meeting.arranged_on",
                                                                                 "2026-01-30")),
               lambda r: setp(r, "meeting.arranged_on", "2026-02-03")),
    "WAR-04a": ("warwickshire", "pep", lambda r: initial(r, "2026-01-12"),
                lambda r: setp(r, "care.date_entered_care", "2026-01-02")),
    "WAR-05": ("warwickshire", "pep", None, lambda r: setp(r, "meeting.chair.role", "sw")),
    "WAR-07": ("warwickshire", "pep", None, lambda r: setp(r, "ppg.request_band", "600.00")),
    "WAR-08": ("warwickshire", "pep", None, lambda r: delp(r, "meeting.next_pep_date")),
    "WAR-08a": ("warwickshire", "pep", None, lambda r: setp(r, "meeting.next_pep_date", "2026-09-15")),
    "WAR-11": ("warwickshire", "pep", lambda r: setp(r, "education.on_roll", False),
               lambda r: without_role(r, "interpreter")),
    "WAR-14": ("warwickshire", "pep", None,
               lambda r: (setp(r, "views", {"date": "2026-01-28"}), without_role(r, "child"),
                          r["meeting"].pop("child_participation", None))),
    # Enfield
    "ENF-01": ("enfield", "pep", None, lambda r: (setp(r, "meeting.date", "2026-02-18"),
                                                 setp(r, "pep.date", "2026-02-18"))),
    "ENF-02": ("enfield", "pep", None, lambda r: (setp(r, "meeting.date", "2026-03-23"),
                                                 setp(r, "pep.date", "2026-03-23"))),
    "ENF-03": ("enfield", "pep", lambda r: setp(r, "transition.receiving_setting_invited", False),
               lambda r: without_role(r, "receiving_setting")),
    "ENF-04": ("enfield", "pep", None,
               lambda r: setp(r, "sections", [{"id": "targets", "completed": True,
                                               "completed_at": "2026-02-06T10:00"}])),
    "ENF-05": ("enfield", "pep", None, lambda r: setp(r, "targets.1.category", "behaviour")),
    "ENF-05a": ("enfield", "pep", None, lambda r: setp(r, "targets.2.reflects_child_view", False)),
    "ENF-06": ("enfield", "pep", None, lambda r: [t.update(target="Read a story.", strategies=[{"action": "Tuition"}],
                                                          success_criteria="8 of 10.") for t in r["targets"]]),
    "ENF-07": ("enfield", "pep", None, lambda r: delp(r, "targets.2.strategies")),
    "ENF-08": ("enfield", "pep", None, lambda r: setp(r, "targets.0.by_date", "2026-05-29")),
    "ENF-09": ("enfield", "pep", None, lambda r: setp(r, "targets.0.set_by.role", "pastoral")),
    "ENF-10": ("enfield", "pep", None, lambda r: delp(r, "previous_targets.1.ppg_impact")),
    "ENF-11": ("enfield", "pep", None, lambda r: (setp(r, "targets.0.ppg.cost_lines.0.unit_cost", "400.00"),
                                                 without_totals(r))),
    "ENF-13": ("enfield", "pep", None, lambda r: setp(r, "signoffs.designated_teacher.signed_at",
                                                     "2026-02-17T09:00")),
    "ENF-13a": ("enfield", "pep", None, lambda r: setp(r, "signoffs.social_worker.signed_at", "2026-02-17T09:00")),
    "ENF-15": ("enfield", "pep", None, lambda r: setp(r, "signoffs.social_worker.signed_at", "2026-02-13T11:00")),
    "ENF-15a": ("enfield", "pep", None, lambda r: (delp(r, "signoffs.social_worker"),
                                                  delp(r, "signoffs.virtual_school"))),
    "ENF-15b": ("enfield", "pep", lambda r: setp(r, "ppg.payment_status", "paid"),
                lambda r: delp(r, "signoffs.virtual_school")),
    "ENF-17": ("enfield", "pep", None, lambda r: setp(r, "meeting.venue_confidential_room", False)),
    "ENF-17a": ("enfield", "pep", None, lambda r: without_role(r, "child")),
    "ENF-18": ("enfield", "pep", None, lambda r: delp(r, "attainment.subjects")),
    "ENF-19": ("enfield", "pep", None,
               lambda r: (setp(r, "views", {"date": "2026-01-30"}), without_role(r, "child"),
                          r["meeting"].pop("child_participation", None))),
    # Essex
    "ESX-01": ("essex", "pep1", None, lambda r: _age(r, "2008-09-10")),
    "ESX-02": ("essex", "pep1", None, lambda r: setp(r, "pep.completed_on", "2025-10-08")),
    "ESX-03": ("essex", "pep1", None, lambda r: delp(r, "attainment.gap_analysis")),
    "ESX-03a": ("essex", "pep1", lambda r: setp(r, "sections", [{"id": "targets", "completed_at": "2025-09-19T10:00"}]),
                lambda r: setp(r, "sections.0.completed_at", "2025-10-01T10:00")),
    "ESX-03b": ("essex", "pep1", None, lambda r: [t.update(horizon="short") for t in r["targets"]]),
    "ESX-04": ("essex", "pep1", None, lambda r: delp(r, "targets.0.success_criteria")),
    "ESX-05": ("essex", "pep1", None, lambda r: delp(r, "previous_targets.0.ppg_impact")),
    "ESX-09": ("essex", "pep2", None, lambda r: without_role(r, "designated_teacher")),
    "ESX-12": ("essex", "pep2", None, lambda r: setp(r, "targets", [])),
    "ESX-13": ("essex", "pathway-plan", None, lambda r: setp(r, "pathway.education_training.actions", [])),
    "ESX-11": ("essex", "pep2", None, lambda r: (setp(r, "child.ncy", "12"), r["child"].pop("key_stage", None))),
}


def _rule_ids() -> list[str]:
    ids = []
    for path in sorted(TEMPLATES.glob("*/rules.yaml")):
        ids += [rule["id"] for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]]
    return ids


def test_every_rule_has_a_case():
    assert sorted(_rule_ids()) == sorted(CASES)


@pytest.mark.parametrize(("authority", "variant"), [("walsall", "pep"), ("bath-ne-somerset", "pep"),
                                                     ("warwickshire", "pep"), ("enfield", "pep"), ("essex", "pep1"),
                                                     ("essex", "pep2")])
def test_base_records_pass_every_rule(authority, variant):
    result = check_data(base(authority, variant))
    assert result.valid
    assert result.findings == []


def _record(rule_id: str, fail: bool) -> tuple[dict, str]:
    authority, variant, setup, change = CASES[rule_id]
    record = base(authority, variant)
    if setup:
        setup(record)
    if fail:
        change(record)
    return record, f"{authority}/{variant}"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes(rule_id):
    record, _ = _record(rule_id, fail=False)
    result = check_data(record)
    assert result.valid, result.findings
    assert rule_id in result.checked, f"{rule_id} did not run: not checked {result.not_checked}"
    assert [f for f in result.findings if f.rule == rule_id] == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fails(rule_id):
    record, _ = _record(rule_id, fail=True)
    result = check_data(record)
    assert result.valid, result.findings
    found = [f for f in result.findings if f.rule == rule_id]
    assert found, f"{rule_id} found nothing; findings: {[(f.rule, f.message) for f in result.findings]}"
    severity = {r["id"]: r["severity"] for p in TEMPLATES.glob("*/rules.yaml")
                for r in yaml.safe_load(Path(p).read_text(encoding="utf-8"))["rules"]}[rule_id]
    assert {f.severity for f in found} == {severity}
    assert all(f.source and f.message and f.path is not None for f in found)
