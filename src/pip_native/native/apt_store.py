"""The apt backend's on-disk caches: the package index in SQLite, and simulation results.

Both live in the adapter's cache directory and are keyed by the apt state key
(:meth:`AptAdapter._cache_key`): a change of the package lists, sources,
preferences, apt configuration or dpkg status gives a new key, and entries of
older keys are removed when a new one is written.

The index database holds the records of ``apt-cache dumpavail`` (their fields as
apt wrote them, decoded when read) and of ``dpkg-query -W``, and the Provides table. It is written once, under a
temporary name that is then renamed, and only read afterwards: a run looks
up the few records its closures need (:class:`StoredIndex`) instead of
loading the whole index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Optional, TypeVar, overload

from pip_native.errors import IndexFetchError
from pip_native.native.apt_index import RawRecord, Record, parse_provides_field, record_from_raw
from pip_native.paths import write_atomically
from pip_native.subproc import CommandResult

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "INDEX_FORMAT",
    "ProviderEntry",
    "StoredIndex",
    "load_index",
    "load_simulation",
    "remove_stale_temporaries",
    "store_simulation",
    "write_index",
]

logger = logging.getLogger(__name__)

INDEX_FORMAT = 5
"""Version of the database layout; a database of another version is ignored."""
SIMULATION_FORMAT = 1

INDEX_PREFIX = "apt-index-"
SIMULATION_PREFIX = "apt-sim-"
#: Older cache files of the index (format 3 and before) that a new database replaces.
_LEGACY_SUFFIXES = (".marshal",)
#: Temporaries older than this are left over from killed runs.
_STALE_SECONDS = 3600

ProviderEntry = tuple[str, Optional[str], bool]  # a runtime alias: 3.9 has no X | None
"""``(provider key, provided version or None, from installed)``, as :class:`AptIndex` uses."""

_T = TypeVar("_T")

_COLUMNS = "key, name, version, arch, pre_depends, depends, provides, priority, source"
_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # RawRecord.fields; a repeated key: the last row counts (as in a dict)
    "CREATE TABLE available (key TEXT NOT NULL, fields TEXT NOT NULL)",
    "CREATE TABLE installed (key TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "version TEXT NOT NULL, arch TEXT NOT NULL, pre_depends TEXT NOT NULL, "
    "depends TEXT NOT NULL, provides TEXT NOT NULL, priority TEXT NOT NULL, "
    "source TEXT NOT NULL)",
    "CREATE TABLE provides (virtual TEXT NOT NULL, provider TEXT NOT NULL, version TEXT, "
    "installed INTEGER NOT NULL)",
)
#: Created once the rows are in: one sort instead of a B-tree insert per row.
_INDEXES = (
    "CREATE INDEX available_by_key ON available (key)",
    "CREATE INDEX provides_by_virtual ON provides (virtual)",
)


def index_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{INDEX_PREFIX}{key}.sqlite"


class _Database:
    """A read-only connection to one index database, usable from any thread."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._connection = connection
        self._lock = threading.Lock()

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return self._connection.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise IndexFetchError(
                    f"The apt index cache {self.path} cannot be read: {str(exc).rstrip('.')}.",
                    hint=f"Delete {self.path}; the next run reads apt's index again.",
                ) from exc


def _record(row: Sequence[object]) -> Record:
    return Record._make(str(value) for value in row)


