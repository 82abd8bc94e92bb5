"""Where pip-native keeps its on-disk caches."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import platformdirs

__all__ = ["cache_root", "write_atomically"]


def cache_root() -> Path:
    """``$PIP_NATIVE_CACHE_DIR`` or the user cache dir (``~/.cache/pip-native`` on Linux)."""
    override = os.environ.get("PIP_NATIVE_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("pip-native"))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place.

    Other runs and threads see the old file or the whole new one, never part
    of it. Creates the folder. Raises :class:`OSError`, with the temporary
    file removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
