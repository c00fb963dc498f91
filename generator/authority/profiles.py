"""Authority profiles: found under templates/<id>/profile.yaml, merged over templates/common, validated, resolved."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

from marshmallow import ValidationError

from data_schemas import catalogue, flatten_messages, question_bank

from ..core.errors import ProfileError, UsageError
from ..core.yamlsrc import YamlSource, load_yaml
from .content import Item, Profile, Section, Variant
from .profile_schema import ProfileSchema

COMMON = "common"
PROFILE_FILE = "profile.yaml"
DEFAULTS_FILE = "defaults.yaml"
MERGED_KEYS = ("form_slots", "audiences", "labels", "wording", "label_sets", "blocks")
RUNTIME_PLACEHOLDERS = ("n",)
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
DEFAULT_FORM_OWNERS = {"record": ("dt", "both"), "views": ("child",)}


_BUNDLED = Path(__file__).resolve().parents[2] / "templates"


def templates_root() -> Path:
    """The folder of templates and profiles: $PEP_TEMPLATES, or templates/ beside the package."""
    return Path(os.environ.get("PEP_TEMPLATES") or _BUNDLED)


@cache
def _resolved(root: Path) -> Path:
    """A templates folder as an absolute path, resolved once per process."""
    return root.resolve()


def template_search_path(profile_id: str, root: Path | None = None) -> list[Path]:
    """Where templates are looked for, first match wins: the authority's folder, then the common one."""
    root = root or templates_root()
    return [root / profile_id, root / COMMON]


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path("templates") / path.relative_to(root))
    except ValueError:
        return str(path)


