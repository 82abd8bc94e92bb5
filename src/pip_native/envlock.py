"""One pip-native run at a time per target environment: a file lock held from planning to the end."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pip_native.errors import LockedError
from pip_native.paths import cache_root
from pip_native.settings import seconds_from_env

__all__ = ["DEFAULT_WAIT_SECONDS", "environment_lock", "prefix_of"]

DEFAULT_WAIT_SECONDS = 120.0


def prefix_of(python: str) -> str:
    """The environment an interpreter path belongs to, without resolving symlinks
    (every venv's python links to the same system binary): ``/v/bin/python`` -> ``/v``."""
    found = shutil.which(python) or python
    absolute = Path(os.path.abspath(found))  # noqa: PTH100 - resolve() would follow the symlink
    return str(absolute.parent.parent)


@contextmanager
def environment_lock(prefix: str, *, timeout: float | None = None) -> Iterator[None]:
    """Hold the lock for the environment at ``prefix``, waiting up to ``timeout`` seconds
    (default ``PIP_NATIVE_LOCK_TIMEOUT`` or 120) and saying that it waits."""
    from filelock import FileLock, Timeout  # here: dry runs take no lock, and skip its import

    key = hashlib.sha256(os.path.abspath(prefix).encode()).hexdigest()[:24]  # noqa: PTH100
    folder = cache_root() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.lock"
    lock = FileLock(str(path))
    wait = (
        seconds_from_env("PIP_NATIVE_LOCK_TIMEOUT", DEFAULT_WAIT_SECONDS)
        if timeout is None
        else timeout
    )
    try:
        lock.acquire(timeout=0)
    except Timeout:
        sys.stderr.write(
            f"pip-native: another pip-native run is changing {prefix}; waiting up to {wait:g} s...\n"
        )
        try:
            lock.acquire(timeout=wait)
        except Timeout as exc:
            raise LockedError(
                f"Another pip-native run is still changing the environment {prefix} after "
                f"{wait:g} s; nothing was changed by this one.",
                hint="Wait for it to finish and run again, or raise PIP_NATIVE_LOCK_TIMEOUT. "
                f"(Lock file: {path}.)",
            ) from exc
    try:
        yield
    finally:
        lock.release()
