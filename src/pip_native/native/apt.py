"""The apt backend: Debian/Ubuntu packages through apt-cache, apt-get and dpkg-query."""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pip_native import subproc
from pip_native.errors import (
    CommandFailed,
    InvalidIdentifierError,
    NoNativePackageError,
    PipNativeError,
    ResolutionConflictError,
    TargetEnvironmentError,
)
from pip_native.native import apt_store
from pip_native.native.apt_index import DPKG_QUERY_FORMAT, AptIndex, Record, parse_dpkg_query
from pip_native.native.apt_lists import reduced_options
from pip_native.native.apt_output import (
    Simulation,
    apt_messages,
    parse_apt_config_shell,
    parse_file_lists,
    parse_print_uris,
    parse_simulation,
    python_distributions_in,
    unmet_dependency_lines,
)
from pip_native.native.apt_universe import (
    LISTS_PREFIX,
    UNIVERSE_PREFIX,
    Universe,
    UniverseBuilder,
)
from pip_native.native.base import (
    NativeStep,
    ProvidedDistribution,
    SystemPackage,
    checked_names,
    provided_by,
)
from pip_native.native.debversion import deb_to_pep440
from pip_native.paths import stamps_key
from pip_native.settings import seconds_from_env

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

    from pip_native.environment import TargetEnvironment

__all__ = ["DEFAULT_LOCK_TIMEOUT", "SYSTEM_PYTHON", "AptAdapter"]

DEFAULT_LOCK_TIMEOUT = 120
"""Seconds the install step waits for the dpkg lock (``PIP_NATIVE_APT_LOCK_TIMEOUT``)."""


logger = logging.getLogger(__name__)

#: Debian's interpreter: the only one apt's ``python3-*`` packages serve.
SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEM_DIST_PACKAGES = "/usr/lib/python3/dist-packages"

#: Part of the apt state key: a new format gives new work directories and simulations.
_CACHE_FORMAT = 7
_TOOLS = ("apt-get", "apt-cache", "apt-config", "dpkg", "dpkg-query")
_PACKAGE_NAME = re.compile(
    r"^[a-z0-9][a-z0-9+.\-]+(?::[a-z0-9][a-z0-9\-]*)?(?:=[A-Za-z0-9.+~:\-]+)?$"
)
_NOT_FOUND = (
    re.compile(r"Unable to locate package (?P<name>\S+)"),
    re.compile(r"Package '(?P<name>[^']+)' has no installation candidate"),
    re.compile(r"Version '[^']+' for '(?P<name>[^']+)' was not found"),
    re.compile(r"Couldn't find any package by (?:glob|regex) '(?P<name>[^']+)'"),
)
#: ``apt-config shell`` variables read once per adapter: paths whose state the index depends on.
_CONFIG_KEYS = {
    "ARCH": "APT::Architecture",
    "LISTS": "Dir::State::Lists/d",
    "STATUS": "Dir::State::status/f",
    "SOURCELIST": "Dir::Etc::sourcelist/f",
    "SOURCEPARTS": "Dir::Etc::sourceparts/d",
    "PREFERENCES": "Dir::Etc::preferences/f",
    "PREFERENCEPARTS": "Dir::Etc::preferencesparts/d",
    "PARTS": "Dir::Etc::parts/d",
    "MAIN": "Dir::Etc::main/f",
    "EXTENDED": "Dir::State::extended_states/f",
    "PKGCACHE": "Dir::Cache::pkgcache/f",
    "SRCPKGCACHE": "Dir::Cache::srcpkgcache/f",
}
#: apt's binary caches of the lists (``Dir::Cache::pkgcache``/``srcpkgcache``), in the
#: adapter's cache directory when the system's are switched off (set to "").
_APT_CACHE_FILES = {"PKGCACHE": "pkgcache.bin", "SRCPKGCACHE": "srcpkgcache.bin"}
_APT_CACHE_OPTIONS = {"PKGCACHE": "Dir::Cache::pkgcache", "SRCPKGCACHE": "Dir::Cache::srcpkgcache"}
#: What earlier versions of pip-native kept in the cache directory (removed when an hour old).
_LEGACY = ("apt-index-*", ".apt-index-*", "apt-dumpavail-ahead-*", ".apt-cache-build-*")
_HINT = (
    "Check that apt works: `apt-get check` should succeed (run `apt-get update` "
    "if the package lists are missing)."
)


