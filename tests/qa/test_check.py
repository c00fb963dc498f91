"""pep qa: the contract's JSON, reports, rules files as data (and their errors), samples, and not over-flagging."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, all_samples, load_sample

from generator.core.errors import ProfileError
from generator.qa.check import check_data, check_file, html_report, text_report
from generator.qa.rules import VERBS, load_rules


def write_json(path: Path, data) -> Path:
    """A record as JSON, numbers with a fraction (Decimal when read) written as numbers."""
    path.write_text(json.dumps(data, ensure_ascii=False, default=float), encoding="utf-8")
    return path


# What each bundled sample should get from QA, per its authority's guidance (rule ids of error/warning findings).
EXPECTED_SAMPLES = {
    # Enfield: "The academic targets must also include homework, career aspirations ..." - none of the sample's
    # academic targets mentions a career or aspiration (Zeynep's wish to be a vet appears only under aspirations).
    "enfield/pep": {"ENF-06"},
}


@pytest.mark.parametrize("path", [p for p in all_samples() if not p.stem.startswith("views")],
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_sample_passes_or_fails_as_its_guidance_says(path):
    result = check_file(path)
    assert result.valid
    assert {f.rule for f in result.findings} == EXPECTED_SAMPLES.get(f"{path.parent.name}/{path.stem}", set())


# --- the command and its output -----------------------------------------------------------------------------------


def test_json_follows_the_contract(invoke, tmp_path):
    record = load_sample("walsall", "pep")
    record["targets"][1]["category"] = "reading"  # WAL-11 (warning)
    record["signoffs"]["social_worker"]["signed_at"] = "2025-10-08T09:00"  # WAL-07 (error): after the meeting
    path = write_json(tmp_path / "w.json", record)
    result = invoke("qa", path, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["source"] == str(path)
    assert {(f["rule"], f["severity"], f["path"]) for f in data["findings"]} == {
        ("WAL-07", "error", "signoffs.social_worker.signed_at"), ("WAL-11", "warning", "targets")}
    for finding in data["findings"]:
        assert set(finding) == {"rule", "severity", "path", "message", "source"}
        assert "000_cf9f0cf7b616886e.txt" in finding["source"]
    assert [f["severity"] for f in data["findings"]] == ["error", "warning"]


def test_warnings_alone_exit_0(invoke, tmp_path):
    record = load_sample("walsall", "pep")
    record["targets"][1]["category"] = "reading"
    result = invoke("qa", write_json(tmp_path / "w.json", record))
    assert result.exit_code == 0
    assert "Passes with warnings: 0 errors, 1 warning." in result.stdout


def test_invalid_record_gets_its_validation_errors(invoke, tmp_path):
    result = invoke("qa", ROOT / "samples" / "invalid" / "bad-email.json", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert [(f["rule"], f["path"]) for f in data["findings"]] == [("SCHEMA", "people.designated_teacher.email")]
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert json.loads(invoke("qa", broken, "--json").stdout)["findings"][0]["rule"] == "SCHEMA"


def test_several_files_give_json_lines_and_html(invoke, tmp_path):
    files = [ROOT / "samples" / "walsall" / "pep.json", ROOT / "samples" / "enfield" / "pep.json"]
    result = invoke("qa", *files, "--json", "--html", tmp_path / "html")
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert [json.loads(line)["source"] for line in lines] == [str(f) for f in files]
    assert result.exit_code == 1  # the Enfield sample has an error
    assert sorted(p.name for p in (tmp_path / "html").iterdir()) == ["enfield_pep.qa.html", "walsall_pep.qa.html"]


def test_html_report_is_escaped_and_self_contained(tmp_path):
    record = load_sample("walsall", "pep")
    record["views"] = {"date": "2025-10-01"}
    result = check_data(json.loads(json.dumps(record, default=float)), "x<y>.json")
    html = html_report(result)
    assert "x&lt;y&gt;.json" in html
    assert "WAL-13" in html
    assert "http" not in html.replace("http-equiv", "")
    text = text_report(result)
    assert "Warnings: should be put right" in text
    assert "Source: Walsall Virtual School" in text


# --- rules files: validated with file and line --------------------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", root)
    return root


def _edit(root: Path, authority: str, old: str, new: str) -> None:
    path = root / authority / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(root: Path, authority: str, text: str) -> int:
    lines = (root / authority / "rules.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize(("old", "new", "marker", "words"), [
    ("    kind: views_present\n", "    kind: views_present\n    colour: red\n", "colour: red", "Unknown field"),
    ("kind: list_has", "kind: list_hat", "kind: list_hat", "Unknown rule kind 'list_hat'"),
    ("      verb: expected\n", "      verb: must\n", "It is expected that", "'must' is not in the quote"),
    ("      verb: expected\n", "      verb: can\n", "It is expected that", "allows this"),
    ("    severity: warning\n    message: \"Walsall expects", "    severity: error\n    message: \"Walsall expects",
     "It is expected that", "makes this 'warning'"),
    ("      first: views.date", "      first: views.dated", "first: views.dated", "No field 'views.dated'"),
    ("    replaces: [NAT-01]", "    replaces: [NAT-09]", "replaces: [NAT-09]", "No national rule 'NAT-09'"),
    ("  - id: WAL-13a", "  - id: WAL-13", "kind: date_order", "Two rules have the id 'WAL-13'"),
])
def test_rules_file_errors_name_file_and_line(tmp_path, old, new, marker, words):
    root = _tree(tmp_path)
    _edit(root, "walsall", old, new)
    with pytest.raises(ProfileError) as err:
        load_rules("walsall", root)
    assert err.value.file == "templates/walsall/rules.yaml"
    assert words in err.value.message
    assert err.value.line is not None
    assert abs(err.value.line - _line(root, "walsall", marker)) <= 12


def test_a_profile_setting_left_out_makes_the_rule_not_checked(tmp_path):
    root = _tree(tmp_path)
    profile = root / "enfield" / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("    not_in_last_weeks_of_term: 2\n", ""),
                       encoding="utf-8")
    rule = load_rules("enfield", root).get("ENF-02")
    assert rule.inactive == "Enfield's profile sets no timescales.review.not_in_last_weeks_of_term"


def test_a_new_rule_is_data_only(tmp_path):
    root = _tree(tmp_path)
    _edit(root, "walsall", "not_rules:\n", """  - id: WAL-90
    kind: required_fields
    severity: warning
    message: "The key adult in school is named."
    source:
      document: Test guidance
      quote: "Every child should have a key adult."
      verb: should
    params:
      fields: [education.key_adult]