class _Resolver:
    """Turns a validated profile's raw items into resolved Items, reporting errors with file and line."""

    def __init__(self, raw: dict, src: YamlSource, defaults: YamlSource):
        self.raw, self.src, self.defaults = raw, src, defaults
        self.cat = catalogue()
        self.bank = question_bank()
        self.values = {"authority_name": raw["name"], "short_name": raw["short_name"],
                       "virtual_school": raw["virtual_school"], **raw["wording"]}

    def error(self, key_path: tuple, message: str) -> ProfileError:
        return _locate(self.src, self.defaults, key_path, message)

    def fill(self, text: str | None, key_path: tuple) -> str | None:
        """Replace {placeholders} from the profile's wording; unknown ones are errors."""
        if text is None:
            return None

        def swap(match):
            name = match.group(1)
            if name in RUNTIME_PLACEHOLDERS:
                return match.group(0)
            if name not in self.values:
                raise self.error(key_path, f"Unknown placeholder {{{name}}} (known: {', '.join(self.values)}).")
            return self.values[name]

        return _PLACEHOLDER.sub(swap, text)

    def label(self, template: str, explicit: str | None, label_set: str | None, key_path: tuple) -> str:
        if explicit:
            return self.fill(explicit, key_path)
        sets = self.raw["label_sets"]
        if label_set and template in sets.get(label_set, {}):
            return self.fill(sets[label_set][template], key_path)
        if template in self.raw["labels"]:
            return self.fill(self.raw["labels"][template], key_path)
        info = self.cat.get(template)
        return info.label if info else template

    def items(self, raw_items: list, parent: str, label_set: str | None, key_path: tuple,
              seen_blocks: tuple = ()) -> tuple[Item, ...]:
        out: list[Item] = []
        for index, raw in enumerate(raw_items):
            where = (*key_path, index)
            if "block" in raw:
                out += self.block(raw["block"], parent, label_set, where, seen_blocks)
            else:
                out.append(self.item(raw, parent, label_set, where, seen_blocks))
        return tuple(out)

    def block(self, name: str, parent: str, label_set, where: tuple, seen: tuple) -> tuple[Item, ...]:
        blocks = self.raw["blocks"]
        if name not in blocks:
            raise self.error(where, f"Unknown block {name!r} (known: {', '.join(sorted(blocks))}).")
        if name in seen:
            raise self.error(where, f"Block {name!r} includes itself.")
        return self.items(blocks[name], parent, label_set, ("blocks", name), (*seen, name))

    def item(self, raw: dict, parent: str, label_set, where: tuple, seen: tuple) -> Item:
        kind = next(k for k in ("field", "table", "repeat", "group", "texts", "question", "text") if k in raw)
        common = {"help": self.fill(raw.get("help"), where), "style": raw.get("style")}
        if kind == "text":
            return Item("text", text=self.fill(raw["text"], where), **common)
        if kind == "question":
            return self.question(raw, label_set, where, common)
        path = f"{parent}.{raw[kind]}" if parent else raw[kind]
        info = self.cat.get(path)
        expected = {"field": ("leaf",), "texts": ("texts",), "table": ("list",), "repeat": ("list",),
                    "group": ("group",)}[kind]
        if info is None:
            raise self.error(where, f"No field {path!r} in the PEP record.")
        if info.kind not in expected:
            raise self.error(where, f"{path!r} is a {info.kind}, not something a {kind} item can show.")
        label = self.label(path, raw.get("label"), label_set, where)
        children: tuple[Item, ...] = ()
        if kind in ("table", "repeat"):
            key = "columns" if kind == "table" else "items"
            if not raw.get(key):
                raise self.error(where, f"A {kind} item needs {key}.")
            children = self.items(raw[key], f"{path}.*", label_set, (*where, key), seen)
        elif kind == "group":
            if not raw.get("fields_"):
                raise self.error(where, "A group item needs fields.")
            children = self.items(raw["fields_"], path, label_set, (*where, "fields"), seen)
        lines = raw.get("lines") or (4 if info.widget == "multiline" else 1)
        rows = raw.get("rows") if kind in ("table", "repeat") else None
        if kind in ("table", "repeat") and rows is None:
            rows = self.raw["form_slots"].get(path, 3)
        return Item(kind, path, label, owner=raw.get("owner") or info.owner, lines=lines, rows=rows,
                    title=self.fill(raw.get("title"), where), children=children, info=info, **common)

    def question(self, raw: dict, label_set, where: tuple, common: dict) -> Item:
        qid = raw["question"]
        question = self.bank.get(qid)
        if question is None:
            raise self.error(where, f"Unknown question id {qid!r} (see data_schemas/views_questions.yaml).")
        path = f"views.answers.{qid}"
        label = self.label(path, raw.get("label"), label_set, where)
        if label == path or label == self.cat["views.answers"].label:
            label = question.text
        lines = raw.get("lines") or (5 if question.answer == "multiline" else 1)
        return Item("question", path, label, owner=raw.get("owner") or "child", lines=lines,
                    info=self.cat["views.answers"], question=question, **common)

    def variant(self, vid: str, raw: dict) -> Variant:
        where = ("variants", vid)
        label_set = raw.get("label_set")
        if label_set and label_set not in self.raw["label_sets"]:
            raise self.error((*where, "label_set"), f"Unknown label set {label_set!r}.")
        sections = []
        for index, sec in enumerate(raw["sections"]):
            swhere = (*where, "sections", index)
            colour = sec.get("colour") or self.section_colour(sec["owner"])
            items = self.items(sec["items"], "", label_set, (*swhere, "items"))
            sections.append(Section(sec["id"], self.fill(sec["heading"], (*swhere, "heading")), sec["owner"], colour,
                                    items, self.fill(sec.get("intro"), (*swhere, "intro"))))
        ids = [s.id for s in sections]
        duplicate = next((i for i in ids if ids.count(i) > 1), None)
        if duplicate:
            raise self.error(where, f"Two sections have the id {duplicate!r}.")
        form_owners = tuple(raw.get("form_owners") or DEFAULT_FORM_OWNERS[raw["kind"]])
        return Variant(vid, self.fill(raw["title"], where), raw["kind"], tuple(raw["formats"]), tuple(sections),
                       form_owners, raw.get("lead") or form_owners[0], self.fill(raw.get("subtitle"), where),
                       raw.get("phase"), tuple(raw.get("years") or ()), label_set,
                       self.not_collected(raw.get("not_collected") or [], where))

    def not_collected(self, declared: list, where: tuple) -> tuple[tuple[str, str], ...]:
        out = []
        for index, entry in enumerate(declared):
            path = entry["path"]
            if path not in self.cat:
                raise self.error((*where, "not_collected", index, "path"), f"No field {path!r} in the record.")
            out.append((path, self.fill(entry["reason"], (*where, "not_collected", index, "reason"))))
        return tuple(out)

    def section_colour(self, owner: str) -> str:
        colours = self.raw["colours"]
        if colours.get("sections_by_owner"):
            return colours.get("owners", {}).get(owner, colours["brand"])
        return colours["brand"]


