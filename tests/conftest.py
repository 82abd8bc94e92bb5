"""Shared pytest fixtures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from localindex import LocalIndex
from scenario import World, build_index, write_mapping

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(autouse=True)
def own_cache_root(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """pip-native's cache root (``PIP_NATIVE_CACHE_DIR``) in a fresh directory per test:
    the user's cache stays untouched, and no test sees what another stored."""
    root = tmp_path_factory.mktemp("pip-native-cache")
    monkeypatch.setenv("PIP_NATIVE_CACHE_DIR", str(root))
    return root


@pytest.fixture
def local_index(tmp_path: Path) -> LocalIndex:
    """An empty :class:`localindex.LocalIndex` in ``tmp_path/"index"``: add files, then build()."""
    return LocalIndex(tmp_path / "index")


@pytest.fixture
def http_cache(tmp_path: Path) -> Path:
    """A fresh directory for pip-native's HTTP cache (``PackageIndex(cache_dir=...)``)."""
    return tmp_path / "http-cache"


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    """The shared scenario's index (requests, numpy, scikit-learn, ... as tiny wheels)."""
    return build_index(tmp_path)


@pytest.fixture
def mapping_file(tmp_path: Path) -> Path:
    """A user mapping file linking the scenario's PyPI names to its system packages."""
    return write_mapping(tmp_path)


@pytest.fixture
def world(index: LocalIndex, mapping_file: Path, tmp_path: Path) -> World:
    """Index, fake apt and mapping wired together: ``world.resolve("scikit-learn", ...)``."""
    return World(index, mapping_file, tmp_path)


@pytest.fixture
def index_root(index: LocalIndex) -> Path:
    """Where the scenario index keeps its files."""
    return index.root
