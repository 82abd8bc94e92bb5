"""The values the mapping hands out: a match with its provenance, and one loaded source."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.utils import NormalizedName

__all__ = ["ECOSYSTEMS", "SOURCE_KINDS", "MappingLayer", "MappingMatch", "MatchRows"]

#: Mapping ecosystems, one per native backend (``NativeAdapter.name``).
ECOSYSTEMS = ("apt", "dnf", "conda", "brew")

#: Kinds of sources, strongest first.
SOURCE_KINDS = ("user", "distro", "bundled", "heuristic")


@dataclass(frozen=True)
class MappingMatch:
    """What the mapping says about one PyPI project in one ecosystem, and why."""

    project: NormalizedName
    ecosystem: str
    """``apt`` (later ``dnf``, ``conda``, ``brew``)."""
    packages: tuple[str, ...]
    """System packages that together provide the project (all of them are
    installed); ``()`` means "never native": the user wants it from PyPI."""
    source: str
    """Kind of source: ``user``, ``distro``, ``bundled`` or ``heuristic``."""
    origin: str
    """Where: a file path, ``pip_native/data/apt-debian-bookworm.json``, or for
    the heuristic ``python3-foo exists in apt``."""
    reason: str = ""
    """The source's own words, e.g. ``bundled table debian bookworm: ships
    scikit_learn-1.2.1.egg-info``."""
    alternatives: tuple[str, ...] = ()
    """Other packages the source says also provide the project, least preferred last
    (e.g. ``python3-click-package`` next to ``python3-click``)."""

    @property
    def never_native(self) -> bool:
        """True for a user's explicit "always from PyPI" (``name = false``)."""
        return not self.packages

    def describe(self) -> str:
        """One line for ``--dry-run``: the packages and why.

        ``python3-sklearn (bundled table debian bookworm: ships
        scikit_learn-1.2.1.egg-info)``
        """
        what = ", ".join(self.packages) if self.packages else "never native (always from PyPI)"
        why = self.reason or f"{self.source} {self.origin}"
        if self.alternatives:
            why += f"; also provided by {', '.join(self.alternatives)}"
        return f"{what} ({why})"


#: A project's row in :class:`MatchRows`: its packages, their alternatives, and the end of
#: the reason (after the layer's common beginning).
MatchRow = tuple[tuple[str, ...], tuple[str, ...], str]


class MatchRows(Mapping[NormalizedName, MappingMatch]):
    """A large layer's matches kept as plain rows, each made a :class:`MappingMatch` when
    looked up.

    The apt mapping has about 10,000 entries (the bundled table and dh-python's files)
    and a plan looks up a few dozen: the rows themselves are found as lookups reach
    them (:mod:`~pip_native.mapping.indexed`).
    """

    def __init__(
        self,
        rows: Mapping[NormalizedName, MatchRow],
        *,
        ecosystem: str,
        source: str,
        origin: str,
        reason_prefix: str,
    ) -> None:
        self._rows = rows
        self._ecosystem = ecosystem
        self._source = source
        self._origin = origin
        self._reason_prefix = reason_prefix

    def __getitem__(self, project: NormalizedName) -> MappingMatch:
        packages, alternatives, reason = self._rows[project]
        return MappingMatch(
            project=project,
            ecosystem=self._ecosystem,
            packages=packages,
            source=self._source,
            origin=self._origin,
            reason=self._reason_prefix + reason,
            alternatives=alternatives,
        )

    def __contains__(self, project: object) -> bool:
        return project in self._rows

    def __iter__(self) -> Iterator[NormalizedName]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@dataclass(frozen=True, eq=False)
class MappingLayer:
    """One loaded source (a user file, a dh-python file, a bundled table) for one ecosystem."""

    source: str
    """Kind: ``user``, ``distro`` or ``bundled``."""
    origin: str
    """Path or resource name the data came from."""
    label: str
    """Human-readable name, e.g. ``bundled table debian bookworm (generated 2026-11-25)``."""
    ecosystem: str
    matches: Mapping[NormalizedName, MappingMatch]
    shipped_by: Mapping[str, tuple[NormalizedName, ...]] = field(default_factory=dict)
    """Reverse index: package -> the PyPI projects this source says it provides."""
    notes: Sequence[str] = ()
    """Anything worth reporting about the load (e.g. skipped lines)."""
    versions: Mapping[tuple[str, NormalizedName], str] = field(default_factory=dict)
    """(package, project) -> the version its metadata directory names, as written, where
    recorded (the bundled table: ``kiwisolver-0.0.0.dist-info`` in python3-kiwisolver
    1.4.4); :meth:`MappingTable.metadata_version` normalizes it."""

    def summary(self) -> str:
        """``<label>: <n> projects`` plus notes, for :meth:`MappingTable.sources`."""
        n = len(self.matches)
        text = f"{self.label}: {n} project{'' if n == 1 else 's'}"
        if self.notes:
            text += " (" + "; ".join(self.notes) + ")"
        return text
