"""The one place outputs are written: atomically (temp file + rename), never over a different file unless forced."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError


def write_atomic(path: Path, data: bytes, force: bool = False) -> str:
    """Write bytes to path. Returns "written", "replaced" or "unchanged" (same bytes already there)."""
    path = Path(path)
    status = "written"
    if path.exists():
        if path.is_dir():
            raise OutputError("Is a directory.", file=str(path))
        if path.read_bytes() == data:
            return "unchanged"
        if not force:
            raise OutputError("Exists with different content; use --force to replace it.", file=str(path))
        status = "replaced"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise OutputError(f"Cannot write here: {err.strerror}.", file=str(path)) from err
    try:
        _write_all(fd, data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as err:  # disk full, file system gone: a clear error, and no temporary file left behind
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"Cannot write: {err.strerror}.", file=str(path)) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return status


def _write_all(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
