"""Where pip-native keeps its on-disk caches."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["SETTLE_SECONDS", "cache_root", "file_stamp", "stamps_key", "write_atomically"]

SETTLE_SECONDS = 2.0
"""A file changed this recently may change again within the same time stamp tick: an
answer read from it is not kept (a later change could go unseen)."""


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


def file_stamp(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """``(mtime_ns, size)`` of ``path``, or None when it cannot be read: what a kept answer
    compares to tell that a file it was read from changed."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def stamps_key(prefix: str, paths: Iterable[str | os.PathLike[str]]) -> tuple[str, int]:
    """A key for ``prefix`` and the stamps of ``paths`` (each path, its mtime and size, or
    ``-`` when missing), and the newest mtime among them (ns; 0 when none exists)."""
    digest = hashlib.sha256(prefix.encode())
    newest = 0
    for path in paths:
        stamp = file_stamp(path)
        if stamp is None:
            digest.update(f"{path}\0-\n".encode())
        else:
            digest.update(f"{path}\0{stamp[0]}\0{stamp[1]}\n".encode())
            newest = max(newest, stamp[0])
    return digest.hexdigest()[:32], newest
