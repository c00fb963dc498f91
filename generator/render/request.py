"""What every renderer is given: the filled document model, the format and its options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..authority.content import Profile, Variant
from .model import DocumentModel


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
