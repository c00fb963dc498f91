"""The base schema of every record section: unknown keys refused, owner declared, derived values checked."""

from __future__ import annotations

import itertools
from typing import ClassVar

from marshmallow import RAISE, Schema, ValidationError


class Section(Schema):
    """A part of the PEP record. `owner` is the role that fills it unless a field says otherwise."""

    owner: ClassVar[str | None] = None

    class Meta:
        unknown = RAISE


class Errors:
    """Collects errors of one schema validator so that all of them are reported at once."""

    def __init__(self):
        self.messages: dict = {}

    def add(self, path: str, message: str) -> None:
        node = self.messages
        *parents, leaf = path.split(".")
        for key in parents:
            node = node.setdefault(int(key) if key.isdigit() else key, {})
        node.setdefault(int(leaf) if leaf.isdigit() else leaf, []).append(message)

    def raise_any(self) -> None:
        if self.messages:
            raise ValidationError(self.messages)


def value_at(data: dict | None, path: str):
    """The value at a dotted path (`targets.0.ppg.total`) of a record, or None when any part is missing."""
    node = data
    for key in path.split("."):
        if isinstance(node, list):
            node = node[int(key)] if key.isdigit() and int(key) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(key)
        else:
            return None
        if node is None:
            return None
    return node


def set_path(record: dict, path: str, value) -> None:
    """Put a value at a dotted path, creating objects and list slots (`targets.2.target`) on the way."""
    parts = path.split(".")
    node = record
    for part, nxt in itertools.pairwise(parts):
        child = [] if nxt.isdigit() else {}
        if isinstance(node, list):
            index = int(part)
            node.extend({} for _ in range(index + 1 - len(node)))
            if not isinstance(node[index], list | dict) or (node[index] == {} and isinstance(child, list)):
                node[index] = child
            node = node[index]
        else:
            if not isinstance(node.get(part), list | dict):
                node[part] = child
            node = node[part]
    if isinstance(node, list):
        index = int(parts[-1])
        node.extend(None for _ in range(index + 1 - len(node)))
        node[index] = value
    else:
        node[parts[-1]] = value


def check_order(errors: Errors, data: dict, earlier: str, later: str, message: str, at: str | None = None) -> None:
    """Report when the date at `later` comes before the date at `earlier` (both present)."""
    first, second = value_at(data, earlier), value_at(data, later)
    if first is not None and second is not None and second < first:
        errors.add(at or later, message)


def check_derived(errors: Errors, data: dict, key: str, computed, explanation: str) -> None:
    """Report a supplied derived value that disagrees with the computed one."""
    supplied = data.get(key)
    if supplied is None or computed is None or supplied == computed:
        return
    shown = ("true" if computed else "false") if isinstance(computed, bool) else str(computed)
    errors.add(key, f"Disagrees with the computed value {shown} ({explanation}).")
