"""YAML files read with the line of every key, so that profile errors can name file, line and key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ProfileError

# libyaml's safe loader when PyYAML was built with it (ten times faster); the same data and the same line marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlSource:
    """Parsed YAML data plus the line (1-based) of every key and list item, by key path."""

    file: str
    data: object
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, key_path: tuple) -> int | None:
        """The line of a key path, or of its nearest ancestor that has one."""
        path = tuple(key_path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def error(self, key_path: tuple, message: str) -> ProfileError:
        """A ProfileError pointing at a key path of this file."""
        dotted = ".".join(str(k) for k in key_path)
        return ProfileError(message, file=self.file, path=dotted or None, line=self.line_of(key_path))


def _index_lines(node, key_path: tuple, lines: dict, source: str) -> None:
    lines.setdefault(key_path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise ProfileError(f"Duplicate key {key!r}.", file=source, line=key_node.start_mark.line + 1,
                                   path=".".join(str(k) for k in (*key_path, key)))
            seen.add(key)
            lines[(*key_path, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*key_path, key), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*key_path, index), lines, source)


def load_yaml(path: Path, display: str | None = None) -> YamlSource:
    """Read a YAML file (safe loader), refusing duplicate keys, with the line of every key."""
    source = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ProfileError("No such file.", file=source) from err
    except UnicodeDecodeError as err:
        raise ProfileError("Not valid UTF-8.", file=source) from err
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else None
        raise ProfileError(f"Not valid YAML: {err.problem}.", file=source, line=line) from err
    lines: dict[tuple, int] = {}
    if node is not None:
        _index_lines(node, (), lines, source)
    return YamlSource(source, data, lines)
