"""Which backends exist, ``--native-from`` validation, and ``auto`` selection."""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pip_native.errors import UnsupportedBackendError
from pip_native.hostdistro import host_distribution
from pip_native.native.base import NO_BACKEND, NativeAdapter, PreparesAhead
from pip_native.paths import cache_root

if TYPE_CHECKING:
    from pip_native.environment import TargetEnvironment

__all__ = [
    "BACKENDS",
    "CHOICES",
    "NONE_CHOSEN",
    "OFF_VALUES",
    "PASS_A_BACKEND",
    "Choice",
    "PlatformFacts",
    "choose_backend",
    "create_adapter",
    "gather_facts",
    "refresh_command",
    "start_ahead",
]

logger = logging.getLogger(__name__)

BACKENDS = ("apt", "dnf", "conda", "brew")
CHOICES = (*BACKENDS, "auto")
PASS_A_BACKEND = f"Pass --native-from={CHOICES[0]} (or {', '.join(CHOICES[1:])})"
"""The start of every hint that asks for a backend."""

ADAPTERS: dict[str, str] = {
    "apt": "pip_native.native.apt:AptAdapter",
    "conda": "pip_native.native.conda:CondaAdapter",
    "dnf": "pip_native.native.dnf:DnfAdapter",
    "brew": "pip_native.native.brew:BrewAdapter",
}
"""Implemented backends: name -> ``module:class``, imported only when chosen.

Every adapter class takes the keyword arguments ``dists_for_package`` and
``cache_dir``; backend-specific settings come from its own environment
variables (documented on its docs/backends page)."""


REFRESH_COMMANDS: dict[str, tuple[tuple[str, ...] | None, bool]] = {
    "apt": (("apt-get", "update"), True),
    # The adapter's own refresh_command(): dnf 4's command where dnf is dnf5, with the
    # installroot and options its queries use.
    "dnf": (None, True),
    "brew": (("brew", "update"), False),
}
"""``--refresh``: the command that updates a manager's package lists (None: the adapter
gives it), and whether it needs root. pip-native never runs these unless asked."""


@dataclass(frozen=True)
class Choice:
    name: str
    reason: str


OFF_VALUES = frozenset({NO_BACKEND, "off", "no", "false", "0"})
"""``--native-from`` values that choose no backend: pip-native plans pure wheels only; the
pip hook leaves pip stock."""

NONE_CHOSEN = Choice(
    NO_BACKEND, "none (neither --native-from nor PIP_NATIVE_FROM is set): pure wheels only"
)
"""``pip-native install``/``plan`` with no backend: pure wheels only (:mod:`~pip_native.native.nobackend`)."""


#: ``auto``: distribution ids (``ID`` and ``ID_LIKE`` of os-release) per backend, and its tool.
_DISTRO_BACKENDS = (
    ("apt", frozenset({"debian", "ubuntu"}), "apt-get", "Debian-like"),
    ("dnf", frozenset({"fedora", "rhel", "centos", "rocky", "almalinux"}), "dnf", "Fedora-like"),
)
_TOOLS = ("apt-get", "dnf", "brew")


@dataclass(frozen=True)
class PlatformFacts:
    """Everything ``auto`` decides on, gathered by :func:`gather_facts` (tests state them)."""

    system: str
    """``sys.platform``: ``linux``, ``darwin``, …"""
    distro_id: str = ""
    distro_like: tuple[str, ...] = ()
    distro_name: str = ""
    target_prefix: str | None = None
    """The target interpreter's ``sys.prefix`` (real path); None when it was not inspected."""
    target_base_prefix: str | None = None
    conda_prefix: str | None = None
    """``$CONDA_PREFIX`` (real path), the environment ``conda activate`` made active."""
    conda_envs: frozenset[str] = frozenset()
    """Which of the prefixes above hold a ``conda-meta/`` directory."""
    tools: Mapping[str, str | None] = field(default_factory=dict)
    """``apt-get``, ``dnf``, ``brew``: where on PATH, or None."""


