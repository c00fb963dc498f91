"""Audience views: what the record, school, carer and child copies leave out, from the authority's profile."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ..core.errors import UsageError
from .content import Profile

AUDIENCES = ("record", "school", "carer", "child")


def _is_index(segment: str) -> bool:
    return segment == "*" or segment.isdigit()


def _matches(pattern: list[str], path: list[str]) -> bool:
    """Does a hide pattern cover a path? `*` matches one segment; list positions in the path are transparent."""
    if not pattern:
        return True
    if not path:
        return False
    head, segment = pattern[0], path[0]
    if (head == "*" or head == segment) and _matches(pattern[1:], path[1:]):
        return True
    return _is_index(segment) and not _is_index(head) and _matches(pattern, path[1:])


@dataclass(frozen=True)
class AudienceView:
    """What one audience of one authority may see."""

    audience: str
    hidden: tuple[str, ...]
    note: str = ""
    show_unlisted: bool = False  # end with "Also recorded": the values no section shows

    def hides(self, path: str) -> bool:
        """True when a (concrete or template) path, or an ancestor of it, is hidden from this audience."""
        segments = path.split(".")
        return any(_matches(p.split("."), segments) for p in self.hidden)

    def apply(self, record: dict) -> dict:
        """A copy of the record without what this audience must not see."""
        return _prune(copy.deepcopy(record), "", self) if self.hidden else copy.deepcopy(record)


def _prune(node, prefix: str, view: AudienceView):
    if isinstance(node, dict):
        return {k: _prune(v, f"{prefix}{k}.", view) for k, v in node.items() if not view.hides(f"{prefix}{k}")}
    if isinstance(node, list):
        return [_prune(v, f"{prefix}{i}.", view) for i, v in enumerate(node)]
    return node


def audience_view(profile: Profile, audience: str = "record") -> AudienceView:
    """The view an authority's profile defines for an audience."""
    if audience not in AUDIENCES:
        raise UsageError(f"Unknown audience {audience!r} (known: {', '.join(AUDIENCES)}).")
    settings = profile.audiences.get(audience) or {}
    return AudienceView(audience, tuple(settings.get("hide", ())), settings.get("note", ""),
                        bool(settings.get("show_unlisted")))
