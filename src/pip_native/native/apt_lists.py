"""apt's package lists read directly, and the part of them a plan is about handed to apt.

apt answers a plan's questions (apt's candidate versions, what installing some
packages brings) from its binary cache of every package in the lists: 63,000 on
Debian. Where the system switched that cache off (Docker images do), each apt
command first builds it (0.45 s); with it, a simulation still spends 0.2-0.3 s
setting up the dependency state of every package. Yet apt's answer about some
packages depends only on the packages they can reach. So pip-native reads the
lists itself (``apt-helper cat-file``, apt's own reader, then a scan for the
Package and Provides lines: about 0.1 s) and gives apt a lists directory with
only the stanzas of a *universe*: the installed packages, the packages asked
about, and every package their dependencies reach (every alternative, every
provider of a virtual name). The files keep their names and sit beside the
same Release files, so apt's sources, pins and origins apply as before, and apt
answers on some 1,000 packages in a few hundredths of a second, with no binary
cache (:func:`reduced_options`).

Why the answer is apt's own: what installing packages does depends on their
candidates, everything those depend on (transitively), and the installed
packages, whose Breaks, Conflicts and dependencies apt keeps satisfied by
upgrading them. The universe holds all of these, with every version of each in
the lists, so apt's pin policy (which looks at one package's versions at a
time) picks the same candidates; a package outside it is neither installed nor
reachable, so apt would never touch it. A simulation whose answer is not a plain
set of installs is asked again of apt's full lists (see ``AptAdapter``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import mmap
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pip_native import subproc
from pip_native.native.apt_index import parse_dependency_field
from pip_native.paths import write_atomically

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence

    from pip_native.native.apt_index import Record

__all__ = [
    "APT_HELPER",
    "PackageLists",
    "installed_dependencies",
    "list_files",
    "reduced_options",
]

logger = logging.getLogger(__name__)

APT_HELPER = "/usr/lib/apt/apt-helper"
"""apt's helper program; ``cat-file`` decompresses any list apt wrote."""

#: A Packages list of apt's lists directory, compressed (``Acquire::GzipIndexes``) or not.
_PACKAGES_LIST = re.compile(r"^(?P<base>.+_Packages)(?:\.(?:lz4|gz|xz|bz2|zst|lzma))?$")
#: The files beside the lists that name their origin (for pins) and were verified.
_RELEASE_FILE = re.compile(r".+_(?:InRelease|Release|Release\.gpg)$")
_TABLES_FORMAT = 2
#: The files of the copies' directory :meth:`PackageLists.save` writes: the lists, where
#: each stanza is (sorted by name), who provides what (sorted by virtual name).
_TABLES = "tables.json"
_STANZAS = "stanzas"
_PROVIDES = "provides"
_FIRST_PACKAGE_LINE = re.compile(rb"Package:[ \t]*(\S*)")
#: How much of a list :func:`_scan` reads before giving the pages back.
_WINDOW = 4 << 20
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)
#: A Package line (the name), or a Provides field (the field, continuation lines included).
_PACKAGE_OR_PROVIDES = re.compile(
    rb"\nP(?:ackage:[ \t]*(\S*)|rovides:[ \t]*([^\n]*(?:\n[ \t][^\n]*)*))"
)
_DEPENDS_FIELD = re.compile(rb"\n(?:Pre-Depends|Depends):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)")


def reduced_options(lists: Path) -> tuple[str, ...]:
    """apt options to answer from the lists directory ``lists`` (:meth:`PackageLists.write`).

    With no binary cache: one built from these lists would replace the
    system's (apt writes it back where it found an outdated one), and building
    one for a thousand packages takes apt less time than checking one.
    """
    return (
        "-o",
        f"Dir::State::lists={lists}",
        "-o",
        "Dir::Cache::pkgcache=",
        "-o",
        "Dir::Cache::srcpkgcache=",
    )


