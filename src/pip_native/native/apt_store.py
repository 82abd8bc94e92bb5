"""The apt backend's on-disk caches: the package index in SQLite, and simulation results.

Both live in the adapter's cache directory and are keyed by the apt state key
(:meth:`AptAdapter._cache_key`): a change of the package lists, sources,
preferences, apt configuration or dpkg status gives a new key, and entries of
older keys are removed when a new one is written.

The index is ``apt-cache dumpavail``'s output as apt wrote it (``.dumpavail``) and
a database beside it: where each of its stanzas is, the records of
``dpkg-query -W``, and the Provides table. Both are written once, under
temporary names that are then renamed (the database last), and only read
afterwards: a run parses the few records its closures need
(:class:`StoredIndex`) instead of loading the whole index.
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
from pip_native.native.apt_index import Record
from pip_native.native.apt_stanzas import (
    StanzaRecords,
    Stanzas,
    iter_stanzas,
    provider_rows,
)
from pip_native.paths import write_atomically
from pip_native.subproc import CommandResult

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

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

INDEX_FORMAT = 6
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
    # where each stanza is in the .dumpavail file; a repeated key: the last row counts
    "CREATE TABLE available (key TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL)",
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


def _output_path(database: Path) -> Path:
    """The dumpavail output beside an index database."""
    return database.with_suffix(".dumpavail")


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
    """An index database and its dumpavail output, opened for reading.

    ``available`` and ``providers`` read records by key on demand;
    ``installed`` (a few thousand records at most) is read at once.
    """

    def __init__(self, db: _Database, output: int) -> None:
        self._db = db
        self._output = output  # a descriptor of the .dumpavail file, read with pread
        self.available: Mapping[str, Record] = StanzaRecords(self._locate, self._read, self._keys)
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

    def _locate(self, key: str) -> tuple[int, int] | None:
        rows = self._db.rows(
            "SELECT start, end FROM available WHERE key = ? ORDER BY rowid DESC LIMIT 1", (key,)
        )
        return (int(str(rows[0][0])), int(str(rows[0][1]))) if rows else None

    def _read(self, start: int, end: int) -> bytes:
        try:
            data = os.pread(self._output, end - start, start)
        except OSError as exc:
            data, error = b"", str(exc)
        else:
            error = "it is shorter than the index says"
        if len(data) != end - start:
            output = _output_path(self.path)
            raise IndexFetchError(
                f"The apt index cache {output} cannot be read: {error}.",
                hint=f"Delete {self.path}; the next run reads apt's index again.",
            )
        return data

    def _keys(self) -> list[str]:
        rows = self._db.rows("SELECT key FROM available GROUP BY key ORDER BY min(rowid)")
        return [str(row[0]) for row in rows]


def _open(path: Path, key: str) -> StoredIndex | None:
    """The database at ``path`` and the output beside it if they are complete and of this
    format and key, else None."""
    try:
        size = path.stat().st_size
        output = os.open(_output_path(path), os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    # immutable: the file never changes once written (a new one replaces it), so
    # sqlite needs no locks and no journal checks.
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        logger.debug("ignoring unreadable apt index cache %s: %s", path, exc)
        os.close(output)
        return None
    try:
        meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
        (page_count,) = connection.execute("PRAGMA page_count").fetchone()
        if meta.get("format") != str(INDEX_FORMAT) or meta.get("key") != key:
            logger.debug("ignoring apt index cache %s of another format or key", path)
        elif page_size * page_count != size:
            logger.debug("ignoring truncated apt index cache %s", path)
        elif meta.get("output_size") != str(os.fstat(output).st_size):
            logger.debug("ignoring apt index cache %s: its dumpavail output is damaged", path)
        else:
            return StoredIndex(_Database(path, connection), output)
    except (sqlite3.Error, IndexFetchError, ValueError, TypeError) as exc:
        logger.debug("ignoring unreadable apt index cache %s: %s", path, exc)
    connection.close()
    os.close(output)
    return None


def load_index(cache_dir: Path, key: str) -> StoredIndex | None:
    """The stored index for ``key``, or None when there is none (or it is damaged)."""
    return _open(index_path(cache_dir, key), key)


def _fill(
    connection: sqlite3.Connection,
    key: str,
    output: Iterable[Stanzas],
    installed: Mapping[str, Record],
    output_size: Callable[[], int],
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
    provided: dict[str, str] = {}  # key -> Provides of its last record with one
    for stanzas in output:
        connection.executemany("INSERT INTO available VALUES (?, ?, ?)", stanzas.spans)
        provided.update(stanzas.provides)
    connection.executemany(
        "INSERT INTO provides VALUES (?, ?, ?, ?)", provider_rows(installed, provided)
    )
    for statement in _INDEXES:
        connection.execute(statement)
    meta = [("format", str(INDEX_FORMAT)), ("key", key), ("output_size", str(output_size()))]
    connection.executemany("INSERT INTO meta VALUES (?, ?)", meta)
    connection.execute("COMMIT")


def _read_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as source:
        while chunk := source.read(size):
            yield chunk


def write_index(
    cache_dir: Path,
    key: str,
    output: Iterable[bytes] | Path,
    installed: Mapping[str, Record],
    native_arch: str,
) -> StoredIndex:
    """Store the index for ``key`` and open it.

    ``output`` is dumpavail's, in chunks (consumed as they come and written to
    a file), or a file of it in ``cache_dir``, which the index takes over
    (renamed, not copied; whoever renames it first has it).
    Both files are written under temporary names and renamed into place, the
    database last, so concurrent runs see either no database or a complete
    index; the other index files are removed afterwards. Raises
    :class:`OSError` or :class:`sqlite3.Error` when the index cannot be
    written, and whatever ``output`` raises.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{INDEX_PREFIX}", suffix=".tmp", dir=cache_dir)
    os.close(fd)
    tmp = Path(name)
    tmp_output = _output_path(tmp)
    try:
        if isinstance(output, Path):
            output.replace(tmp_output)
            stanzas = iter_stanzas(_read_chunks(tmp_output), native_arch)
            _fill_file(tmp, key, stanzas, installed, lambda: tmp_output.stat().st_size)
        else:
            with open(tmp_output, "wb") as sink:

                def kept() -> Iterator[bytes]:
                    for chunk in output:
                        sink.write(chunk)
                        yield chunk

                _fill_file(tmp, key, iter_stanzas(kept(), native_arch), installed, sink.tell)
        # opened before the renames: a concurrent run removing them (for a newer key) is harmless
        stored = _open(tmp, key)
        if stored is None:
            raise sqlite3.DatabaseError(f"the new index database {tmp} cannot be read back")
        final = index_path(cache_dir, key)
        tmp_output.replace(_output_path(final))
        tmp.replace(final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        tmp_output.unlink(missing_ok=True)
        raise
    stored._renamed(final)
    _remove_others(cache_dir, keep=final)
    return stored


def _fill_file(
    path: Path,
    key: str,
    output: Iterable[Stanzas],
    installed: Mapping[str, Record],
    output_size: Callable[[], int],
) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        _fill(connection, key, output, installed, output_size)
    finally:
        connection.close()


def _remove_others(cache_dir: Path, keep: Path) -> None:
    """Remove the indexes written before ``keep`` (a database), each database with its
    output.

    Only older ones: two runs in different apt states that write at once
    (during an apt update, say) would otherwise each remove the other's file and
    leave none; this way the newest one stays. An output goes with its
    database, by the database's age; one without a database (a run killed
    between the two renames) once it is an hour old, as a writer's output
    waits a moment for its database.
    """
    try:
        kept = keep.stat().st_mtime_ns
    except OSError:
        return
    patterns = [f"{INDEX_PREFIX}*.sqlite", *(f"{INDEX_PREFIX}*{s}" for s in _LEGACY_SUFFIXES)]
    databases = {keep}
    for pattern in patterns:
        for old in cache_dir.glob(pattern):
            databases.add(old)
            if old == keep:
                continue
            with contextlib.suppress(OSError):
                if old.stat().st_mtime_ns < kept:
                    old.unlink()
                    _output_path(old).unlink(missing_ok=True)
    stale = time.time_ns() - _STALE_SECONDS * 10**9
    for output in cache_dir.glob(f"{INDEX_PREFIX}*.dumpavail"):
        if output.with_suffix(".sqlite") not in databases:
            with contextlib.suppress(OSError):
                if output.stat().st_mtime_ns < stale:
                    output.unlink()


def remove_stale_temporaries(cache_dir: Path, *patterns: str) -> None:
    """Remove files and directories matching ``patterns`` in ``cache_dir`` left over by killed
    runs (an hour old)."""
    limit = time.time() - _STALE_SECONDS
    for pattern in (f".{INDEX_PREFIX}*.tmp", f".{INDEX_PREFIX}*.dumpavail", *patterns):
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