class _StoredRecords(Mapping[str, Record]):
    """The available records, read (and decoded) by key on first use and then kept."""

    def __init__(self, db: _Database) -> None:
        self._db = db
        self._known: dict[str, Record | None] = {}

    def _lookup(self, key: str) -> Record | None:
        try:
            return self._known[key]
        except KeyError:
            pass
        rows = self._db.rows(
            "SELECT fields FROM available WHERE key = ? ORDER BY rowid DESC LIMIT 1", (key,)
        )
        found = record_from_raw(str(rows[0][0])) if rows else None
        self._known[key] = found
        return found

    @overload
    def get(self, key: str, /) -> Record | None: ...
    @overload
    def get(self, key: str, /, default: Record | _T) -> Record | _T: ...
    def get(self, key: str, /, default: Record | _T | None = None) -> Record | _T | None:
        found = self._lookup(key)
        return default if found is None else found

    def __getitem__(self, key: str) -> Record:
        found = self._lookup(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not None

    def __iter__(self) -> Iterator[str]:
        rows = self._db.rows("SELECT key FROM available GROUP BY key ORDER BY min(rowid)")
        return (str(row[0]) for row in rows)

    def __len__(self) -> int:
        (row,) = self._db.rows("SELECT count(DISTINCT key) FROM available")
        return int(str(row[0]))


class _StoredProviders(Mapping[str, list[ProviderEntry]]):
    """Virtual name → its providers, installed ones first, read by name on first use."""

    def __init__(self, db: _Database) -> None:
        self._db = db
        self._known: dict[str, list[ProviderEntry]] = {}

    def _lookup(self, virtual: str) -> list[ProviderEntry]:
        found = self._known.get(virtual)
        if found is None:
            rows = self._db.rows(
                "SELECT provider, version, installed FROM provides WHERE virtual = ? "
                "ORDER BY rowid",
                (virtual,),
            )
            found = [(str(p), None if v is None else str(v), bool(i)) for p, v, i in rows]
            self._known[virtual] = found
        return found

    @overload
    def get(self, key: str, /) -> list[ProviderEntry] | None: ...
    @overload
    def get(self, key: str, /, default: list[ProviderEntry] | _T) -> list[ProviderEntry] | _T: ...
    def get(
        self, key: str, /, default: list[ProviderEntry] | _T | None = None
    ) -> list[ProviderEntry] | _T | None:
        found = self._lookup(key)
        return found or default

    def __getitem__(self, key: str) -> list[ProviderEntry]:
        found = self._lookup(key)
        if not found:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self._lookup(key))

    def __iter__(self) -> Iterator[str]:
        rows = self._db.rows("SELECT virtual FROM provides GROUP BY virtual ORDER BY min(rowid)")
        return (str(row[0]) for row in rows)

    def __len__(self) -> int:
        (row,) = self._db.rows("SELECT count(DISTINCT virtual) FROM provides")
        return int(str(row[0]))


class StoredIndex:
    """An index database opened for reading.

    ``available`` and ``providers`` read records by key on demand;
    ``installed`` (a few thousand records at most) is read at once.
    """

    def __init__(self, db: _Database) -> None:
        self._db = db
        self.available: Mapping[str, Record] = _StoredRecords(db)
        self.providers: Mapping[str, list[ProviderEntry]] = _StoredProviders(db)
        self.installed: dict[str, Record] = {
            str(row[0]): _record(row[1:])
            for row in db.rows(f"SELECT {_COLUMNS} FROM installed ORDER BY rowid")
        }

    @property
    def path(self) -> Path:
        return self._db.path

    def _renamed(self, path: Path) -> None:
        self._db.path = path