not_rules:
""")
    rules = load_rules("walsall", root)
    assert rules.get("WAL-90").kind == "required_fields"


def test_every_rule_cites_its_seed_and_its_verb_sets_its_severity():
    for authority in ("walsall", "bath-ne-somerset", "warwickshire", "enfield", "essex"):
        for rule in load_rules(authority).rules:
            assert rule.source["quote"]
            assert rule.source["document"]
            assert VERBS[rule.source["verb"]] == rule.severity
            assert rule.national or rule.source.get("seed", "").endswith(".txt")
            seed = rule.source.get("seed")
            if seed:  # quotes are the seed's own words (an ellipsis marks a cut)
                text = " ".join((ROOT.parent / "shared" / "seeds" / seed).read_text(encoding="utf-8").split()) \
                    if (ROOT.parent / "shared").exists() else None
                for part in filter(None, (p.strip() for p in rule.source["quote"].split("..."))):
                    assert text is None or " ".join(part.split()).lstrip("- ") in text, (rule.id, part)


# --- not over-flagging: what the seeds allow is no finding --------------------------------------------------------


def _check(authority: str, variant: str, change) -> set[str]:
    record = copy.deepcopy(load_sample(authority, variant))
    change(record)
    result = check_data(json.loads(json.dumps(record, default=float)))
    assert result.valid, result.findings
    return {f.rule for f in result.findings}


@pytest.mark.parametrize(("authority", "variant", "change"), [
    # B&NES: "The designated teacher normally chairs" - anyone may
    ("bath-ne-somerset", "pep", lambda r: r["meeting"].update(chair={"name": "X", "role": "vs"})),
    # B&NES: "in some cases interim PEPs may be needed"
    ("bath-ne-somerset", "pep", lambda r: r["pep"].update(reason="interim")),
    # B&NES: the Virtual School attends "where possible" - its absence is no finding
    ("bath-ne-somerset", "pep", lambda r: r["meeting"].update(
        attendees=[a for a in r["meeting"]["attendees"] if a["role"] != "virtual_school"])),
    # B&NES: the child "can attend in person" instead of a views form
    ("bath-ne-somerset", "pep", lambda r: r.update(views={"date": "2026-01-20"})),
    # Warwickshire: EHCPs "can be attached" - none attached is no finding
    ("warwickshire", "pep", lambda r: r.update(sen={"status": "ehcp"}, attachments=[])),
    # Warwickshire: the child attends "as appropriate"
    ("warwickshire", "pep", lambda r: r["meeting"].update(
        attendees=[a for a in r["meeting"]["attendees"] if a["role"] != "child"])),
    # Walsall: "Decisions on who chairs the meeting can be negotiated"
    ("walsall", "pep", lambda r: r["meeting"].update(chair={"name": "X", "role": "sw"})),
    # Enfield: "Target 3 can be based on the social emotional needs" - an academic target 3 is fine
    ("enfield", "pep", lambda r: r["targets"][2].update(category="writing")),
    # Warwickshire: the Virtual School approves the band asked for, above the targets' costed total
    ("warwickshire", "pep", lambda r: r["ppg"].update(approved_amount="1500.00", request_band="1500.00")),
    # Essex: PEP1 "completed at any point during each term" - week 5 is a warning (ESX-02), never an error
    ("essex", "pep1", lambda r: r["pep"].update(completed_on="2025-10-01")),
])
def test_what_a_seed_allows_is_no_error(authority, variant, change):
    found = _check(authority, variant, change)
    if authority == "enfield":
        found.discard("ENF-06")  # the sample's own finding
    assert found <= {"ESX-02"}


def test_a_draft_is_not_checked_for_what_happens_at_the_meeting():
    record = load_sample("walsall", "pep")
    keep = ("pep", "child", "care", "people", "permissions")
    draft = {k: v for k, v in record.items() if k in keep}
    draft["pep"] = {k: v for k, v in draft["pep"].items() if k not in ("status",)}
    draft["meeting"] = {"date": "2025-10-07"}
    result = check_data(draft)
    assert result.stage == "draft"
    assert result.findings == []


def test_national_rules_narrowed_by_an_authority():
    rules = load_rules("essex")
    assert rules.get("NAT-01").applies_to == ("pep1", "pep1-early-years")
    assert "NAT-01" not in {r.id for r in load_rules("walsall").rules}  # replaced by WAL-10a
