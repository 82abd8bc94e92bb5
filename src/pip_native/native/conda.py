"""The conda backend: conda, mamba, micromamba and pixi environments, via the user's CLI or py-rattler."""

from __future__ import annotations

import logging
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pip_native.errors import (
    CommandFailed,
    NoNativePackageError,
    PipNativeError,
    ResolutionConflictError,
    TargetEnvironmentError,
    UnsupportedBackendError,
)
from pip_native.native.base import (
    NativeStep,
    ProvidedDistribution,
    SystemPackage,
    checked_names,
    provided_by,
)
from pip_native.native.conda_cli import CLI_TOOLS, CliEngine, find_cli
from pip_native.native.conda_prefix import (
    CONDA_NAME_RE,
    CondaRecord,
    CondaSolveError,
    Transaction,
    conda_to_pep440,
    is_conda_prefix,
    pixi_manifest,
    python_distributions,
    read_prefix,
)
from pip_native.native.conda_rattler import (
    CHANNELS_ENV,
    RattlerEngine,
    parse_channels,
    rattler_available,
)
from pip_native.paths import cache_root

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

    from pip_native.environment import TargetEnvironment

__all__ = ["ENGINES", "ENGINE_ENV", "CondaAdapter", "CondaEngine", "choose_engine"]

logger = logging.getLogger(__name__)

ENGINE_ENV = "PIP_NATIVE_CONDA_ENGINE"
ENGINES = ("auto", *CLI_TOOLS, "rattler")
_INSTALL_HINT = 'pip install "pip-native[conda]"'


class CondaEngine(Protocol):
    """What the adapter needs from a way of solving and installing conda packages."""

    kind: str
    """``cli`` or ``rattler``."""

    def describe(self) -> str: ...

    def exists(self, names: Sequence[str]) -> set[str] | None:
        """The names the channels have, or None when only a solve can tell."""

    def solve(
        self, prefix: Path | None, specs: Sequence[str], installed: Mapping[str, CondaRecord]
    ) -> Transaction:
        """What installing ``specs`` into ``prefix`` changes; raises CondaSolveError."""

    def install_command(
        self, prefix: Path, specs: Sequence[str], transaction: Transaction
    ) -> tuple[str, ...]:
        """The one command that carries out ``transaction``."""


def choose_engine(
    env: Mapping[str, str], cache_dir: Path, *, command_env: Mapping[str, str] | None = None
) -> tuple[CondaEngine, str]:
    """The engine ``PIP_NATIVE_CONDA_ENGINE`` asks for (default ``auto``), and why it was chosen.

    ``auto``: the first of mamba, micromamba, conda on PATH (then $CONDA_EXE,
    $MAMBA_EXE); else py-rattler if it is importable; else an error with the
    install hint. ``env`` is the environment to look in; ``command_env`` the
    overrides the CLI's commands run with.
    """
    raw = env.get(ENGINE_ENV, "")
    wanted = raw.strip().lower() or "auto"
    if wanted not in ENGINES:
        raise UnsupportedBackendError(
            f"{ENGINE_ENV}={raw!r} is not a conda engine.",
            hint=f"Use one of: {', '.join(ENGINES)} (or leave it unset for auto).",
        )
    channels = parse_channels(env.get(CHANNELS_ENV))
    if wanted == "rattler":
        if not rattler_available():
            raise UnsupportedBackendError(
                f"{ENGINE_ENV}=rattler, but py-rattler is not installed for {sys.executable}.",
                hint=f"{_INSTALL_HINT} (or unset {ENGINE_ENV} to use conda, mamba or micromamba).",
            )
        return RattlerEngine(channels, cache_dir, env=command_env), f"{ENGINE_ENV}=rattler"
    cli = find_cli(env, None if wanted == "auto" else wanted)
    if cli is not None:
        why = f"{ENGINE_ENV}={wanted}" if wanted != "auto" else f"{cli.tool} found {cli.found}"
        return CliEngine(cli, env=command_env), why
    if wanted != "auto":
        raise UnsupportedBackendError(
            f"{ENGINE_ENV}={wanted}, but no {wanted} command was found on PATH or in "
            "$CONDA_EXE/$MAMBA_EXE.",
            hint=f"Put {wanted} on PATH, or unset {ENGINE_ENV} to use what is available.",
        )
    if rattler_available():
        return (
            RattlerEngine(channels, cache_dir, env=command_env),
            "no conda, mamba or micromamba on PATH; py-rattler is installed",
        )
    raise UnsupportedBackendError(
        "--native-from=conda needs conda, mamba or micromamba on PATH, or py-rattler; "
        "none was found.",
        hint=f"{_INSTALL_HINT} installs py-rattler, which needs no conda binary; or put "
        "conda, mamba or micromamba on PATH.",
    )