def _locate(src: YamlSource, defaults: YamlSource, key_path: tuple, message: str) -> ProfileError:
    """An error at a key path of the merged profile, pointing into the file the value came from."""
    head = key_path[:2] if key_path and key_path[0] in (*MERGED_KEYS, "variants") else key_path[:1]
    if not head or _has(src.data, head):  # the profile's own (even when null), or the profile as a whole
        return src.error(key_path, message)
    if head[0] in ("blocks", "variants") and _has(defaults.data, head):
        return defaults.error(key_path, message)
    if _has(defaults.data, ("defaults", *head)):
        return defaults.error(("defaults", *key_path), message)
    return src.error(key_path, message)  # missing everywhere: the profile should have it


def _has(data, key_path: tuple) -> bool:
    """Is there a value (perhaps null) at a key path of parsed YAML?"""
    node = data
    for key in key_path:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def _merge(own: dict, defaults: dict) -> dict:
    merged = dict(defaults.get("defaults") or {})
    for key, value in own.items():
        if key in MERGED_KEYS and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    merged["blocks"] = {**(defaults.get("blocks") or {}), **(own.get("blocks") or {})}
    own_variants = own.get("variants") or {}
    excluded = set(own.get("exclude_variants") or ()) | set(own_variants)
    shared = {k: v for k, v in (defaults.get("variants") or {}).items() if k not in excluded}
    merged["variants"] = {**own_variants, **shared}
    return merged


def load_profile(folder: Path, root: Path | None = None) -> Profile:
    """Load, merge over the common defaults, validate and resolve one authority's profile."""
    root = root or folder.parent
    src = load_yaml(folder / PROFILE_FILE, _display(folder / PROFILE_FILE, root))
    defaults = load_yaml(root / COMMON / DEFAULTS_FILE, _display(root / COMMON / DEFAULTS_FILE, root))
    if not isinstance(src.data, dict):
        raise src.error((), "A profile is a mapping of settings.")
    merged = _merge(src.data, defaults.data or {})
    try:
        raw = ProfileSchema().load(merged)
    except ValidationError as err:
        # A misspelt key is also a missing one: report the unknown key, which is the cause.
        pairs = flatten_messages(err.messages)
        path, message = next((pair for pair in pairs if pair[1] == "Unknown field."), pairs[0])
        # marshmallow files errors of a mapping's values under "value" (and of its keys under "key"): drop those.
        segments = [k for k in path.split(".") if k not in ("value", "key")] if path else []
        key_path = tuple(int(k) if k.isdigit() else k for k in segments)
        raise _locate(src, defaults, key_path, message) from err
    if raw["id"] != folder.name:
        raise src.error(("id",), f"The id {raw['id']!r} must match the folder name {folder.name!r}.")
    resolver = _Resolver(raw, src, defaults)
    variants = {vid: resolver.variant(vid, v) for vid, v in raw["variants"].items()}
    keep = {k: raw[k] for k in ("id", "name", "short_name", "virtual_school", "seed", "protective_marking", "colours",
                                "font", "ages", "timescales", "ppg", "targets", "label_sets", "labels", "wording",
                                "file_name_pattern", "form_slots", "audiences")}
    return Profile(**keep, variants=variants, source_file=src.file)


@cache
def _registry(root: Path) -> dict[str, Profile]:
    folders = sorted(p.parent for p in root.glob(f"*/{PROFILE_FILE}") if p.parent.name != COMMON)
    return {folder.name: load_profile(folder, root) for folder in folders}


def authorities(root: Path | None = None) -> dict[str, Profile]:
    """Every configured authority by id (profiles are loaded and checked once per process)."""
    return _registry(_resolved(root or templates_root()))


def get_profile(authority_id: str, root: Path | None = None) -> Profile:
    """One authority's profile, or a usage error listing the known ones."""
    profiles = authorities(root)
    if authority_id not in profiles:
        raise UsageError(f"Unknown authority {authority_id!r} (known: {', '.join(profiles)}).")
    return profiles[authority_id]


def get_variant(authority_id: str, variant_id: str, root: Path | None = None) -> tuple[Profile, Variant]:
    """An authority's profile and one of its variants."""
    profile = get_profile(authority_id, root)
    return profile, profile.variant(variant_id)


def citation(source: dict) -> str:
    """The guidance a rule comes from (its `source`: document, optional seed file, quote), as one line."""
    seed = f" ({source['seed']})" if source.get("seed") else ""
    return f"{source['document']}{seed}: “{source['quote']}”"
