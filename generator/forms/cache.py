"""The form cache: rendered form layouts and the field font, in memory per process and on disk, keyed by content."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections import OrderedDict
from pathlib import Path

from ..core.errors import OutputError
from ..core.writer import write_atomic
from ..signing.manifest import canonical

ENV_CACHE = "PEP_CACHE_DIR"
MEMORY_ENTRIES = 64
_memory: OrderedDict[str, bytes] = OrderedDict()


def cache_dir() -> Path | None:
    """$PEP_CACHE_DIR/forms, else $XDG_CACHE_HOME/pep/forms, else ~/.cache/pep/forms; None when PEP_CACHE_DIR=off."""
    setting = os.environ.get(ENV_CACHE)
    if setting is not None and setting.strip().lower() in ("", "off", "none", "0"):
        return None
    if setting:
        return Path(setting) / "forms"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pep" / "forms"


def cache_key(parts: dict) -> str:
    """The SHA-256 of a canonical JSON of everything an entry depends on."""
    return hashlib.sha256(canonical(parts)).hexdigest()


def get(key: str, suffix: str) -> bytes | None:
    """An entry from memory, else from disk (and then kept in memory); None when absent."""
    if key in _memory:
        _memory.move_to_end(key)
        return _memory[key]
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = (folder / f"{key}{suffix}").read_bytes()
    except OSError:
        return None
    _remember(key, data)
    return data


def put(key: str, suffix: str, data: bytes) -> None:
    """Keep an entry in memory and, when the cache folder is writable, on disk (a cache failure never stops work)."""
    _remember(key, data)
    folder = cache_dir()
    if folder is None:
        return
    with contextlib.suppress(OutputError, OSError):
        write_atomic(folder / f"{key}{suffix}", data, force=True)


def forget(key: str, suffix: str) -> None:
    """Drop a broken entry so that it is made again."""
    _memory.pop(key, None)
    folder = cache_dir()
    if folder is not None:
        (folder / f"{key}{suffix}").unlink(missing_ok=True)


def clear_memory() -> None:
    _memory.clear()


def _remember(key: str, data: bytes) -> None:
    _memory[key] = data
    _memory.move_to_end(key)
    while len(_memory) > MEMORY_ENTRIES:
        _memory.popitem(last=False)
