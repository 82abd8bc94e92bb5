"""The target interpreter's description kept on disk between plans.

Inspecting the target (:func:`pip_native.environment.probe`) starts the
interpreter and reads the metadata of every installed distribution: 0.1 s at
the start of every plan. The answer only changes when the interpreter, its
environment variables or what is on its ``sys.path`` change, so it is stored
with the time stamps of everything it was read from:

- the interpreter (the path given and the file it resolves to), the probe
  script, the versions of pip-native and packaging, the ``PYTHON*``
  variables and ``HOME`` (and the working directory when ``PYTHONPATH`` is
  set): these make the key;
- each ``sys.path`` entry and the user site directory (a directory's time
  stamp changes when a distribution is added or removed), the ``.pth``
  files in them, ``pyvenv.cfg``, and each distribution's metadata
  directory and ``METADATA``/``PKG-INFO`` file: these are checked on use.

An answer whose files changed within the last seconds before the probe is
not stored: a further change in the same time stamp tick would go unseen.
Checks after an install (``reprobe``) always run the probe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import packaging

from pip_native import __version__
from pip_native.paths import SETTLE_SECONDS, cache_root, file_stamp, write_atomically

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["default_dir", "load_or_probe"]

logger = logging.getLogger(__name__)

_FORMAT = 1
_PREFIX = "probe-"
#: Stored answers unused this long are removed (one per interpreter and environment).
_UNUSED_SECONDS = 30 * 24 * 3600

Stamp = Any  # [mtime_ns, size], or None for a missing path (as JSON keeps them)


def _stamp(path: str) -> Stamp:
    stamp = file_stamp(path)
    return None if stamp is None else list(stamp)


def _key(python: str, script: Path, variant: object) -> str | None:
    found = shutil.which(python)
    if found is None:
        return None
    env = {k: v for k, v in os.environ.items() if k.startswith("PYTHON")}
    env["HOME"] = os.environ.get("HOME", "")
    where = str(Path.cwd()) if os.environ.get("PYTHONPATH") else ""
    material = [
        _FORMAT,
        __version__,
        packaging.__version__,
        python,
        found,
        os.path.realpath(found),
        _stamp(found),
        _stamp(str(script)),
        sorted(env.items()),
        where,
        variant,
    ]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()[:32]


def _watched(raw: dict[str, Any]) -> list[str]:
    """The paths whose time stamps tell whether the answer ``raw`` still holds."""
    paths: list[str] = [str(Path(raw["prefix"], "pyvenv.cfg"))]
    directories = [*raw["sys_path"], *([raw["user_site"]] if raw.get("user_site") else [])]
    for directory in directories:
        paths.append(directory)
        with contextlib.suppress(OSError), os.scandir(directory) as entries:
            paths.extend(sorted(e.path for e in entries if e.name.endswith(".pth")))
    for dist in raw["distributions"]:
        metadata_dir = dist.get("metadata_dir")
        if metadata_dir:
            paths.append(metadata_dir)
            paths.extend(str(Path(metadata_dir, n)) for n in ("METADATA", "PKG-INFO"))
    return paths


def _stamps(paths: Iterable[str]) -> list[list[Any]]:
    return [[path, _stamp(path)] for path in paths]


def _load(path: Path) -> str | None:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        watched = stored["watched"]
        text = stored["answer"]
        if not isinstance(text, str) or not isinstance(watched, list):
            return None
        for item in watched:
            if _stamp(item[0]) != item[1]:
                return None
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        logger.debug("stored probe %s is not usable: %s", path, exc)
        return None
    return text


def _store(cache_dir: Path, path: Path, text: str, started: float) -> None:
    raw = json.loads(text)
    watched = _stamps(_watched(raw))
    limit = (started - SETTLE_SECONDS) * 1e9
    if any(stamp is not None and stamp[0] >= limit for _, stamp in watched):
        return  # changed just before the probe: maybe again, unseen, in the same tick
    data = json.dumps({"watched": watched, "answer": text})
    try:
        write_atomically(path, data.encode())
    except OSError as exc:
        logger.debug("could not store the probe in %s: %s", path, exc)
        return
    old = time.time() - _UNUSED_SECONDS
    for other in cache_dir.glob(f"{_PREFIX}*.json"):
        with contextlib.suppress(OSError):
            st = other.stat()
            if max(st.st_atime, st.st_mtime) < old:
                other.unlink()


def default_dir() -> Path:
    """Where plans keep probe answers: ``probe/`` in the cache root."""
    return cache_root() / "probe"


def load_or_probe(
    python: str,
    cache_dir: Path,
    script: Path,
    run: Callable[[str], str],
    *,
    variant: object = None,
) -> str:
    """The probe's JSON answer for ``python``: stored in ``cache_dir`` and still valid, or
    ``run(python)`` (then stored). ``variant`` (JSON data) is a further part of the key:
    how the answer is made, when not by running ``script`` with ``python``."""
    key = _key(python, script, variant)
    if key is None:
        return run(python)
    path = cache_dir / f"{_PREFIX}{key}.json"
    text = _load(path)
    if text is not None:
        return text
    started = time.time()
    text = run(python)
    try:
        _store(cache_dir, path, text, started)
    except (ValueError, KeyError, TypeError) as exc:  # the caller reports an unreadable answer
        logger.debug("probe answer not stored: %s", exc)
    return text
