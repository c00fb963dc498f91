"""Generating one document: check the request, validate the data, apply the audience, render, name and write it."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..authority.audience import audience_view
from ..authority.content import Profile, Variant
from ..authority.naming import output_name
from ..authority.profiles import get_variant
from ..authority.validation import require_valid
from ..core.errors import RecordInvalid, UsageError
from ..core.writer import write_atomic
from ..render.model import build_model
from ..render.request import RenderRequest

# Format -> "module:function" taking a RenderRequest and returning bytes; imported only when used.
RENDERERS = {
    "docx": "generator.render.word:render",
    "pdf": "generator.render.pdfa:render",
    "form": "generator.forms.issue:render",
}


@dataclass(frozen=True)
class Generated:
    path: Path
    status: str  # written | replaced | unchanged
    data: bytes


def renderer(fmt: str):
    """The render function of a format."""
    module, _, function = RENDERERS[fmt].partition(":")
    return getattr(importlib.import_module(module), function)


def check_request(profile: Profile, variant: Variant, fmt: str) -> None:
    if fmt not in variant.formats:
        raise UsageError(f"{profile.id} {variant.id} is not offered as {fmt} (offered: {', '.join(variant.formats)}).")


def prepare(authority: str, variant_id: str, fmt: str, data: dict | None, audience: str = "record",
            source: str | None = None, options: Mapping | None = None) -> RenderRequest:
    """Validate the data against the request and build the document model."""
    profile, variant = get_variant(authority, variant_id)
    check_request(profile, variant, fmt)
    view = audience_view(profile, audience)
    record = None
    if data is not None:
        record = require_valid(data, source)
        mismatch = [(p, f"The record is for {record['pep'][k]!r} but {want!r} was asked for.")
                    for p, k, want in (("pep.authority", "authority", authority), ("pep.variant", "variant",
                                                                                     variant_id))
                    if record["pep"][k] != want]
        if mismatch:
            raise RecordInvalid(mismatch, file=source)
        record = view.apply(record)
    return RenderRequest(build_model(profile, variant, record, view), fmt, dict(options or {}))


def render(request: RenderRequest) -> bytes:
    """The document's bytes."""
    return renderer(request.fmt)(request)


def generate(authority: str, variant_id: str, fmt: str, data: dict | None, out_dir: Path, *,
             audience: str = "record", force: bool = False, source: str | None = None,
             options: Mapping | None = None) -> Generated:
    """Render one document and write it under out_dir with the authority's file name."""
    request = prepare(authority, variant_id, fmt, data, audience, source, options)
    content = render(request)
    name = output_name(request.profile, variant_id, request.record, fmt, audience)
    path = Path(out_dir) / name
    return Generated(path, write_atomic(path, content, force), content)
