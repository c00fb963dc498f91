"""The bundled invented samples: where they are and which record each authority's variant has."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def sample_records(samples: Path = SAMPLES) -> dict[tuple[str, str], Path]:
    """(authority, variant) -> sample file, for the valid samples under samples/<authority>/."""
    found = {}
    for path in sorted(samples.glob("*/*.json")):
        if path.parent.name == "invalid":
            continue
        found[(path.parent.name, path.stem)] = path
    return found