def gather_facts(env: TargetEnvironment | None = None) -> PlatformFacts:
    """Look at this machine (and the target interpreter ``env``, if inspected) once."""
    prefix = os.path.realpath(env.prefix) if env is not None else None
    base = os.path.realpath(env.base_prefix) if env is not None else None
    raw_conda = os.environ.get("CONDA_PREFIX")
    conda = os.path.realpath(raw_conda) if raw_conda else None
    candidates = {p for p in (prefix, base, conda) if p}
    host = host_distribution()
    return PlatformFacts(
        system=sys.platform,
        distro_id=host.id(),
        distro_like=tuple(host.like().split()),
        distro_name=host.name(pretty=True),
        target_prefix=prefix,
        target_base_prefix=base,
        conda_prefix=conda,
        conda_envs=frozenset(p for p in candidates if (Path(p) / "conda-meta").is_dir()),
        tools={tool: shutil.which(tool) for tool in _TOOLS},
    )


def _choose_auto(facts: PlatformFacts, given_as: str) -> Choice:
    """``auto``: a conda target, then the Linux distribution, then Homebrew on macOS."""
    auto = f"{given_as}=auto"
    checked: list[str] = []
    prefix, base = facts.target_prefix, facts.target_base_prefix
    if prefix is not None and prefix in facts.conda_envs:
        return Choice(
            "conda",
            f"{auto}: the target interpreter's prefix {prefix} has conda-meta/ "
            "(a conda environment)",
        )
    if base is not None and base != prefix and base in facts.conda_envs:
        return Choice(
            "conda",
            f"{auto}: the target is a venv on the conda environment {base} "
            "(its base prefix has conda-meta/)",
        )
    if facts.conda_prefix is not None and facts.conda_prefix in facts.conda_envs:
        if prefix is None:
            return Choice(
                "conda",
                f"{auto}: CONDA_PREFIX={facts.conda_prefix} is an active conda "
                "environment (the target interpreter was not inspected)",
            )
        checked.append(
            f"CONDA_PREFIX={facts.conda_prefix} is active, but the target interpreter's prefix "
            f"is {prefix}"
        )
    elif prefix is not None:
        checked.append(f"the target interpreter's prefix {prefix} has no conda-meta/")
    else:
        checked.append("no conda environment is active (CONDA_PREFIX)")
    name = facts.distro_name or facts.distro_id or facts.system
    if facts.system.startswith("linux"):
        ids = {facts.distro_id.lower(), *(i.lower() for i in facts.distro_like)} - {""}
        for backend, family, tool, label in _DISTRO_BACKENDS:
            if not ids & family:
                continue
            if facts.tools.get(tool):
                return Choice(backend, f"{auto}: {name} (id {facts.distro_id}) uses {backend}")
            checked.append(f"{name} is {label}, but {tool} is not on PATH")
            break
        else:
            shown = ", ".join(sorted(ids)) or "unknown"
            checked.append(
                f"the Linux distribution {name} (ids: {shown}) is neither Debian-like "
                "(apt) nor Fedora-like (dnf)"
            )
    elif facts.system == "darwin":
        brew = facts.tools.get("brew")
        if brew:
            return Choice("brew", f"{auto}: macOS with Homebrew ({brew})")
        checked.append("this is macOS, but brew is not on PATH")
    else:
        checked.append(f"the platform {facts.system} has no supported package manager")
    raise UnsupportedBackendError(
        f"{auto} found no native backend for this machine: " + "; ".join(checked) + ".",
        hint="Choose one explicitly: --native-from=apt, dnf, conda or brew "
        "(see docs/backends/auto.md).",
    )


def choose_backend(
    value: str | None,
    *,
    given_as: str = "--native-from",
    env: TargetEnvironment | None = None,
    facts: PlatformFacts | None = None,
    allow_none: bool = False,
) -> Choice:
    """Validate a ``--native-from`` / ``PIP_NATIVE_FROM`` value; resolve ``auto``.

    ``given_as`` names where the value came from, for messages (``PIP_NATIVE_FROM``, ``--to``).
    ``auto`` looks at ``facts`` (default: :func:`gather_facts` of ``env``, the
    target interpreter, when it was already inspected). ``allow_none`` (planning):
    no value, or ``none``, chooses no backend (pure wheels only).
    """
    if value is None or not value.strip():
        if allow_none:
            return NONE_CHOSEN
        raise UnsupportedBackendError(
            "No native backend was chosen.",
            hint=f"{PASS_A_BACKEND}, or set PIP_NATIVE_FROM.",
        )
    name = value.strip().lower()
    if allow_none and name in OFF_VALUES:
        return Choice(NO_BACKEND, f"{given_as}={name}: pure wheels only")
    if name not in CHOICES:
        known = (*CHOICES, NO_BACKEND) if allow_none else CHOICES
        raise UnsupportedBackendError(
            f"{given_as}={value!r} is not a known backend.",
            hint=f"Use one of: {', '.join(known)}.",
        )
    if name == "auto":
        choice = _choose_auto(facts or gather_facts(env), given_as)
        if choice.name not in ADAPTERS:
            raise UnsupportedBackendError(
                f"{choice.reason}, but {choice.name} is not available in this version of "
                "pip-native yet.",
                hint=f"Available backends: {', '.join(ADAPTERS)}; choose one explicitly.",
            )
        return choice
    if name not in ADAPTERS:
        raise UnsupportedBackendError(
            f"{given_as}={name} is not available in this version of pip-native yet.",
            hint=f"Available backends: {', '.join(ADAPTERS)}.",
        )
    return Choice(name, f"{given_as}={name}")


