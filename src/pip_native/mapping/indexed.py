"""The two large apt mapping sources, looked up where they lie.

dh-python's ``cpython3_fallback`` (5,000 lines) and the bundled table (5,000
metadata directories) were parsed whole at the start of every plan: 0.05 s of
CPU, then 0.015 s more to store the result for the next plan, which took
0.016 s to read it back. Through the pip hook that CPU was spent while the
index fetched the first page, and held the interpreter lock its thread needed
(the page took 0.066 s instead of 0.03 s). A plan looks up a few dozen
projects, so each source is now only split and indexed by the PEP 503 form of
the name each entry starts with (0.011 s for both and dh-python's small files), and an entry is parsed, by
the same functions as before, when a lookup reaches it. Answers about the
whole source (how many projects, which lines were skipped: ``pip-native map``
and messages) parse all of it, once, when asked.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import TypeVar

from packaging.utils import NormalizedName, canonicalize_name

from pip_native.mapping import debian
from pip_native.mapping.model import MatchRow

__all__ = ["BundledPackages", "Looked", "PyDistLines", "WhenAsked"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Looked(Mapping[K, V]):
    """A mapping whose values ``one(key)`` finds when asked (None: absent), each once;
    iterating or counting it takes ``every()`` (the whole source, parsed)."""

    def __init__(self, one: Callable[[K], V | None], every: Callable[[], Mapping[K, V]]) -> None:
        self._one = one
        self._every = every
        self._seen: dict[K, V | None] = {}

    def _get(self, key: K) -> V | None:
        try:
            return self._seen[key]
        except KeyError:
            value = self._seen[key] = self._one(key)
            return value

    def __getitem__(self, key: K) -> V:
        value = self._get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        try:
            return self._get(key) is not None  # type: ignore[arg-type]
        except TypeError:  # not hashable: not a key
            return False

    def __iter__(self) -> Iterator[K]:
        return iter(self._every())

    def __len__(self) -> int:
        return len(self._every())


class WhenAsked(Sequence[str]):
    """Notes about a whole source, made (by ``make``) the first time they are read."""

    def __init__(self, make: Callable[[], Sequence[str]]) -> None:
        self._make = make
        self._notes: Sequence[str] | None = None

    def _all(self) -> Sequence[str]:
        if self._notes is None:
            self._notes = tuple(self._make())
        return self._notes

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class PyDistLines:
    """A dh-python PyDist file's lines, indexed by the PEP 503 form of their first word.

    Its rows are :func:`~pip_native.mapping.debian.parse_pydist`'s entries, the first
    line of each project winning (``SimPy`` and ``simpy`` are one project under PEP 503).
    """

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._by_project: dict[str, list[int]] = {}
        for index, raw in enumerate(self._lines):
            dist = debian.pydist_dist(raw)
            if dist is not None:
                # without validation: the same form for every valid name (checked on parsing)
                self._by_project.setdefault(canonicalize_name(dist), []).append(index)
        self._text = "\n".join(self._lines)  # searched for package names
        self._starts = [0, *itertools.accumulate(len(line) + 1 for line in self._lines)]
        self._whole: tuple[dict[NormalizedName, MatchRow], list[int], int] | None = None

    def entry(self, project: NormalizedName) -> debian.PyDistEntry | None:
        """The line that maps ``project``: its first usable one."""
        for index in self._by_project.get(project, ()):
            entry = debian.parse_pydist_line(index + 1, self._lines[index])
            if entry is not None and entry.project == project:
                return entry
        return None

    def row(self, project: NormalizedName) -> MatchRow | None:
        entry = self.entry(project)
        return None if entry is None else _pydist_row(entry)

    def projects_of(self, package: str) -> tuple[NormalizedName, ...] | None:
        """The projects whose row names ``package`` (in the rows' order); None if none."""
        projects: list[NormalizedName] = []
        last = -1
        for found in re.finditer(re.escape(package), self._text):
            index = bisect.bisect_right(self._starts, found.start()) - 1
            if index == last:
                continue
            last = index
            entry = debian.parse_pydist_line(index + 1, self._lines[index])
            if (
                entry is not None
                and package in entry.packages
                and entry.project not in projects
                and self.entry(entry.project) == entry
            ):
                projects.append(entry.project)
        return tuple(projects) or None

    def _parsed(self) -> tuple[dict[NormalizedName, MatchRow], list[int], int]:
        if self._whole is None:
            entries, skipped = debian.parse_pydist(self._text)
            rows: dict[NormalizedName, MatchRow] = {}
            for entry in entries:
                rows.setdefault(entry.project, _pydist_row(entry))
            self._whole = (rows, skipped, len(entries) - len(rows))
        return self._whole

    def rows(self) -> Mapping[NormalizedName, MatchRow]:
        """Every row (the whole file parsed)."""
        return self._parsed()[0]

    def shipped_by(self) -> Mapping[str, tuple[NormalizedName, ...]]:
        """Every package's projects (the whole file parsed)."""
        reverse: dict[str, list[NormalizedName]] = {}
        for project, (packages, _, _) in self.rows().items():
            for package in packages:
                reverse.setdefault(package, []).append(project)
        return {package: tuple(projects) for package, projects in reverse.items()}

    def notes(self) -> list[str]:
        """What was skipped, for the source's summary (the whole file parsed)."""
        _, skipped, collisions = self._parsed()
        notes = []
        if skipped:
            shown = ", ".join(map(str, skipped[:5])) + (", …" if len(skipped) > 5 else "")
            notes.append(f"{_count(len(skipped), 'line')} skipped: {shown}")
        if collisions:
            notes.append(f"{_count(collisions, 'name')} duplicated under PEP 503, first kept")
        return notes


def _pydist_row(entry: debian.PyDistEntry) -> MatchRow:
    return (entry.packages, (), f"{entry.line_number}: {entry.text}")


class BundledPackages:
    """A bundled table's ``packages`` (package -> the metadata directories it ships),
    indexed by the PEP 503 form of each directory's distribution name."""

    def __init__(self, packages: Mapping[str, Sequence[str]]) -> None:
        self._packages = packages
        self._by_project: dict[str, list[str]] = {}
        for package, dirnames in packages.items():
            for dirname in dirnames:
                name = debian.metadata_dir_name(str(dirname))
                if name is None:  # parse_metadata_dir finds nothing there either
                    continue
                # without validation: the same form for every valid name (checked on parsing)
                listed = self._by_project.setdefault(canonicalize_name(name), [])
                if not listed or listed[-1] != package:
                    listed.append(package)
        self._rows: dict[NormalizedName, MatchRow] | None = None
        self._parsed: dict[str, tuple[debian.MetadataDir, ...]] = {}

    def _dirs(self, package: str) -> tuple[debian.MetadataDir, ...]:
        """``package``'s directories parsed (once: python3-azure ships 200 of them, and
        each of its projects' rows reads them all)."""
        found = self._parsed.get(package)
        if found is None:
            parsed = (debian.parse_metadata_dir(str(d)) for d in self._packages.get(package, ()))
            found = self._parsed[package] = tuple(d for d in parsed if d is not None)
        return found

    def row(self, project: NormalizedName) -> MatchRow | None:
        """The packages shipping ``project``, the one to install first, and its directory."""
        by_package: dict[str, str] = {}
        for package in self._by_project.get(project, ()):
            for parsed in self._dirs(package):
                if parsed.project == project:
                    by_package.setdefault(package, parsed.dirname)
        if not by_package:
            return None
        ordered = debian.preferred_package(project, by_package) if len(by_package) > 1 else ()
        first, *others = ordered or tuple(by_package)
        return ((first,), tuple(others), by_package[first])

    def projects_of(self, package: str) -> tuple[NormalizedName, ...] | None:
        """The projects ``package`` ships a metadata directory of; None if none."""
        projects: list[NormalizedName] = []
        for parsed in self._dirs(package):
            if parsed.project not in projects:
                projects.append(parsed.project)
        return tuple(projects) or None

    def version(self, key: tuple[str, NormalizedName]) -> str | None:
        """The version ``package``'s (last) directory of ``project`` names, as written."""
        package, project = key
        found = None
        for parsed in self._dirs(package):
            if parsed.project == project and parsed.raw_version is not None:
                found = parsed.raw_version
        return found

    def rows(self) -> Mapping[NormalizedName, MatchRow]:
        """Every project's row (the whole table parsed)."""
        if self._rows is None:
            rows: dict[NormalizedName, MatchRow] = {}
            for key in self._by_project:  # the table's order
                project = NormalizedName(key)
                row = self.row(project)
                if row is not None:
                    rows[project] = row
            self._rows = rows
        return self._rows

    def shipped_by(self) -> Mapping[str, tuple[NormalizedName, ...]]:
        """Every package's projects (the whole table parsed)."""
        found = {package: self.projects_of(package) for package in self._packages}
        return {package: projects for package, projects in found.items() if projects}

    def versions(self) -> Mapping[tuple[str, NormalizedName], str]:
        """Every recorded version (the whole table parsed)."""
        out: dict[tuple[str, NormalizedName], str] = {}
        for package in self._packages:
            for parsed in self._dirs(package):
                if parsed.raw_version is not None:
                    out[(package, parsed.project)] = parsed.raw_version
        return out
