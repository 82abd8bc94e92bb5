"""Tests for pip_native.native.apt_store: simulation results kept per apt state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pip_native.native import apt_store
from pip_native.subproc import CommandResult

if TYPE_CHECKING:
    from pathlib import Path

KEY = "0123456789abcdef0123456789abcdef"


# -- apt-get -s results --------------------------------------------------------

ARGV = ("apt-get", "-s", "install", "python3-numpy")


def test_simulation_round_trip(tmp_path: Path) -> None:
    result = CommandResult(ARGV, 0, "Inst python3-numpy (1 Debian:12/stable [amd64])\n", "W: x\n")
    assert apt_store.load_simulation(tmp_path, KEY, ARGV, {}) is None
    apt_store.store_simulation(tmp_path, KEY, result, {})
    assert apt_store.load_simulation(tmp_path, KEY, ARGV, {}) == result
    assert apt_store.load_simulation(tmp_path, KEY, ARGV, {"APT_CONFIG": "/x"}) is None
    assert apt_store.load_simulation(tmp_path, KEY, (*ARGV, "more"), {}) is None
    assert apt_store.load_simulation(tmp_path, "f" * 32, ARGV, {}) is None


def test_failed_simulation_is_not_stored(tmp_path: Path) -> None:
    apt_store.store_simulation(tmp_path, KEY, CommandResult(ARGV, 100, "", "E: x"), {})
    assert list(tmp_path.iterdir()) == []


def test_simulation_store_failure_is_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    apt_store.store_simulation(blocker / "cache", KEY, CommandResult(ARGV, 0, "", ""), {})
    assert apt_store.load_simulation(blocker / "cache", KEY, ARGV, {}) is None
