"""No native backend: ``pip-native`` without ``--native-from`` or ``PIP_NATIVE_FROM``.

The plan then takes pure wheels from the indexes and nothing else, as the
split install does for its PyPI side; a project with no pure wheel is an
error that names it and the ``--native-from`` that would provide it. The
resolver's messages ask :attr:`NativeSource.has_backend
<pip_native.resolver.sources.NativeSource.has_backend>` to word themselves
for this case.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from pip_native.environment import TargetEnvironment
from pip_native.errors import NoNativePackageError
from pip_native.native.base import NO_BACKEND, NativeStep, ProvidedDistribution, SystemPackage
from pip_native.native.registry import PASS_A_BACKEND

__all__ = ["NO_BACKEND_HINT", "NoBackend"]

NO_BACKEND_HINT = (
    f"{PASS_A_BACKEND}, or set PIP_NATIVE_FROM, to take projects with native code from a "
    "system package manager; plain pip installs their platform wheels instead."
)


class NoBackend:
    """The :class:`~pip_native.native.base.NativeAdapter` that offers no system packages."""

    name = NO_BACKEND

    def describe(self) -> str:
        return "no package manager (pure wheels only)"

    def check_target(self, env: TargetEnvironment) -> None:
        """Any interpreter will do: nothing comes from a package manager."""

    def query(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        return {}

    def closure(self, name: str) -> Sequence[SystemPackage]:
        return ()

    def provided_distributions(
        self, packages: Collection[SystemPackage]
    ) -> Mapping[str, Sequence[ProvidedDistribution]]:
        return {}

    def plan_install(self, names: Sequence[str]) -> NativeStep:
        # Not reached: the resolver finds no native candidate here, and the planner
        # refuses [external] needs before building the plan.
        raise NoNativePackageError(
            f"No native backend was chosen, so {', '.join(names)} cannot be installed.",
            hint=NO_BACKEND_HINT,
        )
