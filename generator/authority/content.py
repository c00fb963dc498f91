"""The content of a variant, described once: sections in order, their items (fields, tables, repeats, questions)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from data_schemas import FieldInfo, Question


@dataclass(frozen=True)
class Item:
    """One thing a document shows. `path` is an absolute path template (`targets.*.target`)."""

    kind: str  # field | table | repeat | group | texts | question | text
    path: str | None = None
    label: str = ""
    help: str | None = None
    owner: str | None = None
    lines: int = 1
    rows: int | None = None
    title: str | None = None
    children: tuple[Item, ...] = ()
    info: FieldInfo | None = None
    question: Question | None = None
    text: str | None = None
    style: str | None = None

    @property
    def widget(self) -> str:
        """How the value is entered: text, multiline, checkbox, choice, date, radio (questions), ..."""
        if self.question is not None:
            return "multiline" if self.question.answer == "multiline" else (
                "text" if self.question.answer == "text" else
                "checkbox" if self.question.answer == "tick" else "radio")
        return self.info.widget if self.info else self.kind

    @property
    def options(self) -> list[tuple[str, str]]:
        """(value, label) pairs for choices and radio questions."""
        if self.question is not None:
            return list(self.question.options.items())
        return list(self.info.option_labels) if self.info else []

    def relative(self, parent: str) -> str:
        """This item's path below a list item path template (`targets.*`)."""
        return self.path[len(parent) + 1:] if self.path and self.path.startswith(parent + ".") else self.path

    def walk(self) -> Iterator[Item]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Section:
    """A section of a document, completed by one role (its colour in authorities that colour by role)."""

    id: str
    heading: str
    owner: str
    colour: str
    items: tuple[Item, ...]
    intro: str | None = None

    def walk(self) -> Iterator[Item]:
        for item in self.items:
            yield from item.walk()


@dataclass(frozen=True)
class Variant:
    """A document or form an authority issues: its title, formats and sections."""

    id: str
    title: str
    kind: str  # record | views
    formats: tuple[str, ...]
    sections: tuple[Section, ...]
    form_owners: tuple[str, ...]
    lead: str
    subtitle: str | None = None
    phase: str | None = None
    years: tuple[str, ...] = ()
    label_set: str | None = None
    not_collected: tuple[tuple[str, str], ...] = ()  # (path template, the seed's reason)

    def walk(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.walk()

    def leaf_paths(self) -> list[str]:
        """Every data path template the variant shows, in order (fields, table columns, questions)."""
        kinds = ("field", "texts", "question")
        return list(dict.fromkeys(i.path for i in self.walk() if i.kind in kinds and i.path))


@dataclass(frozen=True)
class Profile:
    """An authority: its name, colours, rules, wording and variants."""

    id: str
    name: str
    short_name: str
    virtual_school: str
    seed: str
    protective_marking: str
    colours: dict
    font: dict
    ages: dict
    timescales: dict
    ppg: dict
    targets: dict
    label_sets: dict
    labels: dict
    wording: dict
    file_name_pattern: str
    form_slots: dict
    audiences: dict
    variants: dict[str, Variant] = field(default_factory=dict)
    source_file: str = ""

    @cached_property
    def repr_bytes(self) -> bytes:
        """repr() of the profile, UTF-8, made once (a form's identity digests it for every child; profiles are frozen
        and loaded once per process)."""
        return repr(self).encode()

    def variant(self, variant_id: str) -> Variant:
        from ..core.errors import UsageError

        if variant_id not in self.variants:
            raise UsageError(f"Unknown variant {variant_id!r} for {self.id} (known: {', '.join(self.variants)}).")
        return self.variants[variant_id]

    def slots(self, path_template: str, default: int = 3) -> int:
        """How many slots a form gives a repeatable item."""
        return self.form_slots.get(path_template, default)

    def owner_colour(self, owner: str) -> str:
        return self.colours.get("owners", {}).get(owner, self.colours["brand"])
