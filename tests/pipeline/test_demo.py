"""`pep demo`: every sample validated, every authority × variant × format written blank and filled, QA and dashboard."""

from __future__ import annotations

from pathlib import Path

from generator.authority.profiles import authorities


def test_demo_writes_everything_and_says_so(invoke, tmp_path):
    result = invoke("demo", "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "Samples: 28 records valid; 46 invalid records each fail exactly as expected" in result.stderr
    expected = sum(2 * len(v.formats) for p in authorities().values() for v in p.variants.values())
    written = [p for p in tmp_path.rglob("PEP_*") if p.suffix in (".docx", ".pdf")]
    assert len(written) == expected
    assert f"Wrote {expected} documents and forms, blank and filled" in result.stderr
    for authority in authorities():
        assert any(Path(p).parent.name == authority for p in written)
    assert (tmp_path / "dashboard.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert len(list((tmp_path / "qa").glob("*.qa.html"))) == 8
    assert "samples/enfield/pep.json: ENF-06" in result.stderr
    assert next(tmp_path.glob(".pep-demo-keys.json")).stat().st_mode & 0o077 == 0


def test_demo_again_is_byte_identical(invoke, tmp_path):
    invoke("demo", "-o", tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("PEP_*.*")}
    assert invoke("demo", "-o", tmp_path).exit_code == 0
    assert {p: p.read_bytes() for p in tmp_path.rglob("PEP_*.*")} == before
