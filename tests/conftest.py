"""Shared pytest fixtures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from localindex import LocalIndex

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def local_index(tmp_path: Path) -> LocalIndex:
    """An empty :class:`localindex.LocalIndex` in ``tmp_path/"index"``: add files, then build()."""
    return LocalIndex(tmp_path / "index")


@pytest.fixture
def http_cache(tmp_path: Path) -> Path:
    """A fresh directory for pip-native's HTTP cache (``PackageIndex(cache_dir=...)``)."""
    return tmp_path / "http-cache"
