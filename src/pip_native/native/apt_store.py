"""The apt backend's store of simulation results, in the adapter's cache directory.

An entry is keyed by the apt state key (:meth:`AptAdapter._cache_key`) and the
command: a change of the package lists, sources, preferences, apt configuration
or dpkg status gives a new key, and entries of older keys are removed when a new
one is written. (The universes the simulations run on are kept by
:mod:`~pip_native.native.apt_universe`.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import time
from typing import TYPE_CHECKING

from pip_native.paths import write_atomically
from pip_native.subproc import CommandResult

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

__all__ = [
    "SIMULATION_FORMAT",
    "load_simulation",
    "remove_stale_temporaries",
    "store_simulation",
]

logger = logging.getLogger(__name__)

SIMULATION_FORMAT = 1
SIMULATION_PREFIX = "apt-sim-"
_STALE_SECONDS = 3600


def remove_stale_temporaries(cache_dir: Path, *patterns: str) -> None:
    """Remove files and directories matching ``patterns`` in ``cache_dir`` left over by killed
    runs (an hour old)."""
    limit = time.time() - _STALE_SECONDS
    for pattern in patterns:
        for path in cache_dir.glob(pattern):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < limit:
                    if path.is_dir():
                        shutil.rmtree(path)
                    else:
                        path.unlink()


# -- simulation results (apt-get --print-uris or -s) -------------------------


def _simulation_path(
    cache_dir: Path, key: str, argv: Sequence[str], env: Mapping[str, str]
) -> Path:
    digest = hashlib.sha256(json.dumps([list(argv), sorted(env.items())]).encode())
    return cache_dir / f"{SIMULATION_PREFIX}{key}-{digest.hexdigest()[:32]}.json"


def load_simulation(
    cache_dir: Path, key: str, argv: Sequence[str], env: Mapping[str, str]
) -> CommandResult | None:
    """The stored successful result of ``argv`` in apt state ``key``; None if there is none."""
    path = _simulation_path(cache_dir, key, argv, env)
    try:
        entry = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.debug("ignoring unreadable apt simulation cache %s: %s", path, exc)
        return None
    expected = {
        "format": SIMULATION_FORMAT,
        "key": key,
        "argv": list(argv),
        "env": sorted([k, v] for k, v in env.items()),
    }
    if (
        not isinstance(entry, dict)
        or any(entry.get(field) != value for field, value in expected.items())
        or not isinstance(entry.get("stdout"), str)
        or not isinstance(entry.get("stderr"), str)
    ):
        logger.debug("ignoring apt simulation cache %s: not for this command and state", path)
        return None
    logger.debug("apt-get -s result from %s", path)
    return CommandResult(tuple(argv), 0, entry["stdout"], entry["stderr"])


def store_simulation(
    cache_dir: Path, key: str, result: CommandResult, env: Mapping[str, str]
) -> None:
    """Keep a successful ``result`` for apt state ``key``; drop those of other states."""
    if not result.ok:
        return
    path = _simulation_path(cache_dir, key, result.argv, env)
    entry = {
        "format": SIMULATION_FORMAT,
        "key": key,
        "argv": list(result.argv),
        "env": sorted([k, v] for k, v in env.items()),
        "stdout": result.stdout,
        "stderr": result.stderr,
    }
    try:
        write_atomically(path, json.dumps(entry).encode())
    except OSError as exc:
        logger.debug("could not write apt simulation cache %s: %s", path, exc)
        return
    current = f"{SIMULATION_PREFIX}{key}-"
    for old in cache_dir.glob(f"{SIMULATION_PREFIX}*.json"):
        if not old.name.startswith(current):
            with contextlib.suppress(OSError):
                old.unlink()
