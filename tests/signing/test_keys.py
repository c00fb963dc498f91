"""Signing keys for forms: `pep key new`, owner-only key files, rotation, PEP_SIGNING_KEY."""

from __future__ import annotations

import io
import os
import stat

import pytest
from conftest import ROOT
from pypdf import PdfReader

from generator.forms import cache as form_cache
from generator.pipeline.generate import prepare, render
from generator.signing.keys import KeyRing, default_key_file
from generator.signing.manifest import MANIFEST_NAME, Manifest


@pytest.fixture(autouse=True)
def cached_layouts(monkeypatch):
    monkeypatch.setenv(form_cache.ENV_CACHE, str(ROOT / ".pytest_cache" / "pep"))
    monkeypatch.delenv("PEP_SIGNING_KEY", raising=False)


def signed_with(keys: KeyRing) -> Manifest:
    pdf = render(prepare("walsall", "views-primary", "form", None, options={"keys": keys}))
    return Manifest.from_bytes(PdfReader(io.BytesIO(pdf)).attachments[MANIFEST_NAME][0])


def test_key_new__owner_only_file_and_the_id_printed(invoke, tmp_path):
    path = tmp_path / "conf" / "keys.json"
    result = invoke("key", "new", "--key-file", path)
    assert result.exit_code == 0
    key_id = result.stdout.strip()
    assert KeyRing.load(path).current().id == key_id
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert key_id in result.stderr


def test_key_new__rotation_keeps_forms_already_out_valid(invoke, tmp_path):
    path = tmp_path / "keys.json"
    invoke("key", "new", "--key-file", path)
    old_form = signed_with(KeyRing.load(path))
    second = invoke("key", "new", "--key-file", path).stdout.strip()
    ring = KeyRing.load(path)
    assert ring.current().id == second != old_form.identity.key_id
    assert len(ring.keys) == 2
    assert old_form.verify(ring) is None
    assert signed_with(ring).identity.key_id == second


def test_key__environment_key_signs_and_file_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PEP_SIGNING_KEY", "ops-2025:" + "ab" * 32)
    monkeypatch.setenv("PEP_KEY_FILE", str(tmp_path / "missing.json"))
    assert signed_with(KeyRing.load()).identity.key_id == "ops-2025"
    assert default_key_file() == tmp_path / "missing.json"
    monkeypatch.delenv("PEP_KEY_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_key_file() == tmp_path / "xdg" / "pep" / "keys.json"


def test_key__a_form_signed_with_an_unknown_key_does_not_verify(invoke, tmp_path):
    invoke("key", "new", "--key-file", tmp_path / "a.json")
    invoke("key", "new", "--key-file", tmp_path / "b.json")
    manifest = signed_with(KeyRing.load(tmp_path / "a.json"))
    assert "does not hold" in manifest.verify(KeyRing.load(tmp_path / "b.json"))


def test_key_help_ends_with_an_example(invoke):
    for args in (("key", "--help"), ("key", "new", "--help")):
        assert "pep key new" in invoke(*args).stdout.split("Example:")[-1]
    assert os.environ.get("PEP_SIGNING_KEY") is None
