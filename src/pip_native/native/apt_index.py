"""The in-memory apt package index: dumpavail/dpkg-query parsing and dependency closures."""

from __future__ import annotations

import logging
import re
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from pip_native.errors import NoNativePackageError
from pip_native.native.debversion import compare_versions, version_satisfies

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "DPKG_QUERY_FORMAT",
    "INSTALLED_STATES",
    "AptIndex",
    "Record",
    "Relation",
    "Selected",
    "UnsatisfiableDependency",
    "parse_dependency_field",
    "parse_dpkg_query",
    "parse_provides_field",
    "record_key",
    "source_field",
]

logger = logging.getLogger(__name__)

#: ``dpkg-query -W -f`` format whose output :func:`parse_dpkg_query` reads.
DPKG_QUERY_FORMAT = (
    "${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\t"
    "${Pre-Depends}\\t${Depends}\\t${Provides}\\t${Priority}\\t"
    "${source:Package}\\t${source:Version}\\n"
)

#: Second letter of ``db:Status-Abbrev`` for which dpkg has files of the package
#: on disk (installed, or unpacked / half-configured / awaiting triggers).
INSTALLED_STATES = frozenset("iUFWt")

_ALTERNATIVE = re.compile(
    r"""^\s*
    (?P<name>[^\s(\[<:|,]+)
    (?::(?P<arch>[^\s(\[<]+))?
    \s*(?:\(\s*(?P<op><<|<=|>=|>>|=|<|>)\s*(?P<version>[^)\s]+)\s*\))?
    \s*(?:\[[^\]]*\])?
    \s*(?:<[^>]*>\s*)*$""",
    re.X,
)

_PRIORITY_RANK = {"required": 0, "important": 1, "standard": 2, "optional": 3, "extra": 4}


class Record(NamedTuple):
    """The fields of one package version that the index needs (raw dependency text)."""

    name: str
    version: str
    arch: str
    pre_depends: str
    depends: str
    provides: str
    priority: str
    source: str
    """``"<source package> <source version>"``: binaries built together share it."""


class Relation(NamedTuple):
    """One alternative of a dependency: ``name[:arch] [(op version)]``."""

    name: str
    arch: str | None
    op: str | None
    version: str | None

    def __str__(self) -> str:
        text = self.name if self.arch is None else f"{self.name}:{self.arch}"
        if self.op is not None:
            text += f" ({self.op} {self.version})"
        return text


@dataclass(frozen=True)
class Selected:
    """A package in a closure: the version that installing the root leaves on the system."""

    key: str
    record: Record
    installed_version: str | None
    candidate_version: str | None


class UnsatisfiableDependency(NoNativePackageError):
    """A dependency no available or installed package satisfies."""


def _matches(version: str, relation: Relation) -> bool:
    if relation.op is None:
        return True
    return version_satisfies(version, relation.op, relation.version or "")


def source_field(field: str, name: str, version: str) -> str:
    """``"<source> <source version>"`` from a Source field (``foo`` or ``foo (1.2-1)``)."""
    source, _, rest = field.partition("(")
    source_version = rest.strip().rstrip(")").strip()
    return f"{source.strip() or name} {source_version or version}"


def record_key(name: str, arch: str, native_arch: str) -> str:
    if arch in ("all", native_arch, ""):
        return name
    return f"{name}:{arch}"


def parse_dpkg_query(text: str, native_arch: str) -> dict[str, Record]:
    """Parse ``dpkg-query -W -f DPKG_QUERY_FORMAT``; keep only packages with files on disk."""
    records: dict[str, Record] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 10:
            continue
        name, arch, version, status, pre_depends, depends, provides, priority = parts[:8]
        if len(status) < 2 or status[1] not in INSTALLED_STATES or not name or not version:
            continue
        records[record_key(name, arch, native_arch)] = Record(
            name,
            version,
            arch,
            pre_depends.strip(),
            depends.strip(),
            provides.strip(),
            priority,
            f"{parts[8] or name} {parts[9] or version}",
        )
    return records


def _parse_relation(text: str) -> Relation | None:
    match = _ALTERNATIVE.match(text)
    if match is None:
        return None
    op = match.group("op")
    if op == "<":
        op = "<="
    elif op == ">":
        op = ">="
    return Relation(match.group("name"), match.group("arch"), op, match.group("version"))


def parse_dependency_field(text: str) -> list[tuple[Relation, ...]]:
    """Parse a Depends-style field into groups of alternatives (``a | b, c``).

    Unparsable alternatives are dropped (and logged); a group left empty is dropped.
    """
    groups: list[tuple[Relation, ...]] = []
    for group_text in text.split(","):
        if not group_text.strip():
            continue
        alts: list[Relation] = []
        for alt_text in group_text.split("|"):
            relation = _parse_relation(alt_text)
            if relation is None:
                logger.debug("ignoring unparsable dependency %r", alt_text)
                continue
            alts.append(relation)
        if alts:
            groups.append(tuple(alts))
    return groups


