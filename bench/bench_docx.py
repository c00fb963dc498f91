"""Word output speed: pep (validation, model, context, render, save) against bare docxtpl on the same template."""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

from docxtpl import DocxTemplate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.pipeline.generate import prepare, render  # noqa: E402
from generator.render.word import build_context, find_template  # noqa: E402

TARGET = 1.3  # pep may take at most this many times bare docxtpl's time
ROUNDS = 40


def load(authority: str, variant: str) -> dict:
    return json.loads((ROOT / "samples" / authority / f"{variant}.json").read_text(encoding="utf-8"),
                      parse_float=Decimal)


def pep_once(authority: str, variant: str, data: dict) -> float:
    start = time.perf_counter()
    render(prepare(authority, variant, "docx", data))
    return time.perf_counter() - start


def bare_once(template: DocxTemplate, context: dict) -> float:
    start = time.perf_counter()
    template.render(context, autoescape=True)
    template.save(io.BytesIO())
    return time.perf_counter() - start


def bench(authority: str, variant: str) -> tuple[float, float]:
    """Median seconds per document: (pep, bare docxtpl), measured alternately in one run."""
    data = load(authority, variant)
    request = prepare(authority, variant, "docx", data)
    path = find_template(authority, request.model.variant)
    context = build_context(request.model, "views" if path.stem == "views" else "record")
    template = DocxTemplate(path)
    pep_times, bare_times = [], []
    for _ in range(3):
        pep_once(authority, variant, data), bare_once(template, context)
    for _ in range(ROUNDS):
        pep_times.append(pep_once(authority, variant, data))
        bare_times.append(bare_once(template, context))
    return statistics.median(pep_times), statistics.median(bare_times)


def main() -> int:
    cases = [(p.parent.name, p.stem) for p in sorted((ROOT / "samples").glob("*/*.json"))
             if p.parent.name != "invalid"]
    worst = 0.0
    print(f"{'document':34} {'pep ms':>8} {'docxtpl ms':>11} {'ratio':>6}")
    for authority, variant in cases:
        pep, bare = bench(authority, variant)
        worst = max(worst, pep / bare)
        print(f"{authority + ' ' + variant:34} {pep * 1000:8.1f} {bare * 1000:11.1f} {pep / bare:6.2f}")
    print(f"worst ratio {worst:.2f} (target at most {TARGET})")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
