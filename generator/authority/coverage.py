"""What of a record a variant shows: the values no section lists, for the record copy, `pep validate` and `pep qa`.

May import: data_schemas, generator.core, generator.authority.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_schemas import field_info, owner_of, template_of

from .content import Profile, Variant
from .profiles import get_variant

# Shown by every document without a section item: the authority's name and the variant's title head the document.
IN_THE_TITLE = ("pep.authority", "pep.variant")


@dataclass(frozen=True)
class Unlisted:
    """A value the record holds that none of the variant's sections shows."""

    path: str  # concrete: previous_targets.1.reason_if_not_met
    template: str  # previous_targets.*.reason_if_not_met
    value: object
    reason: str | None = None  # the seed's reason, when the variant declares it does not collect the field


def leaves(node):
    """(concrete path, value) of every leaf holding a value, in record order."""
    return ((path, value) for path, _, value in _walk(node, "", ""))


def _walk(node, path: str, template: str):
    """(concrete path, its template, value) of every leaf holding a value: the template is built on the way down
    (list positions as `*`), which is what makes checking every leaf of a record cheap."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else key, f"{template}.{key}" if template else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}.{index}", f"{template}.*")
    elif node is not None and node != "":
        yield path, template, node


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
        if part.isdigit() or part == "*":  # a template's `*` names the list without a position
            chain[-1] += f" {int(part) + 1}" if part.isdigit() else ""
            continue
        if index == 0 and not (len(parts) > 1 and (parts[1].isdigit() or parts[1] == "*")):
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


def unlisted(variant: Variant, record: dict | None) -> list[Unlisted]:
    """Every value of the record that no section of the variant shows (the title's authority and variant aside)."""
    if not record:
        return []
    shown = shown_templates(variant)
    reasons = dict(variant.not_collected)
    out = []
    for path, template, value in _walk(record, "", ""):
        if template in IN_THE_TITLE or _covered(template, shown):
            continue
        out.append(Unlisted(path, template, value, _reason(template, reasons)))
    return out


def _reason(template: str, reasons: dict[str, str]) -> str | None:
    """The declared reason of the field or of the nearest object or list above it."""
    parts = template.split(".")
    for cut in range(len(parts), 0, -1):
        if (head := ".".join(parts[:cut])) in reasons:
            return reasons[head]
    return None


def not_shown(variant: Variant, record: dict | None) -> list[Unlisted]:
    """The unlisted values someone entered (what pep computes or stamps itself is left out): for warnings."""
    return [u for u in unlisted(variant, record) if owner_of(u.template) != "system"]


def not_shown_message(profile: Profile, variant: Variant, template: str, items: list[Unlisted]) -> str:
    """A warning's wording: what is held, that the variant does not show it, where the record copy keeps it."""
    count = f" ({len(items)} values)" if len(items) > 1 else ""
    why = f" {variant.title} does not collect it: {items[0].reason}" if items[0].reason else ""
    return (f"{readable_label(profile, template)}{count} is held but {variant.title} does not show it; the record "
            f"copy lists it under \"Also recorded\".{why}")


def record_warnings(record: dict) -> list[tuple[str, str]]:
    """(path template, message) for each field a valid record holds that its own variant does not show."""
    profile, variant = get_variant(record["pep"]["authority"], record["pep"]["variant"])
    grouped: dict[str, list[Unlisted]] = {}
    for item in not_shown(variant, record):
        grouped.setdefault(item.template, []).append(item)
    return [(t, not_shown_message(profile, variant, t, items)) for t, items in grouped.items()]