def parse_provides_field(text: str) -> list[tuple[str, str | None]]:
    """Parse a Provides field into ``(virtual name, provided version or None)``.

    Only ``(= version)`` gives a version (the only relation Debian allows in
    Provides). Plain string operations: this runs for every Provides in the index.
    """
    provided: list[tuple[str, str | None]] = []
    for item in text.split(","):
        head, paren, rest = item.partition("(")
        name = head.strip().partition(":")[0]
        if not name or " " in name or "|" in name:
            continue
        version: str | None = None
        if paren:
            relation = rest.strip().rstrip(")").strip()
            if relation.startswith("=") and not relation.startswith("=="):
                version = relation[1:].strip() or None
        provided.append((name, version))
    return provided


class AptIndex:
    """Candidate and installed package versions, and dependency closures over them.

    ``available`` holds apt's candidate version of each package (from
    ``apt-cache dumpavail`` on a universe closed under dependencies, see
    :mod:`~pip_native.native.apt_universe`), ``installed`` what dpkg has on
    disk. Both are keyed by package name (``name:arch`` for foreign
    architectures). Any mapping will do: the adapter passes one that parses
    a record when it is first looked up (with the ``providers`` table), and
    closures only look up the names they reach.
    """

    def __init__(
        self,
        available: Mapping[str, Record],
        installed: Mapping[str, Record],
        native_arch: str,
        providers: Mapping[str, list[tuple[str, str | None, bool]]] | None = None,
    ) -> None:
        self.available = available
        self.installed = installed
        self.native_arch = native_arch
        self._providers = providers
        self._by_source: dict[str, list[str]] | None = None
        self._dependents: dict[str, list[str]] | None = None
        self._deps: dict[tuple[str, str, str], list[tuple[Relation, ...]]] = {}
        self._closures: dict[str, tuple[Selected, ...]] = {}

    # -- lookups -------------------------------------------------------------

    def key_for(self, name: str, arch: str | None = None) -> str:
        """The index key of ``name`` (with an optional ``:arch`` qualifier)."""
        if arch is None and ":" in name:
            name, _, arch = name.partition(":")
        if arch is None or arch in ("any", "native", "all", self.native_arch):
            return name
        return f"{name}:{arch}"

    def candidate(self, key: str) -> Record | None:
        """apt's candidate version of ``key``: the available one, else the installed one."""
        return self.available.get(key) or self.installed.get(key)

    def provider_table(self) -> Mapping[str, list[tuple[str, str | None, bool]]]:
        """Virtual name → ``(provider key, provided version, from installed)`` for all Provides.

        Built on first use (a pass over every Provides field); pass it back to
        the constructor to skip that work when the index comes from a cache.
        """
        if self._providers is None:
            table: dict[str, list[tuple[str, str | None, bool]]] = {}
            for from_installed, records in ((True, self.installed), (False, self.available)):
                for key, record in records.items():
                    if not record.provides:
                        continue
                    for name, version in parse_provides_field(record.provides):
                        table.setdefault(name, []).append((key, version, from_installed))
            self._providers = table
        return self._providers

    def _installed_dependents(self, name: str) -> list[str]:
        """Installed packages with a dependency naming ``name``."""
        if self._dependents is None:
            table: dict[str, list[str]] = {}
            for key, record in self.installed.items():
                for group in self._dependencies(key, record):
                    for relation in group:
                        table.setdefault(relation.name, []).append(key)
            self._dependents = table
        return self._dependents.get(name, [])

    def _installed_by_source(self) -> Mapping[str, list[str]]:
        if self._by_source is None:
            table: dict[str, list[str]] = {}
            for key, record in self.installed.items():
                table.setdefault(record.source.partition(" ")[0], []).append(key)
            self._by_source = table
        return self._by_source

    def providers(self, virtual: str) -> list[tuple[str, str | None, bool]]:
        """Every Provides of ``virtual``: ``(provider key, provided version, from installed)``."""
        return self.provider_table().get(virtual, [])

    def _dependencies(self, key: str, record: Record) -> list[tuple[Relation, ...]]:
        cache_key = (key, record.version, record.arch)
        deps = self._deps.get(cache_key)
        if deps is None:
            deps = parse_dependency_field(record.pre_depends) + parse_dependency_field(
                record.depends
            )
            self._deps[cache_key] = deps
        return deps

    # -- closure -------------------------------------------------------------

    def _provider_rank(self, key: str) -> tuple[int, str]:
        record = self.candidate(key)
        rank = _PRIORITY_RANK.get(record.priority if record else "", 5)
        return rank, key

    def _satisfied_by(
        self, relation: Relation, chosen: Mapping[str, Selected]
    ) -> tuple[str, Record, bool] | None:
        """A chosen or installed package satisfying ``relation``: ``(key, record, is_chosen)``."""
        key = self.key_for(relation.name, relation.arch)
        selected = chosen.get(key)
        if selected is not None and _matches(selected.record.version, relation):
            return key, selected.record, True
        installed = self.installed.get(key)
        if selected is None and installed is not None and _matches(installed.version, relation):
            return key, installed, False
        for provider, provided_version, from_installed in self.providers(relation.name):
            if relation.op is not None and (
                provided_version is None or not _matches(provided_version, relation)
            ):
                continue
            source = (self.installed if from_installed else self.available).get(provider)
            selected = chosen.get(provider)
            if selected is not None:
                if selected.record == source:
                    return provider, selected.record, True
            elif from_installed and source is not None:
                return provider, source, False
        return None

    def _installable(self, relation: Relation) -> tuple[str, Record] | None:
        """The package apt would install for ``relation`` when nothing satisfies it yet."""
        key = self.key_for(relation.name, relation.arch)
        record = self.available.get(key)
        if record is not None and _matches(record.version, relation):
            return key, record
        options: list[str] = []
        for provider, provided_version, from_installed in self.providers(relation.name):
            if from_installed:
                continue
            if relation.op is not None and (
                provided_version is None or not _matches(provided_version, relation)
            ):
                continue
            options.append(provider)
        if options:
            best = min(options, key=self._provider_rank)
            return best, self.available[best]
        return None

    def _root(self, name: str) -> tuple[str, Record]:
        key = self.key_for(name)
        installed = self.installed.get(key)
        available = self.available.get(key)
        if available is not None and (
            installed is None or compare_versions(available.version, installed.version) >= 0
        ):
            return key, available
        if installed is not None:
            return key, installed
        bare, _, arch = key.partition(":")
        relation = Relation(bare, arch or None, None, None)
        choice = self._satisfied_by(relation, {})
        if choice is not None:
            return choice[0], choice[1]
        installable = self._installable(relation)
        if installable is not None:
            return installable
        raise NoNativePackageError(
            f"apt has no package {name!r}: it is neither installed nor available from the "
            "configured sources (as a package or via Provides).",
            hint="Check the name with `apt-cache policy " + name + "`; run `apt-get update` "
            "if the package lists are old.",
        )

    def closure(self, name: str) -> tuple[Selected, ...]:
        """Every package installing ``name`` brings or relies on, ``name`` (or its provider) first.

        Follows Pre-Depends and Depends recursively. For each dependency an
        already installed (or already chosen) package that satisfies it wins;
        otherwise the first alternative with a satisfying candidate, then
        providers of a virtual name (best Priority, then name). Dependencies
        with alternatives that nothing satisfies yet are decided last, so an
        alternative that another dependency brings anyway is preferred (as
        apt's depth-first marking usually ends up doing). An installed package
        whose version is too old is replaced by its candidate (an upgrade), and
        so is a kept installed package whose own dependency that upgrade broke
        (``python3.11 (= old)`` needing ``python3.11-minimal (= old)``). Like
        apt, installed binaries of the same source package as a new or upgraded
        one are upgraded to that source version too. Raises :class:`UnsatisfiableDependency` when a dependency cannot be
        met, :class:`NoNativePackageError` for an unknown ``name``.
        """
        cached = self._closures.get(name)
        if cached is None:
            cached = _Closure(self, name).run()
            self._closures[name] = cached
        return cached

    @staticmethod
    def _unsatisfiable(
        name: str, selected: Selected, group: tuple[Relation, ...]
    ) -> UnsatisfiableDependency:
        wanted = " | ".join(str(rel) for rel in group)
        return UnsatisfiableDependency(
            f"The apt package {name!r} cannot be installed: {selected.record.name} "
            f"{selected.record.version} depends on '{wanted}', which no installed or "
            "available package satisfies.",
            hint=f"Run `apt-get update`; `apt-cache policy {group[0].name}` shows the "
            "versions apt knows. Otherwise install this project from PyPI instead.",
        )

    def _already_satisfied(
        self,
        group: tuple[Relation, ...],
        chosen: dict[str, Selected],
        choose: Callable[[str, Record], None],
    ) -> bool:
        """True if a chosen or installed package satisfies ``group`` (installed ones join)."""
        for relation in group:
            hit = self._satisfied_by(relation, chosen)
            if hit is not None:
                key, record, is_chosen = hit
                if not is_chosen:
                    choose(key, record)
                return True
        return False

    def _install_one_of(
        self,
        group: tuple[Relation, ...],
        chosen: dict[str, Selected],
        choose: Callable[[str, Record], None],
    ) -> bool:
        """Choose the first installable alternative of ``group`` (maybe an upgrade)."""
        for relation in group:
            hit = self._installable(relation)
            if hit is not None:
                key, record = hit
                if key not in chosen or chosen[key].record.version != record.version:
                    choose(key, record)
                return True
        logger.debug("unsatisfiable dependency: %s", group)
        return False


