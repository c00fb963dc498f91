"""What a form carries inside the PDF: its identity, the field map and prefilled values, and their HMAC signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cached_property

from .keys import KeyRing, SigningKey

# Inside every form: an embedded file with this name holding the manifest below, and the same form id in the
# document information dictionary under /PepFormId (for a quick look by other tools).
MANIFEST_NAME = "pep-form.json"
INFO_KEY = "/PepFormId"
FIELD_TYPES = ("text", "multiline", "checkbox", "radio")
_NAME = re.compile(r"^[a-z0-9_]{1,120}$")
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class FieldSpec:
    """One fillable field: its PDF name, data path, type, radio options (the values ingestion returns), read-only."""

    name: str
    path: str
    type: str
    options: tuple[str, ...] = ()
    readonly: bool = False

    def __post_init__(self):
        if not _NAME.match(self.name):
            raise ValueError(f"field name {self.name!r} must use [a-z0-9_] only")
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field type {self.type!r} is not one of {FIELD_TYPES}")

    def to_json(self) -> dict:
        return self._json

    @cached_property
    def _json(self) -> dict:  # a form's hundreds of fields are serialised several times per child: once is enough
        return {"name": self.name, "path": self.path, "type": self.type, "options": list(self.options),
                "readonly": self.readonly}

    @cached_property
    def canonical_json(self) -> bytes:
        return canonical(self._json)


@dataclass(frozen=True)
class FormIdentity:
    """Who and what a form is for (CONTRACT.md "Forms")."""

    form_id: str
    authority: str
    variant: str
    template_version: str
    social_care_id: str  # "" for a blank form
    issue_date: str  # YYYY-MM-DD
    key_id: str


@dataclass
class Manifest:
    """The identity, the whole field map, the prefilled read-only values and the signature over all three."""

    identity: FormIdentity
    fields: list[FieldSpec]
    prefilled: dict[str, object] = field(default_factory=dict)  # field name -> value as issued (read-only fields)
    signature: str = ""

    def signed_payload(self) -> bytes:
        """canonical() of {"fields", "identity", "prefilled"}, the fields joined from each spec's kept JSON."""
        return canonical_with({"identity": asdict(self.identity), "prefilled": self.prefilled},
                              {"fields": fields_json(self.fields)})

    def sign(self, key: SigningKey) -> Manifest:
        if key.id != self.identity.key_id:
            raise ValueError("the key id in the identity must be the signing key's")
        self.signature = hmac.new(key.secret, self.signed_payload(), hashlib.sha256).hexdigest()
        return self

    def verify(self, keys: KeyRing) -> str | None:
        """None when the signature is good; otherwise why not."""
        key = keys.get(self.identity.key_id)
        if key is None:
            return f"Signed with key {self.identity.key_id!r}, which this installation does not hold."
        expected = hmac.new(key.secret, self.signed_payload(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.signature or ""):
            return "The form's signature does not match its identity, field map and prefilled values."
        return None

    def to_bytes(self) -> bytes:
        return canonical_with({"manifest_version": MANIFEST_VERSION, "identity": asdict(self.identity),
                               "prefilled": self.prefilled, "signature": self.signature},
                              {"fields": fields_json(self.fields)})

    def fields_prefix(self) -> bytes:
        """How to_bytes() starts (its keys are sorted, "fields" first): the field map, the same for every form of a
        plan."""
        return b'{"fields":' + fields_json(self.fields)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        """Parse a manifest; raises ValueError (with a plain reason) when it is not one."""
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
            raise ValueError("not a pep form manifest (unknown version)")
        try:
            identity = FormIdentity(**data["identity"])
            fields = [_spec(f) for f in data["fields"]]
        except (KeyError, TypeError) as err:
            raise ValueError(f"malformed manifest ({err})") from err
        return cls(identity, fields, dict(data.get("prefilled") or {}), str(data.get("signature") or ""))


_SPECS: dict[tuple, FieldSpec] = {}  # every spec read so far: a layout's hundreds are the same on each return
_MAX_SPECS = 100_000


def _spec(f: dict) -> FieldSpec:
    """The spec a manifest entry describes, shared when an equal one was read before (specs are frozen)."""
    key = (f["name"], f["path"], f["type"], tuple(f.get("options") or ()), bool(f["readonly"]))
    if not all(type(v) is str for v in (*key[:3], *key[3])):  # only exact strings: 1 == True would share wrongly
        return FieldSpec(*key)
    spec = _SPECS.get(key)
    if spec is None:
        if len(_SPECS) >= _MAX_SPECS:
            _SPECS.clear()
        spec = _SPECS[key] = FieldSpec(*key)
    return spec


def _decimal_as_text(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical(value) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8 (exact decimals as strings)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_decimal_as_text).encode("utf-8")


def fields_json(specs) -> bytes:
    """canonical() of the specs' JSON list, joined from each spec's own (kept) canonical JSON."""
    return b"[" + b",".join(s.canonical_json for s in specs) + b"]"


def canonical_with(value: dict, encoded: dict[str, bytes]) -> bytes:
    """canonical() of a dict of `value`'s entries and `encoded`'s, whose values are canonical JSON already (the same
    bytes as encoding the whole: keys sorted, each entry `"key":value`, no spaces)."""
    if not value.keys().isdisjoint(encoded):
        raise ValueError("a key is both encoded and not")
    keys = sorted({*value, *encoded})
    return b"{" + b",".join(canonical(k) + b":" + (encoded[k] if k in encoded else canonical(value[k]))
                            for k in keys) + b"}"


def field_name(path: str) -> str:
    """The PDF field name of a data path: `targets.0.ppg.total` -> `targets_0_ppg_total`."""
    return re.sub(r"[^a-z0-9_]", "_", path.lower().replace(".", "_"))