def _python_xy(version: Version) -> str:
    return f"{version.major}.{version.minor}"


class CondaAdapter:
    """Conda packages in the target's own prefix (``sys.prefix`` with ``conda-meta/``).

    Installed packages come from ``conda-meta/*.json``: each record's file list
    names the ``*.dist-info`` directories it put in site-packages, so what
    conda installed is known exactly. What is not installed comes from a
    solve: the user's conda/mamba/micromamba (``install --dry-run --json``,
    with their channels) or py-rattler (channels from
    ``PIP_NATIVE_CONDA_CHANNELS``, default conda-forge).

    The target prefix is set by :meth:`check_target`; before that (``pip-native
    map``), ``prefix=`` or an active ``$CONDA_PREFIX`` is used, else queries
    solve a fresh environment.
    """

    name = "conda"

    def __init__(
        self,
        *,
        dists_for_package: Callable[[str], Sequence[str]] | None = None,
        cache_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
        prefix: Path | None = None,
        engine: CondaEngine | None = None,
    ) -> None:
        self._dists_for_package = dists_for_package
        self._env: dict[str, str] = dict(env or {})
        self._cache_dir = Path(cache_dir) if cache_dir is not None else cache_root() / "conda"
        self._prefix = Path(prefix) if prefix is not None else None
        self._engine = engine
        self.engine_reason = "given" if engine is not None else ""
        self._installed: dict[str, CondaRecord] | None = None
        self._known: dict[str, SystemPackage | None] = {}
        self._records: dict[tuple[str, str], CondaRecord] = {}
        self._solves: dict[tuple[str, ...], Transaction] = {}
        self._closures: dict[str, tuple[SystemPackage, ...]] = {}
        self._provided: dict[SystemPackage, tuple[ProvidedDistribution, ...]] = {}

    # -- engine and target ----------------------------------------------------

    def _lookup(self) -> dict[str, str]:
        return {**os.environ, **self._env}

    @property
    def engine(self) -> CondaEngine:
        """The engine in use (chosen on first use, see :func:`choose_engine`)."""
        if self._engine is None:
            self._engine, self.engine_reason = choose_engine(
                self._lookup(), self._cache_dir, command_env=self._env
            )
            logger.info("conda backend: using %s (%s)", self._engine.describe(), self.engine_reason)
        return self._engine

    @property
    def prefix(self) -> Path | None:
        """The conda environment queries and installs are for (None: a fresh one)."""
        return self._target()

    def _target(self) -> Path | None:
        if self._prefix is not None:
            return self._prefix
        active = self._lookup().get("CONDA_PREFIX")
        if active and is_conda_prefix(Path(active)):
            return Path(active)
        return None

    def _installed_records(self) -> dict[str, CondaRecord]:
        if self._installed is None:
            target = self._target()
            self._installed = read_prefix(target) if target is not None else {}
            for record in self._installed.values():
                self._records[(record.name, record.version)] = record
        return self._installed

    def describe(self) -> str:
        """The engine, once chosen (a plan with no conda package never chooses one)."""
        if self._engine is None:
            return "conda (no engine needed by this plan)"
        return f"{self._engine.describe()}, {self.engine_reason}"

    def check_target(self, env: TargetEnvironment) -> None:
        """Accept the Python of a conda environment whose ``python`` is a conda package.

        The prefix is the interpreter's ``sys.prefix``; it must have
        ``conda-meta/`` and a conda ``python`` record of the same X.Y.
        """
        who = f"The Python interpreter {env.executable}"
        xy = _python_xy(env.version)
        prefix = Path(env.prefix)
        if not is_conda_prefix(prefix):
            base = Path(env.base_prefix)
            if env.is_venv and is_conda_prefix(base):
                reason = (
                    f"it runs in the virtual environment {prefix}, made from the conda "
                    f"environment {base}; conda installs into {base}, not into the venv"
                )
                hint = f"Use the conda environment's own interpreter: --python {base / 'bin' / 'python'}"
            else:
                reason = (
                    f"its environment {prefix} is not a conda environment "
                    "(it has no conda-meta directory)"
                )
                hint = (
                    f"Create a conda environment and use its Python: `conda create -p "
                    f"~/envs/work python={xy}` (or `micromamba create -p ~/envs/work -c "
                    f"conda-forge python={xy}`), then run pip-native with --python "
                    "~/envs/work/bin/python."
                )
            raise TargetEnvironmentError(f"{who} cannot use conda packages: {reason}.", hint=hint)
        installed = read_prefix(prefix)
        python = installed.get("python")
        if python is None:
            raise TargetEnvironmentError(
                f"{who} cannot use conda packages: its conda environment {prefix} has no "
                "conda `python` package, so conda would bring another interpreter into it for "
                "the Python packages it installs.",
                hint=f"Install conda's Python there first (`conda install -p {shlex.quote(str(prefix))} "
                f"python={xy}`), or use the Python of another conda environment with --python.",
            )
        if python.version != xy and not python.version.startswith(xy + "."):
            raise TargetEnvironmentError(
                f"{who} is Python {env.version}, but the conda environment {prefix} holds "
                f"conda's python {python.version}: conda's packages are built for that one.",
                hint=f"Use that environment's own interpreter: --python {prefix / 'bin' / 'python'}",
            )
        self._prefix = prefix
        self._installed = None
        self._known.clear()
        self._solves.clear()
        self._closures.clear()
        self._provided.clear()
        engine = self.engine  # chosen now, so a missing engine fails before any work
        logger.debug("conda target %s, engine %s", prefix, engine.kind)

    # -- solving ------------------------------------------------------------

    def _solve(self, specs: Sequence[str]) -> Transaction:
        key = tuple(sorted(specs))
        if key not in self._solves:
            installed = self._installed_records()
            transaction = self.engine.solve(self._target(), list(key), installed)
            for record in transaction.link:
                self._records[(record.name, record.version)] = record
            self._solves[key] = transaction
        return self._solves[key]

    def _unsolvable(self, exc: CondaSolveError, names: Sequence[str]) -> PipNativeError:
        """The user-facing error for a failed solve of ``names``."""
        what = " ".join(names)
        engine = self.engine
        channels = ", ".join(getattr(engine, "channels", ()))
        if exc.missing:
            missing = ", ".join(exc.missing)
            if engine.kind == "rattler":
                hint = (
                    f"Check the name on https://prefix.dev or https://anaconda.org; set "
                    f"{CHANNELS_ENV} to channels that have it (now: {channels}), or install the "
                    "project from PyPI instead."
                )
            else:
                hint = (
                    f"Check the name with `conda search {exc.missing[0]}`; add a channel that has "
                    "it to your conda configuration (`conda config --add channels conda-forge`), "
                    "or install the project from PyPI instead."
                )
            return NoNativePackageError(
                f"conda cannot install {missing}: no channel of {engine.describe()} has it. "
                f"{exc.message}",
                command=exc.command,
                hint=hint,
            )
        if exc.unsatisfiable:
            why = ""
            if exc.command is not None and engine.kind == "cli":
                plain = [a for a in exc.command if a != "--json"]
                why = f" (`{shlex.join(plain)}` shows why)"
            return ResolutionConflictError(
                f"conda cannot install {what}: {exc.message}",
                command=exc.command,
                hint="The conda packages conflict with each other or with what the environment "
                f"holds{why}; install the affected projects from PyPI instead, or resolve the "
                "conflict with conda first.",
            )
        if exc.command is not None:
            return CommandFailed(
                f"conda cannot install {what}: {exc.message}",
                command=exc.command,
                returncode=None,
                output=exc.output,
                hint=f"Check that {engine.describe()} works on its own and can reach its channels "
                "(network, proxy, channel configuration).",
            )
        return CommandFailed(
            f"conda cannot install {what} with {engine.describe()}: {exc.message}",
            command=(),
            returncode=None,
            hint=f"Check {CHANNELS_ENV} (now: {channels}) and the network.",
        )

    # -- NativeAdapter ------------------------------------------------------

    def query(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        """Installed versions and the versions a solve would install, for ``names``.

        Names are solved together (one dry run or rattler solve); names no
        channel has are dropped and the rest solved again (at most three
        rounds); if they conflict, each is solved alone. Unknown names are
        absent; a known name that cannot be installed here has ``version`` None.
        """
        wanted = list(dict.fromkeys(names))
        todo = [n for n in wanted if n not in self._known]
        if todo:
            self._learn(todo)
        found: dict[str, SystemPackage] = {}
        for name in wanted:
            package = self._known.get(name)
            if package is not None:
                found[name] = package
        return found

    def _learn(self, names: Sequence[str]) -> None:
        installed = self._installed_records()
        valid = [n for n in names if CONDA_NAME_RE.match(n)]
        for name in names:
            self._known.setdefault(name, None)
        try:
            exists = self.engine.exists(valid) if valid else set()
        except CondaSolveError as exc:
            raise self._unsolvable(exc, valid) from None
        remaining = [n for n in valid if exists is None or n in exists or n in installed]
        transaction: Transaction | None = None
        for _ in range(3):
            if not remaining:
                return
            try:
                transaction = self._solve(remaining)
                break
            except CondaSolveError as exc:
                if not exc.unsatisfiable:
                    raise self._unsolvable(exc, remaining) from None
                gone = [n for n in exc.missing if n in remaining and n not in installed]
                if not gone:
                    break
                remaining = [n for n in remaining if n not in gone]
        if transaction is not None:
            for name in remaining:
                self._known[name] = self._package(name, transaction)
            return
        for name in remaining:
            self._learn_alone(name)

    def _learn_alone(self, name: str) -> None:
        installed = self._installed_records().get(name)
        try:
            transaction = self._solve([name])
        except CondaSolveError as exc:
            if not exc.unsatisfiable:
                raise self._unsolvable(exc, [name]) from None
            if name in exc.missing and installed is None:
                self._known[name] = None
                return
            logger.debug("conda cannot install %s here: %s", name, exc.message)
            self._known[name] = SystemPackage(
                self.name,
                name,
                installed.version if installed else None,
                installed.version if installed else None,
                (installed.subdir or None) if installed else None,
            )
            return
        self._known[name] = self._package(name, transaction)

    def _package(self, name: str, transaction: Transaction) -> SystemPackage | None:
        installed = self._installed_records()
        record = transaction.linked(name)
        old = installed.get(name)
        if record is not None:
            return self._system_package(record)
        if old is not None and old not in transaction.removals():
            return self._system_package(old)
        logger.debug("the conda solve for %s neither installs nor keeps it", name)
        return None

    def _system_package(self, record: CondaRecord) -> SystemPackage:
        old = self._installed_records().get(record.name)
        return SystemPackage(
            manager=self.name,
            name=record.name,
            version=record.version,
            installed_version=old.version if old is not None else None,
            arch=record.subdir or None,
        )

    def closure(self, name: str) -> Sequence[SystemPackage]:
        """``name`` and every package it brings or relies on, at their versions after installing it.

        The walk follows the records' ``depends`` through the packages the
        solve installs and those already installed. When a record's
        dependencies are not known (conda's ``--json`` dry runs omit them),
        everything the solve installs counts as brought by ``name``; installed
        dependencies of such records are then not listed.
        """
        if name not in self._closures:
            try:
                transaction = self._solve([name])
            except CondaSolveError as exc:
                raise self._unsolvable(exc, [name]) from None
            self._closures[name] = self._walk(name, transaction)
        return self._closures[name]

    def _walk(self, root: str, transaction: Transaction) -> tuple[SystemPackage, ...]:
        after = dict(self._installed_records())
        for record in transaction.unlink:
            after.pop(record.name, None)
        for record in transaction.link:
            after[record.name] = record
        if root not in after:
            raise NoNativePackageError(
                f"conda's solve for {root} ({self.engine.describe()}) neither installs nor keeps "
                f"a package named {root}.",
                hint=f"Check the name with `conda search {root}`.",
            )
        order: list[CondaRecord] = []
        seen: set[str] = set()
        stack = [root]
        deps_unknown = False
        while stack:
            current = stack.pop()
            if current in seen or current not in after:
                continue
            seen.add(current)
            record = after[current]
            order.append(record)
            deps = record.dependency_names()
            if deps is None:
                deps_unknown = True
                continue
            stack.extend(reversed(deps))
        if deps_unknown:
            order.extend(r for r in transaction.link if r.name not in seen)
        return tuple(self._system_package(r) for r in order)

    def _mapped_names(self, package: str) -> list[str]:
        if self._dists_for_package is None:
            return []
        return list(self._dists_for_package(package))

    def provided_distributions(
        self, packages: Collection[SystemPackage]
    ) -> Mapping[str, Sequence[ProvidedDistribution]]:
        """The PyPI distributions each package puts in the prefix, by package name.

        Installed packages: the ``*.dist-info``/``*.egg-info`` directories in
        their ``conda-meta`` file list (exact; a directory without a version
        gets the conda version). Packages to install or upgrade: the names
        ``dists_for_package`` gives (the mapping's reverse lookup), else the
        package's own name when its record is a Python package (conda-forge
        names them after the PyPI project), at the conda version read as PEP 440.
        """
        todo = [p for p in packages if p not in self._provided]
        for package in todo:
            self._provided[package] = self._provided_by(package)
        return {p.name: self._provided[p] for p in packages}

    def _provided_by(self, package: SystemPackage) -> tuple[ProvidedDistribution, ...]:
        found: dict[NormalizedName, Version] = {}
        upgrading = package.version is not None and package.version != package.installed_version
        installed = self._installed_records().get(package.name)
        if installed is not None and package.installed_version == installed.version:
            fallback = conda_to_pep440(installed.version)
            new = conda_to_pep440(package.version) if upgrading and package.version else None
            for dist in python_distributions(installed.files):
                version: Version | None = None
                if dist.version is not None:
                    try:
                        version = Version(dist.version)
                    except InvalidVersion:
                        version = None
                version = new or version or fallback
                if version is None:
                    logger.debug("no PEP 440 version for %s in %s", dist.name, installed.label)
                    continue
                found.setdefault(canonicalize_name(dist.name), version)
            if not upgrading:
                return provided_by(package, found)
        if package.version is None:
            return provided_by(package, found)
        version = conda_to_pep440(package.version)
        if version is None:
            logger.debug("conda version %s of %s is not PEP 440", package.version, package.name)
            return provided_by(package, found)
        names = self._mapped_names(package.name)
        record = self._records.get((package.name, package.version))
        if not names and record is not None and record.is_python_package():
            names = [package.name]
        for raw in names:
            found.setdefault(canonicalize_name(raw), version)
        return provided_by(package, found)

    def plan_install(self, names: Sequence[str]) -> NativeStep:
        """Solve installing ``names`` into the target once; return the one command and what it brings.

        The CLI engine's command is ``<tool> install --yes --prefix PREFIX NAME...``
        (the same request as its dry run); the rattler engine's is ``python -m
        pip_native.native.conda_install ... 'NAME ==VERSION BUILD'...`` for exactly
        the records the solve adds. Raises :class:`NoNativePackageError`,
        :class:`ResolutionConflictError` (conflicts, or a solve that would
        remove installed packages) or :class:`TargetEnvironmentError`.
        """
        requested = checked_names(
            names,
            CONDA_NAME_RE,
            plural="conda packages",
            singular="conda package name",
            hint="Conda package names use lower-case letters, digits, '_', '.' and '-'.",
        )
        prefix = self._target()
        if prefix is None:
            raise TargetEnvironmentError(
                "There is no target conda environment to install into.",
                hint="Run pip-native with --python set to a conda environment's interpreter.",
            )
        manifest = pixi_manifest(prefix)
        if manifest is not None:
            where = f" --manifest-path {shlex.quote(manifest)}" if manifest else ""
            raise TargetEnvironmentError(
                f"The conda environment {prefix} is managed by pixi: pixi would remove conda "
                f"packages that its lock file does not list ({' '.join(requested)}).",
                hint=f"Add them with pixi: `pixi add{where} {' '.join(requested)}`, then run "
                "pip-native again (it will find them installed).",
            )
        try:
            transaction = self._solve(requested)
        except CondaSolveError as exc:
            raise self._unsolvable(exc, requested) from None
        removals = transaction.removals()
        command = self.engine.install_command(prefix, requested, transaction)
        if removals:
            listed = ", ".join(r.label for r in removals)
            raise ResolutionConflictError(
                f"Installing {' '.join(requested)} with conda would remove installed packages: "
                f"{listed}. pip-native never removes system packages.",
                command=command,
                hint="Install the Python projects that need these conda packages from PyPI "
                "instead, or resolve the conflict with conda yourself.",
            )
        return NativeStep(
            manager=self.name,
            command=command,
            requested=requested,
            new_packages=tuple(self._system_package(r) for r in transaction.link),
            needs_root=not os.access(prefix / "conda-meta", os.W_OK),
            env=dict(self._env) or None,
        )
