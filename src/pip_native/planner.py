"""From an install request to a plan: probe, backend, mapping, index, joint resolution.

Shared by the ``pip-native`` command and the pip hook, so both give identical plans.
"""

from __future__ import annotations

import email.utils
import logging
import shlex
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from pip_native.environment import InstalledDistribution, TargetEnvironment, start_probe
from pip_native.errors import ExternallyManagedError, NoNativePackageError, UsageError
from pip_native.external.requirements import ExternalRequirement
from pip_native.external.requirements import parse_core_metadata as parse_external_metadata
from pip_native.index.client import PackageIndex
from pip_native.index.config import IndexConfig
from pip_native.index.select import pure_wheels, target_files
from pip_native.localproject import LocalProject, read_local_project
from pip_native.mapping import MappingTable
from pip_native.mapping.stored import load_mapping_stored
from pip_native.native.base import NO_BACKEND, NativeAdapter, PreparesAhead, SimulatesAhead
from pip_native.native.nobackend import NO_BACKEND_HINT
from pip_native.native.registry import PASS_A_BACKEND, Choice, choose_backend, create_adapter
from pip_native.paths import cache_root
from pip_native.plan import ExternalItem, Plan, build_plan
from pip_native.resolver import Resolution, resolve
from pip_native.resolver.explain import first_few
from pip_native.resolver.model import USER, Constraint, Origin, Source, SpecRequirement
from pip_native.resolver.provider import FIRST_LOOKAHEAD, SplitProvider
from pip_native.resolver.sources import NativeSource, PyPISource

if TYPE_CHECKING:
    import requests

    from pip_native.index.files import DistFile

__all__ = ["InstallRequest", "PlannedInstall", "make_plan"]

logger = logging.getLogger(__name__)


@dataclass
class InstallRequest:
    requirements: Sequence[Requirement]
    native_from: str | None
    python: str
    index: IndexConfig
    mapping_files: Sequence[Path] = ()
    upgrade: bool = False
    pre: bool = False
    break_system_packages: bool = False
    dry_run: bool = False
    cache_dir: Path | None = None
    session: requests.Session | None = field(default=None, repr=False)
    """An HTTP session to use as is (pip's own, from the pip hook)."""
    session_errors: tuple[type[Exception], ...] = ()
    """The exceptions that session raises for failed requests (pip's vendored requests')."""
    external_mapping_files: Sequence[str] = ()
    """PEP 804 mapping files (paths or URLs) above the bundled external table."""
    local_projects: Sequence[str] = ()
    """Project directories to build and install (their [external] needs join the native step)."""
    native_from_source: str = "--native-from"
    """Where ``native_from`` came from, for messages (``--native-from``, ``PIP_NATIVE_FROM``)."""
    constraints: Sequence[tuple[Requirement, str]] = ()
    """pip's constraints (``-c`` files, pip's configuration), each with where it was written."""
    probing: Future[TargetEnvironment] | None = field(default=None, repr=False)
    """The probe of ``python``, started earlier (the CLI and the pip hook start it before
    their imports)."""


@dataclass
class PlannedInstall:
    plan: Plan
    resolution: Resolution
    env: TargetEnvironment
    backend: Choice
    adapter: NativeAdapter
    index: PackageIndex

    def header(self) -> str:
        """The line above the plan table: the target, the backend chosen and why, the tool."""
        via = "" if self.backend.name == NO_BACKEND else f", via {self.adapter.describe()}"
        return (
            f"Target: {self.env.executable} (Python {self.env.version}); "
            f"native backend: {self.backend.reason}{via}\n"
        )


def check_externally_managed(env: TargetEnvironment, request: InstallRequest) -> None:
    """PEP 668, as pip applies it: only outside a venv, skipped for dry runs."""
    if (
        env.externally_managed
        and not env.is_venv
        and not request.break_system_packages
        and not request.dry_run
    ):
        raise ExternallyManagedError(
            f"The target interpreter {env.executable} is externally managed "
            f"({env.externally_managed}); pip-native will not install into it.",
            hint="Create a venv that sees the system packages: "
            f"{shlex.quote(env.executable)} -m venv --system-site-packages ~/.venvs/work && "
            ". ~/.venvs/work/bin/activate; or pass --break-system-packages if you really mean it.",
        )


