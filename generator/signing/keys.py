"""Signing keys for forms: several held at once (rotation), from PEP_SIGNING_KEY or an owner-only key file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import PepError, UsageError

ENV_KEY = "PEP_SIGNING_KEY"
ENV_FILE = "PEP_KEY_FILE"
KEY_BYTES = 32


@dataclass(frozen=True)
class SigningKey:
    id: str
    secret: bytes
    created: str = ""


def default_key_file() -> Path:
    """$PEP_KEY_FILE, else $XDG_CONFIG_HOME/pep/keys.json, else ~/.config/pep/keys.json."""
    if os.environ.get(ENV_FILE):
        return Path(os.environ[ENV_FILE])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "pep" / "keys.json"


def _env_key() -> SigningKey | None:
    """PEP_SIGNING_KEY as `id:hexsecret`, or a bare secret (its id is then derived from it)."""
    value = os.environ.get(ENV_KEY, "").strip()
    if not value:
        return None
    key_id, _, secret = value.rpartition(":")
    raw = secret.encode() if len(secret) < 2 * KEY_BYTES else bytes.fromhex(secret)
    return SigningKey(key_id or f"env-{hashlib.sha256(raw).hexdigest()[:8]}", raw)


def _read_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"current": None, "keys": []}
    except (OSError, ValueError) as err:
        raise PepError(f"Cannot read the key file: {err}.", file=str(path)) from err
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise PepError("Not a pep key file.", file=str(path))
    return data


class KeyRing:
    """Every key this installation can verify with, and the current one it signs with."""

    def __init__(self, keys: list[SigningKey], current: str | None, source: str):
        self.keys = {k.id: k for k in keys}
        self.current_id = current
        self.source = source

    @classmethod
    def load(cls, key_file: Path | None = None) -> KeyRing:
        path = Path(key_file) if key_file else default_key_file()
        data = _read_file(path)
        keys = [SigningKey(k["id"], bytes.fromhex(k["secret"]), k.get("created", "")) for k in data["keys"]]
        current = data.get("current")
        env = _env_key()
        if env is not None:
            keys.append(env)
            current = env.id
        return cls(keys, current, str(path))

    def current(self) -> SigningKey:
        """The key new forms are signed with; a usage error (exit 2) when there is none."""
        if not self.current_id or self.current_id not in self.keys:
            raise UsageError(f"No signing key: set {ENV_KEY} or run `pep key new` (key file: {self.source}).")
        return self.keys[self.current_id]

    def get(self, key_id: str) -> SigningKey | None:
        return self.keys.get(key_id)

    def require_any(self) -> None:
        """Ingestion needs at least one key to verify with (it never creates one)."""
        if not self.keys:
            raise UsageError(f"No signing key to verify forms with: set {ENV_KEY} or give --key-file "
                             f"(looked in {self.source}).")


def new_key(key_file: Path | None = None, prefix: str = "k") -> SigningKey:
    """Create a key, add it to the key file (created owner-only) and make it current; older keys stay."""
    path = Path(key_file) if key_file else default_key_file()
    data = _read_file(path)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    key = SigningKey(f"{prefix}{stamp}-{secrets.token_hex(3)}", secrets.token_bytes(KEY_BYTES),
                     dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    data["keys"].append({"id": key.id, "secret": key.secret.hex(), "created": key.created})
    data["current"] = key.id
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)
    os.chmod(path, 0o600)
    return key


def demo_key_file(out_dir: Path) -> Path:
    """Where `pep demo` keeps its own key, created on first use and named demo-…."""
    return Path(out_dir) / ".pep-demo-keys.json"


def ensure_demo_key(out_dir: Path) -> KeyRing:
    """The demo's key ring, creating its demo key the first time."""
    path = demo_key_file(out_dir)
    if not path.exists():
        new_key(path, prefix="demo-")
    return KeyRing.load(path)
