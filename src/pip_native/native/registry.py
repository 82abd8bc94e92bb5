"""Which backends exist, ``--native-from`` validation, and ``auto`` selection."""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import distro

from pip_native.errors import UnsupportedBackendError
from pip_native.native.base import NativeAdapter
from pip_native.paths import cache_root

__all__ = ["BACKENDS", "CHOICES", "Choice", "choose_backend", "create_adapter"]

BACKENDS = ("apt", "dnf", "conda", "brew")
CHOICES = (*BACKENDS, "auto")

ADAPTERS: dict[str, str] = {
    "apt": "pip_native.native.apt:AptAdapter",
    "conda": "pip_native.native.conda:CondaAdapter",
    "dnf": "pip_native.native.dnf:DnfAdapter",
}
"""Implemented backends: name -> ``module:class``, imported only when chosen.

Every adapter class takes the keyword arguments ``dists_for_package`` and
``cache_dir``; backend-specific settings come from its own environment
variables (documented on its docs/backends page)."""


@dataclass(frozen=True)
class Choice:
    name: str
    reason: str


def choose_backend(value: str | None, *, given_as: str = "--native-from") -> Choice:
    """Validate a ``--native-from`` / ``PIP_NATIVE_FROM`` value; resolve ``auto``.

    ``given_as`` names where the value came from, for messages (``PIP_NATIVE_FROM``, ``--to``).
    """
    if value is None or not value.strip():
        raise UnsupportedBackendError(
            "No native backend was chosen.",
            hint="Pass --native-from=apt (or dnf, conda, brew, auto), or set PIP_NATIVE_FROM.",
        )
    name = value.strip().lower()
    if name not in CHOICES:
        raise UnsupportedBackendError(
            f"{given_as}={value!r} is not a known backend.",
            hint=f"Use one of: {', '.join(CHOICES)}.",
        )
    if name == "auto":
        ids = {distro.id(), *distro.like().split()}
        if ids & {"debian", "ubuntu"} and shutil.which("apt-get"):
            return Choice(
                "apt", f"{given_as}=auto: {distro.name(pretty=True) or distro.id()} uses apt"
            )
        if ids & {"fedora", "rhel", "centos"} and shutil.which("dnf"):
            return Choice(
                "dnf", f"{given_as}=auto: {distro.name(pretty=True) or distro.id()} uses dnf"
            )
        raise UnsupportedBackendError(
            f"{given_as}=auto found no supported package manager on "
            f"{distro.name(pretty=True) or 'this system'}.",
            hint=f"Supported here so far: {', '.join(ADAPTERS)}; choose one explicitly.",
        )
    if name not in ADAPTERS:
        raise UnsupportedBackendError(
            f"{given_as}={name} is not available in this version of pip-native yet.",
            hint=f"Available backends: {', '.join(ADAPTERS)}.",
        )
    return Choice(name, f"{given_as}={name}")


def create_adapter(
    name: str,
    *,
    dists_for_package: Callable[[str], Sequence[str]],
) -> NativeAdapter:
    """Build the adapter for a backend chosen by :func:`choose_backend`."""
    if name not in ADAPTERS:
        raise UnsupportedBackendError(f"--native-from={name} is not available yet.")
    module_name, _, class_name = ADAPTERS[name].partition(":")
    adapter_class = getattr(importlib.import_module(module_name), class_name)
    adapter: NativeAdapter = adapter_class(
        dists_for_package=dists_for_package, cache_dir=cache_root() / name
    )
    return adapter
