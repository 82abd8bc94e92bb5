"""The install plan: pure data saying what comes from where, why, and the exact commands."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from pip_native.environment import TargetEnvironment
from pip_native.errors import IndexFetchError, ResolutionConflictError, TargetEnvironmentError
from pip_native.index.config import IndexConfig
from pip_native.index.files import DistFile
from pip_native.localproject import LocalProject
from pip_native.native.base import NativeAdapter, NativeStep, ProvidedDistribution, SystemPackage
from pip_native.resolver import Kind, Resolution
from pip_native.resolver.explain import first_few
from pip_native.resolver.model import Candidate, Source

__all__ = ["Action", "ExternalItem", "PipStep", "Plan", "PlanItem", "ProvidedFn", "build_plan"]

ProvidedFn = Callable[[Collection[SystemPackage]], Mapping[str, Sequence[ProvidedDistribution]]]
"""What PyPI distributions system packages install (the native source's corrected view)."""


class Action(str, Enum):
    INSTALL = "install"
    """Installed by this plan (from PyPI or by the native step)."""
    KEEP = "keep"
    """Already installed and fitting: nothing to do."""
    PROVIDED = "provided"
    """Not needed by the resolution, but the native step brings it along."""


@dataclass(frozen=True)
class PlanItem:
    name: NormalizedName
    version: Version
    action: Action
    source: str
    """``pypi``, the native manager's name (``apt``) or ``installed``."""
    why: str
    requested: bool = False
    extras: frozenset[NormalizedName] = frozenset()
    file: DistFile | None = None
    package: SystemPackage | None = None
    location: str | None = None

    @property
    def source_label(self) -> str:
        if self.source == "pypi":
            return "PyPI"
        if self.action is Action.KEEP:
            owner = f" ({self.package.manager})" if self.package is not None else ""
            return f"already installed{owner}"
        return self.source


PIP_STEP_ENV: Mapping[str, str | None] = {
    "PIP_CONFIG_FILE": os.devnull,
    **dict.fromkeys(
        (
            "PIP_INDEX_URL",
            "PIP_EXTRA_INDEX_URL",
            "PIP_FIND_LINKS",
            "PIP_NO_INDEX",
            "PIP_TRUSTED_HOST",
            "PIP_CERT",
            "PIP_CLIENT_CERT",
        )
    ),
}


@dataclass(frozen=True)
class ExternalItem:
    """A PEP 725 external dependency of a local project, and the system packages for it."""

    identifier: str
    """As written in ``[external]`` (``dep:generic/openblas``)."""
    category: str
    """``build``, ``host`` or ``run``."""
    packages: tuple[str, ...]
    project: str
    why: str
    """Where it was declared and which mapping source answered."""


@dataclass(frozen=True)
class PipStep:
    """The one pip call that installs the pinned pure wheels, by exact file and hash."""

    python: str
    requirement_lines: tuple[str, ...]
    index_args: tuple[str, ...]

    extra_args: tuple[str, ...] = ()
    local_paths: tuple[str, ...] = ()
    """Local project directories, built and installed by pip (``--no-deps``) after the wheels:
    a directory cannot be pinned by hash."""
    env: Mapping[str, str | None] = field(default_factory=lambda: dict(PIP_STEP_ENV))
    """pip's config files and index variables are off for this call: ``index_args`` carry
    the resolved settings (pip appends list options from files and ``PIP_*`` variables to the
    command line's, which would repeat indexes)."""

    def command(self, requirements_file: str) -> list[str]:
        return [
            self.python,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--require-hashes",
            "--disable-pip-version-check",
            "--no-input",
            *self.extra_args,
            *self.index_args,
            "-r",
            requirements_file,
        ]

    def local_command(self) -> list[str]:
        """The pip call that builds and installs the local projects (their dependencies are planned)."""
        return [
            self.python,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--disable-pip-version-check",
            "--no-input",
            *self.extra_args,
            *self.index_args,
            *self.local_paths,
        ]


@dataclass(frozen=True)
class Plan:
    python: str
    manager: str
    items: tuple[PlanItem, ...]
    native_step: NativeStep | None
    pip_step: PipStep | None
    index: IndexConfig
    markers: Mapping[str, str]
    warnings: tuple[str, ...] = ()
    pip_version: str | None = None
    """The target's pip, which runs the pip step."""
    externals: tuple[ExternalItem, ...] = ()
    """PEP 725 external dependencies of local projects, installed by the native step."""

    @property
    def needs_root(self) -> bool:
        return self.native_step is not None and self.native_step.needs_root

    def by_action(self, action: Action) -> list[PlanItem]:
        return [i for i in self.items if i.action is action]

    @property
    def is_empty(self) -> bool:
        return self.native_step is None and self.pip_step is None


def _sha256(file: DistFile) -> str:
    if "sha256" in file.hashes:
        return file.hashes["sha256"]
    parts = urlsplit(file.url)
    if parts.scheme == "file":
        return hashlib.sha256(Path(url2pathname(parts.path)).read_bytes()).hexdigest()
    raise IndexFetchError(
        f"{file.filename} from {file.origin} has no sha256 hash, so it cannot be pinned by hash.",
        hint="Serve it from an index that publishes hashes (PEP 503 #sha256= fragments or PEP 691 JSON).",
    )


def _why(name: NormalizedName, cand: Candidate, resolution: Resolution, manager: str) -> str:
    who = resolution.required_by.get(name, ())
    parts = ["requested"] if "you" in who else []
    others = [w for w in who if w != "you"]
    if others:
        parts.append("required by " + first_few(others))
    if cand.source is Source.PYPI:
        parts.append("pure wheel")
    elif cand.source is Source.NATIVE and cand.native is not None:
        if resolution.kinds.get(name) is not Kind.PURE:
            parts.append(f"no pure wheel on PyPI; {cand.native.mapping_source} mapping")
        elif _brought(name, resolution):
            parts.append(
                f"pure, but the {manager} packages bring it (a PyPI copy would duplicate it)"
            )
        else:  # none of its pure releases fits: the system package stands in
            parts.append(f"no pure release fits; {cand.native.mapping_source} mapping")
    else:
        parts.append("already satisfied")
    return "; ".join(parts)


def _brought(name: NormalizedName, resolution: Resolution) -> bool:
    """Whether another chosen system package's closure brings ``name``."""
    return any(
        other.native is not None and any(d.name == name for d in other.native.closure)
        for other_name, other in resolution.candidates.items()
        if other_name != name and other.source is Source.NATIVE
    )


def _minimal_requests(natives: Sequence[Candidate]) -> list[str]:
    """Package names to put on the command line: those no other requested package brings.

    Naming only the roots keeps apt's bookkeeping right (the rest stay
    automatically installed, so ``apt autoremove`` can clean them up later).
    """
    kept: list[str] = []
    covered: set[str] = set()
    by_size = sorted(natives, key=lambda c: (-len(c.native.closure if c.native else ()), c.name))
    for cand in by_size:
        assert cand.native is not None
        names = cand.native.install or (cand.native.package.name,)
        # The mapping may name a provide (dnf: python3dist(numpy)); closures hold real names.
        real = (cand.native.package.name,) if len(names) == 1 else names
        if all(n in covered for n in real):
            continue
        kept.extend(n for n in names if n not in kept)
        covered.update(real)
        covered.update(d.package.name for d in cand.native.closure)
    return sorted(kept)


def build_plan(
    resolution: Resolution,
    *,
    env: TargetEnvironment,
    adapter: NativeAdapter,
    index: IndexConfig,
    break_system_packages: bool = False,
    provided: ProvidedFn | None = None,
    externals: Sequence[ExternalItem] = (),
    local_projects: Sequence[LocalProject] = (),
) -> Plan:
    """Turn a resolution into steps; simulates the native step (read-only) to list what it brings."""
    items: list[PlanItem] = []
    requested = {r.name for r in resolution.requested}
    natives: list[Candidate] = []
    warnings: list[str] = [f"Skipped {what}: {why}" for what, why in resolution.skipped.items()]
    pip_lines: list[str] = []
    chosen: dict[NormalizedName, Candidate] = dict(resolution.candidates)
    for name in sorted(chosen):
        cand = chosen[name]
        item = functools.partial(
            PlanItem,
            name,
            cand.version,
            why=_why(name, cand, resolution, adapter.name),
            requested=name in requested,
            extras=resolution.extras.get(name, frozenset()),
        )
        if cand.source is Source.INSTALLED:
            assert cand.installed is not None
            pkg = cand.native.package if cand.native else None
            items.append(
                item(Action.KEEP, "installed", package=pkg, location=cand.installed.location)
            )
        elif cand.source is Source.NATIVE:
            assert cand.native is not None
            pkg = cand.native.package
            if pkg.is_installed and pkg.installed_version == pkg.version:
                items.append(item(Action.KEEP, adapter.name, package=pkg))
                continue
            natives.append(cand)
            items.append(item(Action.INSTALL, adapter.name, package=pkg))
        else:
            assert cand.file is not None
            pip_lines.append(f"{name}=={cand.version} --hash=sha256:{_sha256(cand.file)}")
            items.append(item(Action.INSTALL, "pypi", file=cand.file))
            shadowed = env.installed.get(name)
            if shadowed is not None and not shadowed.in_target:
                warnings.append(
                    f"{name} {cand.version} from PyPI will shadow {name} {shadowed.version} "
                    f"in {shadowed.location} for this environment."
                )

    for project in local_projects:
        items.append(
            PlanItem(
                project.name,
                project.version,
                Action.INSTALL,
                "local",
                f"requested; built from {project.path} by pip",
                requested=True,
            )
        )
    native_step: NativeStep | None = None
    external_packages = [p for item in externals for p in item.packages]
    if natives or external_packages:
        roots = _minimal_requests(natives)
        roots += [p for p in dict.fromkeys(external_packages) if p not in roots]
        native_step = adapter.plan_install(roots)
        items.extend(
            _provided(
                native_step, adapter, chosen, warnings, provided or adapter.provided_distributions
            )
        )
    pip = env.installed.get(canonicalize_name("pip"))
    pip_step: PipStep | None = None
    local_paths = tuple(str(p.path) for p in local_projects)
    if pip_lines or local_paths:
        if pip is None:
            raise TargetEnvironmentError(
                f"The target interpreter {env.executable} has no pip, which the plan needs to "
                f"install {len(pip_lines)} pure wheel(s). Nothing was installed.",
                hint=f"Add pip to it first: {env.executable} -m ensurepip --upgrade",
            )
        # pip knows --break-system-packages from 23.0.1 on (older pips do not enforce PEP 668).
        knows_flag = pip.version >= Version("23.0.1")
        extra = ("--break-system-packages",) if break_system_packages and knows_flag else ()
        pip_step = PipStep(
            env.executable, tuple(pip_lines), tuple(index.pip_args()), extra, local_paths
        )
    return Plan(
        python=env.executable,
        manager=adapter.name,
        items=tuple(items),
        native_step=native_step,
        pip_step=pip_step,
        index=index,
        markers=dict(env.markers),
        warnings=tuple(warnings),
        pip_version=str(pip.version) if pip is not None else None,
        externals=tuple(externals),
    )


def _provided(
    step: NativeStep,
    adapter: NativeAdapter,
    chosen: Mapping[NormalizedName, Candidate],
    warnings: list[str],
    provided_fn: ProvidedFn,
) -> list[PlanItem]:
    """Distributions the native step brings that the resolution did not ask for; check consistency."""
    provided = provided_fn(step.new_packages)
    requested = ", ".join(step.requested)
    out: list[PlanItem] = []
    for pkg in step.new_packages:
        for dist in provided.get(pkg.name, ()):
            cand = chosen.get(dist.name)
            if cand is None:
                out.append(
                    PlanItem(
                        dist.name,
                        dist.version,
                        Action.PROVIDED,
                        adapter.name,
                        f"brought in by {adapter.name} with {requested}",
                        package=pkg,
                    )
                )
            elif cand.is_pure_venv_copy:
                if cand.version != dist.version:
                    warnings.append(
                        f"{adapter.name} also installs {dist.name} {dist.version} ({pkg.label()}) "
                        f"system-wide; in this environment the venv's pure {dist.name} "
                        f"{cand.version} shadows it."
                    )
            elif cand.source is Source.PYPI or (
                cand.source is Source.INSTALLED
                and cand.version != dist.version
                and not cand.is_system_provided
            ):
                raise ResolutionConflictError(
                    f"{adapter.name} would install {dist.name} {dist.version} ({pkg.label()}) as a "
                    f"dependency of {requested}, but the plan takes {cand.describe()}: the project "
                    "would be installed twice.",
                    command=step.command,
                    hint=f"Report this: pip-native's view of {adapter.name}'s dependencies missed {pkg.name}. "
                    f"Meanwhile, pin {dist.name}=={dist.version} in your requirements.",
                )
            elif cand.version != dist.version:
                warnings.append(
                    f"{adapter.name} will upgrade {dist.name} from {cand.version} to {dist.version} ({pkg.label()})."
                )
    return out