def _external_items(
    entries: Sequence[tuple[str, ExternalRequirement]],
    ecosystem: str,
    env: TargetEnvironment,
    request: InstallRequest,
) -> list[ExternalItem]:
    """Map every applicable ``[external]`` entry (project label, requirement); unknown ones fail.

    Local projects are built from source, so their build and host requirements
    count as well as run-time ones; wheels bring run-time ones only.
    """
    applicable = [(label, req) for label, req in entries if req.applies(env.markers)]
    if not applicable:
        return []
    if ecosystem == NO_BACKEND:
        needs = "; ".join(f"{label} needs {req.raw}" for label, req in applicable)
        raise NoNativePackageError(
            f"External dependencies (PEP 725) come from a system package manager, and no native "
            f"backend was chosen: {needs}.",
            hint=NO_BACKEND_HINT,
        )
    # Imported here: the PEP 804 machinery is needed only by the few plans that use it.
    from pip_native.external.lookup import load_external_mapping

    mapping = load_external_mapping(
        user_files=list(request.mapping_files), pep804_files=list(request.external_mapping_files)
    )
    items: list[ExternalItem] = []
    for label, req in applicable:
        match = mapping.lookup(req.dep, ecosystem, category=req.category)
        if match is None:
            raise mapping.unknown_error(req.dep, ecosystem, req.category)
        items.append(
            ExternalItem(
                identifier=req.raw,
                category=req.category,
                packages=match.packages,
                project=label,
                why=f"{req.where}; {match.reason}",
            )
        )
    return items


def _wheel_externals(
    resolution: Resolution, index: PackageIndex
) -> list[tuple[str, ExternalRequirement]]:
    """Run-time ``Requires-External-Dep`` entries of the chosen pure wheels (PEP 725)."""
    found: list[tuple[str, ExternalRequirement]] = []
    for cand in resolution.candidates.values():
        if cand.source is not Source.PYPI or cand.file is None:
            continue
        values = index.metadata(cand.file).requires_external
        if not values:
            continue
        label = f"{cand.name} {cand.version}"
        text = "".join(f"Requires-External-Dep: {v}\n" for v in values)
        external = parse_external_metadata(text, f"{cand.file.filename} METADATA")
        found += [(label, req) for req in external.dependencies]
    return found


def make_plan(request: InstallRequest) -> PlannedInstall:
    """Everything up to (not including) changing the system."""
    projects = [read_local_project(p) for p in request.local_projects]  # bad input first
    targeting = _TargetFiles()
    index = PackageIndex(
        request.index,
        cache_dir=request.cache_dir or cache_root() / "http",
        session=request.session,
        session_errors=request.session_errors,
        file_filter=targeting,
    )
    try:
        return _plan_with(request, projects, index, targeting)
    except BaseException:
        index.close()  # and its fetches ahead
        raise


def _plan_with(
    request: InstallRequest,
    projects: Sequence[LocalProject],
    index: PackageIndex,
    targeting: _TargetFiles,
) -> PlannedInstall:
    native: NativeSource | None = None
    started: list[NativeAdapter] = []  # the adapter, once the backend is chosen

    def dists_for_package(package: str) -> Sequence[str]:
        # Late-bound: the adapter needs this callback, the source needs the adapter.
        assert native is not None
        return native.dists_for_package(package)

    def start_adapter(backend: Choice) -> None:
        adapter = create_adapter(backend.name, dists_for_package=dists_for_package)
        started.append(adapter)
        if isinstance(adapter, PreparesAhead):
            adapter.prepare_ahead()

    try:
        env, backend, mapping = _target_and_mapping(request, index, targeting, start_adapter)
        (adapter,) = started
        check_externally_managed(env, request)
        adapter.check_target(env)
        native = NativeSource(adapter, mapping)
        return _resolve_and_plan(request, projects, index, env, backend, adapter, native)
    finally:
        for ahead in started:
            if isinstance(ahead, (SimulatesAhead, PreparesAhead)):
                ahead.finish_ahead()  # a guessed simulation or a cache the plan did not use