def _open(path: Path, key: str) -> StoredIndex | None:
    """The database at ``path`` if it is complete and of this format and key, else None."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    # immutable: the file never changes once written (a new one replaces it), so
    # sqlite needs no locks and no journal checks.
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        logger.debug("ignoring unreadable apt index cache %s: %s", path, exc)
        return None
    try:
        meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
        (page_count,) = connection.execute("PRAGMA page_count").fetchone()
        if meta.get("format") != str(INDEX_FORMAT) or meta.get("key") != key:
            logger.debug("ignoring apt index cache %s of another format or key", path)
        elif page_size * page_count != size:
            logger.debug("ignoring truncated apt index cache %s", path)
        else:
            return StoredIndex(_Database(path, connection))
    except (sqlite3.Error, IndexFetchError, ValueError, TypeError) as exc:
        logger.debug("ignoring unreadable apt index cache %s: %s", path, exc)
    connection.close()
    return None


def load_index(cache_dir: Path, key: str) -> StoredIndex | None:
    """The stored index for ``key``, or None when there is none (or it is damaged)."""
    return _open(index_path(cache_dir, key), key)


def _fill(
    connection: sqlite3.Connection,
    key: str,
    available: Iterable[RawRecord],
    installed: Mapping[str, Record],
) -> None:
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    for statement in _SCHEMA:
        connection.execute(statement)
    connection.executemany(
        "INSERT INTO installed VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((k, *r) for k, r in installed.items()),
    )
    # key -> Provides of its last record, at its first position (as a dict keeps them)
    provided: dict[str, str] = {}

    def rows() -> Iterator[tuple[str, str]]:
        for raw in available:
            if raw.provides:
                provided[raw.key] = raw.provides
            elif raw.key in provided:
                del provided[raw.key]
            yield raw.key, raw.fields

    connection.executemany("INSERT INTO available VALUES (?, ?)", rows())
    # The Provides table in AptIndex.provider_table's order: installed, then available.
    connection.executemany(
        "INSERT INTO provides VALUES (?, ?, ?, ?)",
        (
            (virtual, provider, version, from_installed)
            for from_installed, fields in (
                (1, {k: r.provides for k, r in installed.items() if r.provides}),
                (0, provided),
            )
            for provider, provides in fields.items()
            for virtual, version in parse_provides_field(provides)
        ),
    )
    for statement in _INDEXES:
        connection.execute(statement)
    connection.executemany(
        "INSERT INTO meta VALUES (?, ?)", [("format", str(INDEX_FORMAT)), ("key", key)]
    )
    connection.execute("COMMIT")


def write_index(
    cache_dir: Path,
    key: str,
    available: Iterable[RawRecord],
    installed: Mapping[str, Record],
) -> StoredIndex:
    """Store the index for ``key`` (``available`` is consumed as it comes) and open it.

    The database is written under a temporary name and renamed into place,
    so concurrent runs see either no database or a complete one; the other
    index files are removed afterwards. Raises :class:`OSError` or
    :class:`sqlite3.Error` when the database cannot be written, and whatever
    ``available`` raises.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{INDEX_PREFIX}", suffix=".tmp", dir=cache_dir)
    os.close(fd)
    tmp = Path(name)
    try:
        connection = sqlite3.connect(tmp, isolation_level=None)
        try:
            _fill(connection, key, available, installed)
        finally:
            connection.close()
        # opened before the rename: a concurrent run removing it (for a newer key) is harmless
        stored = _open(tmp, key)
        if stored is None:
            raise sqlite3.DatabaseError(f"the new index database {tmp} cannot be read back")
        final = index_path(cache_dir, key)
        tmp.replace(final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    stored._renamed(final)
    _remove_others(cache_dir, keep=final)
    return stored


def _remove_others(cache_dir: Path, keep: Path) -> None:
    """Remove the index files written before ``keep``.

    Only older ones: two runs in different apt states that write at once
    (during an apt update, say) would otherwise each remove the other's file and
    leave none; this way the newest one stays.
    """
    try:
        kept = keep.stat().st_mtime_ns
    except OSError:
        return
    patterns = [f"{INDEX_PREFIX}*.sqlite", *(f"{INDEX_PREFIX}*{s}" for s in _LEGACY_SUFFIXES)]
    for pattern in patterns:
        for old in cache_dir.glob(pattern):
            if old == keep:
                continue
            with contextlib.suppress(OSError):
                if old.stat().st_mtime_ns < kept:
                    old.unlink()


def remove_stale_temporaries(cache_dir: Path, *patterns: str) -> None:
    """Remove files and directories matching ``patterns`` in ``cache_dir`` left over by killed
    runs (an hour old)."""
    limit = time.time() - _STALE_SECONDS
    for pattern in (f".{INDEX_PREFIX}*.tmp", *patterns):
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
