"""The two candidate sources of the joint resolution: PyPI pure wheels and the native backend."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from packaging.requirements import Requirement
from packaging.utils import NormalizedName
from packaging.version import Version

from pip_native.environment import TargetEnvironment
from pip_native.errors import IndexFetchError, PipNativeError
from pip_native.index.client import PackageIndex
from pip_native.index.select import newest_release_is_pure, pure_wheels
from pip_native.mapping import MappingMatch, MappingTable
from pip_native.native.base import (
    NO_BACKEND,
    KnowsInstalled,
    NativeAdapter,
    ProvidedDistribution,
    SimulatesAhead,
    SystemPackage,
)
from pip_native.resolver.model import Candidate, NativeOrigin, Source

__all__ = ["Kind", "NativeSource", "PyPISource"]


class Kind(str, Enum):
    """How a project is classified for the split install."""

    PURE = "pure"
    """Its newest release has a pure wheel: it comes from PyPI."""
    NATIVE = "native"
    """Its newest release has no pure wheel: it must come from the system."""
    ABSENT = "absent"
    """No index knows it."""


class PyPISource:
    """Pure (``-any``) wheels from the configured indexes; never sdists or platform wheels."""

    def __init__(self, index: PackageIndex, env: TargetEnvironment, *, pre: bool = False) -> None:
        self._index = index
        self._env = env
        self._pre = pre

    def prefetch(self, names: Iterable[NormalizedName]) -> None:
        self._index.prefetch_projects(names)

    def kind(self, name: NormalizedName) -> Kind:
        pure = newest_release_is_pure(
            self._index.project_files(name), self._env.tags, self._env.python_version
        )
        if pure is None:
            return Kind.ABSENT
        return Kind.PURE if pure else Kind.NATIVE

    def candidates(self, name: NormalizedName, *, allow_yanked: bool = False) -> list[Candidate]:
        wheels = pure_wheels(
            self._index.project_files(name),
            self._env.tags,
            self._env.python_version,
            allow_yanked=allow_yanked,
        )
        return [
            Candidate(name, version, Source.PYPI, file=f)
            for version, f in sorted(wheels.items(), key=lambda kv: kv[0], reverse=True)
        ]

    def requirements(self, candidate: Candidate) -> tuple[Requirement, ...]:
        assert candidate.file is not None
        return self._index.metadata(candidate.file).requires_dist

    def requirements_of_release(
        self, name: NormalizedName, version: Version
    ) -> tuple[Requirement, ...]:
        """Requires-Dist of a release from any of its wheels (platform ones too), or () if none is readable.

        Used only for the extras of a native candidate: the system package
        brings the base dependencies itself.
        """
        files = [f for f in self._index.project_files(name) if f.version == version and f.is_wheel]
        files.sort(key=lambda f: f.metadata is False)
        for file in files:
            try:
                return self._index.metadata(file).requires_dist
            except IndexFetchError:
                continue
        return ()

    def prefetch_metadata(self, candidates: Iterable[Candidate]) -> None:
        self._index.prefetch_metadata(c.file for c in candidates if c.file is not None)

    def describe_files(self, name: NormalizedName) -> str:
        """A short account of what the indexes have, for messages."""
        try:
            files = self._index.project_files(name)
        except IndexFetchError:
            return "the index could not be read"
        if not files:
            return "no configured index has it"
        wheels = [f for f in files if f.is_wheel]
        pure = [f for f in wheels if f.is_pure]
        finals = [f.version for f in files if not f.version.is_prerelease]
        newest = max(finals or [f.version for f in files])
        if not pure:
            return f"PyPI has no pure wheel for it (newest release {newest}: platform wheels or sdist only)"
        return f"PyPI has pure wheels up to {max(f.version for f in pure)}"


@dataclass(frozen=True)
class _NativeInfo:
    candidate: Candidate | None
    reason: str
    unknown_after: str | None = None
    """For a project no mapping source knows: what follows the list of the sources
    consulted, which :meth:`NativeSource.reason` adds when asked (an error explains it).
    Listing them counts each source's projects, which parses the large ones whole."""