def list_files(lists_dir: Path) -> tuple[list[Path], list[Path]]:
    """The Packages lists of ``lists_dir`` and the Release files beside them (sorted)."""
    packages: list[Path] = []
    releases: list[Path] = []
    for entry in sorted(os.scandir(lists_dir), key=lambda e: e.name):
        if not entry.is_file():
            continue
        if _PACKAGES_LIST.match(entry.name):
            packages.append(Path(entry.path))
        elif _RELEASE_FILE.match(entry.name):
            releases.append(Path(entry.path))
    return packages, releases


def _bare(name: str) -> str:
    return name.partition(":")[0]


class _List:
    """One Packages list, decompressed (in a file of pip-native's, or in memory), and where
    each of its stanzas is: stanza ``i`` of :attr:`names` runs from ``starts[i]`` to the
    next stanza's start (the last one to :attr:`size`)."""

    def __init__(self, path: Path, copy: Path | None, data: bytes | None) -> None:
        self.path = path
        self.copy = copy
        self.data = data
        self.names: list[str] = []
        self.starts: list[int] = []
        self.size = 0
        self.first: dict[str, int] = {}
        """Name → the index of one of its stanzas; :attr:`more` has the others (few)."""
        self.more: dict[str, list[int]] = {}
        self.provides: list[tuple[str, bytes]] = []
        """``(provider name, Provides field)`` of each stanza with one (when scanned)."""

    def read(self, start: int, end: int) -> bytes:
        with self.reader() as read:
            return read(start, end)

    @contextlib.contextmanager
    def reader(self) -> Iterator[Callable[[int, int], bytes]]:
        """A function reading ``[start, end)`` of the list, its copy open until the end."""
        if self.data is not None:
            data = self.data
            yield lambda start, end: data[start:end]
            return
        assert self.copy is not None
        with open(self.copy, "rb") as file:
            fd = file.fileno()
            yield lambda start, end: os.pread(fd, end - start, start)

    def scan(self) -> None:
        """Find each stanza and Provides field: one pattern over the whole list (in a
        memory map of its copy; see :func:`_scan`), a few operations per stanza and nothing
        else (apt writes Package first, so a stanza runs to the next Package line)."""
        if self.data is not None:
            self.size = len(self.data)
            self.starts, self.names, self.provides = _scan(self.data)
        else:
            assert self.copy is not None
            with open(self.copy, "rb") as file:
                self.size = os.fstat(file.fileno()).st_size
                if self.size:
                    view = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
                    try:
                        self.starts, self.names, self.provides = _scan(view)
                    finally:
                        view.close()  # _scan keeps no match (which would hold the map)
        self._index()

    def _index(self) -> None:
        self.first = dict(zip(self.names, range(len(self.names))))
        self.more = {}
        if len(self.first) < len(self.names):  # a name twice (versions or architectures)
            for number, name in enumerate(self.names):
                if self.first[name] != number:
                    self.more.setdefault(name, []).append(number)

    def stanza_spans(self, name: str) -> list[tuple[int, int]]:
        """Where the stanzas of ``name`` are, in the list's order (none if it has none)."""
        number = self.first.get(name)
        if number is None:
            return []
        numbers = sorted([number, *self.more[name]]) if name in self.more else [number]
        last = len(self.starts) - 1
        return [(self.starts[n], self.starts[n + 1] if n < last else self.size) for n in numbers]


def _scan(data: bytes | mmap.mmap) -> tuple[list[int], list[str], list[tuple[str, bytes]]]:
    """Where each stanza of a list starts, its package name, and ``(provider name,
    Provides field)`` of each stanza with one: one pattern, one pass.

    A memory map is read a window of whole stanzas at a time, each window's pages
    given back once read: the process holds a few megabytes of the list, not 50
    (the pages stay in the system's cache).
    """
    starts: list[int] = []
    raw: list[bytes] = []
    owners: list[int] = []
    fields: list[bytes] = []
    first = _FIRST_PACKAGE_LINE.match(data)  # a list's first line has no newline before it
    if first is not None:
        starts.append(0)
        raw.append(first.group(1))
    size, position, released = len(data), 0, 0
    while position < size:
        # a window ends at a blank line, where no match can continue across it
        end = data.find(b"\n\n", min(position + _WINDOW, size))
        end = size if end < 0 else end + 1
        for match in _PACKAGE_OR_PROVIDES.finditer(data, position, end):
            name, field = match.groups()
            if field is None:
                starts.append(match.start() + 1)
                raw.append(name)
            elif raw:  # the stanza's Package line came first
                owners.append(len(raw) - 1)
                fields.append(field)
        position = end
        if isinstance(data, mmap.mmap) and _DONTNEED is not None:
            done = position - position % mmap.PAGESIZE
            if done > released:
                data.madvise(_DONTNEED, released, done - released)
                released = done
    names = b"\n".join(raw).decode("utf-8", "replace").split("\n") if raw else []
    return starts, names, [(names[n], field) for n, field in zip(owners, fields)]


