"""`pep templates`: build the Word templates from their source, and lint them against sample data."""

from __future__ import annotations

import sys

import click

from ..pipeline.lint import lint_templates
from ..render.word_templates import build_all, stale_templates
from .common import emit_json, say


@click.group("templates")
def command():
    """Word templates (templates/common/*.docx): build them from code and lint them.

    \b
    Example:
      pep templates build
      pep templates lint
    """


@command.command("build")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a committed template differs from its source.")
def build(check: bool):
    """Write the Word templates from generator/render/word_templates.py (the same bytes every time).

    \b
    Example:
      pep templates build --check
    """
    if check:
        problems = stale_templates()
        for problem in problems:
            click.echo(problem)
        if problems:
            sys.exit(1)
        say("The committed Word templates match their source.")
        return
    for path, status in build_all():
        click.echo(f"{path} ({status})")


@command.command("lint")
@click.argument("authorities", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: templates, renders and problems.")
def lint(authorities: tuple[str, ...], as_json: bool):
    """Render every Word template against blank and sample data; report each unknown or misspelt name.

    Every Word variant of every authority (or of the AUTHORITIES given) is rendered blank and with its sample in
    samples/ (if any). Exits 1 when a template uses a name the data does not have.

    \b
    Example:
      pep templates lint
      pep templates lint walsall --json
    """
    report = lint_templates(authorities)
    if as_json:
        emit_json({"templates": sorted(report.templates), "renders": report.renders,
                   "problems": [{"template": p.template, "message": p.message, "where": list(p.where), "cases": p.cases}
                                for p in report.problems]})
    else:
        for problem in report.problems:
            click.echo(str(problem))
        say(f"Linted {len(report.templates)} Word templates in {report.renders} renders: "
            f"{len(report.problems) or 'no'} problem{'s' * (len(report.problems) != 1)}.")
    if report.problems:
        sys.exit(1)
