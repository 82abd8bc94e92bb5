"""pip_native.paths: the cache root and atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pip_native.paths import file_stamp, stamps_key, write_atomically


def test_write_atomically_creates_the_folder_and_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.bin"
    write_atomically(target, b"one")
    write_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # a folder where the file should go: the rename fails
    (target / "inside").write_text("x")
    with pytest.raises(OSError):
        write_atomically(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_stamps_key_changes_with_any_file_and_reports_the_newest(tmp_path: Path) -> None:
    a, b, missing = tmp_path / "a", tmp_path / "b", tmp_path / "missing"
    a.write_text("1")
    b.write_text("22")
    os.utime(a, ns=(1_000, 1_000))
    os.utime(b, ns=(5_000, 5_000))
    assert file_stamp(b) == (5_000, 2) and file_stamp(missing) is None
    key, newest = stamps_key("v1", [a, b, missing])
    assert newest == 5_000
    assert stamps_key("v1", [a, b, missing]) == (key, newest)
    assert stamps_key("v2", [a, b, missing])[0] != key  # the prefix counts
    b.write_text("23")  # same size, new time stamp
    os.utime(b, ns=(6_000, 6_000))
    assert stamps_key("v1", [a, b, missing])[0] != key
    missing.write_text("")
    assert stamps_key("v1", [a, b, missing])[1] > 6_000  # created now: the newest
    assert stamps_key("v1", [])[1] == 0