def _resolve_and_plan(
    request: InstallRequest,
    projects: Sequence[LocalProject],
    index: PackageIndex,
    env: TargetEnvironment,
    backend: Choice,
    adapter: NativeAdapter,
    native: NativeSource,
) -> PlannedInstall:
    """Resolve the requirements against PyPI and the adapter; plan the install."""
    provider = SplitProvider(
        env=env,
        pypi=PyPISource(index, env, pre=request.pre),
        native=native,
        upgrade=_upgraded(request),
        pre=request.pre,
        constraints=_constraints(request.constraints, env),
    )
    reqs = [
        SpecRequirement.from_requirement(r, USER, allow_prereleases=request.pre)
        for r in request.requirements
        if _applies(r, env)
    ]
    for project in projects:
        origin = Origin(f"{project.name} {project.version} (local)")
        reqs += [
            SpecRequirement.from_requirement(r, origin, allow_prereleases=request.pre)
            for r in project.dependencies
            if _applies(r, env)
        ]
    local_entries = [
        (project.display_name, req)
        for project in projects
        for req in (
            *project.external.build_requires,
            *project.external.host_requires,
            *project.external.dependencies,
        )
    ]
    resolution = resolve(reqs, provider)
    externals = _external_items(
        [*local_entries, *_wheel_externals(resolution, index)], backend.name, env, request
    )
    plan = build_plan(
        resolution,
        env=env,
        adapter=adapter,
        index=request.index,
        break_system_packages=request.break_system_packages,
        provided=native.provided_distributions,
        externals=externals,
        local_projects=projects,
    )
    if index.stale_pages:
        plan = replace(plan, warnings=(*plan.warnings, _offline_warning(index)))
    return PlannedInstall(plan, resolution, env, backend, adapter, index)


def _target_and_mapping(
    request: InstallRequest,
    index: PackageIndex,
    targeting: _TargetFiles,
    start_adapter: Callable[[Choice], None],
) -> tuple[TargetEnvironment, Choice, MappingTable]:
    """Inspect the target interpreter, choose the backend and load its name mapping.

    The inspection is a subprocess (about 0.1 s) and the mapping load CPU work of
    about the same size: with a named backend they run at once. Only
    ``--native-from=auto`` needs the target first (it looks for conda-meta/).
    Meanwhile the index reads the requested projects (:func:`_fetch_ahead`), and
    ``start_adapter`` gets the backend as soon as it is chosen: its work ahead
    (apt's first universe, 0.3 s of reading its lists) need not wait
    for the target or the mapping.
    """
    probing = request.probing or start_probe(request.python)
    targeting.probing = probing
    _fetch_ahead(index, request, probing)
    if (request.native_from or "").strip().lower() == "auto":
        env = probing.result()
        given_as = request.native_from_source
        backend = choose_backend(request.native_from, given_as=given_as, env=env)
        start_adapter(backend)
        return env, backend, _mapping(backend.name, request)
    backend = choose_backend(
        request.native_from, given_as=request.native_from_source, allow_none=True
    )
    if backend.name == NO_BACKEND:
        _check_no_mapping_files(request)
        start_adapter(backend)
        return probing.result(), backend, MappingTable(NO_BACKEND, ())
    start_adapter(backend)
    mapping = _mapping(backend.name, request)
    return probing.result(), backend, mapping


class _TargetFiles:
    """The index's file filter (:func:`target_files`) for the target being probed."""

    def __init__(self) -> None:
        self.probing: Future[TargetEnvironment] | None = None
        self._keep: Callable[[Sequence[DistFile]], tuple[DistFile, ...]] | None = None

    def __call__(self, files: Sequence[DistFile]) -> Sequence[DistFile]:
        if self._keep is None:
            assert self.probing is not None, "the probe starts before the first page is read"
            self._keep = target_files(self.probing.result().tags)
        return self._keep(files)


