"""The contract every native backend (apt, dnf, conda, brew) implements.

A backend answers questions about *system packages* in batches, and builds
(but never runs) the commands that change the system: the executor runs them.
Mapping between PyPI names and system package names lives in
:mod:`pip_native.mapping`; a backend only reports which PyPI distributions a
system package puts on ``sys.path`` (it knows its own file lists / metadata).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from packaging.utils import NormalizedName
from packaging.version import Version

from pip_native.environment import TargetEnvironment
from pip_native.errors import InvalidIdentifierError

__all__ = [
    "NO_BACKEND",
    "KnowsInstalled",
    "NativeAdapter",
    "NativeStep",
    "PreparesAhead",
    "ProvidedDistribution",
    "SimulatesAhead",
    "SystemPackage",
    "checked_names",
    "provided_by",
]

NO_BACKEND = "none"
"""The adapter name (and plan manager) when no native backend was chosen: pure wheels only."""


@dataclass(frozen=True)
class SystemPackage:
    """A package of the system package manager, as the manager names it."""

    manager: str
    """Backend name: ``apt``, ``dnf``, ``conda``, ``brew``."""
    name: str
    """e.g. ``python3-numpy``."""
    version: str | None
    """Candidate (installable) version in the manager's own syntax, or None if not installable."""
    installed_version: str | None = None
    """Installed version in the manager's syntax, or None when not installed."""
    arch: str | None = None

    @property
    def is_installed(self) -> bool:
        return self.installed_version is not None

    def label(self) -> str:
        """``python3-numpy 1:1.24.2-1+deb12u1``: the version the manager offers (else the installed one)."""
        version = self.version or self.installed_version or "?"
        return f"{self.name} {version}"


@dataclass(frozen=True)
class ProvidedDistribution:
    """A PyPI distribution that a system package puts on the target's ``sys.path``."""

    name: NormalizedName
    version: Version
    """The PEP 440 version import/metadata will report (e.g. 1.24.2 for ``1:1.24.2-1+deb12u1``)."""
    package: SystemPackage


def checked_names(
    names: Sequence[str],
    pattern: re.Pattern[str],
    *,
    plural: str,
    singular: str,
    hint: str,
    empty_hint: str = "Pass at least one package name.",
) -> tuple[str, ...]:
    """``names`` for an install command, each matching ``pattern``; at least one.

    Raises :class:`InvalidIdentifierError` ("No <plural> were given to install.",
    "'x' is not a valid <singular>.") before any command runs.
    """
    requested = tuple(names)
    if not requested:
        raise InvalidIdentifierError(f"No {plural} were given to install.", hint=empty_hint)
    for name in requested:
        if not pattern.match(name):
            raise InvalidIdentifierError(f"{name!r} is not a valid {singular}.", hint=hint)
    return requested


def provided_by(
    package: SystemPackage, found: Mapping[NormalizedName, Version]
) -> tuple[ProvidedDistribution, ...]:
    """``found`` (name -> version) as the distributions ``package`` provides."""
    return tuple(ProvidedDistribution(name, version, package) for name, version in found.items())


@dataclass(frozen=True)
class NativeStep:
    """The one package-manager call of a plan (built by the backend, run by the executor)."""

    manager: str
    command: tuple[str, ...]
    """Exact argv that will run (without any ``sudo`` prefix)."""
    requested: tuple[str, ...]
    """The packages named on the command line."""
    new_packages: tuple[SystemPackage, ...]
    """Everything the manager said it would newly install or upgrade, dependencies included."""
    needs_root: bool
    env: Mapping[str, str] | None = None
    """Extra environment for the command (e.g. ``DEBIAN_FRONTEND=noninteractive``)."""
    requested_packages: tuple[str, ...] = ()
    """The package names behind ``requested`` when those are not plain names (dnf names
    exact ``name-version-release.arch`` specs); empty when ``requested`` holds names."""

    @property
    def requested_names(self) -> tuple[str, ...]:
        """The names of the packages the command asks for."""
        return self.requested_packages or self.requested


@runtime_checkable
class NativeAdapter(Protocol):
    """A system package manager, seen through batched queries.

    Implementations must not run one process per package name: every method
    taking a collection answers it with a bounded number of commands, and
    results are cached for the adapter's lifetime.
    """

    name: str
    """``apt``, ``dnf``, ``conda`` or ``brew``; also the mapping ecosystem key."""

    def describe(self) -> str:
        """The program (and engine) doing the work, for the plan header; runs nothing."""

    def check_target(self, env: TargetEnvironment) -> None:
        """Raise :class:`~pip_native.errors.TargetEnvironmentError` if the
        manager's Python packages cannot serve ``env``; the message carries the
        exact command that creates a fitting environment."""

    def query(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        """Available and installed versions for ``names``; unknown names are absent."""

    def closure(self, name: str) -> Sequence[SystemPackage]:
        """Every package installing ``name`` brings or relies on, ``name`` included,
        whether already installed or not (hard dependencies only, no recommends)."""

    def provided_distributions(
        self, packages: Collection[SystemPackage]
    ) -> Mapping[str, Sequence[ProvidedDistribution]]:
        """For each package (by name), the PyPI distributions it installs, with versions."""

    def plan_install(self, names: Sequence[str]) -> NativeStep:
        """Simulate installing ``names`` in one call; return the exact command and
        what it would bring. Changes nothing on the system."""


@runtime_checkable
class KnowsInstalled(Protocol):
    """An adapter that can tell what is installed without reading its package index."""

    def installed(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        """The installed ones of ``names``, at their installed version (``version`` too)."""


@runtime_checkable
class PreparesAhead(Protocol):
    """An adapter with work to start in the background when a plan starts.

    The planner calls :meth:`prepare_ahead` once the adapter is made, before
    resolving, and :meth:`finish_ahead` when the plan is made, which stops
    what the plan did not use.
    """

    def prepare_ahead(self) -> None:
        """Start work (such as reading the package lists) in the background."""

    def finish_ahead(self) -> None:
        """Wait for or stop the work started ahead."""

    def use_mapping(self, dists_for_package: Callable[[str], Sequence[str]]) -> None:
        """Take the plan's ``dists_for_package`` (an adapter made before the plan had a
        mapping: :func:`~pip_native.native.registry.start_ahead`)."""


@runtime_checkable
class SimulatesAhead(Protocol):
    """An adapter whose install simulation can start before the plan is final.

    The resolver calls :meth:`simulate_ahead` with its best guess of the
    packages :meth:`NativeAdapter.plan_install` will get, made from the mapping
    tables before any package index is read; a later ``plan_install`` of
    exactly these reuses the running or finished simulation. The planner calls
    :meth:`finish_ahead` when the plan is made.
    """

    def simulate_ahead(self, names: Sequence[str]) -> None:
        """Start simulating the install of ``names`` in the background (once per set)."""

    def finish_ahead(self) -> None:
        """Wait for simulations started ahead (they end within apt's own time)."""
