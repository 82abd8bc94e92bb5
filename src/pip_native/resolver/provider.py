"""The resolvelib provider that merges PyPI pure wheels, native packages and installed distributions."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from resolvelib import AbstractProvider
from resolvelib.resolvers import Criterion, RequirementsConflicted

from pip_native.environment import TargetEnvironment
from pip_native.errors import IndexFetchError
from pip_native.resolver.model import (
    Candidate,
    CandidateKey,
    Constraint,
    NativeOrigin,
    NativePin,
    Origin,
    ResolverRequirement,
    SameCandidate,
    Source,
    SpecRequirement,
    split_identifier,
)
from pip_native.resolver.sources import Kind, NativeSource, PyPISource

if TYPE_CHECKING:
    from resolvelib.structs import RequirementInformation

__all__ = ["FIRST_LOOKAHEAD", "METADATA_LOOKAHEAD", "PYTHON_INSTALLERS", "SplitProvider"]

METADATA_LOOKAHEAD = 12
"""How many of a project's next candidates have their metadata fetched ahead."""

FIRST_LOOKAHEAD = 2
"""The same, at first, for a project none of whose candidates were rejected yet (the
first usually fits); the planner's fetch ahead reads as many."""

PYTHON_INSTALLERS = frozenset({"pip", "uv", "pdm", "poetry", "pipenv", "installer"})
"""INSTALLER values of Python installers: a distribution they installed is not a system package's."""


