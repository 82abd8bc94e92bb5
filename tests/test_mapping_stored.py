"""Tests for pip_native.mapping.stored: the loaded mapping kept on disk, keyed by its sources."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import pytest

from pip_native.mapping import stored
from pip_native.mapping.table import MappingTable

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_mock import MockerFixture

USER_MAPPING = """\
[apt]
fancy-project = ["python3-fancy"]

[dnf]
fancy-project = ["python3-fancy"]
"""


@pytest.fixture
def user_file(tmp_path: Path) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(USER_MAPPING)
    os.utime(path, (time.time() - 60, time.time() - 60))
    return path


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust every source's time stamp (a fresh checkout's files may be seconds old)."""
    monkeypatch.setattr(stored, "SETTLE_SECONDS", -3600.0)


def stored_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.glob("mapping-*.pickle"))


@pytest.mark.usefixtures("settled")
def test_a_second_load_reads_the_stored_table(
    tmp_path: Path, user_file: Path, mocker: MockerFixture
) -> None:
    cache = tmp_path / "cache"
    first = stored.load_mapping_stored("apt", user_files=[user_file], cache_dir=cache)
    (name,) = stored_files(cache)
    assert name.startswith("mapping-apt-")
    load = mocker.spy(stored, "load_mapping")
    again = stored.load_mapping_stored("apt", user_files=[user_file], cache_dir=cache)
    assert load.call_count == 0
    assert isinstance(again, MappingTable) and again is not first
    for project in ("fancy-project", "numpy", "pyyaml"):
        match, found = again.lookup(project), first.lookup(project)
        assert match is not None and found is not None
        assert match == found  # packages, source, origin, reason, alternatives
    assert again.dists_for_package("python3-yaml") == first.dists_for_package("python3-yaml")
    assert again.dists_for_package("python3-yaml") == ("pyyaml",)
    assert again.notes == first.notes


@pytest.mark.usefixtures("settled")
def test_a_changed_source_is_loaded_again(
    tmp_path: Path, user_file: Path, mocker: MockerFixture
) -> None:
    cache = tmp_path / "cache"
    stored.load_mapping_stored("apt", user_files=[user_file], cache_dir=cache)
    before = stored_files(cache)
    user_file.write_text(USER_MAPPING.replace("python3-fancy", "python3-fancier"))
    os.utime(user_file, (time.time() - 30, time.time() - 30))
    load = mocker.spy(stored, "load_mapping")
    table = stored.load_mapping_stored("apt", user_files=[user_file], cache_dir=cache)
    assert load.call_count == 1
    match = table.lookup("fancy-project")
    assert match is not None and match.packages == ("python3-fancier",)
    after = stored_files(cache)
    assert len(after) == 1 and after != before  # the old one is removed
    # another ecosystem is another file, and other mapping files another key
    stored.load_mapping_stored("dnf", cache_dir=cache)
    assert len(stored_files(cache)) == 2


def test_sources_changed_just_now_are_not_stored(tmp_path: Path, user_file: Path) -> None:
    os.utime(user_file)  # now: a change in the same time stamp would go unseen
    cache = tmp_path / "cache"
    stored.load_mapping_stored("apt", user_files=[user_file], cache_dir=cache)
    assert stored_files(cache) == []


@pytest.mark.usefixtures("settled")
def test_a_damaged_file_is_replaced(tmp_path: Path, user_file: Path) -> None:
    cache = tmp_path / "cache"
    stored.load_mapping_stored("apt", user_files=[user_file], cache_dir=cache)
    (name,) = stored_files(cache)
    (cache / name).write_bytes(b"\x80\x05not a pickle")
    table = stored.load_mapping_stored("apt", user_files=[user_file], cache_dir=cache)
    assert table.lookup("fancy-project") is not None
    again = stored.load_mapping_stored("apt", user_files=[user_file], cache_dir=cache)
    assert again.lookup("fancy-project") is not None
    assert (cache / name).read_bytes()[:2] == b"\x80\x05" and (cache / name).stat().st_size > 100


@pytest.mark.usefixtures("settled")
def test_nothing_is_stored_without_os_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Then distro asks lsb_release, a command no file stands for in the key."""
    monkeypatch.setattr(stored, "OS_RELEASE", (str(tmp_path / "no-os-release"),))
    cache = tmp_path / "cache"
    assert stored.load_mapping_stored("apt", cache_dir=cache).lookup("numpy") is not None
    assert stored_files(cache) == []


@pytest.mark.usefixtures("settled")
def test_an_unwritable_cache_is_only_slower(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    table = stored.load_mapping_stored("apt", cache_dir=blocker / "cache")
    assert table.lookup("numpy") is not None
