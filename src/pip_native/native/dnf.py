"""The dnf backend: Fedora/RHEL packages through dnf repoquery, dnf install --assumeno and rpm."""

from __future__ import annotations

import logging
import os
import platform
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from pip_native import subproc
from pip_native.errors import (
    CommandFailed,
    ConfigError,
    NoNativePackageError,
    PipNativeError,
    ResolutionConflictError,
    TargetEnvironmentError,
    UnsupportedBackendError,
)
from pip_native.mapping.fedora import parse_python3dist, rpm_to_pep440
from pip_native.native.base import NativeStep, ProvidedDistribution, SystemPackage, checked_names
from pip_native.native.dnf_index import RpmIndex, UnsatisfiableDependency, compute_closure
from pip_native.native.dnf_output import (
    DNF_QUERYFORMAT,
    DNF_QUERYFORMAT_FILES,
    RPM_QUERYFORMAT,
    RpmPackage,
    dnf_problems,
    no_match_arguments,
    parse_records,
    parse_transaction,
)
from pip_native.native.dnf_version import Dep, compare_evr

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

    from pip_native.environment import TargetEnvironment

__all__ = [
    "DNF4_COMMANDS",
    "DNF4_PACKAGE",
    "ENV_INSTALLROOT",
    "ENV_OPTIONS",
    "ENV_PROGRAM",
    "SYSTEM_PYTHON",
    "DnfAdapter",
]

logger = logging.getLogger(__name__)

#: Install into this root instead of the running system (``dnf --installroot``, ``rpm --root``).
ENV_INSTALLROOT = "PIP_NATIVE_DNF_INSTALLROOT"
#: Extra dnf options (shell words) for every dnf command: ``--releasever=40 -C``, repositories.
ENV_OPTIONS = "PIP_NATIVE_DNF_OPTIONS"
#: The dnf 4 command, e.g. ``dnf-3``. Unset: ``dnf``, or where that is dnf5, :data:`DNF4_COMMANDS`.
ENV_PROGRAM = "PIP_NATIVE_DNF"
#: dnf 4's own commands, tried in this order when ``dnf`` is dnf5 and :data:`ENV_PROGRAM` is unset
#: (Fedora 41+ ships ``/usr/bin/dnf-3`` and its link ``dnf4`` next to dnf5's ``dnf``).
DNF4_COMMANDS = ("dnf4", "dnf-3")
#: The Fedora package with dnf 4's commands (``dnf-3``, ``dnf4``) once dnf5 provides ``dnf``.
DNF4_PACKAGE = "python3-dnf"

#: The interpreter dnf's ``python3-*`` packages serve (under the installroot, if any).
SYSTEM_PYTHON = "/usr/bin/python3"
SITE_DIRS = ("/usr/lib/python{xy}/site-packages", "/usr/lib64/python{xy}/site-packages")

_WEAK_DEPS_OFF = "--setopt=install_weak_deps=False"
#: One dependency or provide name as dnf's --whatprovides takes it (it splits at , and spaces).
_CAPABILITY = re.compile(r"^[^\s,]+$")
#: Names plan_install accepts: package names and provides (the mapping file rule for dnf).
_PACKAGE_SPEC = re.compile(r"^[A-Za-z0-9_+][A-Za-z0-9_+.()\-]*$")
#: Options that would break parsing or change what the commands do.
_FORBIDDEN = ("-y", "--assumeyes", "--assumeno", "-q", "--quiet", "--installroot", "-v")
_MAX_ARG = 60_000
_MAX_ROUNDS = 100
_NEEDS_ROOT = "has to be run with superuser privileges"
_PYTHON_NAME = re.compile(r"^python(\d+\.\d+)$")
_MACHINE_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}


@dataclass(frozen=True)
class _Program:
    """The dnf command every dnf call starts with, and why (for :meth:`DnfAdapter.describe`)."""

    command: str
    note: str = ""
    """Set when pip-native picked the command itself: ``dnf is dnf5, …``."""
    refusal: UnsupportedBackendError | None = None
    """Set when the command is dnf5 and no dnf 4 can stand in: raised before anything runs."""


def _is_dnf5(path: str) -> bool:
    """dnf5 is recognised by the name its command resolves to (links followed): ``dnf5…``."""
    return Path(os.path.realpath(path)).name.startswith("dnf5")


