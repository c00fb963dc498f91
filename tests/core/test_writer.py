"""Atomic writes: new, unchanged and replaced files, no silent overwrite, no temporary files left after a failure."""

import os
from pathlib import Path

import pytest

from generator.core import writer
from generator.core.errors import OutputError
from generator.core.writer import write_atomic


def test_a_new_file_is_written(tmp_path):
    path = tmp_path / "PEP_walsall_WS-10442_2025-26_autumn_pep.docx"
    assert write_atomic(path, b"content") == "written"
    assert path.read_bytes() == b"content"
    assert path.stat().st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == [path.name]


def test_missing_folders_are_made(tmp_path):
    path = tmp_path / "output" / "walsall" / "doc.pdf"
    assert write_atomic(path, b"%PDF") == "written"
    assert path.read_bytes() == b"%PDF"


def test_the_same_bytes_leave_the_file_alone(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"same")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert write_atomic(path, b"same") == "unchanged"
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert write_atomic(path, b"same", force=True) == "unchanged"


def test_different_bytes_are_an_error_without_force(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"old")
    with pytest.raises(OutputError) as caught:
        write_atomic(path, b"new")
    assert str(caught.value) == f"{path}: Exists with different content; use --force to replace it."
    assert caught.value.exit_code == 1
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["doc.pdf"]


def test_force_replaces(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"old")
    assert write_atomic(path, b"new", force=True) == "replaced"
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["doc.pdf"]


def test_a_directory_in_the_way(tmp_path):
    (tmp_path / "doc.pdf").mkdir()
    with pytest.raises(OutputError) as caught:
        write_atomic(tmp_path / "doc.pdf", b"x", force=True)
    assert str(caught.value) == f"{tmp_path / 'doc.pdf'}: Is a directory."


def test_a_file_where_a_folder_should_be(tmp_path):
    (tmp_path / "output").write_bytes(b"not a folder")
    with pytest.raises(OutputError) as caught:
        write_atomic(tmp_path / "output" / "doc.pdf", b"x")
    assert str(caught.value) == f"{tmp_path / 'output' / 'doc.pdf'}: Cannot write here: File exists."
    assert (tmp_path / "output").read_bytes() == b"not a folder"


def test_a_failed_write_leaves_no_temporary_file_and_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"old")

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "fsync", disk_full)
    with pytest.raises(OutputError) as caught:
        write_atomic(path, b"new", force=True)
    assert str(caught.value) == f"{path}: Cannot write: No space left on device."
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["doc.pdf"]


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(writer.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "doc.pdf", b"new")
    assert os.listdir(tmp_path) == []


def test_the_file_appears_whole_by_rename(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((os.path.basename(src), Path(src).read_bytes(), os.path.exists(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", spy)
    write_atomic(tmp_path / "doc.pdf", b"whole")
    ((temp_name, content, existed),) = seen
    assert temp_name.startswith(".doc.pdf.")
    assert temp_name.endswith(".tmp")
    assert content == b"whole"
    assert existed is False
