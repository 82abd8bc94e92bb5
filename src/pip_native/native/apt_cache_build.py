"""apt's work done ahead, in the background, into pip-native's cache directory.

Where the system switched apt's binary cache off (Docker images do), every
read-only apt command of a plan would build it in memory first (0.7 s on
Debian's full lists); :class:`~pip_native.native.apt.AptAdapter` keeps one
in its cache directory instead. And a cold plan reads apt's whole index
(``apt-cache dumpavail``, 50 MB written to a file). :class:`AheadBuild` starts
both when the plan starts, before the resolver knows whether it needs apt at
all, so a plan that does need them finds them (nearly) ready. A plan that
needs nothing from apt stops the build: the command is killed and its files
removed.

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
from typing import TYPE_CHECKING, NamedTuple

from pip_native import subproc

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

__all__ = ["BUILD_PREFIX", "AheadBuild", "AheadStep"]

logger = logging.getLogger(__name__)

BUILD_PREFIX = ".apt-cache-build-"
"""Name prefix of the private build directories in the cache directory."""


class AheadStep(NamedTuple):
    """One command of a build ahead."""

    argv: Sequence[str]
    files: tuple[str, ...]
    """What it writes into the build directory, moved into the cache directory when it
    succeeds."""
    stdout: str | None = None
    """The file of the build directory its output goes to (one of ``files``), if any."""


class AheadBuild:
    """Commands run one after the other in a thread (``apt-cache gencaches``, then
    ``apt-cache dumpavail``), whose files :meth:`use` waits for or :meth:`cancel` stops.

    ``prepare`` runs first in the thread; it returns the steps for a given
    build directory, or None when no build is needed (nothing is started and
    no directory made). A step that fails ends the build.
    """

    def __init__(
        self,
        cache_dir: Path,
        prepare: Callable[[Path], Sequence[AheadStep] | None],
        *,
        env: Mapping[str, str],
        hint: str,
    ) -> None:
        self._cache_dir = cache_dir
        self._prepare = prepare
        self._env = env
        self._hint = hint
        self._changed = threading.Condition()
        self._wanted = False
        self._cancelled = False
        self._ended = False
        self._process: subproc.Started | None = None
        self._moved: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="pip-native apt ahead")
        self._thread.daemon = True

    def start(self) -> None:
        self._thread.start()

    def use(self, files: Collection[str]) -> bool:
        """Wait until ``files`` are in the cache directory or the build has ended (it is
        no longer cancelled); whether they are there."""
        wanted = set(files)
        with self._changed:
            self._wanted = True
            while not (wanted <= self._moved or self._ended):
                self._changed.wait()
            return wanted <= self._moved

    def cancel(self) -> None:
        """Stop the build unless :meth:`use` wanted it; wait until its files are gone.

        The files of finished steps are kept: the next plan finds them.
        """
        with self._changed:
            if not self._wanted:
                self._cancelled = True
                if self._process is not None:
                    self._process.kill()
        self._thread.join()

    def _run(self) -> None:
        build_dir = self._cache_dir / f"{BUILD_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            steps = self._prepare(build_dir)
            if steps is not None:
                build_dir.mkdir()
                for step in steps:
                    if not self._step(build_dir, step):
                        break
        except Exception as exc:  # work ahead never fails the plan
            # the command that needs the files makes them then, or reports apt's error
            logger.debug("apt work ahead failed: %s", exc)
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def _step(self, build_dir: Path, step: AheadStep) -> bool:
        with self._changed:
            if self._cancelled:
                return False
            stdout = build_dir / step.stdout if step.stdout else None
            self._process = subproc.start(
                step.argv, what="prepare apt's index", env=self._env, hint=self._hint, stdout=stdout
            )
        result = self._process.wait(timeout=600)
        if not result.ok:
            logger.debug("%s ended with %s: %s", step.argv, result.returncode, result.stderr)
            return False
        for name in step.files:
            built = build_dir / name
            if built.exists():
                built.replace(self._cache_dir / name)
        with self._changed:
            self._moved.update(step.files)
            self._changed.notify_all()
        return True