@dataclass(frozen=True)
class _Resolved:
    """What one query name stands for: the package dnf would install for it."""

    name: str
    candidate: RpmPackage
    """The version ``dnf install`` leads to (the installed record when nothing newer exists)."""
    installed: RpmPackage | None


def _glob_escape(capability: str) -> str:
    """dnf matches --whatprovides as a glob: make ``[``, ``*`` and ``?`` literal."""
    return re.sub(r"([\[*?])", r"[\1]", capability)


class DnfAdapter:
    """Fedora/RHEL packages via dnf 4 and rpm, in batches.

    Settings come from the keyword arguments or, when not given, from the
    environment: :data:`ENV_INSTALLROOT`, :data:`ENV_OPTIONS`, :data:`ENV_PROGRAM`.
    Commands are looked up on the environment's ``PATH``. Where ``dnf`` is dnf5
    and no command was given, dnf 4's own command (:data:`DNF4_COMMANDS`) runs
    every dnf call, the install included; without one, dnf5 is refused.

    Names may be package names (``python3-numpy``) or provides
    (``python3dist(numpy)``, ``python(abi)``): a provide stands for the package
    dnf would install for it (an installed provider first), and every answer
    (:meth:`query`, :meth:`closure`, :meth:`plan_install`) is about that real
    package. The install command names it exactly (``name-[epoch:]version-release.arch``),
    so what runs is what was simulated.
    """

    name = "dnf"

    def __init__(
        self,
        *,
        dists_for_package: Callable[[str], Sequence[str]] | None = None,
        cache_dir: Path | None = None,
        installroot: str | None = None,
        options: Sequence[str] | None = None,
        program: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ if environ is None else environ
        self._dists_for_package = dists_for_package
        self._cache_dir = cache_dir  # dnf keeps its own metadata cache; nothing stored here
        root = installroot if installroot is not None else environ.get(ENV_INSTALLROOT, "")
        self._root: str | None = self._check_root(root) if root.strip() else None
        self._options = tuple(options) if options is not None else self._parse_options(environ)
        for option in self._options:
            if option.split("=", 1)[0] in _FORBIDDEN:
                raise ConfigError(
                    f"{ENV_OPTIONS} contains {option!r}, which pip-native sets itself or which "
                    "would change dnf's output.",
                    hint=f"Remove it; set {ENV_INSTALLROOT} for an installroot.",
                )
        self._given_program = program or environ.get(ENV_PROGRAM, "").strip() or None
        self._given_as = self._given_program if program else f"{ENV_PROGRAM}={self._given_program}"
        self._path = environ.get("PATH")  # where commands are looked up (None: os.environ's)
        self._chosen: _Program | None = None
        self._index: RpmIndex | None = None
        self._resolved: dict[str, _Resolved | None] = {}
        self._closures: dict[tuple[str, str, str, bool], tuple[SystemPackage, ...] | PipNativeError]
        self._closures = {}
        self._provided: dict[SystemPackage, tuple[ProvidedDistribution, ...]] = {}
        self._prefetched: set[str] = set()

    @staticmethod
    def _check_root(root: str) -> str:
        if not Path(root).is_absolute():
            raise ConfigError(
                f"{ENV_INSTALLROOT}={root!r} is not an absolute path.",
                hint=f"Set {ENV_INSTALLROOT} to the absolute path of the installroot, "
                "or unset it to use the running system.",
            )
        return os.path.normpath(root)

    @staticmethod
    def _parse_options(environ: Mapping[str, str]) -> tuple[str, ...]:
        text = environ.get(ENV_OPTIONS, "")
        try:
            return tuple(shlex.split(text))
        except ValueError as exc:
            raise ConfigError(
                f"{ENV_OPTIONS}={text!r} cannot be split into options: {exc}.",
                hint="Quote it like a shell command line, e.g. "
                f"{ENV_OPTIONS}='--releasever=40 --setopt=reposdir=/srv/repos'.",
            ) from None

    # -- commands ------------------------------------------------------------

    @property
    def root(self) -> str:
        """The installroot, or ``/`` for the running system."""
        return self._root or "/"

    @property
    def program(self) -> str:
        """The dnf 4 command in use: :data:`ENV_PROGRAM`, else ``dnf``, else (``dnf`` is dnf5)
        the first of :data:`DNF4_COMMANDS` on PATH that is not dnf5 itself."""
        return self._program().command

    def dnf_base(self) -> list[str]:
        """The dnf 4 command with the installroot and the user's options: the start of every
        dnf command, the install command included."""
        argv = [self.program]
        if self._root is not None:
            argv.append(f"--installroot={self._root}")
        argv.extend(self._options)
        return argv

    def _rpm_base(self) -> list[str]:
        return ["rpm", f"--root={self._root}"] if self._root is not None else ["rpm"]

    def _which(self, command: str) -> str | None:
        return shutil.which(command, path=self._path)

    def _program(self) -> _Program:
        """Choose the dnf command once, from PATH only (nothing is run)."""
        if self._chosen is None:
            self._chosen = self._choose_program()
        return self._chosen

    def _choose_program(self) -> _Program:
        name = self._given_program or "dnf"
        found = self._which(name)
        if found is None or not _is_dnf5(found):
            return _Program(name)  # not on PATH at all: check_target (or running it) says so
        dnf5 = os.path.realpath(found)
        dnf4 = self._find_dnf4()
        if self._given_program is None and dnf4 is not None:
            command, path = dnf4
            logger.info("dnf backend: dnf is dnf5 (%s); using %s (%s), dnf 4", dnf5, command, path)
            return _Program(command, note="dnf is dnf5, which pip-native does not read yet")
        problem = "pip-native's dnf backend reads dnf 4's output and does not support dnf5 yet"
        if self._given_program is not None:
            message = f"{self._given_as} is dnf5 ({dnf5}); {problem}."
            if dnf4 is not None:
                hint = (
                    f"Set {ENV_PROGRAM}={dnf4[0]} (dnf 4, found at {dnf4[1]}), or unset "
                    f"{ENV_PROGRAM}: pip-native then uses it by itself."
                )
            else:
                hint = self._install_dnf4_hint()
        else:
            message = (
                f"dnf is dnf5 ({dnf5}) and no dnf 4 command ({', '.join(DNF4_COMMANDS)}) is on "
                f"PATH; {problem}."
            )
            hint = self._install_dnf4_hint()
        return _Program(name, refusal=UnsupportedBackendError(message, hint=hint))

    def _find_dnf4(self) -> tuple[str, str] | None:
        """The first of :data:`DNF4_COMMANDS` on PATH that is not dnf5, and where it is."""
        for command in DNF4_COMMANDS:
            found = self._which(command)
            if found is not None and not _is_dnf5(found):
                return command, found
        return None

    @staticmethod
    def _install_dnf4_hint() -> str:
        return (
            f"Install dnf 4 next to dnf5 (on Fedora: `sudo dnf install {DNF4_PACKAGE}`, which "
            f"ships the {' and '.join(DNF4_COMMANDS)} commands); pip-native then uses it by "
            f"itself. To name a dnf 4 command explicitly, set {ENV_PROGRAM} to it."
        )

    def refresh_command(self) -> tuple[str, ...]:
        """``--refresh``: ``makecache`` with the same command, installroot and options as every
        query, so it updates the metadata the plan reads (dnf 4's, not dnf5's, on Fedora 41+)."""
        self._check_program()
        return (*self.dnf_base(), "makecache")

    def _check_program(self) -> None:
        """Refuse dnf5 (different output formats) without running anything."""
        refusal = self._program().refusal
        if refusal is not None:
            raise refusal

    def _run(
        self, argv: Sequence[str], *, what: str, check: bool = True, timeout: float = 600
    ) -> subproc.CommandResult:
        self._check_program()
        return subproc.run(
            argv,
            what=what,
            check=check,
            parse_output=True,
            timeout=timeout,
            hint="Check that dnf works: `"
            + shlex.join(self.refresh_command())
            + "` should succeed.",
        )

    # -- what is installed and available -------------------------------------

    def _machine_arches(self) -> tuple[str, ...]:
        machine = platform.machine().lower()
        machine = _MACHINE_ARCH.get(machine, machine)
        return (machine, "noarch")

    def index(self) -> RpmIndex:
        """Installed packages (``rpm -qa``, once per adapter) and what dnf answered so far."""
        if self._index is None:
            result = self._run(
                [*self._rpm_base(), "-qa", "--queryformat", RPM_QUERYFORMAT],
                what="list the installed RPM packages",
                timeout=300,
            )
            self._index = RpmIndex(
                parse_records(result.stdout), arches=self._machine_arches(), root=self.root
            )
        return self._index

    def _fetch(self, capabilities: Iterable[str] = (), files: Iterable[str] = ()) -> None:
        """Ask dnf, in one repoquery, for every available provider of ``capabilities``
        (names, provides), and in one more for the owners of ``files``."""
        index = self.index()
        caps = sorted({c for c in capabilities if c not in index.fetched and _CAPABILITY.match(c)})
        paths = sorted({f for f in files if f not in index.fetched_files and _CAPABILITY.match(f)})
        if caps:
            result = self._run(
                self._repoquery(DNF_QUERYFORMAT, caps),
                what=f"ask dnf which packages provide {len(caps)} name(s)",
            )
            index.add_available(parse_records(result.stdout), capabilities=caps)
        if paths:
            result = self._run(
                self._repoquery(DNF_QUERYFORMAT_FILES, paths),
                what=f"ask dnf which packages ship {len(paths)} file(s)",
            )
            index.add_available(parse_records(result.stdout), files=paths)

    def _repoquery(self, queryformat: str, capabilities: Sequence[str]) -> list[str]:
        argv = [*self.dnf_base(), "-q", "repoquery", "--queryformat", queryformat]
        chunk: list[str] = []
        size = 0
        for cap in capabilities:
            escaped = _glob_escape(cap)
            if chunk and size + len(escaped) + 1 > _MAX_ARG:
                argv.append("--whatprovides=" + ",".join(chunk))
                chunk, size = [], 0
            chunk.append(escaped)
            size += len(escaped) + 1
        if chunk:
            argv.append("--whatprovides=" + ",".join(chunk))
        return argv

    def _resolve(self, names: Collection[str]) -> dict[str, _Resolved | None]:
        todo = [n for n in dict.fromkeys(names) if n not in self._resolved]
        if todo:
            # The package a provide resolved to answers for its own name too (NativeSource
            # asks closure(python3-numpy) after query(python3dist(numpy))): no new fetch.
            by_package = {r.name: r for r in self._resolved.values() if r is not None}
            for name in [n for n in todo if n in by_package]:
                self._resolved[name] = by_package[name]
            todo = [n for n in todo if n not in self._resolved]
        if todo:
            self._fetch(n for n in todo if _CAPABILITY.match(n))
            for name in todo:
                self._resolved[name] = self._resolve_one(name) if _CAPABILITY.match(name) else None
        return {n: self._resolved[n] for n in names}

    def _resolve_one(self, name: str) -> _Resolved | None:
        index = self.index()
        package: str | None = None
        if index.installed_version(name) is not None or index.best_available(name) is not None:
            package = name
        else:
            dep = Dep(name)
            providers = index.installed_providers(dep) or index.available_providers(dep)
            if providers:
                best = min(providers, key=lambda p: (index.arch_rank(p.arch), len(p.name), p.name))
                package = best.name
        if package is None:
            return None
        installed = index.installed_version(package)
        candidate = index.best_available(package)
        if candidate is None or (
            installed is not None and compare_evr(candidate.evr, installed.evr) <= 0
        ):
            candidate = installed
        assert candidate is not None
        return _Resolved(package, candidate, installed)

    def _system_package(self, pkg: RpmPackage) -> SystemPackage:
        installed = pkg if pkg.installed else self.index().installed_version(pkg.name)
        return SystemPackage(
            manager=self.name,
            name=pkg.name,
            version=pkg.evr_text,
            installed_version=installed.evr_text if installed is not None else None,
            arch=pkg.arch,
        )

    # -- NativeAdapter -------------------------------------------------------

    def query(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        """The package each name stands for, keyed by the name asked (unknown names are absent).

        One ``dnf repoquery --whatprovides`` for all names not asked before (plus,
        once per adapter, ``rpm -qa``). ``version`` is what ``dnf install`` would
        leave installed: the newest available version, or the installed one when
        nothing newer is available.
        """
        return {
            name: self._system_package(found.candidate)
            for name, found in self._resolve(names).items()
            if found is not None
        }

    def closure(self, name: str) -> Sequence[SystemPackage]:
        """``name`` (or the package providing it) and everything it requires, recursively.

        Closures are computed from dnf's answers in memory (see
        :func:`~pip_native.native.dnf_index.compute_closure`), in rounds: each
        round asks dnf once for the providers of every capability any pending
        closure still misses. Pending closures are those of every name
        :meth:`query` resolved so far, so many closures cost as many dnf calls
        as the deepest one needs, not one per package.
        """
        found = self._resolve([name])[name]
        if found is None:
            raise self._unknown([name])
        return self._closure_of(found)

    def _closure_of(self, found: _Resolved) -> tuple[SystemPackage, ...]:
        self._compute_closures()
        result = self._closures[found.candidate.key()]
        if isinstance(result, PipNativeError):
            raise result
        return result

    def _compute_closures(self) -> None:
        index = self.index()
        pending = {
            r.candidate.key(): r.candidate
            for r in self._resolved.values()
            if r is not None and r.candidate.key() not in self._closures
        }
        self._prefetch_graph(pending.values())
        for _ in range(_MAX_ROUNDS):
            if not pending:
                return
            missing: set[str] = set()
            missing_files: set[str] = set()
            for key, root in list(pending.items()):
                try:
                    result = compute_closure(index, root)
                except UnsatisfiableDependency as exc:
                    self._closures[key] = exc
                    del pending[key]
                    continue
                if result.complete:
                    self._closures[key] = tuple(self._system_package(p) for p in result.packages)
                    del pending[key]
                else:
                    missing |= result.missing
                    missing_files |= result.missing_files
            new = {c for c in missing if c not in index.fetched}
            new_files = {f for f in missing_files if f not in index.fetched_files}
            if pending and not new and not new_files:
                break  # nothing left to ask: should not happen, but never loop forever
            self._fetch(new, new_files)
        for key, root in pending.items():
            self._closures[key] = CommandFailed(
                f"pip-native could not work out the dependencies of {root.nevra}: dnf kept "
                "naming capabilities it then did not answer.",
                command=self.dnf_base(),
                returncode=None,
                hint="Run with -vv and report the dnf commands shown.",
            )

    def _prefetch_graph(self, roots: Iterable[RpmPackage]) -> None:
        """One ``repoquery --requires --resolve --recursive`` for the roots not prefetched yet:
        the newest version of every package their requires reach, so closures rarely need
        more than one further round however deep they are."""
        todo = [r for r in roots if not r.installed and r.nevra not in self._prefetched]
        if not todo:
            return
        self._prefetched.update(r.nevra for r in todo)
        argv = [*self.dnf_base(), "-q", "repoquery", "--queryformat", DNF_QUERYFORMAT]
        argv += ["--requires", "--resolve", "--recursive", *sorted(r.nevra for r in todo)]
        result = self._run(argv, what=f"ask dnf what {len(todo)} package(s) require, recursively")
        self.index().add_available(parse_records(result.stdout))

    def _unknown(self, names: Sequence[str]) -> NoNativePackageError:
        first = names[0]
        return NoNativePackageError(
            f"dnf has no package {', '.join(repr(n) for n in names)}: neither installed nor "
            "available from the enabled repositories (as a package name or a provide).",
            hint="Check with `"
            + shlex.join([*self.dnf_base(), "repoquery", "--whatprovides", first])
            + "`; run `"
            + shlex.join(self.refresh_command())
            + "` if the metadata is old, or install the project from PyPI instead.",
        )

    def provided_distributions(
        self, packages: Collection[SystemPackage]
    ) -> Mapping[str, Sequence[ProvidedDistribution]]:
        """The PyPI distributions each package installs, from its ``python3dist(...)`` provides.

        Names and versions are exactly the provides' (PEP 503 names; RPM's
        ``1.0~rc1`` read as 1.0rc1); ``python3dist(x[extra])`` and
        ``python3.Ydist(...)`` are ignored. A package without any gets the names
        ``dists_for_package`` gives (user mapping files) at its upstream version.
        Records dnf has not reported yet are fetched in one repoquery.
        """
        todo = [p for p in packages if p not in self._provided]
        records = {p: self._record(p) for p in todo}
        unknown = [p.name for p, rec in records.items() if rec is None and p.version is not None]
        if unknown:
            self._fetch(unknown)
            records = {p: rec or self._record(p) for p, rec in records.items()}
        for package, record in records.items():
            self._provided[package] = self._provided_by(package, record)
        return {p.name: self._provided[p] for p in packages}

    def _record(self, package: SystemPackage) -> RpmPackage | None:
        index = self.index()
        if package.version is None or package.version == package.installed_version:
            if package.installed_version is None:
                return None
            return index.find(package.name, package.installed_version, package.arch, installed=True)
        return index.find(package.name, package.version, package.arch, installed=False)

    def _provided_by(
        self, package: SystemPackage, record: RpmPackage | None
    ) -> tuple[ProvidedDistribution, ...]:
        upstream = rpm_to_pep440(record.version if record is not None else package.version or "")
        found: dict[NormalizedName, Version] = {}
        for prov in record.provides if record is not None else ():
            project = parse_python3dist(prov.name)
            if project is None:
                continue
            version = upstream
            if prov.evr is not None:
                written = (
                    f"{prov.evr.epoch}:{prov.evr.version}" if prov.evr.epoch else prov.evr.version
                )
                version = rpm_to_pep440(written)
                if version is not None and upstream is not None and version == upstream:
                    version = upstream  # same version; keep the package's spelling (1.0, not 1)
            if version is None:
                logger.debug("no PEP 440 version in %s of %s", prov, package.label())
                continue
            found.setdefault(project, version)
        if not found and upstream is not None and self._dists_for_package is not None:
            for raw in self._dists_for_package(package.name):
                found.setdefault(canonicalize_name(raw), upstream)
        return tuple(ProvidedDistribution(name, v, package) for name, v in found.items())

    def plan_install(self, names: Sequence[str]) -> NativeStep:
        """Simulate installing ``names`` with one ``dnf install --assumeno``; return the step.

        Each name is replaced by the exact package it stands for
        (``python3-numpy-1.26.4-1.fc40.x86_64``) in both the simulation and
        the command. Raises :class:`NoNativePackageError` for names dnf cannot
        find, :class:`CommandFailed` when dnf cannot resolve the transaction and
        :class:`ResolutionConflictError` when it would remove packages.
        """
        requested = checked_names(
            names,
            _PACKAGE_SPEC,
            plural="dnf packages",
            singular="dnf package name or provide",
            hint="Use a package name (python3-numpy) or a provide "
            "(python3dist(numpy)): letters, digits, _ + . - and parentheses.",
        )
        resolved = self._resolve(requested)
        unknown = [n for n in requested if resolved[n] is None]
        if unknown:
            raise self._unknown(unknown)
        roots = self._roots_only([r for r in resolved.values() if r is not None])
        specs = list(dict.fromkeys(r.candidate.nevra for r in roots))
        base = self.dnf_base()
        command = (*base, "install", "-y", _WEAK_DEPS_OFF, *specs)
        argv = (*base, "install", "--assumeno", _WEAK_DEPS_OFF, *specs)
        result = self._run(argv, what="simulate the dnf installation", check=False)
        transaction = parse_transaction(result.stdout)
        aborted = "Operation aborted." in result.stdout + result.stderr
        if _NEEDS_ROOT in result.stdout + result.stderr:
            new = self._modelled_install([r for r in resolved.values() if r is not None])
            logger.warning(
                "dnf simulates installs only as root; the package list of the dnf step is "
                "pip-native's model of dnf's choices (`%s` as root gives dnf's own).",
                shlex.join(argv),
            )
        elif (aborted and (transaction.changes or transaction.removals)) or (
            result.ok and transaction.nothing_to_do
        ):
            if transaction.removals:
                raise self._removal_error(specs, argv, transaction.removals)
            new = [self._row_package(row.name, row.evr, row.arch) for row in transaction.changes]
        else:
            self._raise_simulation_error(specs, result)
        return NativeStep(
            manager=self.name,
            command=command,
            requested=tuple(specs),
            new_packages=tuple(new),
            needs_root=True,
            requested_packages=tuple(dict.fromkeys(r.candidate.name for r in roots)),
        )

    def _roots_only(self, wanted: Sequence[_Resolved]) -> list[_Resolved]:
        """``wanted`` without packages another of them requires anyway (at the same version):
        dnf installs those as dependencies, so ``dnf autoremove`` can clean them up later.
        Names whose closure cannot be worked out are all kept."""
        unique = list({r.candidate.key(): r for r in wanted}.values())
        if len(unique) < 2:
            return unique
        covered: dict[tuple[str, str, str, bool], set[tuple[str, str | None]]] = {}
        for found in unique:
            try:
                closure = self._closure_of(found)
            except PipNativeError:
                return unique
            covered[found.candidate.key()] = {(p.name, p.version) for p in closure[1:]}
        kept: list[_Resolved] = []
        brought: set[tuple[str, str | None]] = set()
        for found in sorted(unique, key=lambda r: -len(covered[r.candidate.key()])):
            if (found.candidate.name, found.candidate.evr_text) in brought:
                continue
            kept.append(found)
            brought |= covered[found.candidate.key()]
        return [r for r in unique if r in kept]

    def _row_package(self, name: str, evr: str, arch: str) -> SystemPackage:
        installed = self.index().installed_version(name)
        return SystemPackage(
            manager=self.name,
            name=name,
            version=evr,
            installed_version=installed.evr_text if installed is not None else None,
            arch=arch,
        )

    def _modelled_install(self, roots: Sequence[_Resolved]) -> list[SystemPackage]:
        new: dict[str, SystemPackage] = {}
        for root in roots:
            for pkg in self._closure_of(root):
                if pkg.version != pkg.installed_version:
                    new.setdefault(pkg.name, pkg)
        return list(new.values())

    def _removal_error(
        self, specs: Sequence[str], argv: Sequence[str], removals: Sequence[object]
    ) -> ResolutionConflictError:
        listed = ", ".join(
            f"{getattr(r, 'name', '?')} {getattr(r, 'evr', '')}".strip() for r in removals
        )
        return ResolutionConflictError(
            f"Installing {' '.join(specs)} with dnf would remove installed packages: {listed}. "
            "pip-native never removes system packages.",
            command=argv,
            hint="Run `" + shlex.join(argv) + "` to see why; install the Python projects that "
            "need these packages from PyPI instead, or resolve the conflict with dnf yourself.",
        )

    def _raise_simulation_error(self, specs: Sequence[str], result: subproc.CommandResult) -> None:
        missing = no_match_arguments(result.stdout, result.stderr)
        problems = dnf_problems(result.stderr) or dnf_problems(result.stdout)
        detail = "; ".join(problems) or f"dnf exited with status {result.returncode}"
        if missing:
            raise NoNativePackageError(
                f"dnf cannot install {', '.join(missing)}: no package matches.",
                command=result.argv,
                hint="Check with `"
                + shlex.join([*self.dnf_base(), "repoquery", missing[0]])
                + "`; run `"
                + shlex.join(self.refresh_command())
                + "` if the metadata is old, or install the project from PyPI instead.",
            )
        raise CommandFailed(
            f"dnf cannot install {' '.join(specs)}: {detail}",
            command=result.argv,
            returncode=result.returncode,
            output=result.stdout + result.stderr,
            hint="The packages conflict with each other or with installed packages (dnf never "
            "removes packages here: no --allowerasing); install the affected projects from "
            "PyPI instead, or fix the system first.",
        )

    # -- target check --------------------------------------------------------

    def _under_root(self, path: str) -> str:
        return path if self._root is None else str(Path(self._root, path.lstrip("/")))

    def _venv_hint(self, path: str = "~/.venvs/myproject") -> str:
        python = self._under_root(SYSTEM_PYTHON)
        return f"{python} -m venv --system-site-packages {path} && . {path}/bin/activate"

    def describe(self) -> str:
        """The dnf command with its installroot; and why, when pip-native chose ``dnf4``/``dnf-3``
        because ``dnf`` is dnf5."""
        chosen = self._program()
        root = f" --installroot={self._root}" if self._root is not None else ""
        note = f" ({chosen.note})" if chosen.note else ""
        return f"{chosen.command}{root}{note}"

    def check_target(self, env: TargetEnvironment) -> None:
        """Accept the root's ``/usr/bin/python3`` or a venv on it that sees system site-packages.

        With an installroot, any CPython of the root's X.Y whose ``sys.path``
        holds the root's site-packages directories is accepted too (the root's
        own interpreter may not run on this host).
        """
        who = f"The Python interpreter {env.executable}"
        missing = [t for t in (self.program, "rpm") if self._which(t) is None]
        if missing:
            raise TargetEnvironmentError(
                f"{who} cannot use dnf packages: {', '.join(missing)} not found on PATH, so this "
                "does not look like a Fedora/RHEL-like system.",
                hint="Use --native-from with the package manager of this system (apt, conda, "
                "brew), or run pip-native on Fedora/RHEL.",
            )
        self._check_program()
        python = self._under_root(SYSTEM_PYTHON)
        xy = self._root_python_version()
        if xy is None:
            raise TargetEnvironmentError(
                f"{who} cannot use dnf packages: {python} does not exist and no python(abi) "
                "package is installed or available, and dnf's python3-* packages serve only "
                "that interpreter.",
                hint=shlex.join([*self.dnf_base(), "install", "python3"])
                + " && "
                + self._venv_hint(),
            )
        target_xy = f"{env.version.major}.{env.version.minor}"
        base_prefix = os.path.realpath(env.base_prefix)
        base_exe = os.path.realpath(env.base_executable)
        usr = os.path.realpath(self._under_root("/usr"))
        sites = [self._under_root(s.format(xy=xy)) for s in SITE_DIRS]
        on_path = {os.path.realpath(p) for p in env.sys_path}
        wanted = [sites[0]] + [s for s in sites[1:] if Path(s).is_dir() and s != sites[0]]
        absent = [s for s in wanted if os.path.realpath(s) not in on_path]
        reason: str | None = None
        hint = self._venv_hint()
        if env.implementation != "cpython":
            reason = f"it is {env.implementation}, not the CPython {python}"
        elif self._root is None and (base_prefix != usr or not base_exe.startswith(usr + "/bin/")):
            reason = (
                f"it is not based on {python} (base interpreter {env.base_executable}, prefix "
                f"{env.base_prefix}); dnf installs into {sites[0]}, which only {python} uses"
            )
        elif target_xy != xy:
            reason = (
                f"it is Python {target_xy} but dnf's packages are built for {python} (Python {xy})"
            )
        elif env.is_venv and not env.system_site_packages and base_prefix == usr:
            reason = (
                f"its virtual environment {env.prefix} does not include the system "
                f"site-packages, so it cannot import what dnf installs in {sites[0]}"
            )
            hint = self._venv_hint(shlex.quote(env.prefix))
        elif absent:
            reason = (
                f"{' and '.join(absent)} {'is' if len(absent) == 1 else 'are'} not on its sys.path"
            )
        if reason is not None:
            raise TargetEnvironmentError(f"{who} cannot use dnf packages: {reason}.", hint=hint)

    def _root_python_version(self) -> str | None:
        """``X.Y`` of the root's python3: from its files, else from the ``python(abi)``
        provide of the package dnf would install for it (a root without Python yet)."""
        return self._python_file_version() or self._python_abi_version()

    def _python_file_version(self) -> str | None:
        """From the name ``/usr/bin/python3`` resolves to under the root (links followed inside
        the root), or, on the running system only, by asking the interpreter."""
        path = Path(self._under_root(SYSTEM_PYTHON))
        seen = 0
        while path.is_symlink() and seen < 20:
            target = path.readlink()
            if target.is_absolute():
                path = Path(self._under_root(str(target)))
            else:
                path = Path(os.path.normpath(path.parent / target))
            seen += 1
        match = _PYTHON_NAME.match(path.name)
        if match is not None and (path.exists() or self._root is not None):
            return match.group(1)  # an installroot's interpreter need not run on this host
        if self._root is None and path.exists():
            result = subproc.run(
                [SYSTEM_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                what=f"ask {SYSTEM_PYTHON} for its version",
                check=False,
                timeout=60,
            )
            text = result.stdout.strip()
            if result.ok and re.fullmatch(r"\d+\.\d+", text):
                return text
        return None

    def _python_abi_version(self) -> str | None:
        found = self._resolve(["python(abi)"])["python(abi)"]
        if found is None:
            return None
        for prov in found.candidate.provides:
            if prov.name == "python(abi)" and prov.evr is not None:
                return prov.evr.version
        return None
