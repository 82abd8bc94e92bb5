"""Candidates and requirements of the joint resolution (the resolvelib RT/CT types).

Identifiers are canonical PyPI names, or ``name[extra1,extra2]`` for a
project with extras (the usual resolvelib extras pattern: the extras
candidate depends on its base candidate, exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Union

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from pip_native.environment import InstalledDistribution
from pip_native.index.files import DistFile
from pip_native.native.base import ProvidedDistribution, SystemPackage

__all__ = [
    "Candidate",
    "CandidateKey",
    "Constraint",
    "NativeOrigin",
    "NativePin",
    "Origin",
    "ResolverRequirement",
    "SameCandidate",
    "Source",
    "SpecRequirement",
    "identifier_for",
    "split_identifier",
]


class Source(str, Enum):
    """Where a candidate comes from."""

    PYPI = "pypi"
    NATIVE = "native"
    INSTALLED = "installed"


def identifier_for(name: NormalizedName, extras: frozenset[NormalizedName]) -> str:
    if not extras:
        return name
    return f"{name}[{','.join(sorted(extras))}]"


def split_identifier(identifier: str) -> tuple[NormalizedName, frozenset[NormalizedName]]:
    name, _, rest = identifier.partition("[")
    extras = frozenset(canonicalize_name(e) for e in rest.rstrip("]").split(",") if e)
    return canonicalize_name(name), extras


@dataclass(frozen=True)
class Origin:
    """Who asked for a requirement, in words for messages (``you``, ``requests 2.32.3``)."""

    text: str

    def __str__(self) -> str:
        return self.text


USER = Origin("you")

CandidateKey = tuple[str, str, str]


@dataclass(frozen=True)
class NativeOrigin:
    """Why a native candidate exists: the system package and the mapping that chose it."""

    package: SystemPackage
    mapping: str
    """One line: which mapping source matched, and what it says."""
    mapping_source: str = ""
    """The kind of mapping source: ``user``, ``distro``, ``bundled``, ``heuristic``."""
    closure: tuple[ProvidedDistribution, ...] = field(default=(), compare=False)
    """Every PyPI distribution installing the package brings or relies on."""
    install: tuple[str, ...] = ()
    """The package names to give the manager (the mapping may name more than one)."""


@dataclass(frozen=True)
class Candidate:
    """One version of one project from one source."""

    name: NormalizedName
    version: Version
    source: Source
    extras: frozenset[NormalizedName] = frozenset()
    file: DistFile | None = field(default=None, compare=False)
    """For PyPI candidates: the exact pure wheel."""
    native: NativeOrigin | None = field(default=None, compare=False)
    """For native candidates (and installed ones the system package manager owns)."""
    installed: InstalledDistribution | None = field(default=None, compare=False)
    """For installed candidates."""

    @property
    def identifier(self) -> str:
        return identifier_for(self.name, self.extras)

    @cached_property
    def key(self) -> CandidateKey:
        """Identity across extras: the same project version from the same place.

        Strings, and cached: on a deep backtrack the provider hashes keys millions of times,
        and a str caches its hash where a :class:`Version` computes it in Python each time."""
        return (self.name, str(self.version), self.source.value)

    def with_extras(self, extras: frozenset[NormalizedName]) -> Candidate:
        return Candidate(
            self.name, self.version, self.source, extras, self.file, self.native, self.installed
        )

    @property
    def is_pure_venv_copy(self) -> bool:
        """An installed pure wheel in the target's own site-packages."""
        dist = self.installed
        return (
            self.source is Source.INSTALLED
            and dist is not None
            and dist.in_target
            and dist.pure is True
        )

    @property
    def is_system_provided(self) -> bool:
        """True for native candidates and installed ones that came from the system manager."""
        return self.native is not None

    def describe(self) -> str:
        if self.source is Source.PYPI:
            return f"{self.name} {self.version} (pure wheel from PyPI)"
        if self.source is Source.NATIVE and self.native is not None:
            return f"{self.name} {self.version} ({self.native.package.manager} package {self.native.package.label()})"
        where = self.installed.location if self.installed else "?"
        return f"{self.name} {self.version} (already installed in {where})"