class SplitProvider(AbstractProvider[ResolverRequirement, Candidate, str]):
    """Candidates for a name, best first:

    1. the installed distribution, when it satisfies (unless the name is to be upgraded);
    2. for a *pure* project (its newest release has a pure wheel): pure wheels, newest first;
       native copies only when a system package pins the name (it brings it anyway);
    3. for a *native* project (no pure wheel): the system package's version only.

    A native candidate depends on exact :class:`NativePin` s for every PyPI
    distribution its system package brings, so the pure side can never pick
    another copy of them.
    """

    def __init__(
        self,
        *,
        env: TargetEnvironment,
        pypi: PyPISource,
        native: NativeSource,
        upgrade: Callable[[NormalizedName], bool] = lambda _name: False,
        pre: bool = False,
        constraints: Mapping[NormalizedName, Constraint] | None = None,
    ) -> None:
        self.env = env
        self.constraints: Mapping[NormalizedName, Constraint] = constraints or {}
        """pip's constraints: every candidate of the project, from any source, must fit."""
        self.pypi = pypi
        self.native = native
        self._upgrade = upgrade
        self._pre = pre
        self._kinds: dict[NormalizedName, Kind] = {}
        self._pypi_candidates: dict[NormalizedName, list[Candidate]] = {}
        self._dependency_cache: dict[
            tuple[CandidateKey, frozenset[NormalizedName]], list[ResolverRequirement]
        ] = {}
        self._fetched_ahead: set[CandidateKey] = set()
        self._dead: set[CandidateKey] = set()
        """Candidates that can be in no solution at all (see :meth:`_is_dead`)."""
        self._alive_at: dict[CandidateKey, int] = {}
        """Per candidate: how many were dead when it was last found alive."""
        self.unavailable: dict[NormalizedName, list[str]] = {}
        """Native projects (no pure wheel) the system cannot provide, with who asked for them:
        every candidate needing one fails, which is what makes a search long."""
        self.requested_order: dict[str, int] = {}
        """Identifiers the user asked for, in their order (pip's tie-break)."""
        self.unusable: dict[str, str] = {}
        """Candidates dropped because their metadata could not be read, with why."""
        self._simulate_first_native = False

    # -- classification -------------------------------------------------
    def kind(self, name: NormalizedName) -> Kind:
        if name not in self._kinds:
            kind = self._kinds[name] = self.pypi.kind(name)
            if kind is Kind.NATIVE and self._simulate_first_native:
                self._simulate_first_native = False
                self.native.simulate_ahead([name])
        return self._kinds[name]

    def simulate_ahead(self, requested_natives: Sequence[NormalizedName]) -> None:
        """Start the native step's simulation early, on a guess of its packages.

        The requested projects that come from the system are usually exactly
        what the plan installs from it (``scikit-learn pandas matplotlib``);
        with none, the first native project the resolver meets is the guess
        (``flask`` needs markupsafe). Once per resolution; a wrong guess costs
        the package manager's CPU time only.
        """
        if requested_natives:
            self.native.simulate_ahead(requested_natives)
        else:
            self._simulate_first_native = True

    # -- resolvelib interface ---------------------------------------------
    def identify(self, requirement_or_candidate: ResolverRequirement | Candidate) -> str:
        return requirement_or_candidate.identifier

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[RequirementInformation[ResolverRequirement, Candidate]]],
        backtrack_causes: Sequence[RequirementInformation[ResolverRequirement, Candidate]],
    ) -> Iterable[str]:
        """As pip does: the causes of the current backtrack (and their parents) first.

        A conflict cannot be solved while its causes stay pinned, and finding them
        here is linear; in :meth:`get_preference` it would be quadratic.
        """
        causes: set[str] = set()
        for info in backtrack_causes:
            causes.add(info.requirement.identifier)
            if info.parent is not None:
                causes.add(info.parent.identifier)
        names = list(identifiers)
        narrowed = [n for n in names if n in causes]
        return narrowed or names

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[RequirementInformation[ResolverRequirement, Candidate]]],
        backtrack_causes: Sequence[RequirementInformation[ResolverRequirement, Candidate]],
    ) -> Any:
        """pip's order, after the exact pins that system packages impose (they have one choice):
        requested directly, ``==`` pinned, upper-bounded, the user's order, constrained at all."""
        system_pinned = False
        direct = False
        operators: list[str] = []
        for info in information[identifier]:
            req = info.requirement
            if isinstance(req, (NativePin, SameCandidate)):
                system_pinned = True
            elif isinstance(req, SpecRequirement):
                operators.extend(spec.operator for spec in req.specifier)
            direct = direct or info.parent is None
        pinned = any(op[:2] == "==" for op in operators)
        upper_bounded = any(op in ("<", "<=", "~=") or op[:2] == "==" for op in operators)
        return (
            not system_pinned,
            not direct,
            not pinned,
            not upper_bounded,
            self.requested_order.get(identifier, len(self.requested_order)),
            not operators,
            identifier,
        )

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[ResolverRequirement]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> Callable[[], Iterator[Candidate]]:
        name, extras = split_identifier(identifier)
        reqs = list(requirements[identifier])
        bad = {c.key for c in incompatibilities[identifier]}

        # pip's rule: pre-releases are candidates only with --pre, when a specifier names
        # one, or when no final release matches; an installed pre-release always counts.
        allow_pre = any(isinstance(r, SpecRequirement) and r.wants_prereleases for r in reqs)
        constraint = self.constraints.get(name)
        if constraint is not None and constraint.specifier.prereleases:
            allow_pre = True

        def fitting(cand: Candidate) -> Candidate | None:
            """``cand`` with the requested extras, if every requirement and the
            constraint admit it."""
            cand = cand.with_extras(extras) if extras else cand
            if not all(r.is_satisfied_by(cand) for r in reqs):
                return None
            if constraint is not None and not constraint.allows(cand.version):
                return None
            return cand

        def usable(cand: Candidate) -> bool:
            return cand.key not in bad and not self._is_dead(cand)

        def matches() -> Iterator[Candidate]:
            seen: set[CandidateKey] = set()
            held_back: list[Candidate] = []
            any_final = False
            for base in self._base_candidates(name, reqs):
                if base.key in seen:
                    continue
                seen.add(base.key)
                cand = fitting(base)
                if cand is None:
                    continue
                if (
                    cand.version.is_prerelease
                    and not allow_pre
                    and cand.source is not Source.INSTALLED
                ):
                    held_back.append(cand)
                    continue
                # As in pip, a final release that fits rules pre-releases out even when it
                # fails later (incompatible, or dead): so those are skipped only now.
                any_final = True
                if usable(cand):
                    yield cand
            if not any_final:
                yield from (c for c in held_back if usable(c))

        def fallback() -> Iterator[Candidate]:
            # A pure project none of whose PyPI releases can be used here (each needs a
            # native project the system lacks): its system package comes after them, as a
            # native project's would. Outside the look-ahead, so the system is asked about
            # a pure project only once the resolver has gone past all its releases.
            native = self._native_fallback(name, reqs)
            cand = fitting(native) if native is not None else None
            # its pure finals fit, so as above a pre-release needs asking for
            if cand is not None and (allow_pre or not cand.version.is_prerelease) and usable(cand):
                yield cand

        # A project whose candidates the resolver has already rejected is being walked
        # down release by release, each time from a new iterator: look far ahead at once.
        depth = METADATA_LOOKAHEAD if bad else FIRST_LOOKAHEAD
        return lambda: itertools.chain(self._metadata_ahead(matches(), depth), fallback())

    def is_satisfied_by(self, requirement: ResolverRequirement, candidate: Candidate) -> bool:
        return requirement.is_satisfied_by(candidate)

    def get_dependencies(self, candidate: Candidate) -> Iterable[ResolverRequirement]:
        # Asked again each time a backtrack re-pins the candidate: its dependencies never change.
        key = (candidate.key, candidate.extras)
        cached = self._dependency_cache.get(key)
        if cached is not None:
            return cached
        try:
            deps = self._dependency_cache[key] = self._dependencies(candidate)
            return deps
        except IndexFetchError as exc:
            # Unreadable metadata makes this one candidate unusable, not the whole run:
            # resolvelib moves on to the next candidate (and reports it if all fail).
            self.unusable[candidate.describe()] = exc.message
            raise RequirementsConflicted(Criterion([], [], [])) from exc

    def _dependencies(self, candidate: Candidate) -> list[ResolverRequirement]:
        if candidate.extras:
            base = candidate.with_extras(frozenset())
            deps: list[ResolverRequirement] = [SameCandidate(base)]
            deps.extend(self._spec_deps(candidate, self._requires(candidate), extras_only=True))
            return deps
        if candidate.source is Source.NATIVE:
            assert candidate.native is not None
            return self._native_pins(candidate.native, candidate.name)
        deps = self._spec_deps(candidate, self._requires(candidate), extras_only=False)
        if candidate.source is Source.INSTALLED and candidate.is_system_provided:
            # An installed system package keeps its closure on sys.path: pin it like a new one.
            native = self.native.candidate(candidate.name)
            if native is not None and native.native is not None:
                deps.extend(self._native_pins(native.native, candidate.name))
        return deps

    # -- helpers ----------------------------------------------------------
    def _base_candidates(
        self, name: NormalizedName, reqs: Sequence[ResolverRequirement]
    ) -> Iterator[Candidate]:
        for req in reqs:
            if isinstance(req, SameCandidate):
                yield req.base
                return
        pinned = any(isinstance(r, NativePin) for r in reqs)
        installed = self._installed(name)
        kind = self.kind(name)
        others: list[Candidate] = []
        # A copy in the venv itself would shadow a system one: the system copy is then no
        # candidate (only a pure venv copy may stand in for a system pin; see NativePin).
        if (pinned or kind is not Kind.PURE) and not _shadows_system(installed):
            native = self.native.candidate(name)
            if native is not None:
                others.append(native)
            elif kind is Kind.NATIVE and installed is None:
                self._note_unavailable(name, reqs)
        # A system package's files in the target itself (conda installs into the env's own
        # site-packages) are never replaced by a PyPI wheel: pip would overwrite them.
        here = _target_copy(installed)
        owned_here = here is not None and here.is_system_provided
        from_pypi = kind is Kind.PURE and not pinned and not owned_here
        if from_pypi:
            others.extend(self._pypi(name))
        if installed is None:
            yield from others
        elif not self._upgrade(name):
            yield installed
            yield from others
        else:
            # Upgrading: newer versions first, then the installed one (never a reinstall of it).
            yield from (c for c in others if c.version > installed.version)
            yield installed
            yield from (c for c in others if c.version < installed.version)

    def _native_fallback(
        self, name: NormalizedName, reqs: Sequence[ResolverRequirement]
    ) -> Candidate | None:
        """The system package's candidate of a pure project, which :meth:`_base_candidates`
        offers only when a system package pins the project: none here, and no copy in the
        target that would shadow it (:func:`_shadows_system`)."""
        if any(isinstance(r, (SameCandidate, NativePin)) for r in reqs):
            return None
        if self.kind(name) is not Kind.PURE:
            return None
        if _shadows_system(self._installed(name)):
            return None
        return self.native.candidate(name)

    def _is_dead(self, cand: Candidate) -> bool:
        """True when one of the candidate's unconditional dependencies has no candidate, from
        any source, that satisfies it and is not dead itself: no solution can contain it.

        resolvelib forgets a failure when it backjumps past its cause, so without this a
        backtrack retries the same dead candidates under every newer release of a parent
        (jupyterlab with apt: 5,000 pins of jupyter-server releases that all need
        argon2-cffi-bindings, which has no pure wheel and no Debian package). Only
        dependencies already computed and pages already read are looked at; the system
        package of a project is asked for only when none of its PyPI releases fits.
        Constraints and pre-release rules are ignored here: that can only keep a dead
        candidate, never drop a live one.
        """
        key = cand.key
        if key in self._dead:
            return True
        deps = self._dependency_cache.get((key, frozenset()))
        if deps is None or self._alive_at.get(key) == len(self._dead):
            return False
        for dep in deps:
            if isinstance(dep, SpecRequirement) and not self._satisfiable(dep):
                self._dead.add(key)
                return True
        self._alive_at[key] = len(self._dead)
        return False

    def _satisfiable(self, req: SpecRequirement) -> bool:
        """Some candidate of the project, under any context, could satisfy ``req``."""
        name = req.name
        if name not in self._kinds:
            return True  # not looked at yet: assume so
        installed = self.env.installed.get(name)
        if installed is not None:
            return True  # kept, or shadowing a system copy: not judged here
        kind = self._kinds[name]
        if kind is Kind.PURE:
            for cand in self._pypi(name):
                if cand.key not in self._dead and req.is_satisfied_by(cand):
                    return True
        # The system copy: a candidate for a native project, or when a system package pins
        # a pure one.
        native = self.native.candidate(name)
        return native is not None and native.key not in self._dead and req.is_satisfied_by(native)

    def _metadata_ahead(self, cands: Iterator[Candidate], depth: int) -> Iterator[Candidate]:
        """Yield ``cands`` with the metadata of the next few being fetched meanwhile: on a
        backtrack the resolver tries them one after another, each waiting for its metadata.

        Only candidates that passed every filter are looked ahead at, and only as far as
        the resolver has gone: ``depth`` at first, doubling up to
        :data:`METADATA_LOOKAHEAD` while it keeps asking for the next one. A backtrack
        asks for a new iterator each time it rejects a candidate, so :meth:`find_matches`
        passes :data:`FIRST_LOOKAHEAD` for a project none of whose candidates were
        rejected yet, and the whole lookahead for one being walked down."""
        window = list(itertools.islice(cands, depth))
        self._fetch_ahead(window)
        while window:
            yield window.pop(0)
            depth = min(METADATA_LOOKAHEAD, depth * 2)
            window.extend(itertools.islice(cands, max(0, depth - len(window))))
            self._fetch_ahead(window)

    def _fetch_ahead(self, cands: Sequence[Candidate]) -> None:
        new = [c for c in cands if c.file is not None and c.key not in self._fetched_ahead]
        if new:  # each at most once: the same candidates pass by on every backtrack
            self._fetched_ahead.update(c.key for c in new)
            self.pypi.prefetch_metadata(new)

    def _note_unavailable(self, name: NormalizedName, reqs: Sequence[ResolverRequirement]) -> None:
        askers = self.unavailable.setdefault(name, [])
        for req in reqs:
            if isinstance(req, SpecRequirement) and str(req.origin) not in askers:
                askers.append(str(req.origin))

    def _pypi(self, name: NormalizedName) -> list[Candidate]:
        if name not in self._pypi_candidates:
            self._pypi_candidates[name] = self.pypi.candidates(name)
        return self._pypi_candidates[name]

    def _installed(self, name: NormalizedName) -> Candidate | None:
        dist = self.env.installed.get(name)
        if dist is None:
            return None
        native: NativeOrigin | None = None
        # Outside the target (apt's dist-packages), or in it but not put there by a Python
        # installer (conda links its packages into the env's own site-packages).
        if not dist.in_target or dist.installer.strip().lower() not in PYTHON_INSTALLERS:
            owner = self.native.installed_owner(name)
            if owner is not None:
                native = NativeOrigin(owner, f"installed by {owner.manager}")
        return Candidate(dist.name, dist.version, Source.INSTALLED, installed=dist, native=native)

    def _requires(self, candidate: Candidate) -> Sequence[Requirement]:
        if candidate.source is Source.INSTALLED:
            assert candidate.installed is not None
            return candidate.installed.requires
        if candidate.source is Source.PYPI:
            return self.pypi.requirements(candidate)
        # Extras of a native candidate: take them from the same PyPI release's metadata.
        return self.pypi.requirements_of_release(candidate.name, candidate.version)

    def _spec_deps(
        self, candidate: Candidate, requires: Sequence[Requirement], *, extras_only: bool
    ) -> list[ResolverRequirement]:
        origin = Origin(f"{candidate.name} {candidate.version}")
        base_env = {**self.env.markers, "extra": ""}
        out: list[ResolverRequirement] = []
        names: list[NormalizedName] = []
        for req in requires:
            if req.marker is None:
                applies = not extras_only
            elif extras_only:
                applies = not req.marker.evaluate(base_env) and any(
                    req.marker.evaluate({**self.env.markers, "extra": e}) for e in candidate.extras
                )
            else:
                applies = req.marker.evaluate(base_env)
            if not applies:
                continue
            name = canonicalize_name(req.name)
            if name == candidate.name and not req.extras:
                continue
            out.append(SpecRequirement.from_requirement(req, origin, allow_prereleases=self._pre))
            names.append(name)
        self.prefetch(names)
        return out

    def _native_pins(self, origin: NativeOrigin, own: NormalizedName) -> list[ResolverRequirement]:
        via = f"{origin.package.name} (for {own})"
        return [
            NativePin(dist.name, dist.version, dist.package, via)
            for dist in origin.closure
            if dist.name != own
        ]

    def prefetch(self, names: Iterable[NormalizedName]) -> None:
        """Start fetching index pages (and native lookups) for names we will need soon."""
        todo = [n for n in names if n not in self._kinds]
        if todo:
            self.pypi.prefetch(todo)


def _target_copy(installed: Candidate | None) -> Candidate | None:
    """``installed`` if it lives in the target's own site-packages."""
    if installed is not None and installed.installed is not None and installed.installed.in_target:
        return installed
    return None


def _shadows_system(installed: Candidate | None) -> bool:
    """Whether ``installed`` is a copy in the target itself that no system package
    provides: it would shadow a system one, which is then no candidate."""
    here = _target_copy(installed)
    return here is not None and not here.is_system_provided