#: Adapters :func:`start_ahead` made in this process, by backend, until their work ahead is
#: stopped: :func:`create_adapter` hands the plan the same adapter, with what it learned
#: meanwhile (apt's configuration, the installed packages, the universe in progress).
_AHEAD: dict[str, PreparesAhead] = {}
_AHEAD_LOCK = threading.Lock()


def create_adapter(
    name: str,
    *,
    dists_for_package: Callable[[str], Sequence[str]],
) -> NativeAdapter:
    """Build the adapter for a backend chosen by :func:`choose_backend` (or :data:`NONE_CHOSEN`);
    the one :func:`start_ahead` made for it, when there is one."""
    if name == NO_BACKEND:
        from pip_native.native.nobackend import NoBackend

        return NoBackend()
    with _AHEAD_LOCK:
        ahead = _AHEAD.get(name)
    if ahead is not None:
        ahead.use_mapping(dists_for_package)
        return cast("NativeAdapter", ahead)
    adapter: NativeAdapter = _adapter_class(name)(
        dists_for_package=dists_for_package, cache_dir=cache_root() / name
    )
    return adapter


def start_ahead(name: str | None) -> Callable[[], None]:
    """Start the work ahead of backend ``name`` (:class:`PreparesAhead`) now, in a thread,
    before a plan has chosen its backend; return the function that ends it.

    For the command line, which knows ``--native-from`` long before the planner
    makes the adapter (apt's first universe then starts 0.15 s sooner). The
    planner gets the same adapter from :func:`create_adapter` (if it was made by
    then), with the work in progress; the function returned (which may be called
    more than once) stops what no plan used. A name that is not a backend starts
    nothing; a failure is left to the plan to report.
    """
    backend = (name or "").strip().lower()
    if backend not in ADAPTERS:
        return lambda: None
    started: list[PreparesAhead] = []

    def run() -> None:
        try:
            adapter = _adapter_class(backend)(cache_dir=cache_root() / backend)
            if isinstance(adapter, PreparesAhead):
                started.append(adapter)
                with _AHEAD_LOCK:
                    _AHEAD[backend] = adapter
                adapter.prepare_ahead()
        except Exception as exc:  # the plan's own adapter meets it again and says so
            logger.debug("work ahead for %s failed: %s", backend, exc)

    thread = threading.Thread(target=run, name=f"pip-native {backend} ahead", daemon=True)
    thread.start()

    def stop() -> None:
        thread.join()
        while started:  # once
            adapter = started.pop()
            with _AHEAD_LOCK:
                if _AHEAD.get(backend) is adapter:
                    del _AHEAD[backend]
            adapter.finish_ahead()

    return stop


def refresh_command(name: str) -> tuple[tuple[str, ...], bool] | None:
    """``--refresh`` for backend ``name``: the command and whether it needs root (None when
    ``--refresh`` is not supported)."""
    if name not in REFRESH_COMMANDS:
        return None
    command, needs_root = REFRESH_COMMANDS[name]
    if command is None:
        command = tuple(_adapter_class(name)(cache_dir=cache_root() / name).refresh_command())
    return command, needs_root


def _adapter_class(name: str) -> Any:
    if name not in ADAPTERS:
        raise UnsupportedBackendError(f"--native-from={name} is not available yet.")
    module_name, _, class_name = ADAPTERS[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)
