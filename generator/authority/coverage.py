"""What of a record a variant shows: the values no section lists, for the record copy, `pep validate` and `pep qa`.

May import: data_schemas, generator.core, generator.authority.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_schemas import field_info, template_of

from .content import Profile, Variant

# Shown by every document without a section item: the authority's name and the variant's title head the document.
IN_THE_TITLE = ("pep.authority", "pep.variant")


@dataclass(frozen=True)
class Unlisted:
    """A value the record holds that none of the variant's sections shows."""

    path: str  # concrete: previous_targets.1.reason_if_not_met
    value: object
    label: str  # readable, with list positions: "Previous targets 2: Reason if not met"
    reason: str | None = None  # the seed's reason, when the variant declares it does not collect the field


def leaves(node, prefix: str = ""):
    """(concrete path, value) of every leaf holding a value, in record order."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, f"{prefix}.{index}")
    elif node is not None and node != "":
        yield prefix, node


def shown_templates(variant: Variant) -> frozenset[str]:
    """Every path template the variant's items show (fields, columns, questions, list items)."""
    return frozenset(i.path for i in variant.walk() if i.path)


def _covered(template: str, shown: frozenset[str]) -> bool:
    """A leaf is shown when its path, or a list it is an item of (a `texts` item shows `strengths.*`), is shown."""
    return template in shown or (template.endswith(".*") and template[:-2] in shown)


def readable_label(profile: Profile, path: str) -> str:
    """The field's label in the authority's wording, after the objects and list positions it sits in."""
    parts, chain = path.split("."), []
    for index, part in enumerate(parts):
        if part.isdigit():
            chain[-1] = f"{chain[-1]} {int(part) + 1}"
            continue
        if index == 0 and not (len(parts) > 1 and parts[1].isdigit()):
            continue  # the record's part (education, people) is not said
        label = _label(profile, template_of(".".join(parts[:index + 1])))
        if not chain or label != chain[-1]:
            chain.append(label)
    return ": ".join(chain) or _label(profile, template_of(path))


def _label(profile: Profile, template: str) -> str:
    if template in profile.labels:
        return str(profile.labels[template])
    info = field_info(template)
    return info.label if info else template.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def unlisted(profile: Profile, variant: Variant, record: dict | None) -> list[Unlisted]:
    """Every value of the record that no section of the variant shows (the title's authority and variant aside)."""
    if not record:
        return []
    shown = shown_templates(variant)
    reasons = dict(variant.not_collected)
    out = []
    for path, value in leaves(record):
        template = template_of(path)
        if template in IN_THE_TITLE or _covered(template, shown):
            continue
        out.append(Unlisted(path, value, readable_label(profile, path), _reason(template, reasons)))
    return out


def _reason(template: str, reasons: dict[str, str]) -> str | None:
    """The declared reason of the field or of the nearest object or list above it."""
    parts = template.split(".")
    for cut in range(len(parts), 0, -1):
        if (head := ".".join(parts[:cut])) in reasons:
            return reasons[head]
    return None
