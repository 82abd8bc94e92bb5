"""Tests for pip_native.native.apt_cache_build: builds run by real processes (Python
scripts standing in for ``apt-cache gencaches``, which writes the same way: a temporary
file renamed, and for ``apt-cache dumpavail``, which writes to its standard output)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from pip_native.native.apt_cache_build import BUILD_PREFIX, AheadBuild, AheadStep

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

    def prepare(directory: Path) -> list[AheadStep]:
        dirs.append(directory)
        return [AheadStep(writer(directory, **kw), FILES)]

    ahead = AheadBuild(cache, prepare, env={}, hint="check apt")
    ahead.start()
    return ahead, dirs


def test_a_used_build_moves_its_files_into_place(tmp_path: Path) -> None:
    ahead, dirs = build(tmp_path)
    assert ahead.use(FILES)
    ahead._thread.join()  # the build directory goes when the thread ends
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
    assert not ahead.use(FILES)  # a later command builds the cache itself


def test_a_finished_build_is_kept_when_cancelled(tmp_path: Path) -> None:
    ahead, _ = build(tmp_path)
    ahead._thread.join()
    ahead.cancel()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)


def test_a_failed_build_moves_nothing(tmp_path: Path) -> None:
    ahead, _ = build(tmp_path, status=100)
    assert not ahead.use(FILES)
    assert list(tmp_path.iterdir()) == []


def test_nothing_starts_when_no_build_is_needed(tmp_path: Path) -> None:
    asked: list[Path] = []

    def prepare(directory: Path) -> None:
        asked.append(directory)

    ahead = AheadBuild(tmp_path / "cache", prepare, env={}, hint="")
    ahead.start()
    assert not ahead.use(FILES)
    assert len(asked) == 1
    assert not (tmp_path / "cache").exists()


def test_a_missing_program_is_left_to_the_commands_after_it(tmp_path: Path) -> None:
    ahead = AheadBuild(
        tmp_path, lambda _d: [AheadStep(["pip-native-no-such-apt-cache"], FILES)], env={}, hint=""
    )
    ahead.start()
    assert not ahead.use(FILES)
    assert list(tmp_path.iterdir()) == []


def test_any_failure_ahead_is_left_to_the_commands_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work done ahead never fails the plan nor prints a thread's traceback."""
    raised: list[object] = []
    monkeypatch.setattr(threading, "excepthook", raised.append)

    def prepare(_directory: Path) -> list[AheadStep]:
        raise RuntimeError("unexpected")

    ahead = AheadBuild(tmp_path, prepare, env={}, hint="")
    ahead.start()
    assert not ahead.use(FILES)
    assert raised == []


def printer(text: str, *, pause: float = 0.0, status: int = 0) -> list[str]:
    """A command printing ``text`` after ``pause`` seconds, as dumpavail prints the index."""
    code = f"import sys, time\ntime.sleep({pause})\nprint({text!r})\nsys.exit({status})\n"
    return [sys.executable, "-c", code]


def two_steps(cache: Path, **kw: float) -> AheadBuild:
    def prepare(directory: Path) -> list[AheadStep]:
        return [
            AheadStep(writer(directory), FILES),
            AheadStep(printer("the index", **kw), ("out",), stdout="out"),
        ]

    ahead = AheadBuild(cache, prepare, env={}, hint="")
    ahead.start()
    return ahead


def test_steps_run_in_order_and_each_is_used_when_it_is_done(tmp_path: Path) -> None:
    """The simulation waits for the binary cache only, not for dumpavail after it."""
    ahead = two_steps(tmp_path, pause=3)
    assert ahead.use(FILES)
    assert not (tmp_path / "out").exists()  # the second step is still running
    ahead.cancel()  # used: not stopped, so this waits for the second step
    assert (tmp_path / "out").read_text() == "the index\n"


def test_output_to_a_file_is_moved_when_the_command_succeeds(tmp_path: Path) -> None:
    ahead = two_steps(tmp_path)
    assert ahead.use(["out"])
    assert (tmp_path / "out").read_text() == "the index\n"
    ahead.cancel()  # used: only waits for the thread, which removes the build directory
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES, "out"])


def test_a_failed_step_ends_the_build_and_keeps_the_steps_before(tmp_path: Path) -> None:
    ahead = two_steps(tmp_path, status=100)
    assert not ahead.use(["out"])
    assert ahead.use(FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)


def test_cancel_stops_an_unused_second_step(tmp_path: Path) -> None:
    ahead = two_steps(tmp_path, pause=30)
    deadline = time.monotonic() + 20
    while not (tmp_path / "pkgcache.bin").exists():  # the first step is done
        assert time.monotonic() < deadline
        time.sleep(0.01)
    begin = time.monotonic()
    ahead.cancel()
    assert time.monotonic() - begin < 10
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
