"""The demo: validate every bundled sample, then generate every authority × variant × format, blank and filled."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..authority.profiles import authorities
from ..authority.validation import validate_file
from ..core.errors import PepError
from ..core.records import load_json_file
from ..core.samples import SAMPLES, sample_records
from ..signing.keys import ensure_demo_key
from .generate import RENDERERS, generate


@dataclass
class DemoReport:
    valid: list[Path] = field(default_factory=list)
    invalid_as_expected: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    qa: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # (source, error rules, warning rules)
    dashboard: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_samples(report: DemoReport, samples: Path = SAMPLES) -> None:
    """Every valid sample validates; every invalid one fails with exactly its expected paths."""
    for path in sample_records(samples).values():
        result = validate_file(path)
        if result.valid:
            report.valid.append(path)
        else:
            report.problems.append(f"{path}: expected valid, got {result.errors[:3]}")
    expected_file = samples / "invalid" / "expected.json"
    expected = load_json_file(expected_file) if expected_file.exists() else {}
    for name, paths in expected.items():
        path = samples / "invalid" / name
        got = sorted({p for p, _ in validate_file(path).errors})
        if got == sorted(set(paths)):
            report.invalid_as_expected.append(path)
        else:
            report.problems.append(f"{path}: expected errors at {sorted(paths)}, got {got}")


def generate_all(report: DemoReport, out_dir: Path, samples: Path = SAMPLES, formats=None) -> None:
    """Every authority × variant × available format, blank and (where a sample exists) filled."""
    records = sample_records(samples)
    formats = formats or list(RENDERERS)
    for profile in authorities().values():
        for variant in profile.variants.values():
            for fmt in (f for f in variant.formats if f in formats):
                target = out_dir / profile.id
                sources = [None] + ([records[(profile.id, variant.id)]] if (profile.id, variant.id) in records
                                    else [])
                for source in sources:
                    _generate_one(report, profile.id, variant.id, fmt, source, target)


def _generate_one(report: DemoReport, authority, variant, fmt, source, target) -> None:
    try:
        data = load_json_file(source) if source else None
        options = {"keys": ensure_demo_key(target.parent)} if fmt == "form" else None
        result = generate(authority, variant, fmt, data, target, force=True, source=str(source) if source else None,
                          options=options)
        report.written.append(result.path)
    except PepError as err:
        report.problems.append(f"{authority} {variant} {fmt} {'filled' if source else 'blank'}: {err}")


def write_qa_and_dashboard(report: DemoReport, out_dir: Path, samples: Path = SAMPLES) -> None:
    """The QA report (text and HTML) of every sample record, and the dashboard of the sample cohort.

    Due dates count from the newest sample's date, so that the demo writes the same page every day.
    """
    from ..core.writer import write_atomic
    from ..qa.check import check_valid, html_report, text_report
    from ..qa.dashboard import render
    from ..qa.due import load_cohort, pep_date

    files = sorted(p for p in samples.glob("*/*.json") if p.parent.name != "invalid")
    cohort = load_cohort(records=[(str(p.relative_to(samples.parent)), load_json_file(p)) for p in files])
    for source, record in cohort.records:
        result = check_valid(record, source)
        report.qa.append((source, [f.rule for f in result.errors], [f.rule for f in result.warnings]))
        stem = out_dir / "qa" / f"{record['pep']['authority']}_{Path(source).stem}"
        for suffix, text in ((".qa.txt", text_report(result)), (".qa.html", html_report(result))):
            write_atomic(stem.with_name(stem.name + suffix), text.encode("utf-8"), force=True)
            report.written.append(stem.with_name(stem.name + suffix))
    as_of = max((pep_date(r) for _, r in cohort.records if pep_date(r)), default=None)
    if as_of is not None:
        write_atomic(out_dir / "dashboard.html", render(cohort, as_of).encode("utf-8"), force=True)
        report.written.append(out_dir / "dashboard.html")
        report.dashboard = out_dir / "dashboard.html"


def run_demo(out_dir: Path, samples: Path = SAMPLES) -> DemoReport:
    """The whole demo."""
    report = DemoReport()
    check_samples(report, samples)
    generate_all(report, out_dir, samples)
    write_qa_and_dashboard(report, out_dir, samples)
    return report
