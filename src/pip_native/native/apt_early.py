"""apt's first universe started when pip starts, before pip has read its options.

Through the hook, pip-native used to start the universe's process when pip's
install command ran, 0.18 s into the run on this project's 2-CPU benchmark
machine, and a cold plan that needed apt then waited for it. The hook sees
pip's command line earlier, when pip imports its CLI; when that line names apt
(:func:`pip_native.pip_hook.early_backend`), :func:`start` starts the process
there. It reads apt's configuration itself (``python -m
pip_native.native.apt_universe --ahead``) and first says which work directory
it makes the universe in (a line of JSON; ``null`` when one is stored or
nothing can be kept). The plan's adapter takes it over (:func:`take`) when that
is its own apt state's, and ends it otherwise. Only :mod:`pip_native.subproc`
(and :mod:`pip_native.paths`) is imported here: this runs in pip's start.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from typing import TYPE_CHECKING

from pip_native import subproc
from pip_native.errors import PipNativeError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["start", "take"]

logger = logging.getLogger(__name__)

_LOCK = threading.Lock()
_STARTED: list[subproc.Started] = []
"""The process :func:`start` started, until :func:`take` takes it (at most one)."""
_MODULE = "pip_native.native.apt_universe"
_UNIVERSES = "apt-universe-"  # apt_universe's names (not imported: this runs in pip's start)
_STORED = "universe.json"


def start() -> None:
    """Start the universe's process for the cache directory's apt work (once), unless
    some apt state's universe is stored there: most likely this one's, and then there is
    nothing to make (if not, the plan's adapter starts the process, as without this)."""
    from pip_native.paths import cache_root

    if any((cache_root() / "apt").glob(f"{_UNIVERSES}*/{_STORED}")):
        return
    with _LOCK:
        if _STARTED:
            return
        _STARTED.append(
            subproc.start(
                [sys.executable, "-m", _MODULE, "--ahead"],
                what="make apt's universe",
                env=subproc.own_module_env(),
                hint="Check that apt works: `apt-get check` should succeed.",
                new_group=True,  # stopping it stops the apt-helper it runs
                talk=True,  # it grows the universe as the plan asks
            )
        )


def take(workdir: Path) -> subproc.Started | None:
    """The process :func:`start` started, if it makes the universe in ``workdir``: it is
    then the caller's (once). Otherwise its questions are ended (it keeps what it made
    for later plans and ends, unwaited for) and None is returned."""
    with _LOCK:
        early = _STARTED.pop() if _STARTED else None
    if early is None:
        return None
    try:
        line = early.read_line(timeout=60)  # said within hundredths of a second of its start
    except PipNativeError as exc:  # stopped: the plan makes its own
        logger.debug("apt's early universe process did not say its work directory: %s", exc)
        return None
    try:
        said = json.loads(line) if line is not None else None
    except ValueError:
        said = None
    if isinstance(said, dict) and said.get("workdir") == str(workdir):
        return early
    early.end_unwaited(timeout=600, name="pip-native apt early end")
    return None
