"""apt's binary cache built ahead, in the background, into pip-native's cache directory.

Where the system switched apt's binary cache off (Docker images do), every
read-only apt command of a plan would build it in memory first (0.7 s on
Debian's full lists); :class:`~pip_native.native.apt.AptAdapter` keeps one
in its cache directory instead. :class:`AheadBuild` starts building it when
the plan starts, before the resolver knows whether it needs apt at all, so a
plan that does need it finds it (nearly) ready. A plan that needs nothing
from apt stops the build: the command is killed and its files removed.

apt writes the files next to their final name (``pkgcache.bin.XXXXXX``,
renamed when done); a killed apt leaves that partial file behind. So the
build runs in a directory of its own and the finished files are moved into
place; apt checks them against the package lists, not their path.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from pip_native import subproc

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

__all__ = ["BUILD_PREFIX", "AheadBuild"]

logger = logging.getLogger(__name__)

BUILD_PREFIX = ".apt-cache-build-"
"""Name prefix of the private build directories in the cache directory."""


class AheadBuild:
    """One ``apt-cache gencaches`` run in a thread, which :meth:`use` waits for or
    :meth:`cancel` stops.

    ``prepare`` runs first in the thread; it returns the command for a given
    build directory, or None when no build is needed (nothing is started and
    no directory made).
    ``files`` are the names the command writes there, moved into
    ``cache_dir`` when it succeeds.
    """

    def __init__(
        self,
        cache_dir: Path,
        files: Collection[str],
        prepare: Callable[[Path], Sequence[str] | None],
        *,
        env: Mapping[str, str],
        hint: str,
    ) -> None:
        self._cache_dir = cache_dir
        self._files = tuple(files)
        self._prepare = prepare
        self._env = env
        self._hint = hint
        self._lock = threading.Lock()
        self._wanted = False
        self._cancelled = False
        self._process: subproc.Started | None = None
        self._built = False
        self._thread = threading.Thread(target=self._run, name="pip-native apt gencaches")
        self._thread.daemon = True

    def start(self) -> None:
        self._thread.start()

    def use(self) -> bool:
        """Wait for the build (it is no longer cancelled); whether the files are in place."""
        with self._lock:
            self._wanted = True
        self._thread.join()
        return self._built

    def cancel(self) -> None:
        """Stop the build unless :meth:`use` wanted it; wait until its files are gone.

        A build that has finished is kept: the next plan finds it.
        """
        with self._lock:
            if not self._wanted:
                self._cancelled = True
                if self._process is not None:
                    self._process.kill()
        self._thread.join()

    def _run(self) -> None:
        build_dir = self._cache_dir / f"{BUILD_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            argv = self._prepare(build_dir)
            if argv is None:
                return
            build_dir.mkdir()
            self._build(build_dir, argv)
        except Exception as exc:  # work ahead never fails the plan
            # the command that needs the cache builds it then, or reports apt's error
            logger.debug("building apt's binary cache ahead failed: %s", exc)
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)

    def _build(self, build_dir: Path, argv: Sequence[str]) -> None:
        with self._lock:
            if self._cancelled:
                return
            self._process = subproc.start(
                argv, what="build apt's binary cache", env=self._env, hint=self._hint
            )
        result = self._process.wait(timeout=600)
        if not result.ok:
            logger.debug("apt-cache gencaches ended with %s: %s", result.returncode, result.stderr)
            return
        for name in self._files:
            built = build_dir / name
            if built.exists():
                built.replace(self._cache_dir / name)
        self._built = True