@dataclass(frozen=True)
class SpecRequirement:
    """A PEP 508 requirement (markers already evaluated), with who asked for it."""

    name: NormalizedName
    extras: frozenset[NormalizedName]
    specifier: SpecifierSet
    origin: Origin
    text: str
    allow_prereleases: bool = False
    _answers: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)
    """is_satisfied_by per version: a backtrack asks the same question over and over."""

    @classmethod
    def from_requirement(
        cls, req: Requirement, origin: Origin, *, allow_prereleases: bool = False
    ) -> SpecRequirement:
        return cls(
            canonicalize_name(req.name),
            frozenset(canonicalize_name(e) for e in req.extras),
            req.specifier,
            origin,
            str(req),
            allow_prereleases,
        )

    @property
    def identifier(self) -> str:
        return identifier_for(self.name, self.extras)

    @property
    def wants_prereleases(self) -> bool:
        """``--pre``, or a specifier that names a pre-release (``>=2.0b1``), as in pip."""
        return self.allow_prereleases or bool(self.specifier.prereleases)

    def is_satisfied_by(self, candidate: Candidate) -> bool:
        # As in pip, a pre-release satisfies a specifier that matches it: whether
        # pre-releases are candidates at all is decided when they are listed (find_matches).
        # Explicit, because packaging >= 25 accepts them for prereleases=None too.
        version = candidate.key[1]
        answer = self._answers.get(version)
        if answer is None:
            answer = self._answers[version] = self.specifier.contains(
                candidate.version, prereleases=True
            )
        return answer

    def describe(self) -> str:
        return f"{self.text} (required by {self.origin})"


@dataclass(frozen=True)
class NativePin:
    """A distribution a system package brings: it must be *that* system copy.

    Installing the system package puts this exact version on ``sys.path``
    whatever else happens, so only the system's own copy may satisfy it:
    anything else would install the project twice.
    """

    name: NormalizedName
    version: Version
    package: SystemPackage
    brought_by: str
    """The system package (and project) whose closure contains it, for messages."""

    @property
    def identifier(self) -> str:
        return self.name

    def is_satisfied_by(self, candidate: Candidate) -> bool:
        if candidate.version == self.version and candidate.is_system_provided:
            return True
        # A pure wheel already in the venv shadows the system copy for this environment;
        # pure code has no ABI to break, so it may stand in (the plan warns about it).
        return candidate.is_pure_venv_copy

    def describe(self) -> str:
        return (
            f"{self.name}=={self.version} from {self.package.manager} ({self.package.label()}), "
            f"brought in by {self.brought_by}"
        )


@dataclass(frozen=True)
class SameCandidate:
    """An extras candidate needs exactly its base candidate."""

    base: Candidate

    @property
    def identifier(self) -> str:
        return self.base.name

    def is_satisfied_by(self, candidate: Candidate) -> bool:
        return candidate.key == self.base.key

    def describe(self) -> str:
        return f"{self.base.describe()} (base of extras)"


@dataclass(frozen=True)
class Constraint:
    """pip's constraint on a project: limits its versions wherever it comes from, never adds it."""

    specifier: SpecifierSet
    where: tuple[str, ...]
    """Where each part was written (``constraints.txt, line 3``), for messages."""
    text: str

    @classmethod
    def of(cls, req: Requirement, where: str) -> Constraint:
        return cls(req.specifier, (where,), f"{req.name}{req.specifier}")

    def narrowed(self, req: Requirement, where: str) -> Constraint:
        return Constraint(
            self.specifier & req.specifier, (*self.where, where), f"{self.text}, {req.specifier}"
        )

    def allows(self, version: Version) -> bool:
        return self.specifier.contains(version, prereleases=True)

    def describe(self) -> str:
        return f"constraint {self.text} ({'; '.join(self.where)})"


ResolverRequirement = Union[SpecRequirement, NativePin, SameCandidate]