def _fetch_ahead(
    index: PackageIndex, request: InstallRequest, probing: Future[TargetEnvironment]
) -> None:
    """Start reading what the resolver asks for first, while the target is probed and
    the mapping loads: the requested projects' pages, then (once the target's tags
    are known) the metadata of the newest pure wheels each requirement admits,
    as far as the resolver looks ahead at first; then the same one level down, for
    the dependencies of each requirement's newest wheel. Projects installed at a
    version the requirement admits are kept by the resolver (unless ``--upgrade``
    names them), so none of their wheels is read. A guess that the resolution does not confirm costs only network;
    nothing here raises."""
    wanted = [r for r in request.requirements if r.url is None]
    index.prefetch_projects(canonicalize_name(r.name) for r in wanted)
    upgraded = _upgraded(request)

    def kept(req: Requirement, env: TargetEnvironment) -> InstalledDistribution | None:
        """The installed copy the resolver keeps for ``req``, if any."""
        name = canonicalize_name(req.name)
        installed = env.installed.get(name)
        if installed is None or upgraded(name):
            return None
        return installed if req.specifier.contains(installed.version, prereleases=True) else None

    def newest(req: Requirement, env: TargetEnvironment) -> list[DistFile]:
        files = index.project_files(canonicalize_name(req.name))
        wheels = pure_wheels(files, env.tags, env.python_version)
        admitted = list(req.specifier.filter(wheels, prereleases=request.pre or None))
        return [wheels[v] for v in admitted[:FIRST_LOOKAHEAD]]

    def metadata_ahead() -> None:
        try:
            env = probing.result()
            level = [r for r in wanted if _applies(r, env)]
            seen = {canonicalize_name(r.name) for r in level}
            for depth in (1, 2):
                below: list[Requirement] = []
                firsts: list[DistFile] = []
                for req in level:
                    if index.closed:  # planning failed meanwhile
                        return
                    installed = kept(req, env)
                    if installed is not None:  # no wheel of it is read
                        below += installed.requires
                        continue
                    files = newest(req, env)
                    index.prefetch_metadata(files)
                    firsts += files[:1]
                if depth == 2:
                    return
                for file in firsts:
                    below += index.metadata(file).requires_dist
                level = []
                for dep in below:
                    name = canonicalize_name(dep.name)
                    if dep.url is None and name not in seen and _applies(dep, env):
                        seen.add(name)
                        level.append(dep)
                        index.prefetch_projects([name])
        except Exception as exc:  # the resolution meets (and reports) the same problem
            logger.debug("fetching ahead stopped: %s", exc)

    threading.Thread(target=metadata_ahead, name="pip-native-fetch-ahead", daemon=True).start()


def _check_no_mapping_files(request: InstallRequest) -> None:
    """Without a backend, mapping files would map to nothing: most likely ``--native-from`` was forgotten."""
    given = [f"--mapping {p}" for p in request.mapping_files]
    given += [f"--external-mapping {p}" for p in request.external_mapping_files]
    if given:
        raise UsageError(
            f"{', '.join(given)}: mapping files name a package manager's packages, and no "
            "native backend was chosen.",
            hint=f"{PASS_A_BACKEND} or set PIP_NATIVE_FROM; "
            "or leave the mapping files out to plan pure wheels only.",
        )


def _mapping(ecosystem: str, request: InstallRequest) -> MappingTable:
    return load_mapping_stored(
        ecosystem, user_files=list(request.mapping_files), cache_dir=cache_root() / "mapping"
    )


def _upgraded(request: InstallRequest) -> Callable[[NormalizedName], bool]:
    """Which projects ``--upgrade`` upgrades: the requested ones (pip's default strategy)."""
    if not request.upgrade:
        return lambda _name: False
    direct = {canonicalize_name(r.name) for r in request.requirements}
    return lambda name: name in direct


def _applies(req: Requirement, env: TargetEnvironment) -> bool:
    """Whether a top-level requirement (or constraint) applies to the target: its markers."""
    return req.marker is None or req.marker.evaluate({**env.markers, "extra": ""})


def _constraints(
    given: Sequence[tuple[Requirement, str]], env: TargetEnvironment
) -> dict[NormalizedName, Constraint]:
    """One constraint per project (specifiers intersected), for the target's markers."""
    out: dict[NormalizedName, Constraint] = {}
    for req, where in given:
        if not _applies(req, env):
            continue
        name = canonicalize_name(req.name)
        out[name] = out[name].narrowed(req, where) if name in out else Constraint.of(req, where)
    return out


def _offline_warning(index: PackageIndex) -> str:
    pages = index.stale_pages
    listed = first_few(sorted(pages))
    dates = sorted(set(pages.values()), key=_http_date_key)
    return (
        f"The index could not be reached for {len(pages)} page(s) ({listed}); they were read "
        f"from pip-native's cache (fetched {dates[0]}"
        + (f" to {dates[-1]}" if len(dates) > 1 else "")
        + "). Newer releases are not seen: plan again when the index is reachable."
    )


def _http_date_key(date: str) -> float:
    try:
        return email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return float("inf")