def _directory_entries(directory: str | None) -> list[str]:
    """``directory`` and its entries (but ``lock`` and ``partial``), for a state key."""
    if not directory:
        return []
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return [directory]
    return [directory, *(e.path for e in entries if e.name not in ("lock", "partial"))]


def _gencaches(options: Sequence[str]) -> tuple[str, ...]:
    # Debug::NoLocking: gencaches would otherwise take dpkg's frontend lock (see
    # AptAdapter._ensure_binary_cache)
    return ("apt-cache", "-o", "Debug::NoLocking=1", *options, "gencaches")


def _venv_hint(path: str = "~/.venvs/myproject") -> str:
    return f"{SYSTEM_PYTHON} -m venv --system-site-packages {path} && . {path}/bin/activate"


class AptAdapter:
    """Debian packages via apt: batched queries, answered by apt on a part of its lists.

    The index is apt's candidates (``apt-cache dumpavail``) in the plan's
    universe, the installed packages plus everything the packages asked about
    can reach (see :mod:`~pip_native.native.apt_universe`), and ``dpkg-query
    -W`` for what is installed. With ``cache_dir`` the universe is kept there
    for the next plan in the same apt state (the package lists, sources,
    preferences, apt configuration and dpkg status), and so is the simulation
    of :meth:`plan_install` (``apt-get --print-uris`` on the universe, or
    ``-s`` on the full lists for what it cannot tell).

    Virtual package names are absent from :meth:`query` (they have no version
    of their own); :meth:`closure` and :meth:`plan_install` resolve them
    through Provides like apt does.
    """

    name = "apt"

    def __init__(
        self,
        *,
        dists_for_package: Callable[[str], Sequence[str]] | None = None,
        env: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self._dists_for_package = dists_for_package
        self._env: dict[str, str] = dict(env or {})
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._config: dict[str, str] | None = None
        self._cache_dir_checked = False
        self._usable_cache_dir: Path | None = None
        self._universe: Universe | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._installed_records: dict[str, Record] | None = None
        self._reading_installed = False
        #: simulations started by simulate_ahead (by the names they install), to come.
        self._ahead: dict[tuple[str, ...], Future[tuple[tuple[str, ...], subproc.CommandResult]]]
        self._ahead = {}
        self._ahead_threads: list[threading.Thread] = []
        #: held while the binary cache is built; other apt commands wait for it.
        self._building = threading.Lock()
        self._cache_built = False
        #: guards the lazy reads of the configuration and the cache directory (two threads).
        self._lock = threading.Lock()
        self._installed_lock = threading.Lock()
        self._file_lists: dict[str, tuple[tuple[str, str | None], ...] | None] = {}
        self._provided: dict[SystemPackage, tuple[ProvidedDistribution, ...]] = {}

    # -- environment ---------------------------------------------------------

    def _run(
        self, argv: Sequence[str], *, what: str, check: bool = True, timeout: float = 600
    ) -> subproc.CommandResult:
        return subproc.run(
            argv,
            what=what,
            check=check,
            env=self._env,
            parse_output=True,
            timeout=timeout,
            hint=_HINT,
        )

    def _missing_tools(self) -> list[str]:
        path = self._env.get("PATH", os.environ.get("PATH", os.defpath))
        return [tool for tool in _TOOLS if shutil.which(tool, path=path) is None]

    def _apt_config(self) -> dict[str, str]:
        with self._lock:
            if self._config is None:
                argv = ["apt-config", "shell"]
                for var, key in _CONFIG_KEYS.items():
                    argv += [var, key]
                result = self._run(argv, what="read the apt configuration", timeout=120)
                self._config = parse_apt_config_shell(result.stdout)
            return self._config

    # -- the index -----------------------------------------------------------

    def _state_files(self, config: Mapping[str, str]) -> list[str]:
        """Files whose change can change apt's candidates or dpkg's installed set."""
        files: list[str] = []
        for var in ("SOURCELIST", "PREFERENCES", "MAIN", "STATUS", "EXTENDED"):
            if config.get(var):
                files.append(config[var])
        for var in ("LISTS", "SOURCEPARTS", "PREFERENCEPARTS", "PARTS"):
            files += _directory_entries(config.get(var))
        status = config.get("STATUS")
        if status:
            files += _directory_entries(str(Path(status).parent / "updates"))
        apt_config = self._env.get("APT_CONFIG", os.environ.get("APT_CONFIG"))
        if apt_config:
            files.append(apt_config)
        return files

    def _cache_key(self, config: Mapping[str, str]) -> str:
        """The key of this apt state: the files of :meth:`_state_files`, apt's configuration."""
        prefix = repr((_CACHE_FORMAT, sorted(config.items())))
        return stamps_key(prefix, self._state_files(config))[0]

    def _lists_key(self, config: Mapping[str, str]) -> str:
        """The key of apt's package lists alone: what their decompressed copies and tables
        depend on (not dpkg's status, which every install changes)."""
        prefix = repr((_CACHE_FORMAT, "lists", config.get("LISTS")))
        return stamps_key(prefix, _directory_entries(config.get("LISTS")))[0]

    def _writable_cache_dir(self) -> Path | None:
        """``cache_dir``, created if needed, when this process can write there; else None."""
        with self._lock:
            return self._check_cache_dir()

    def _check_cache_dir(self) -> Path | None:
        if not self._cache_dir_checked:
            self._cache_dir_checked = True
            usable: Path | None = None
            if self._cache_dir is not None:
                try:
                    self._cache_dir.mkdir(parents=True, exist_ok=True)
                    if os.access(self._cache_dir, os.W_OK | os.X_OK):
                        usable = self._cache_dir
                except OSError as exc:
                    logger.debug("apt cache directory %s is not usable: %s", self._cache_dir, exc)
            if usable is not None:
                patterns = [f"{name}.*" for name in _APT_CACHE_FILES.values()]
                apt_store.remove_stale_temporaries(usable, *patterns, *_LEGACY)
            self._usable_cache_dir = usable
        return self._usable_cache_dir

    def _apt_cache_options(self) -> tuple[str, ...]:
        """``-o Dir::Cache::pkgcache=…`` options for apt commands on the full lists (maybe none).

        Only when the system's configuration switched apt's binary cache off
        (``Dir::Cache::pkgcache ""``, as Docker images do), and only when
        ``cache_dir`` is writable: the full simulation a plan falls back on
        (:meth:`_simulation`) then finds the binary cache an earlier one built.
        apt checks the file against the package lists and the dpkg status
        itself and writes it atomically (a temporary file renamed).
        :meth:`_ensure_binary_cache` builds it before the first command runs.
        """
        cache_dir = self._writable_cache_dir()
        if cache_dir is None:
            return ()
        config = self._apt_config()
        if config.get("PKGCACHE") != "":
            return ()  # enabled (or unknown): apt's own cache serves
        options: list[str] = []
        for var, option in _APT_CACHE_OPTIONS.items():
            if config.get(var) == "":
                options += ["-o", f"{option}={cache_dir / _APT_CACHE_FILES[var]}"]
        return tuple(options)

    def _ensure_binary_cache(self, options: Sequence[str]) -> None:
        """Build the binary cache file of ``options`` once, before the first command using it.

        ``Debug::NoLocking``: gencaches would otherwise take dpkg's frontend
        lock (and fail while another apt holds it), which no read-only apt
        command of a plan does.
        """
        if not options:
            return
        with self._building:
            if self._cache_built:
                return
            self._cache_built = True
            result = self._run(_gencaches(options), what="build apt's binary cache", check=False)
            if not result.ok:  # the command that needs it then reports apt's error
                logger.debug("apt-cache gencaches failed: %s", result.stderr.strip())

    def _universe_of_state(self) -> Universe:
        """The universe of this apt state (made on first use; see
        :mod:`~pip_native.native.apt_universe`)."""
        with self._lock:
            if self._universe is not None:
                return self._universe
        config = self._apt_config()
        cache_dir = self._writable_cache_dir()
        with self._lock:
            if self._universe is None:
                if cache_dir is not None:
                    workdir = cache_dir / f"{UNIVERSE_PREFIX}{self._cache_key(config)}"
                    copies = cache_dir / f"{LISTS_PREFIX}{self._lists_key(config)}"
                else:  # nothing kept for the next plan
                    self._scratch = tempfile.TemporaryDirectory(prefix="pip-native-apt-")
                    workdir = Path(self._scratch.name)
                    copies = workdir / "lists"

                def installed() -> Mapping[str, Record]:
                    return self._installed(config)

                builder = UniverseBuilder(
                    lists_dir=Path(config.get("LISTS") or "/var/lib/apt/lists"),
                    copies=copies,
                    workdir=workdir,
                    installed=installed,
                    env=self._env,
                    hint=_HINT,
                    keep_one=cache_dir is not None,
                )
                self._universe = Universe(
                    builder,
                    workdir=workdir,
                    installed=installed,
                    native_arch=config.get("ARCH", ""),
                    dpkg_query=self._dpkg_query(config),
                )
            return self._universe

    def first_universe_request(self) -> dict[str, object] | None:
        """What the process making this apt state's first universe is given (see
        :func:`~pip_native.native.apt_universe.main`); None when one is stored, or when
        nothing is kept between plans (no usable cache directory)."""
        return self._universe_of_state().first_request()

    def prepare_ahead(self) -> None:
        """Start making the universe of a cold plan in the background: reading apt's lists
        (0.2 s), the universe of the installed packages and apt's candidates in it.

        At the start of a plan, before anyone knows whether it needs apt, so
        that its first question finds the answer (nearly) ready. Nothing
        starts where an earlier plan stored the universe of this apt state.
        """
        self._universe_of_state().start()
        with self._lock:
            read_now, self._reading_installed = not self._reading_installed, True
        if read_now:  # dpkg's records, for the plan's first question
            reading = threading.Thread(
                target=self._installed_ahead, name="pip-native apt installed", daemon=True
            )
            reading.start()
            self._ahead_threads.append(reading)

    def _installed_ahead(self) -> None:
        try:
            self._installed(self._apt_config())
        except PipNativeError as exc:  # the plan's own call reports it
            logger.debug("reading the installed packages ahead failed: %s", exc)

    def use_mapping(self, dists_for_package: Callable[[str], Sequence[str]]) -> None:
        """Take the plan's ``dists_for_package`` (this adapter was made ahead of the plan)."""
        self._dists_for_package = dists_for_package

    def _installed(self, config: Mapping[str, str]) -> dict[str, Record]:
        """The installed packages (``dpkg-query -W``), read once per adapter."""
        with self._installed_lock:
            if self._installed_records is None:
                self._installed_records = self._read_installed(config)
            return self._installed_records

    @staticmethod
    def _dpkg_query(config: Mapping[str, str]) -> list[str]:
        """``dpkg-query -W`` of the installed packages, in apt's dpkg database."""
        argv = ["dpkg-query"]
        status = config.get("STATUS")
        if status and str(Path(status).parent) != "/var/lib/dpkg":
            argv.append(f"--admindir={Path(status).parent}")
        return [*argv, "-W", f"-f={DPKG_QUERY_FORMAT}"]

    def _read_installed(self, config: Mapping[str, str]) -> dict[str, Record]:
        argv = self._dpkg_query(config)
        installed = self._run(argv, what="list installed packages", timeout=120)
        return parse_dpkg_query(installed.stdout, config.get("ARCH", ""))

    def index(self, names: Collection[str] = ()) -> AptIndex:
        """The index of a universe holding ``names``: apt's candidates of the installed
        packages, of ``names`` and of everything they reach, and what is installed."""
        return self._universe_of_state().cover(names)

    # -- NativeAdapter -------------------------------------------------------

    def query(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        """Candidate and installed versions of ``names`` (unknown and virtual names are absent)."""
        index = self.index(names)
        found: dict[str, SystemPackage] = {}
        for name in names:
            key = index.key_for(name)
            available = index.available.get(key)
            installed = index.installed.get(key)
            if available is None and installed is None:
                continue
            record = available or installed
            assert record is not None
            found[name] = SystemPackage(
                manager=self.name,
                name=key,
                version=record.version,
                installed_version=installed.version if installed else None,
                arch=record.arch or None,
            )
        return found

    def installed(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        """The installed ones of ``names`` at their installed version, from ``dpkg-query -W``
        alone: whether an installed copy of a project belongs to a Debian package needs
        no package index (a plan that needs nothing from apt never reads it)."""
        records = self._installed(self._apt_config())
        found: dict[str, SystemPackage] = {}
        for name in names:
            record = records.get(name)
            if record is not None:
                found[name] = SystemPackage(
                    manager=self.name,
                    name=name,
                    version=record.version,
                    installed_version=record.version,
                    arch=record.arch or None,
                )
        return found

    def closure(self, name: str) -> Sequence[SystemPackage]:
        """``name`` and everything it brings or relies on, installed or not.

        ``version`` of each entry is the version present after installing
        ``name``: the candidate for packages apt would install or upgrade
        (always for ``name`` itself), the installed version for installed
        dependencies that already satisfy. A virtual ``name`` is replaced by
        the provider apt would pick.
        """
        return tuple(
            SystemPackage(
                manager=self.name,
                name=selected.key,
                version=selected.record.version,
                installed_version=selected.installed_version,
                arch=selected.record.arch or None,
            )
            for selected in self.index([name]).closure(name)
        )

    def _installed_dists(
        self, names: Iterable[str]
    ) -> Mapping[str, tuple[tuple[str, str | None], ...] | None]:
        wanted = sorted({n for n in names if n not in self._file_lists})
        if wanted:
            result = self._run(
                ["dpkg-query", "-L", *wanted],
                what="list the files of installed packages",
                check=False,
                timeout=300,
            )
            for name, paths in parse_file_lists(result.stdout, wanted).items():
                self._file_lists[name] = (
                    None if paths is None else tuple(python_distributions_in(paths))
                )
        return self._file_lists

    def _mapped_names(self, package: str) -> list[str]:
        if self._dists_for_package is None:
            return []
        return list(self._dists_for_package(package))

    def provided_distributions(
        self, packages: Collection[SystemPackage]
    ) -> Mapping[str, Sequence[ProvidedDistribution]]:
        """The PyPI distributions each package puts on ``sys.path``, by package name.

        Installed packages: the ``*.dist-info``/``*.egg-info`` directories in
        ``/usr/lib/python3/dist-packages`` from their file lists (one
        ``dpkg-query -L`` for all); a directory without a version gets the
        package's upstream version. Packages that would be installed or
        upgraded: the names from ``dists_for_package`` (plus, on upgrade, the
        installed ones) at the upstream version of ``package.version``.
        """
        todo = [p for p in packages if p not in self._provided]
        lists = self._installed_dists(p.name for p in todo if p.installed_version is not None)
        for package in todo:
            self._provided[package] = self._provided_by(package, lists.get(package.name))
        return {p.name: self._provided[p] for p in packages}

    def _provided_by(
        self,
        package: SystemPackage,
        installed_dists: tuple[tuple[str, str | None], ...] | None,
    ) -> tuple[ProvidedDistribution, ...]:
        found: dict[NormalizedName, Version] = {}
        upgrading = package.version is not None and package.version != package.installed_version
        if package.installed_version is not None and installed_dists is not None:
            fallback = deb_to_pep440(package.installed_version)
            new = deb_to_pep440(package.version) if upgrading and package.version else None
            for raw_name, raw_version in installed_dists:
                version: Version | None = None
                if raw_version is not None:
                    try:
                        version = Version(raw_version)
                    except InvalidVersion:
                        version = None
                version = new or version or fallback
                name = canonicalize_name(raw_name)
                if version is None:
                    logger.debug("no PEP 440 version for %s in %s", raw_name, package.label())
                    continue
                if name not in found or raw_version is not None:
                    found[name] = version
            if not upgrading:
                return provided_by(package, found)
        if package.version is None:
            return provided_by(package, found)
        version = deb_to_pep440(package.version)
        if version is None:
            logger.debug("no PEP 440 version in %s", package.label())
            return provided_by(package, found)
        for raw_name in self._mapped_names(package.name):
            found.setdefault(canonicalize_name(raw_name), version)
        return provided_by(package, found)

    def plan_install(self, names: Sequence[str]) -> NativeStep:
        """Simulate ``apt-get install`` of ``names`` once; return the step and what it brings.

        Raises :class:`NoNativePackageError` for names apt cannot install,
        :class:`CommandFailed` for other apt failures (unmet dependencies) and
        :class:`ResolutionConflictError` when apt would remove packages.
        """
        requested = self._checked(names)
        # apt waits for the dpkg lock (held by another apt, unattended-upgrades, ...) up to
        # this long, then fails with its own message naming the holder; nothing changes.
        seconds = int(
            seconds_from_env("PIP_NATIVE_APT_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT, whole=True)
        )
        lock_wait = f"DPkg::Lock::Timeout={seconds}"
        command = (
            "apt-get",
            "-o",
            lock_wait,
            "install",
            "-y",
            "--no-install-recommends",
            *requested,
        )
        argv, simulation = self._simulation(requested)
        if simulation.removals:
            listed = ", ".join(
                f"{name} {version}" if version else name for name, version in simulation.removals
            )
            raise ResolutionConflictError(
                f"Installing {' '.join(requested)} with apt would remove installed packages: "
                f"{listed}. pip-native never removes system packages.",
                command=argv,
                hint="Run `" + shlex.join(argv) + "` to see why; install the Python projects "
                "that need these apt packages from PyPI instead, or resolve the conflict with "
                "apt yourself.",
            )
        env = {"DEBIAN_FRONTEND": "noninteractive", **self._env}
        return NativeStep(
            manager=self.name,
            command=command,
            requested=requested,
            new_packages=tuple(
                SystemPackage(
                    manager=self.name,
                    name=inst.name,
                    version=inst.version,
                    installed_version=inst.old_version,
                    arch=inst.arch,
                )
                for inst in simulation.installs
            ),
            needs_root=True,
            env=env,
        )

    @staticmethod
    def _checked(names: Sequence[str]) -> tuple[str, ...]:
        return checked_names(
            names,
            _PACKAGE_NAME,
            plural="apt packages",
            singular="Debian package name",
            hint="Debian package names use lower-case letters, digits and + - . "
            "(optionally name:arch or name=version).",
        )

    def _simulation(self, requested: Sequence[str]) -> tuple[tuple[str, ...], Simulation]:
        """What ``apt-get install`` of ``requested`` would do, and the command that said so.

        ``apt-get --print-uris`` on the plan's universe first (see
        :mod:`~pip_native.native.apt_universe`; 0.04 s where the full lists take
        0.3-1.0 s): it lists the files apt would fetch after the same dependency
        resolution, without ``-s``'s dry run of dpkg's ordering. When that is not
        a plain set of installs (a removal, anything unusual, an error),
        ``apt-get -s`` on the full lists tells, and its messages are the ones
        reported.
        """
        ahead = self._ahead.get(tuple(requested))
        fast, result = ahead.result() if ahead is not None else self._simulate_reduced(requested)
        if result.ok:
            simulation = parse_print_uris(result.stdout, self._apt_config().get("ARCH", ""))
            if simulation is not None:
                return fast, simulation
        argv = (
            "apt-get",
            "-s",
            "-o",
            "Debug::NoLocking=1",
            *self._apt_cache_options(),
            "install",
            "--no-install-recommends",
            *requested,
        )
        result = self._simulate_now(argv, full=True)
        if not result.ok:
            self._raise_simulation_error(requested, result)
        return argv, parse_simulation(result.stdout)

    def _simulate_reduced(
        self, requested: Sequence[str]
    ) -> tuple[tuple[str, ...], subproc.CommandResult]:
        """``apt-get --print-uris`` of ``requested`` on a universe holding them.

        ``-V`` lists versions (an upgrade's installed one).
        ``Dir::Cache::Archives`` is an empty directory of pip-native's, so that
        apt lists every file (not those it has already downloaded); apt writes
        nothing there and takes no lock (``Debug::NoLocking``).
        """
        universe = self._universe_of_state()
        covered = universe.grow(requested)  # apt's candidates are read meanwhile, if asked
        empty = universe.workdir / "empty-archives"
        empty.mkdir(exist_ok=True)
        argv = (
            "apt-get",
            "--print-uris",
            "-q",
            "-V",
            "-o",
            "Debug::NoLocking=1",
            *reduced_options(covered.directory),
            "-o",
            f"Dir::Cache::Archives={empty}",
            "install",
            "--no-install-recommends",
            *requested,
        )
        return argv, self._simulate_now(argv, full=False)

    # -- SimulatesAhead ------------------------------------------------------

    def simulate_ahead(self, names: Sequence[str]) -> None:
        """Start the simulation of installing those of ``names`` not installed, in a thread.

        :meth:`plan_install` of the same names waits for it instead of running
        apt-get itself; a guess that the plan does not confirm costs only the
        CPU time. Invalid or no names start nothing (plan_install reports them).
        """
        try:
            requested = self._checked(names)
        except InvalidIdentifierError:
            return
        # The plan keeps installed packages, so it never names them.
        installed = self.installed(requested)
        wanted = tuple(n for n in requested if n not in installed)
        if not wanted or wanted in self._ahead:
            return
        future: Future[tuple[tuple[str, ...], subproc.CommandResult]] = Future()
        self._ahead[wanted] = future

        def run() -> None:
            try:
                future.set_result(self._simulate_reduced(wanted))
            except BaseException as exc:  # handed to plan_install, which raises it
                future.set_exception(exc)

        thread = threading.Thread(target=run, name="pip-native apt simulation", daemon=True)
        self._ahead_threads.append(thread)
        thread.start()

    def finish_ahead(self) -> None:
        """Wait for the simulations and the universe started ahead (a few tenths of a second
        at most)."""
        for thread in self._ahead_threads:
            thread.join()
        if self._universe is not None:
            self._universe.finish()

    def _simulate_now(self, argv: tuple[str, ...], *, full: bool) -> subproc.CommandResult:
        """Run ``argv`` (on the ``full`` lists or a universe), or reuse its result from the
        same apt state."""
        cache_dir = self._writable_cache_dir()
        if cache_dir is None:
            return self._run(argv, what="simulate the apt installation", check=False)
        config = self._apt_config()
        key = self._cache_key(config)
        cached = apt_store.load_simulation(cache_dir, key, argv, self._env)
        if cached is not None:
            return cached
        if full:
            self._ensure_binary_cache(self._apt_cache_options())
        result = self._run(argv, what="simulate the apt installation", check=False)
        if result.ok and self._cache_key(config) == key:  # the state did not change meanwhile
            apt_store.store_simulation(cache_dir, key, result, self._env)
        return result

    def _raise_simulation_error(
        self, requested: Sequence[str], result: subproc.CommandResult
    ) -> None:
        errors = apt_messages(result.stderr) or apt_messages(result.stdout)
        problems = unmet_dependency_lines(result.stdout)
        detail = "; ".join(problems + errors) or f"apt-get exited with status {result.returncode}"
        missing: list[str] = []
        for message in errors:
            for pattern in _NOT_FOUND:
                match = pattern.search(message)
                if match is not None:
                    missing.append(match.group("name"))
        if missing:
            first = missing[0]
            raise NoNativePackageError(
                f"apt cannot install {', '.join(missing)}: {detail}",
                command=result.argv,
                hint=f"Check the name and versions with `apt-cache policy {first}`; run "
                "`apt-get update` if the package lists are old, or install the project from "
                "PyPI instead.",
            )
        raise CommandFailed(
            f"apt cannot install {' '.join(requested)}: {detail}",
            command=result.argv,
            returncode=result.returncode,
            output=result.stdout + result.stderr,
            hint="The apt packages conflict with each other or with installed packages; "
            "install the affected projects from PyPI instead, or fix the apt state first "
            "(`apt-get -f install`).",
        )

    # -- target check --------------------------------------------------------

    def describe(self) -> str:
        return "apt-get (dpkg)"

    def check_target(self, env: TargetEnvironment) -> None:
        """Accept Debian's ``/usr/bin/python3`` or a venv on it that sees system site-packages."""
        who = f"The Python interpreter {env.executable}"
        missing = self._missing_tools()
        if missing:
            raise TargetEnvironmentError(
                f"{who} cannot use apt packages: {', '.join(missing)} not found on PATH, so "
                "this does not look like a Debian-like system.",
                hint="Use --native-from with the package manager of this system (dnf, conda, "
                "brew), or run pip-native on Debian/Ubuntu.",
            )
        found = self._system_python()
        if found is None:
            raise TargetEnvironmentError(
                f"{who} cannot use apt packages: {SYSTEM_PYTHON} does not exist, and apt's "
                "python3-* packages serve only that interpreter.",
                hint="apt-get install python3 python3-venv && " + _venv_hint(),
            )
        system, system_xy = found
        target_xy = f"{env.version.major}.{env.version.minor}"
        base_exe = os.path.realpath(env.base_executable)
        base_prefix = os.path.realpath(env.base_prefix)
        reason: str | None = None
        hint = _venv_hint()
        if env.implementation != "cpython":
            reason = f"it is {env.implementation}, not Debian's CPython {SYSTEM_PYTHON}"
        elif base_prefix != "/usr" or (base_exe != system and not base_exe.startswith("/usr/bin/")):
            reason = (
                f"it is not based on Debian's {SYSTEM_PYTHON} (base interpreter "
                f"{env.base_executable}, prefix {env.base_prefix}); apt installs into "
                f"{SYSTEM_DIST_PACKAGES}, which only {SYSTEM_PYTHON} uses"
            )
        elif system_xy is not None and target_xy != system_xy:
            reason = (
                f"it is Python {target_xy} but apt's packages are built for Debian's "
                f"{SYSTEM_PYTHON} (Python {system_xy})"
            )
        elif env.is_venv and not env.system_site_packages:
            reason = (
                f"its virtual environment {env.prefix} does not include the system "
                f"site-packages, so it cannot import what apt installs in {SYSTEM_DIST_PACKAGES}"
            )
            hint = _venv_hint(shlex.quote(env.prefix))  # re-running venv only rewrites pyvenv.cfg
        elif SYSTEM_DIST_PACKAGES not in {os.path.realpath(p) for p in env.sys_path}:
            reason = f"{SYSTEM_DIST_PACKAGES} is not on its sys.path"
        if reason is not None:
            raise TargetEnvironmentError(f"{who} cannot use apt packages: {reason}.", hint=hint)

    def _system_python(self) -> tuple[str, str | None] | None:
        """Real path and ``X.Y`` version of Debian's ``/usr/bin/python3``; None if missing."""
        real = os.path.realpath(SYSTEM_PYTHON)
        if not Path(real).exists():
            return None
        match = re.fullmatch(r"python(\d+\.\d+)", Path(real).name)
        if match is not None:
            return real, match.group(1)
        result = subproc.run(
            [SYSTEM_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            what=f"ask {SYSTEM_PYTHON} for its version",
            check=False,
            timeout=60,
        )
        text = result.stdout.strip()
        return real, (text if result.ok and re.fullmatch(r"\d+\.\d+", text) else None)
