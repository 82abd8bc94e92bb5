"""An in-memory native backend and target environment for resolver/plan tests.

The real apt adapter is tested separately against recorded apt output
(tests/test_apt*.py) and for real in integration/; here the resolver's logic
is tested against a small, explicit system-package universe.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging import markers, tags
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from pip_native.environment import InstalledDistribution, TargetEnvironment
from pip_native.errors import NoNativePackageError, TargetEnvironmentError
from pip_native.native.base import NativeStep, ProvidedDistribution, SystemPackage


@dataclass
class FakePackage:
    name: str
    version: str
    dists: Sequence[tuple[str, str]] = ()
    """PyPI (name, version) pairs the package ships."""
    depends: Sequence[str] = ()
    installed: bool = False


@dataclass
class FakeAdapter:
    """A system package manager with a fixed universe; records every call."""

    packages: Mapping[str, FakePackage]
    name: str = "apt"
    refuse_target: str | None = None
    extra_new: Sequence[str] = ()
    """Packages the simulated install brings beyond :meth:`closure` (as apt may)."""
    calls: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def _pkg(self, p: FakePackage) -> SystemPackage:
        return SystemPackage(
            self.name, p.name, p.version, p.version if p.installed else None, "amd64"
        )

    def describe(self) -> str:
        return f"fake {self.name}"

    def check_target(self, env: TargetEnvironment) -> None:
        if self.refuse_target:
            raise TargetEnvironmentError(self.refuse_target)

    def query(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        self.calls.append(("query", tuple(names)))
        return {n: self._pkg(self.packages[n]) for n in names if n in self.packages}

    def closure(self, name: str) -> Sequence[SystemPackage]:
        self.calls.append(("closure", (name,)))
        seen: dict[str, SystemPackage] = {}
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen[current] = self._pkg(self.packages[current])
            todo.extend(self.packages[current].depends)
        return list(seen.values())

    def provided_distributions(
        self, packages: Collection[SystemPackage]
    ) -> Mapping[str, Sequence[ProvidedDistribution]]:
        return {
            p.name: [
                ProvidedDistribution(canonicalize_name(n), Version(v), p)
                for n, v in self.packages[p.name].dists
            ]
            for p in packages
        }

    def plan_install(self, names: Sequence[str]) -> NativeStep:
        self.calls.append(("plan_install", tuple(names)))
        for n in names:
            if n not in self.packages:
                raise NoNativePackageError(f"E: Unable to locate package {n}")
        new: dict[str, SystemPackage] = {}
        for n in [*names, *self.extra_new]:
            for p in self.closure(n):
                if not p.is_installed:
                    new.setdefault(p.name, p)
        return NativeStep(
            manager=self.name,
            command=("apt-get", "install", "-y", "--no-install-recommends", *names),
            requested=tuple(names),
            new_packages=tuple(new.values()),
            needs_root=True,
            env={"DEBIAN_FRONTEND": "noninteractive"},
        )


def installed(
    name: str,
    version: str,
    *,
    requires: Iterable[str] = (),
    in_target: bool = True,
    location: str = "/venv/lib/python3.11/site-packages",
) -> InstalledDistribution:
    return InstalledDistribution(
        name=canonicalize_name(name),
        display_name=name,
        version=Version(version),
        location=location,
        metadata_dir=None,
        installer="pip" if in_target else "debian",
        requires=tuple(Requirement(r) for r in requires),
        requires_python=None,
        in_target=in_target,
    )


def make_env(
    *dists: InstalledDistribution, python: str = "/venv/bin/python", with_pip: bool = True
) -> TargetEnvironment:
    """The running interpreter's tags and markers, with an explicit set of installed dists
    (plus pip in the venv, as ``python -m venv`` leaves it, unless ``with_pip=False``)."""
    if with_pip:
        dists = (installed("pip", "23.0.1"), *dists)
    env = markers.default_environment()
    return TargetEnvironment(
        executable=python,
        base_executable="/usr/bin/python3",
        version=Version(env["python_full_version"]),
        implementation="cpython",
        prefix="/venv",
        base_prefix="/usr",
        is_venv=True,
        system_site_packages=True,
        purelib="/venv/lib/python3.11/site-packages",
        platlib="/venv/lib/python3.11/site-packages",
        sys_path=("/venv/lib/python3.11/site-packages", "/usr/lib/python3/dist-packages"),
        externally_managed=None,
        markers=dict(env),
        tags=tuple(tags.sys_tags()),
        distributions=tuple(dists),
    )
