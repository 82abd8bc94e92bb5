"""Tests for pip_native.probe_store: a stored probe answer is used only while nothing it was
read from changed. The answers are made up around a temporary site directory (their
shape is the probe's); the last test runs the real probe."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pip_native import probe_store
from pip_native.environment import probe

if TYPE_CHECKING:
    from collections.abc import Callable

OLD = time.time() - 3600


def age(*paths: Path) -> None:
    for path in paths:
        os.utime(path, (OLD, OLD))


class Target:
    """A made-up interpreter: a prefix, a site directory with one distribution."""

    def __init__(self, root: Path) -> None:
        self.prefix = root / "venv"
        self.site = self.prefix / "lib" / "site-packages"
        self.dist = self.site / "demo-1.0.dist-info"
        self.dist.mkdir(parents=True)
        (self.dist / "METADATA").write_text("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        (self.prefix / "pyvenv.cfg").write_text("include-system-site-packages = false\n")
        self.user_site = root / "user-site"
        self.runs = 0
        age(self.dist / "METADATA", self.dist, self.site, self.prefix / "pyvenv.cfg")

    def answer(self) -> str:
        return json.dumps(
            {
                "prefix": str(self.prefix),
                "sys_path": [str(self.site), str(self.prefix / "lib" / "missing.zip")],
                "user_site": str(self.user_site),
                "distributions": [{"name": "demo", "metadata_dir": str(self.dist)}],
                "run": self.runs,
            }
        )

    def run(self, _python: str) -> str:
        self.runs += 1
        return self.answer()


@pytest.fixture
def target(tmp_path: Path) -> Target:
    return Target(tmp_path)


def load(target: Target, cache: Path) -> Callable[[], str]:
    script = Path(probe_store.__file__)  # any existing file stands for the probe script
    return lambda: probe_store.load_or_probe(sys.executable, cache, script, target.run)


def test_an_unchanged_target_is_probed_once(target: Target, tmp_path: Path) -> None:
    get = load(target, tmp_path / "cache")
    first = get()
    assert get() == first
    assert target.runs == 1
    assert len(list((tmp_path / "cache").glob("probe-*.json"))) == 1


@pytest.mark.parametrize(
    "change",
    [
        "new distribution",
        "metadata edited in place",
        "distribution removed",
        "pth file added",
        "pyvenv.cfg edited",
        "user site created",
    ],
)
def test_a_change_on_the_path_probes_again(target: Target, tmp_path: Path, change: str) -> None:
    get = load(target, tmp_path / "cache")
    get()
    if change == "new distribution":
        (target.site / "other-2.0.dist-info").mkdir()
    elif change == "metadata edited in place":
        metadata = target.dist / "METADATA"
        metadata.write_text(metadata.read_text().replace("1.0", "1.1"))
        os.utime(metadata, (OLD + 1, OLD + 1))
        age(target.dist)
    elif change == "distribution removed":
        for child in target.dist.iterdir():
            child.unlink()
        target.dist.rmdir()
    elif change == "pth file added":
        (target.site / "editable.pth").write_text("/src/demo\n")
    elif change == "pyvenv.cfg edited":
        (target.prefix / "pyvenv.cfg").write_text("include-system-site-packages = true\n")
    else:
        target.user_site.mkdir()
    assert json.loads(get())["run"] == 2  # a new answer
    assert target.runs == 2


def test_another_environment_is_another_answer(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    get = load(target, tmp_path / "cache")
    get()
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    get()
    get()
    assert target.runs == 2
    assert len(list((tmp_path / "cache").glob("probe-*.json"))) == 2


def test_an_answer_read_from_files_changed_just_now_is_not_stored(
    target: Target, tmp_path: Path
) -> None:
    os.utime(target.site)  # now: a change in the same tick would not show
    get = load(target, tmp_path / "cache")
    get()
    get()
    assert target.runs == 2
    assert not (tmp_path / "cache").exists()


def test_a_damaged_answer_probes_again(target: Target, tmp_path: Path) -> None:
    get = load(target, tmp_path / "cache")
    get()
    (stored,) = (tmp_path / "cache").glob("probe-*.json")
    stored.write_text('{"watched": [], "answer"')
    get()
    assert target.runs == 2
    get()
    assert target.runs == 2  # stored again


def test_an_unknown_interpreter_is_left_to_the_probe(target: Target, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for _ in range(2):
        probe_store.load_or_probe(
            str(tmp_path / "no-such-python"), cache, Path(probe_store.__file__), target.run
        )
    assert target.runs == 2
    assert not cache.exists()


def test_the_real_probe_gives_the_same_answer_stored(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fresh = probe(sys.executable)
    first = probe(sys.executable, cache_dir=cache)
    again = probe(sys.executable, cache_dir=cache)
    assert first == again == fresh
    assert again.installed.keys() == fresh.installed.keys()