def _provider_lines(provides: Sequence[tuple[str, bytes]]) -> list[str]:
    """``virtual<TAB>provider`` lines, sorted and each once, from ``(provider, Provides
    field)`` pairs (a field: ``a (= 1), b:any``, maybe on continuation lines)."""
    lines: set[str] = set()
    add = lines.add
    for owner, field in provides:
        tail = "\t" + owner
        for part in field.split(b","):
            words = part.split(None, 1)
            if words:
                name = words[0].partition(b":")[0].partition(b"(")[0]
                if name:
                    add(name.decode("utf-8", "replace") + tail)
    return sorted(lines)


class _SortedTable:
    """``key<TAB>value…`` lines sorted by key (as bytes), looked up by binary search: in a
    memory map of the file :meth:`write` wrote (a plan that grows its universe reads a
    few pages of it instead of loading 63,000 names, 17 MB as Python objects), or in
    memory, as made from the lines (:meth:`of_lines`)."""

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self._data = data

    @classmethod
    def open(cls, path: Path) -> _SortedTable:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            return cls(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size else b"")

    @classmethod
    def of_lines(cls, lines: list[str]) -> _SortedTable:
        """The table of ``key<TAB>value…`` ``lines`` (no newline), sorted here (str order is
        UTF-8's): a list already in order costs a pass."""
        lines.sort()
        return cls(("\n".join(lines) + "\n" if lines else "").encode())

    def write(self, path: Path) -> None:
        """Keep the table in ``path`` (for :meth:`open`)."""
        write_atomically(path, bytes(self._data))

    def rows(self, key: str) -> list[list[str]]:
        """The fields after the key of every line with key ``key``."""
        data, wanted = self._data, key.encode()
        # ``low`` and ``high`` are line starts: lines before ``low`` have smaller keys,
        # lines from ``high`` on do not. (A TAB sorts before any character of a name,
        # so sorting whole lines sorts them by key.)
        low, high = 0, len(data)
        while low < high:
            start = data.rfind(b"\n", 0, (low + high) // 2) + 1  # in [low, middle]
            if data[start : data.find(b"\t", start)] < wanted:
                low = data.find(b"\n", start) + 1
            else:
                high = start
        found = []
        prefix = wanted + b"\t"
        while data[low : low + len(prefix)] == prefix:
            end = data.find(b"\n", low)
            found.append(data[low + len(prefix) : end].decode("utf-8", "replace").split("\t"))
            low = end + 1
        return found


class PackageLists:
    """Every stanza of apt's Packages lists, found by package name but not parsed.

    Each bare package name (no ``:arch``) has the spans of its stanzas in each
    list: every version and architecture; :meth:`providers` names the packages
    providing a virtual name.
    """

    def __init__(
        self,
        lists: list[_List],
        releases: list[Path],
        tables: tuple[_SortedTable, _SortedTable] | None = None,
    ) -> None:
        self._lists = lists
        self._releases = releases
        self._tables = tables
        """Where every stanza is and who provides what, kept by :meth:`save`; else the
        scanned lists and :attr:`_provided` answer."""
        self._copies: Path | None = None
        """Where :meth:`keep` saves the tables (lists :meth:`read` scanned, until kept)."""
        self._provided = (
            tables[1]
            if tables is not None
            else _SortedTable.of_lines(_provider_lines([p for e in lists for p in e.provides]))
        )

    def providers(self, virtual: str) -> list[str]:
        """The names of the packages providing ``virtual`` (bare), sorted."""
        return [row[0] for row in self._provided.rows(virtual)]

    def _spans(self, name: str) -> list[tuple[_List, int, int]]:
        if self._tables is not None:
            return [
                (self._lists[int(number)], int(start), int(end))
                for number, start, end in self._tables[0].rows(name)
            ]
        return [(e, start, end) for e in self._lists for start, end in e.stanza_spans(name)]

    def save(self, directory: Path) -> None:
        """Keep the tables of the scanned lists (whose copies are in files) in
        ``directory``, for :meth:`load`: where every stanza is, who provides what."""
        stanzas: list[str] = []
        for number, entry in enumerate(self._lists):
            ends = [*entry.starts[1:], entry.size]
            row = f"{{}}\t{number}\t{{}}\t{{}}".format
            stanzas += map(row, entry.names, entry.starts, ends)
        _SortedTable.of_lines(stanzas).write(directory / _STANZAS)
        self._provided.write(directory / _PROVIDES)
        lists = {
            "format": _TABLES_FORMAT,
            "lists": [[str(e.path), str(e.copy)] for e in self._lists],
            "releases": [str(p) for p in self._releases],
        }
        write_atomically(directory / _TABLES, json.dumps(lists).encode())

    @classmethod
    def load(cls, directory: Path) -> PackageLists | None:
        """The tables :meth:`save` kept in ``directory``, if whole and of this format;
        else None. Nothing is read until a name is looked up."""
        try:
            header = json.loads((directory / _TABLES).read_bytes())
            if not isinstance(header, dict) or header.get("format") != _TABLES_FORMAT:
                return None
            lists = [_List(Path(path), Path(copy), None) for path, copy in header["lists"]]
            releases = [Path(p) for p in header["releases"]]
            tables = (
                _SortedTable.open(directory / _STANZAS),
                _SortedTable.open(directory / _PROVIDES),
            )
        except (OSError, ValueError, TypeError, KeyError) as exc:
            logger.debug("ignoring the apt list tables in %s: %s", directory, exc)
            return None
        return cls(lists, releases, tables)

    @classmethod
    def read(
        cls,
        lists_dir: Path,
        *,
        copies: Path,
        env: Mapping[str, str],
        hint: str,
        keep: bool = True,
    ) -> PackageLists:
        """The lists of ``lists_dir``, decompressed by apt-helper into the directory
        ``copies`` (all at once; kept, and used as they are when they exist, with the
        tables of an earlier scan). The tables of a new scan are kept there too, now,
        or (without ``keep``) when :meth:`keep` is called.

        Raises :class:`~pip_native.errors.CommandFailed` if apt-helper fails.
        """
        paths, releases = list_files(lists_dir) if lists_dir.is_dir() else ([], [])
        if not copies.is_dir():
            building = copies.with_name(f".{copies.name}-{os.getpid()}-{secrets.token_hex(4)}")
            building.mkdir(parents=True)
            try:
                started = [
                    subproc.start(
                        _cat(path), what=_what(path), env=env, hint=hint, stdout=building / str(n)
                    )
                    for n, path in enumerate(paths)
                ]
                for command in started:
                    command.wait(timeout=600, check=True)
                try:
                    building.rename(copies)
                except OSError:
                    if not copies.is_dir():  # not another plan's copies: a real failure
                        raise
            finally:
                shutil.rmtree(building, ignore_errors=True)
        else:
            stored = cls.load(copies)
            if stored is not None:
                return stored
        lists = [_List(path, copies / str(n), None) for n, path in enumerate(paths)]
        scanned = cls.scanned(lists, releases)
        scanned._copies = copies
        if keep:
            scanned.keep()
        return scanned

    def keep(self) -> None:
        """Save the tables of lists :meth:`read` scanned into their copies' directory, once
        (nothing for lists read from tables or in memory); a failure is only logged."""
        copies, self._copies = self._copies, None
        if copies is not None:
            try:
                self.save(copies)
            except OSError as exc:
                logger.debug("could not keep the apt list tables: %s", exc)

    @classmethod
    def in_memory(
        cls, lists: Sequence[tuple[Path, bytes]], releases: Sequence[Path] = ()
    ) -> PackageLists:
        """Lists given as ``(path in apt's lists directory, decompressed content)``."""
        return cls.scanned([_List(p, None, d) for p, d in lists], releases)

    @classmethod
    def scanned(cls, lists: list[_List], releases: Sequence[Path]) -> PackageLists:
        for entry in lists:
            entry.scan()
        return cls(lists, list(releases))

    def _dependency_names(self, name: str) -> Iterator[str]:
        for entry, start, end in self._spans(name):
            stanza = b"\n" + entry.read(start, end)
            for match in _DEPENDS_FIELD.finditer(stanza):
                value = match.group(1).decode("utf-8", "replace")
                for group in parse_dependency_field(" ".join(value.split())):
                    for relation in group:
                        yield _bare(relation.name)

    def reach(
        self,
        names: Iterable[str],
        installed: Mapping[str, Collection[str]],
        universe: set[str],
    ) -> set[str]:
        """Add to ``universe`` the bare names of ``names`` and everything they reach;
        return those added.

        A name reaches the names in the Pre-Depends and Depends of every stanza
        of it, and of its installed records (``installed``, see
        :func:`installed_dependencies`), every alternative, and the packages that
        provide it. Names no list or dpkg knows are added too: apt knows nothing
        more of them.
        """
        added: set[str] = set()
        todo = [_bare(n) for n in names]
        while todo:
            name = todo.pop()
            if name in universe:
                continue
            universe.add(name)
            added.add(name)
            todo.extend(self.providers(name))
            todo.extend(self._dependency_names(name))
            todo.extend(installed.get(name, ()))
        return added

    def knows(self, name: str) -> bool:
        """Whether a list has a stanza of ``name`` or of a package providing it."""
        bare = _bare(name)
        return bool(self._spans(bare) or self.providers(bare))

    def locate(self, names: Iterable[str]) -> dict[str, list[tuple[_List, int, int]]]:
        """The stanzas of each of ``names`` that a list knows (:meth:`knows`): one lookup
        per name, for :meth:`write`."""
        found: dict[str, list[tuple[_List, int, int]]] = {}
        for name in names:
            spans = self._spans(_bare(name))
            if spans or self.providers(_bare(name)):
                found[name] = spans
        return found

    def write(self, directory: Path, located: Mapping[str, list[tuple[_List, int, int]]]) -> None:
        """Write the stanzas ``located`` (:meth:`locate`) into the new directory ``directory``
        as apt's lists: a list of each name (uncompressed), its stanzas in the list's
        order, and a link to each Release file."""
        directory.mkdir(parents=True)
        spans: dict[int, list[tuple[int, int]]] = {id(entry): [] for entry in self._lists}
        for found in located.values():
            for entry, start, end in found:
                spans[id(entry)].append((start, end))
        for entry in self._lists:
            match = _PACKAGES_LIST.match(entry.path.name)
            assert match is not None
            with open(directory / match.group("base"), "wb") as out, entry.reader() as read:
                for start, end in sorted(spans[id(entry)]):
                    out.write(read(start, end))
        for release in self._releases:
            (directory / release.name).symlink_to(release)


def _cat(path: Path) -> list[str]:
    return [APT_HELPER, "cat-file", str(path)]


def _what(path: Path) -> str:
    return f"read apt's package list {path}"


def installed_dependencies(installed: Mapping[str, Record]) -> dict[str, set[str]]:
    """Bare package name → the bare names its installed records depend on (every
    alternative), from dpkg's records by key."""
    table: dict[str, set[str]] = {}
    for key, record in installed.items():
        names = table.setdefault(_bare(key), set())
        for group in parse_dependency_field(record.pre_depends) + parse_dependency_field(
            record.depends
        ):
            names.update(_bare(relation.name) for relation in group)
    return table
