"""A deterministic stand-in renderer for batch orchestration tests: the record's JSON plus the format."""

from generator.signing.manifest import canonical


def render(request) -> bytes:
    return canonical({"fmt": request.fmt, "record": request.record})
