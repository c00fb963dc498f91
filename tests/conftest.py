"""Pytest fixtures that are available in all test modules."""

from __future__ import annotations

import copy
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
# One form-layout cache for the whole session and its subprocesses (layouts are keyed by content, so a template
# change makes new ones): a fresh machine renders each layout once.
os.environ.setdefault("PEP_CACHE_DIR", str(ROOT / ".pytest_cache" / "pep"))


def sample_path(authority: str, variant: str) -> Path:
    """The bundled sample record of an authority's variant."""
    return SAMPLES / authority / f"{variant}.json"


def load_sample(authority: str, variant: str) -> dict:
    """A fresh copy of a sample record (numbers with a fraction as Decimal, as pep reads them)."""
    return json.loads(sample_path(authority, variant).read_text(encoding="utf-8"), parse_float=Decimal)


def all_samples() -> list[Path]:
    """Every valid sample record."""
    return sorted(p for p in SAMPLES.glob("*/*.json") if p.parent.name != "invalid")


@pytest.fixture
def templates_copy(tmp_path, monkeypatch) -> Path:
    """A private copy of templates/ that pep reads instead of the real one (PEP_TEMPLATES)."""
    copy_root = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy_root)
    monkeypatch.setenv("PEP_TEMPLATES", str(copy_root))
    return copy_root


@pytest.fixture
def walsall_templates(tmp_path, monkeypatch) -> Path:
    """A templates folder holding only the common defaults and Walsall's profile (PEP_TEMPLATES points at it)."""
    from generator.authority.profiles import _registry

    root = tmp_path / "templates"
    (root / "common").mkdir(parents=True)
    (root / "walsall").mkdir()
    shutil.copy(ROOT / "templates" / "common" / "defaults.yaml", root / "common")
    shutil.copy(ROOT / "templates" / "walsall" / "profile.yaml", root / "walsall")
    monkeypatch.setenv("PEP_TEMPLATES", str(root))
    _registry.cache_clear()
    return root


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner):
    """Run `pep ARGS...` in-process; returns click's Result (stdout and stderr kept apart)."""

    def run(*args, input=None):
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def walsall_record() -> dict:
    return copy.deepcopy(load_sample("walsall", "pep"))


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def write_json(path: Path, data) -> Path:
    """Write a record as a test input file (Decimals as JSON numbers, as they came)."""
    path.write_text(json.dumps(data, ensure_ascii=False, default=_number), encoding="utf-8")
    return path