class _Closure:
    """One closure computation: the packages chosen so far and the work still queued."""

    def __init__(self, index: AptIndex, name: str) -> None:
        self.index = index
        self.name = name
        self.chosen: dict[str, Selected] = {}
        self.queue: deque[str] = deque()
        self.deferred: deque[tuple[Selected, tuple[Relation, ...]]] = deque()
        self.upgraded_sources: set[tuple[str, str]] = set()

    def run(self) -> tuple[Selected, ...]:
        self.choose(*self.index._root(self.name))
        self.drain()
        while self.same_source_upgrades() or self.upgrade_broken():
            self.drain()
        return tuple(self.chosen.values())

    def choose(self, key: str, record: Record) -> None:
        installed = self.index.installed.get(key)
        candidate = self.index.candidate(key)
        self.chosen[key] = Selected(
            key,
            record,
            installed.version if installed else None,
            candidate.version if candidate else None,
        )
        self.queue.append(key)

    def upgrade_instead(self, selected: Selected) -> bool:
        """A kept installed package whose dependency broke: apt upgrades it too."""
        candidate = self.index.available.get(selected.key)
        if candidate is None or candidate == selected.record:
            return False
        self.choose(selected.key, candidate)
        return True

    def drain(self) -> None:
        index, chosen = self.index, self.chosen
        while self.queue or self.deferred:
            if self.queue:
                selected = chosen[self.queue.popleft()]
                for group in index._dependencies(selected.key, selected.record):
                    if index._already_satisfied(group, chosen, self.choose):
                        continue
                    if len(group) > 1:
                        self.deferred.append((selected, group))
                    elif not index._install_one_of(group, chosen, self.choose):
                        if self.upgrade_instead(selected):
                            break  # the upgraded version's dependencies are queued
                        raise index._unsatisfiable(self.name, selected, group)
            else:
                selected, group = self.deferred.popleft()
                if chosen.get(selected.key) is not selected:
                    continue  # its owner was upgraded meanwhile: the new version's deps count
                if not index._already_satisfied(group, chosen, self.choose) and not (
                    index._install_one_of(group, chosen, self.choose)
                    or self.upgrade_instead(selected)
                ):
                    raise index._unsatisfiable(self.name, selected, group)

    def upgrade_broken(self) -> bool:
        """Upgrade installed packages (kept in the closure or not) that an upgrade broke.

        A package kept at its installed version may depend on exactly the old
        version of a package the closure upgrades; apt then upgrades it too
        (or, if its candidate does not help either, removes it, which
        ``plan_install`` refuses).
        """
        index, chosen = self.index, self.chosen
        upgraded = [
            s.key
            for s in chosen.values()
            if s.installed_version is not None and s.record.version != s.installed_version
        ]
        if not upgraded:
            return False
        suspects = {k for k, s in chosen.items() if s.record.version == s.installed_version}
        for key in upgraded:
            suspects.update(index._installed_dependents(key.partition(":")[0]))
        changed = False
        for key in sorted(suspects):
            selected = chosen.get(key)
            if selected is not None and selected.record.version != selected.installed_version:
                continue  # new or upgraded: drain() checked its dependencies
            record = selected.record if selected is not None else index.installed.get(key)
            if record is None:
                continue
            for group in index._dependencies(key, record):
                if not any(index._satisfied_by(rel, chosen) for rel in group):
                    candidate = index.available.get(key)
                    if candidate is not None and candidate != record:
                        self.choose(key, candidate)
                        changed = True
                    break
        return changed

    def same_source_upgrades(self) -> bool:
        """Like apt, upgrade installed binaries built from the source of a new or upgraded one."""
        added = False
        by_source = self.index._installed_by_source()
        for selected in list(self.chosen.values()):
            if selected.installed_version == selected.record.version:
                continue  # kept as installed: nothing changes
            if (selected.key, selected.record.source) in self.upgraded_sources:
                continue
            self.upgraded_sources.add((selected.key, selected.record.source))
            for other in by_source.get(selected.record.source.partition(" ")[0], ()):
                installed = self.index.installed[other]
                current = self.chosen.get(other)
                if other == selected.key or (current is not None and current.record != installed):
                    continue
                candidate = self.index.available.get(other)
                if (
                    candidate is not None
                    and candidate.source == selected.record.source
                    and candidate.version != installed.version
                ):
                    self.choose(other, candidate)
                    added = True
        return added
