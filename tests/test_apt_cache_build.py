"""Tests for pip_native.native.apt_cache_build: a build run by a real process (a Python
script standing in for ``apt-cache gencaches``, which writes the same way: a temporary
file renamed)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from pip_native.native.apt_cache_build import BUILD_PREFIX, AheadBuild

FILES = ("pkgcache.bin", "srcpkgcache.bin")


def writer(directory: Path, *, pause: float = 0.0, status: int = 0) -> list[str]:
    """A command writing both files into ``directory`` after ``pause`` seconds."""
    code = (
        "import os, sys, time, pathlib\n"
        f"d = pathlib.Path({str(directory)!r})\n"
        "(d / 'pkgcache.bin.tmp1').write_text('partial')\n"
        f"time.sleep({pause})\n"
        "for name in ('pkgcache.bin', 'srcpkgcache.bin'):\n"
        "    (d / (name + '.tmp2')).write_text(name)\n"
        "    os.replace(d / (name + '.tmp2'), d / name)\n"
        "os.remove(d / 'pkgcache.bin.tmp1')\n"
        f"sys.exit({status})\n"
    )
    return [sys.executable, "-c", code]


def build(cache: Path, **kw: float) -> tuple[AheadBuild, list[Path]]:
    dirs: list[Path] = []

    def prepare(directory: Path) -> list[str]:
        dirs.append(directory)
        return writer(directory, **kw)

    ahead = AheadBuild(cache, FILES, prepare, env={}, hint="check apt")
    ahead.start()
    return ahead, dirs


def test_a_used_build_moves_its_files_into_place(tmp_path: Path) -> None:
    ahead, dirs = build(tmp_path)
    assert ahead.use()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    assert (tmp_path / "pkgcache.bin").read_text() == "pkgcache.bin"
    (directory,) = dirs
    assert directory.parent == tmp_path and directory.name.startswith(BUILD_PREFIX)
    ahead.cancel()  # after use: nothing to stop, the files stay
    assert (tmp_path / "srcpkgcache.bin").exists()


def test_cancel_kills_the_command_and_leaves_nothing(tmp_path: Path) -> None:
    ahead, dirs = build(tmp_path, pause=30)
    deadline = time.monotonic() + 20
    while not (dirs and (dirs[0] / "pkgcache.bin.tmp1").exists()):  # it is writing
        assert time.monotonic() < deadline
        time.sleep(0.01)
    begin = time.monotonic()
    ahead.cancel()
    assert time.monotonic() - begin < 10
    assert list(tmp_path.iterdir()) == []
    assert not ahead.use()  # a later command builds the cache itself


def test_a_finished_build_is_kept_when_cancelled(tmp_path: Path) -> None:
    ahead, _ = build(tmp_path)
    ahead._thread.join()
    ahead.cancel()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)


def test_a_failed_build_moves_nothing(tmp_path: Path) -> None:
    ahead, _ = build(tmp_path, status=100)
    assert not ahead.use()
    assert list(tmp_path.iterdir()) == []


def test_nothing_starts_when_no_build_is_needed(tmp_path: Path) -> None:
    asked: list[Path] = []

    def prepare(directory: Path) -> None:
        asked.append(directory)

    ahead = AheadBuild(tmp_path / "cache", FILES, prepare, env={}, hint="")
    ahead.start()
    assert not ahead.use()
    assert len(asked) == 1
    assert not (tmp_path / "cache").exists()


def test_a_missing_program_is_left_to_the_commands_after_it(tmp_path: Path) -> None:
    ahead = AheadBuild(
        tmp_path, FILES, lambda _d: ["pip-native-no-such-apt-cache"], env={}, hint=""
    )
    ahead.start()
    assert not ahead.use()
    assert list(tmp_path.iterdir()) == []


def test_any_failure_ahead_is_left_to_the_commands_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work done ahead never fails the plan nor prints a thread's traceback."""
    raised: list[object] = []
    monkeypatch.setattr(threading, "excepthook", raised.append)

    def prepare(_directory: Path) -> list[str]:
        raise RuntimeError("unexpected")

    ahead = AheadBuild(tmp_path, FILES, prepare, env={}, hint="")
    ahead.start()
    assert not ahead.use()
    assert raised == []
