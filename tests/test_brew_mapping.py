"""The brew name mapping: formula name guesses, the bundled exceptions, load_mapping("brew")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.utils import NormalizedName

from pip_native.mapping import load_mapping
from pip_native.mapping.brew import EXCEPTIONS, brew_candidates, bundled_layer

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from pathlib import Path

N = NormalizedName


class Exists:
    """A fake batched ``exists`` (what `brew formulae` lists); records each call."""

    def __init__(self, known: Collection[str]) -> None:
        self.known = set(known)
        self.calls: list[list[str]] = []

    def __call__(self, names: Sequence[str]) -> Collection[str]:
        self.calls.append(list(names))
        return {name for name in names if name in self.known}


def test_candidates_python_prefix_first() -> None:
    assert brew_candidates(N("matplotlib")) == ("python-matplotlib", "matplotlib")
    assert brew_candidates(N("numpy")) == ("python-numpy", "numpy")
    # already prefixed: no python-python-*
    assert brew_candidates(N("python-dateutil")) == ("python-dateutil",)


def test_heuristic_one_exists_call_for_many_projects() -> None:
    table = load_mapping("brew")
    exists = Exists({"numpy", "python-matplotlib", "matplotlib-cli", "cffi"})
    found = table.lookup_many([N("numpy"), N("matplotlib"), N("cffi"), N("nosuch")], exists=exists)
    assert len(exists.calls) == 1
    assert set(exists.calls[0]) == {
        "python-numpy",
        "numpy",
        "python-matplotlib",
        "matplotlib",
        "python-cffi",
        "cffi",
        "python-nosuch",
        "nosuch",
    }
    assert found[N("numpy")].packages == ("numpy",)
    assert found[N("matplotlib")].packages == ("python-matplotlib",)
    assert found[N("numpy")].source == "heuristic"
    assert N("nosuch") not in found


def test_bundled_exceptions_beat_the_heuristic() -> None:
    table = load_mapping("brew")
    exists = Exists({"pygobject", "pygobject3", "borgbackup"})
    found = table.lookup_many([N("pygobject"), N("borgbackup")], exists=exists)
    assert exists.calls == []  # both known to the bundled table: brew is not asked
    assert found[N("pygobject")].packages == ("pygobject3",)
    assert found[N("pygobject")].source == "bundled"
    assert found[N("borgbackup")].never_native
    assert "virtualenv" in found[N("borgbackup")].reason
    assert table.dists_for_package("py3cairo") == (N("pycairo"),)


def test_bundled_layer_lists_every_exception() -> None:
    layer = bundled_layer()
    assert set(layer.matches) == set(EXCEPTIONS)
    assert all(m.ecosystem == "brew" for m in layer.matches.values())
    assert layer.summary().startswith("bundled Homebrew exceptions")


def test_sources_name_the_homebrew_heuristic(tmp_path: Path) -> None:
    user = tmp_path / "map.toml"
    user.write_text('[brew]\nscipy = ["scipy"]\n')
    table = load_mapping("brew", user_files=[user])
    lines = table.sources()
    assert lines[0] == f"user mapping {user} [brew]: 1 project"
    assert lines[1] == "bundled Homebrew exceptions (pip_native/mapping/brew.py): 4 projects"
    assert lines[-1] == (
        "heuristic: Homebrew formula names (python-foo-bar, foo-bar for foo-bar), "
        "used only when brew confirms the package exists"
    )
    match = table.lookup(N("scipy"))
    assert match is not None and match.source == "user"
