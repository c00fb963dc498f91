"""A rule over a list says what an empty list means (params.if_empty), and no PEP passes QA by having nothing to
check: for every authority and record variant, a held PEP with no targets, no review of previous targets (where
there was a previous PEP), no attendees or no child's views gets a finding, unless the variant's profile says it
does not collect that list (not_collected) or the rules file says no rule asks for it (not_rules ... empty), each
quoting the seed."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from generator.authority.profiles import authorities, get_variant
from generator.qa.check import check_data
from generator.qa.kinds import LIST_OF
from generator.qa.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]


def record_variants():
    return [(a, v) for a, p in authorities().items() for v, var in p.variants.items() if var.kind == "record"]


VARIANTS = record_variants()
IDS = [f"{a}-{v}" for a, v in VARIANTS]


def declared(authority: str, variant: str, path: str) -> str | None:
    """Why the variant does not collect a list (its profile's not_collected, quoting the seed), if it says so."""
    return dict(get_variant(authority, variant)[1].not_collected).get(path)


def no_rule_asks(authority: str, path: str) -> bool:
    """The authority's rules file says, quoting its seed, that nothing asks for this list (not_rules ... empty)."""
    return any(path in entry.get("empty", ()) for entry in load_rules(authority).not_rules)


def finding_or_reason(authority: str, variant: str, record: dict, path: str) -> None:
    """A PEP missing the list gets a finding, unless the variant or the rules say from the seed why none is due."""
    if declared(authority, variant, path) or no_rule_asks(authority, path):
        return
    assert findings_at(record, path), f"{authority} {variant}: a PEP with no {path} passes QA, and nothing says why"


def held(authority: str, variant: str) -> dict:
    own = ROOT / "samples" / authority / f"{variant}.json"
    path = own if own.exists() else sorted((ROOT / "samples" / authority).glob("pep*.json"))[0]
    record = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    record["pep"]["variant"] = variant
    return record


def findings_at(record: dict, prefix: str) -> list:
    result = check_data(copy.deepcopy(record))
    assert result.valid, result.findings[:3]
    return [f for f in result.findings if f.path == prefix or f.path.startswith(prefix + ".")]


def _drop_totals(record: dict) -> None:
    for key in ("requested_total", "year_total"):
        (record.get("ppg") or {}).pop(key, None)


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_no_targets_is_a_finding(authority, variant):
    record = held(authority, variant)
    record["targets"] = []
    _drop_totals(record)
    finding_or_reason(authority, variant, record, "targets")


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_no_attendees_is_a_finding(authority, variant):
    record = held(authority, variant)
    record.setdefault("meeting", {})["attendees"] = []
    record["meeting"]["child_participation"] = "whole"  # the meeting was held
    finding_or_reason(authority, variant, record, "meeting.attendees")


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_no_review_of_the_last_peps_targets_is_a_finding(authority, variant):
    record = held(authority, variant)
    record["pep"]["previous_pep_id"] = record["pep"].get("previous_pep_id") or "PEP-BEFORE"  # there was one
    record["previous_targets"] = []
    finding_or_reason(authority, variant, record, "previous_targets")


@pytest.mark.parametrize(("authority", "variant"), VARIANTS, ids=IDS)
def test_no_childs_views_is_a_finding(authority, variant):
    record = held(authority, variant)
    record.pop("views", None)
    meeting = record.setdefault("meeting", {})
    meeting["child_participation"] = "none"  # nor did the child give their views in the meeting
    for attendee in meeting.get("attendees") or []:
        if attendee.get("role") == "child":
            attendee["attended"] = False
    finding_or_reason(authority, variant, record, "views")


def test_what_a_variant_does_not_collect_says_why_from_the_seed():
    reasons = [(a, v, path, why) for a, v in VARIANTS for path, why in get_variant(a, v)[1].not_collected]
    assert reasons, "no variant declares what it does not collect"
    for authority, variant, path, why in reasons:
        assert '"' in why, (authority, variant, path)  # a quote of the seed
        assert len(why) > 40, (authority, variant, path)  # and the reasoning


def test_a_pathway_plan_with_no_education_or_training_actions_is_a_finding():
    record = held("essex", "pathway-plan")
    record["pathway"]["education_training"]["actions"] = []
    assert [f.rule for f in findings_at(record, "pathway.education_training")] == ["ESX-13"]


def test_every_rule_over_a_list_says_what_an_empty_list_means():
    for authority in authorities():
        for rule in load_rules(authority).rules:
            if rule.kind in LIST_OF and rule.over:
                assert rule.if_empty in ("flag", "check", "pass"), (authority, rule.id)
