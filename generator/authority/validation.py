"""Validating records: shape (data_schemas) plus a known authority and variant (profiles)."""

from __future__ import annotations

from pathlib import Path

from data_schemas import ValidationResult, validate_record

from ..core.errors import InputError, RecordInvalid
from ..core.records import load_json_file
from .profiles import authorities


def check_record(data) -> ValidationResult:
    """Validate a parsed record: its shape, and that its authority and variant are configured."""
    result = validate_record(data)
    if not isinstance(data, dict):
        return result
    errors = list(result.errors)
    pep = data.get("pep") if isinstance(data.get("pep"), dict) else {}
    authority, variant = pep.get("authority"), pep.get("variant")
    profiles = authorities()
    if isinstance(authority, str) and not any(p == "pep.authority" for p, _ in errors):
        if authority not in profiles:
            errors.append(("pep.authority", f"Unknown authority {authority!r} (known: {', '.join(profiles)})."))
        elif isinstance(variant, str) and variant not in profiles[authority].variants and not any(
                p == "pep.variant" for p, _ in errors):
            errors.append(("pep.variant", f"Unknown variant {variant!r} for {authority} (known: "
                                          f"{', '.join(profiles[authority].variants)})."))
    return ValidationResult(None if errors else result.record, errors)


def validate_file(path: Path) -> ValidationResult:
    """Read and validate one record file; unreadable files come back as one error with an empty path."""
    try:
        data = load_json_file(path)
    except InputError as err:
        return ValidationResult(None, [("", str(err.message) if err.line is None else f"line {err.line}: "
                                        f"{err.message}")])
    return check_record(data)


def require_valid(data, source: str | None = None) -> dict:
    """The normalised record, or RecordInvalid with every error."""
    result = check_record(data)
    if not result.valid:
        raise RecordInvalid(result.errors, file=source)
    return result.record
