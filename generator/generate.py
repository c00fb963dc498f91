"""Generating one document: check the request, validate the data, apply the audience, render, name and write it."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .audience import audience_view
from .content import Profile, Variant
from .errors import RecordInvalid, UsageError
from .model import DocumentModel, build_model
from .naming import output_name
from .profiles import get_variant
from .validation import require_valid
from .writer import write_atomic

# Format -> "module:function" taking a RenderRequest and returning bytes; imported only when used.
RENDERERS = {
    "docx": "generator.render_docx:render",
    "pdf": "generator.render_pdf:render",
    "form": "generator.forms:render",
}


@dataclass(frozen=True)
class RenderRequest:
    """What a renderer gets: the filled document model, and the validated record (None when blank).

    `options` carries format-specific settings: `keys` (a KeyRing, forms), `password` (forms), `issue_date`
    (forms), `attach_json` (PDF/A-3 with the record attached), and whatever a renderer documents.
    """

    model: DocumentModel
    fmt: str
    options: Mapping = field(default_factory=dict)

    @property
    def profile(self) -> Profile:
        return self.model.profile

    @property
    def variant(self) -> Variant:
        return self.model.variant

    @property
    def record(self) -> dict | None:
        return self.model.record


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
