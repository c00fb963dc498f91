"""`pep templates lint`: render every Word variant blank and with its sample, and report unknown names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..authority.profiles import authorities, get_profile, templates_root
from ..core.records import load_json_file
from ..core.samples import SAMPLES, sample_records
from ..render.word import Linter, display_path, find_template, load_template
from ..render.word_templates import template_parts
from .generate import prepare

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


@dataclass
class LintProblem:
    """A name a template uses that the data does not have: where the template uses it, which renders hit it."""

    template: str
    message: str
    where: tuple[str, ...] = ()
    cases: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = f" at {'; '.join(self.where)}" if self.where else ""
        more = f" and {len(self.cases) - 1} more" if len(self.cases) > 1 else ""
        return f"{self.template}: {self.message}{where} ({self.cases[0]}{more})"


@dataclass
class LintReport:
    templates: set[str]
    renders: int = 0
    found: dict[tuple[str, str], LintProblem] = field(default_factory=dict)

    @property
    def problems(self) -> list[LintProblem]:
        return list(self.found.values())

    def add(self, template: str, case: str, message: str, where: tuple[str, ...]) -> None:
        self.found.setdefault((template, message), LintProblem(template, message, where)).cases.append(case)


def lint_cases(only: tuple[str, ...] = (), samples: Path | None = None):
    """(authority, variant, sample path or None) for every Word variant: blank, and filled where a sample exists."""

    records = sample_records(samples or SAMPLES)
    for profile in (get_profile(a) for a in only) if only else authorities().values():
        for variant in profile.variants.values():
            if "docx" in variant.formats:
                yield profile.id, variant.id, None
                if (profile.id, variant.id) in records:
                    yield profile.id, variant.id, records[(profile.id, variant.id)]


def lint_templates(only: tuple[str, ...] = (), samples: Path | None = None) -> LintReport:
    """Render every Word template against blank and sample data; report every name the data does not have.

    `only` limits the renders to some authorities."""

    linter = Linter()
    report = LintReport(templates={display_path(p) for p in templates_root().glob("*/*.docx")})
    for authority, variant_id, sample in lint_cases(only, samples):
        case = f"{authority} {variant_id} " + (f"with {sample.name}" if sample else "blank")
        model = prepare(authority, variant_id, "docx", load_json_file(sample) if sample else None,
                        source=str(sample) if sample else None).model
        path = find_template(authority, model.variant)
        report.templates.add(display_path(path))
        report.renders += 1
        for name, message in linter.check(load_template(path), model):
            report.add(display_path(path), case, message, uses(path.read_bytes(), name))
    return report


def uses(data: bytes, name: str) -> tuple[str, ...]:
    """Where a template's tags mention a name: `word/document.xml: {{ item.colr }}`."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    found = []
    for part, xml in template_parts(data).items():
        if part.endswith(".xml"):
            found += [f"{part}: {t}" for t in dict.fromkeys(_TAG.findall(xml.decode("utf-8"))) if word.search(t)]
    return tuple(found)
