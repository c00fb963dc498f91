"""Output file names from the authority's pattern: ids only, never the child's name, safe on every file system."""

from __future__ import annotations

import re

from ..core.errors import ProfileError
from .content import Profile

EXTENSIONS = {"docx": "docx", "pdf": "pdf", "form": "pdf"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
MAX_NAME = 150


def _safe(value: str) -> str:
    return _UNSAFE.sub("-", value).strip("-.")


def name_values(profile: Profile, variant_id: str, record: dict | None, fmt: str, audience: str) -> dict:
    """What a file-name pattern may use."""
    pep = (record or {}).get("pep") or {}
    child = (record or {}).get("child") or {}
    meeting = (record or {}).get("meeting") or {}
    return {
        "authority": profile.id,
        "social_care_id": child.get("social_care_id") or "blank",
        "academic_year": (pep.get("academic_year") or "").replace("/", "-"),
        "term": pep.get("term") or "",
        "variant": variant_id + ("_form" if fmt == "form" else ""),
        "meeting_date": meeting.get("date") or "",
        "version": str(pep.get("version") or ""),
        "audience": audience,
        "ext": EXTENSIONS[fmt],
    }


def output_name(profile: Profile, variant_id: str, record: dict | None, fmt: str, audience: str = "record") -> str:
    """The file name for one output, e.g. PEP_walsall_WS-10442_2025-26_autumn_pep.docx."""
    values = name_values(profile, variant_id, record, fmt, audience)
    pattern = profile.file_name_pattern
    if audience != "record" and "{audience}" not in pattern:
        pattern = pattern.replace(".{ext}", "_{audience}.{ext}")

    def swap(match):
        if match.group(1) not in values:
            raise ProfileError(f"Unknown placeholder {{{match.group(1)}}} in file_name_pattern (known: "
                               f"{', '.join(values)}).", file=profile.source_file)
        return _safe(values[match.group(1)])

    name = _PLACEHOLDER.sub(swap, pattern)
    stem, _, ext = name.rpartition(".")
    stem = re.sub(r"_{2,}", "_", stem).strip("_")[: MAX_NAME - len(ext) - 1]
    return f"{stem}.{ext}"
