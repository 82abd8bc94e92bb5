"""Where pip-native keeps its on-disk caches."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["cache_root"]


def cache_root() -> Path:
    """``$PIP_NATIVE_CACHE_DIR`` or the user cache dir (``~/.cache/pip-native`` on Linux)."""
    override = os.environ.get("PIP_NATIVE_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("pip-native"))