class NativeSource:
    """Native candidates: PyPI name → mapping → system package → its closure, all batched."""

    def __init__(self, adapter: NativeAdapter, mapping: MappingTable) -> None:
        self.adapter = adapter
        self.mapping = mapping
        self._matches: dict[NormalizedName, MappingMatch | None] = {}
        self._info: dict[NormalizedName, _NativeInfo] = {}
        self._heuristic_reverse: dict[str, set[NormalizedName]] = {}
        self._lock = threading.Lock()

    @property
    def has_backend(self) -> bool:
        """False without ``--native-from``: the adapter offers nothing (pure wheels only)."""
        return self.adapter.name != NO_BACKEND

    # The adapter asks this (via the callback given at construction) which
    # PyPI distributions a package ships.
    def dists_for_package(self, package: str) -> tuple[NormalizedName, ...]:
        known = self.mapping.dists_for_package(package)
        if known:
            return tuple(known)
        # A package no source knows: what the verified name guess matched it for.
        return tuple(sorted(self._heuristic_reverse.get(package, ())))

    def _exists(self, names: Sequence[str]) -> Collection[str]:
        return set(self.adapter.query(names))

    def prefetch(self, names: Iterable[NormalizedName]) -> None:
        """Look up many names at once: one mapping pass and one package query."""
        todo = [n for n in names if n not in self._matches]
        if not todo:
            return
        found = self.mapping.lookup_many(todo, exists=self._exists)
        for name in todo:
            match = found.get(name)
            self._matches[name] = match
            if match is not None and match.source == "heuristic":
                for pkg in match.packages:
                    self._heuristic_reverse.setdefault(pkg, set()).add(name)
        packages = {p for n in todo if (m := self._matches[n]) for p in m.packages}
        if packages:
            self.adapter.query(sorted(packages))

    def simulate_ahead(self, names: Iterable[NormalizedName]) -> None:
        """Let the adapter start simulating the install of what the mapping tables name for
        ``names`` (native projects), if it can (:class:`SimulatesAhead`). A guess from the
        tables alone: no package index is read for it, so the simulation can run while the
        index is read and the resolver works."""
        if not isinstance(self.adapter, SimulatesAhead):
            return
        found = self.mapping.lookup_many(names)
        packages = {p for match in found.values() for p in match.packages}
        if packages:
            self.adapter.simulate_ahead(sorted(packages))

    def match(self, name: NormalizedName) -> MappingMatch | None:
        if name not in self._matches:
            self.prefetch([name])
        return self._matches[name]

    def candidate(self, name: NormalizedName) -> Candidate | None:
        return self._lookup(name).candidate

    def reason(self, name: NormalizedName) -> str:
        info = self._lookup(name)
        if info.unknown_after is None:
            return info.reason
        return f"{info.reason} ({self._consulted()}{info.unknown_after})"

    def _lookup(self, name: NormalizedName) -> _NativeInfo:
        with self._lock:
            if name not in self._info:
                self._info[name] = self._build(name)
            return self._info[name]

    def _build(self, name: NormalizedName) -> _NativeInfo:
        if not self.has_backend:
            return _NativeInfo(None, "no native backend was chosen (--native-from)")
        manager = self.adapter.name
        match = self.match(name)
        if match is None:
            rejected = self.mapping.rejected_guess(name)
            also = f"; the guess {rejected}" if rejected else ""
            return _NativeInfo(None, f"no {manager} package is known for {name}", also)
        if not match.packages:
            return _NativeInfo(
                None, f"{name} never comes from {manager} ({match.reason or match.origin})"
            )
        found = self.adapter.query(match.packages)
        missing = [
            p
            for p in match.packages
            if p not in found or (found[p].version is None and not found[p].is_installed)
        ]
        if missing:
            return _NativeInfo(
                None,
                f"{match.describe()} names {', '.join(missing)}, which {manager} cannot install here",
            )
        main = found[match.packages[0]]
        try:
            closure = self._closure([found[p] for p in match.packages])
        except PipNativeError as exc:
            return _NativeInfo(None, f"{main.label()} cannot be installed: {exc.message}")
        own = [d for d in closure if d.name == name]
        if not own:
            return _NativeInfo(
                None, f"{main.label()} (from {match.describe()}) ships no distribution named {name}"
            )
        origin = NativeOrigin(main, match.describe(), match.source, tuple(closure), match.packages)
        return _NativeInfo(Candidate(name, own[0].version, Source.NATIVE, native=origin), "")

    def _closure(self, roots: Sequence[SystemPackage]) -> list[ProvidedDistribution]:
        packages: dict[str, SystemPackage] = {}
        for root in roots:
            for pkg in self.adapter.closure(root.name):
                packages.setdefault(pkg.name, pkg)
        provided = self.provided_distributions(list(packages.values()))
        out: dict[NormalizedName, ProvidedDistribution] = {}
        for pkg_name in packages:
            for dist in provided.get(pkg_name, ()):
                out.setdefault(dist.name, dist)
        return list(out.values())

    def provided_distributions(
        self, packages: Collection[SystemPackage]
    ) -> Mapping[str, Sequence[ProvidedDistribution]]:
        """The adapter's answer, with versions a mapping table recorded for packages not yet
        installed: Debian's python3-kiwisolver 1.4.4 ships ``kiwisolver-0.0.0.dist-info``,
        and 0.0.0 is what pip will see, so that is the version to resolve with."""
        answer = self.adapter.provided_distributions(packages)
        corrected: dict[str, Sequence[ProvidedDistribution]] = {}
        for pkg in packages:
            dists = list(answer.get(pkg.name, ()))
            if not pkg.is_installed:
                for i, dist in enumerate(dists):
                    recorded = self.mapping.metadata_version(pkg.name, dist.name)
                    if recorded is not None and Version(recorded) != dist.version:
                        dists[i] = ProvidedDistribution(dist.name, Version(recorded), dist.package)
            corrected[pkg.name] = dists
        return corrected

    def installed_owner(self, name: NormalizedName) -> SystemPackage | None:
        """The system package that owns an installed copy of ``name``, if the mapping knows it.

        When the mapping tables know ``name`` and the adapter can tell what is
        installed on its own (:class:`KnowsInstalled`), no package index is read.
        """
        if isinstance(self.adapter, KnowsInstalled):
            known = self.mapping.lookup_many([name]).get(name)  # tables only, no guessing
            if known is not None:
                if not known.packages:
                    return None
                return self.adapter.installed(known.packages[:1]).get(known.packages[0])
        match = self.match(name)
        if not match or not match.packages:
            return None
        found = self.adapter.query(match.packages)
        pkg = found.get(match.packages[0])
        return pkg if pkg is not None and pkg.is_installed else None

    def _consulted(self) -> str:
        return "consulted: " + "; ".join(self.mapping.sources())
