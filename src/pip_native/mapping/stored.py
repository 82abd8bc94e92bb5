"""The loaded name mapping kept on disk, so a plan does not read its sources again.

Loading the apt mapping reads the bundled table (270 kB of JSON) and
dh-python's pydist files and indexes their 10,000 entries (0.011 s; entries
are parsed as lookups reach them, see :mod:`~pip_native.mapping.indexed`);
reading it back from here takes 0.004 s (a warm plan through the pip hook,
11 alternating runs: 0.381 s without it, 0.369 s with it).
:func:`load_mapping_stored` keeps the loaded
:class:`~pip_native.mapping.table.MappingTable` in the cache directory,
under a key made of everything the load reads: the user's mapping files,
dh-python's files, the bundled data, os-release (which bundled table
applies), the mapping code itself and the versions of Python, packaging and
pip-native. A change to any of them (path, size or modification time) is a
new key. Files changed in the last seconds are not trusted to show a later
change in their time stamp, so nothing is stored then.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import packaging

from pip_native import __version__
from pip_native.hostdistro import OS_RELEASE
from pip_native.mapping import debian
from pip_native.mapping.table import MappingTable, load_mapping
from pip_native.paths import SETTLE_SECONDS, file_stamp, stamps_key, write_atomically

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["load_mapping_stored"]

logger = logging.getLogger(__name__)

_FORMAT = 2  # 2: the large sources indexed, not parsed (mapping.indexed)
_PREFIX = "mapping-"


def _entries(directory: Path) -> Iterator[Path]:
    yield directory
    with contextlib.suppress(OSError):
        yield from sorted(directory.iterdir())


def _sources(ecosystem: str, user_files: Sequence[Path]) -> list[Path]:
    """Every file and directory whose change can change what :func:`load_mapping` returns."""
    package = Path(__file__).parent
    sources = [Path(path).absolute() for path in user_files]
    if ecosystem == "apt":
        sources += _entries(Path(debian.DH_PYTHON_PYDIST_DIR))
        sources.append(Path(debian.DH_PYTHON_FALLBACK))
    sources += [Path(path) for path in OS_RELEASE]
    sources += _entries(package.parent / "data")
    sources += sorted(package.glob("*.py"))  # the code (not __pycache__, written on import)
    sources.append(package.parent / "hostdistro.py")
    return sources


def _key(ecosystem: str, user_files: Sequence[Path]) -> tuple[str, int] | None:
    """The key of the current sources and their newest time stamp (ns); None without
    os-release (distro then asks lsb_release, which no file stands for)."""
    if all(file_stamp(path) is None for path in OS_RELEASE):
        return None
    prefix = repr((_FORMAT, ecosystem, __version__, packaging.__version__, sys.version))
    return stamps_key(prefix, _sources(ecosystem, user_files))


def load_mapping_stored(
    ecosystem: str, *, user_files: Sequence[Path] = (), cache_dir: Path
) -> MappingTable:
    """:func:`~pip_native.mapping.table.load_mapping` of the host's distribution, read from
    ``cache_dir`` when its sources did not change, stored there otherwise."""
    found = _key(ecosystem, user_files)
    if found is None:
        return load_mapping(ecosystem, user_files=user_files)
    key, newest = found
    path = cache_dir / f"{_PREFIX}{ecosystem}-{key}.pickle"
    try:
        with path.open("rb") as fh:
            table = pickle.load(fh)
        if isinstance(table, MappingTable):
            return table
    except FileNotFoundError:
        pass
    except Exception as exc:  # damaged or from other code: load it again
        logger.debug("stored mapping %s is not usable: %s", path, exc)
    table = load_mapping(ecosystem, user_files=user_files)
    if newest < (time.time() - SETTLE_SECONDS) * 1e9:
        try:
            write_atomically(path, pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
            _remove_others(cache_dir, ecosystem, keep=path)
        except OSError as exc:
            logger.debug("could not store the mapping in %s: %s", path, exc)
    return table


def _remove_others(cache_dir: Path, ecosystem: str, keep: Path) -> None:
    for other in cache_dir.glob(f"{_PREFIX}{ecosystem}-*.pickle"):
        if other != keep:
            with contextlib.suppress(OSError):
                other.unlink()
