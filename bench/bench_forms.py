"""Forms: ms per child's form filled from the cached layout, against rendering the layout with WeasyPrint each time."""

from __future__ import annotations

import copy
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.forms import cache as form_cache  # noqa: E402
from generator.forms.layout import render_layout  # noqa: E402
from generator.forms.plan import plan_form  # noqa: E402
from generator.pipeline.generate import prepare, render  # noqa: E402
from generator.signing.keys import KeyRing, SigningKey  # noqa: E402

KEY = SigningKey("bench", bytes(range(32)))
KEYS = KeyRing([KEY], KEY.id, "bench")
CASES = (("walsall", "views-primary", 30, 3), ("walsall", "pep", 30, 2))  # authority, variant, children, renders


def children(authority: str, variant: str, count: int) -> list[dict]:
    """Synthetic children: the sample with a different id and name each time."""
    base = json.loads((ROOT / "samples" / authority / f"{variant}.json").read_text(encoding="utf-8"))
    out = []
    for n in range(count):
        record = copy.deepcopy(base)
        record["child"]["social_care_id"] = f"BENCH-{n:05d}"
        record["child"]["first_name"] = f"Child {n}"
        out.append(record)
    return out


def measure(authority: str, variant: str, count: int, renders: int) -> dict:
    records = children(authority, variant, count)
    requests = [prepare(authority, variant, "form", r, options={"keys": KEYS, "issue_date": "2025-10-01"})
                for r in records]
    first = requests[0]
    plan = plan_form(first.profile, first.variant, first.model.audience, first.record)
    render_ms = []
    for _ in range(renders):
        start = time.perf_counter()
        render_layout(authority, plan)
        render_ms.append((time.perf_counter() - start) * 1000)
    sizes = [len(render(requests[0]))]  # renders once more and caches the layout
    fill_ms = []
    for request in requests:
        start = time.perf_counter()
        sizes.append(len(render(request)))
        fill_ms.append((time.perf_counter() - start) * 1000)
    fill, weasy = statistics.median(fill_ms), statistics.median(render_ms)
    return {"case": f"{authority} {variant}", "fields": len(plan.fields), "fill_ms": fill, "render_ms": weasy,
            "ratio": (weasy + fill) / fill, "size_kb": statistics.median(sizes) / 1024}


def main() -> int:
    with tempfile.TemporaryDirectory() as cache:
        os.environ[form_cache.ENV_CACHE] = cache
        print("Fillable forms: per child, fill the cached layout vs render it with WeasyPrint (+ clean-up) each time")
        ok = True
        for case in CASES:
            r = measure(*case)
            ok &= r["ratio"] >= 5
            print(f"  {r['case']:<22} {r['fields']:>4} fields  fill {r['fill_ms']:7.1f} ms/child  "
                  f"WeasyPrint {r['render_ms']:8.0f} ms/render  -> {r['ratio']:6.1f}x faster  "
                  f"form {r['size_kb']:5.0f} KB")
        print("  target: at least 5x faster" + ("" if ok else "  (NOT MET)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
