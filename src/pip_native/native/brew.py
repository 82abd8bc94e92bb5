"""The brew backend: Homebrew formulae (macOS and Linux) through ``brew info --json=v2``."""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pip_native import subproc
from pip_native.errors import (
    CommandFailed,
    NoNativePackageError,
    PrivilegeError,
    TargetEnvironmentError,
)
from pip_native.mapping.debian import parse_metadata_dir
from pip_native.native.base import (
    NativeStep,
    ProvidedDistribution,
    SystemPackage,
    checked_names,
    provided_by,
)
from pip_native.native.brew_json import (
    BrewHost,
    Formula,
    brew_to_pep440,
    missing_formula_names,
    parse_formulae_list,
    parse_info,
    sdist_project,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

    from pip_native.environment import TargetEnvironment

__all__ = ["BREW_ENV", "BrewAdapter"]

logger = logging.getLogger(__name__)

#: Environment for every brew command: no ``brew update`` in the middle of a plan
#: (it would change the versions the plan was made for), no hint banners.
BREW_ENV: Mapping[str, str] = {"HOMEBREW_NO_AUTO_UPDATE": "1", "HOMEBREW_NO_ENV_HINTS": "1"}

#: Formula names per ``brew info`` call (far below any argv limit).
_BATCH = 200
_FORMULA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+_.@-]*(?:/[A-Za-z0-9_.-]+/[A-Za-z0-9+_.@-]+)?$")
_ROOT_MESSAGE = (
    'brew refuses to run as root ("Running Homebrew as root is extremely dangerous and no '
    'longer supported"), and pip-native is running as root'
)
_ROOT_HINT = (
    "Run pip-native as the user who owns the Homebrew prefix (without sudo); brew installs "
    "formulae without root."
)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _venv_hint(python: str, path: str = "~/.venvs/myproject") -> str:
    return f"{python} -m venv --system-site-packages {path} && . {path}/bin/activate"


class BrewAdapter:
    """Homebrew formulae, read with batched ``brew info --json=v2`` calls.

    What brew knows is read once per adapter: ``brew info --json=v2
    --installed`` (every installed formula, with the runtime dependencies its
    install receipt records) on first use, ``brew formulae`` (every formula
    name) when a name is not installed, and ``brew info --json=v2 --formula
    NAME…`` for the names not yet seen, up to 200 a call. Dependency closures
    are walked over that JSON one level per call: :meth:`closure` expands
    every formula :meth:`query` has found so far together, so the whole plan
    costs one ``brew info`` call per dependency level, not one per formula.

    Python projects are formulae whose source (``urls.stable.url``) is a PyPI
    sdist; they install into the site-packages of each ``python@X.Y`` they
    build for, which brew links into ``$(brew --prefix)/lib/pythonX.Y/site-packages``.
    """

    name = "brew"

    def __init__(
        self,
        *,
        dists_for_package: Callable[[str], Sequence[str]] | None = None,
        cache_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
        host: BrewHost | None = None,
        brew: str = "brew",
    ) -> None:
        # cache_dir is accepted like every adapter's; brew keeps its own API cache,
        # and its answers change with every `brew update`, so nothing is stored here.
        del cache_dir
        self._dists_for_package = dists_for_package
        self._env: dict[str, str] = {**BREW_ENV, **(env or {})}
        self._host = host or BrewHost.current()
        self._brew = brew
        self._prefix: str | None = None
        self._known: frozenset[str] | None = None
        self._installed_read = False
        self._formulae: dict[str, Formula] = {}
        self._absent: set[str] = set()
        self._pending: set[str] = set()
        self._expanded: set[str] = set()
        self._provided: dict[SystemPackage, tuple[ProvidedDistribution, ...]] = {}
        self._target_xy: str | None = None

    # -- running brew --------------------------------------------------------

    def _run(
        self, args: Sequence[str], *, what: str, check: bool = True, timeout: float = 300
    ) -> subproc.CommandResult:
        # parse_output=False: brew's messages are not translated and its JSON does not
        # depend on the locale, while a forced C.UTF-8 locale does not exist on older macOS.
        return subproc.run(
            [self._brew, *args],
            what=what,
            check=check,
            env=self._env,
            parse_output=False,
            timeout=timeout,
            hint="Check that brew works: `brew doctor` should not report errors.",
        )

    def prefix(self) -> str:
        """``brew --prefix`` (``/opt/homebrew``, ``/usr/local``, ``/home/linuxbrew/.linuxbrew``)."""
        if self._prefix is None:
            result = self._run(["--prefix"], what="ask brew for its prefix", timeout=60)
            self._prefix = result.stdout.strip()
        return self._prefix

    def _known_names(self) -> frozenset[str]:
        if self._known is None:
            result = self._run(["formulae"], what="list the formulae brew knows", timeout=120)
            self._known = parse_formulae_list(result.stdout)
        return self._known

    def _store(self, formulae: Iterable[Formula]) -> None:
        for formula in formulae:
            self._formulae[formula.name] = formula
            self._formulae[formula.full_name] = formula

    def _read_installed(self) -> None:
        if self._installed_read:
            return
        result = self._run(
            ["info", "--json=v2", "--installed"], what="read the installed formulae from brew"
        )
        self._store(self._parse(result))
        self._installed_read = True

    def _parse(self, result: subproc.CommandResult) -> list[Formula]:
        try:
            return parse_info(result.stdout)
        except ValueError as exc:
            raise CommandFailed(
                f"brew printed output pip-native cannot read ({exc}).",
                command=result.argv,
                returncode=result.returncode,
                output=result.stdout[-2000:] + result.stderr,
                hint="Update Homebrew (`brew update`); pip-native reads `brew info --json=v2`.",
            ) from None

    def _read_formulae(self, names: Sequence[str]) -> None:
        """``brew info --json=v2 --formula`` for ``names``; names brew rejects become absent."""
        todo = list(names)
        while todo:
            result = self._run(
                ["info", "--json=v2", "--formula", *todo],
                what=f"read {len(todo)} formula(e) from brew",
                check=False,
            )
            if result.ok:
                found = self._parse(result)
                self._store(found)
                self._absent.update(n for n in todo if n not in self._formulae)
                return
            missing = [n for n in missing_formula_names(result.stderr) if n in todo]
            if not missing:
                raise CommandFailed(
                    f"brew cannot describe the formulae {' '.join(todo)}: it exited with status "
                    f"{result.returncode}.",
                    command=result.argv,
                    returncode=result.returncode,
                    output=result.stderr or result.stdout,
                    hint="Check that brew works: `brew doctor` should not report errors.",
                )
            self._absent.update(missing)
            todo = [n for n in todo if n not in missing]

    def _load(self, names: Iterable[str]) -> None:
        """Have brew's JSON for every formula among ``names`` that brew knows."""
        wanted = {n for n in names if n not in self._formulae and n not in self._absent}
        if not wanted:
            return
        self._read_installed()
        wanted = {n for n in wanted if n not in self._formulae}
        if not wanted:
            return
        known = self._known_names()
        self._absent.update(n for n in wanted if n not in known)
        todo = sorted(n for n in wanted if n in known)
        for start in range(0, len(todo), _BATCH):
            self._read_formulae(todo[start : start + _BATCH])

    # -- versions ------------------------------------------------------------

    def _candidate_version(self, formula: Formula) -> str | None:
        """The version present after ``brew install``: installed and current (or pinned)
        kegs stay, everything else gets the stable version; None if not installable."""
        installed = formula.installed_version
        if installed is not None and (formula.pinned or not formula.outdated):
            return installed
        if formula.unavailable_reason(self._host) is not None:
            return None
        return formula.pkg_version

    def _package(self, formula: Formula) -> SystemPackage:
        return SystemPackage(
            manager=self.name,
            name=formula.full_name,
            version=self._candidate_version(formula),
            installed_version=formula.installed_version,
        )

    def _dependencies(self, formula: Formula) -> tuple[str, ...]:
        """Installed kegs that stay rely on what their receipt records; a formula brew
        would install or upgrade brings what its current definition declares."""
        keg = formula.installed_keg
        if (
            keg is not None
            and keg.runtime_dependencies is not None
            and self._candidate_version(formula) == formula.installed_version
        ):
            return keg.runtime_dependencies
        return formula.runtime_dependencies(self._host)

    # -- NativeAdapter -------------------------------------------------------

    def query(self, names: Collection[str]) -> Mapping[str, SystemPackage]:
        """Candidate and installed versions of the formulae ``names``; unknown names are absent."""
        self._load(names)
        found: dict[str, SystemPackage] = {}
        for name in names:
            formula = self._formulae.get(name)
            if formula is not None:
                found[name] = self._package(formula)
                if formula.full_name not in self._expanded:
                    self._pending.add(formula.full_name)
        return found

    def _expand(self) -> None:
        """Read the dependency closures of every pending root: one ``brew info`` per level."""
        frontier = set(self._pending)
        self._pending.clear()
        while frontier:
            deps: set[str] = set()
            for name in frontier:
                formula = self._formulae.get(name)
                if formula is None or formula.full_name in self._expanded:
                    continue
                self._expanded.add(formula.full_name)
                deps.update(self._dependencies(formula))
            self._load(deps)
            frontier = {
                d
                for d in deps
                if d in self._formulae and self._formulae[d].full_name not in self._expanded
            }

    def closure(self, name: str) -> Sequence[SystemPackage]:
        """``name`` and every formula it relies on at runtime, installed or not, root first.

        Build and test dependencies are not part of it (brew pours bottles); on
        Linux the ``uses_from_macos`` dependencies are.
        """
        self._load([name])
        root = self._formulae.get(name)
        if root is None:
            raise NoNativePackageError(
                f"brew has no formula named {name!r}.",
                hint=f"Check the name with `brew search {name}`; tap the formula's tap first "
                "if it lives outside homebrew/core.",
            )
        if root.full_name not in self._expanded:
            self._pending.add(root.full_name)
        self._expand()
        order: list[Formula] = []
        seen: set[str] = set()
        queue = [root.full_name]
        while queue:
            current = queue.pop(0)
            formula = self._formulae.get(current)
            if formula is None:
                raise NoNativePackageError(
                    f"The formula {root.full_name} depends on {current}, which brew does not know.",
                    hint=f"Tap the tap that provides {current} (`brew tap user/repo`), or run "
                    "`brew doctor`.",
                )
            if formula.full_name in seen:
                continue
            seen.add(formula.full_name)
            order.append(formula)
            queue.extend(self._dependencies(formula))
        return tuple(self._package(f) for f in order)

    # -- what a formula puts on sys.path -------------------------------------

    def _site_packages(self, formula: Formula) -> list[Path]:
        """The keg's ``lib/pythonX.Y/site-packages`` directories the target can see."""
        lib = Path(self.prefix()) / "opt" / formula.name / "lib"
        if self._target_xy is not None:
            candidates = [lib / f"python{self._target_xy}" / "site-packages"]
        else:
            try:
                candidates = sorted(lib.glob("python3.*/site-packages"))
            except OSError:
                candidates = []
        return [c for c in candidates if c.is_dir()]

    def _keg_distributions(self, formula: Formula) -> dict[NormalizedName, Version | None]:
        """``*.dist-info``/``*.egg-info`` in the installed keg's site-packages, and in the
        directories its ``.pth`` files add (a library's vendored dependencies)."""
        found: dict[NormalizedName, Version | None] = {}
        directories = self._site_packages(formula)
        seen: set[Path] = set()
        while directories:
            directory = directories.pop(0)
            if directory in seen:
                continue
            seen.add(directory)
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.endswith(".pth") and entry.is_file():
                    directories.extend(_pth_directories(Path(entry.path)))
                    continue
                parsed = parse_metadata_dir(entry.name)
                if parsed is None:
                    continue
                version: Version | None = None
                if parsed.raw_version is not None:
                    try:
                        version = Version(parsed.raw_version)
                    except InvalidVersion:
                        version = None
                if parsed.project not in found or version is not None:
                    found[parsed.project] = version
        return found

    def _mapped_names(self, package: str) -> list[str]:
        if self._dists_for_package is None:
            return []
        return list(self._dists_for_package(package))

    def provided_distributions(
        self, packages: Collection[SystemPackage]
    ) -> Mapping[str, Sequence[ProvidedDistribution]]:
        """The PyPI distributions each formula puts on the target's ``sys.path``, by name.

        Installed, linked kegs that stay: the metadata directories in the keg's
        ``lib/pythonX.Y/site-packages`` for the target's ``X.Y`` (and in the
        directories its ``.pth`` files name). Formulae brew would install or
        upgrade: the project of the PyPI sdist the formula builds, at the sdist's
        version (for other sources, the names ``dists_for_package`` gives) —
        and nothing when the formula does not build for the target's Python
        ``X.Y``, or is keg-only (not linked into the prefix).
        """
        todo = [p for p in packages if p not in self._provided]
        self._load(p.name for p in todo)
        for package in todo:
            self._provided[package] = self._provided_by(package)
        return {p.name: self._provided[p] for p in packages}

    def _provided_by(self, package: SystemPackage) -> tuple[ProvidedDistribution, ...]:
        formula = self._formulae.get(package.name)
        if formula is None:
            return ()
        if formula.keg_only:
            logger.debug("%s is keg-only: not linked into the prefix's site-packages", formula.name)
            return ()
        found: dict[NormalizedName, Version] = {}
        upgrading = package.version is not None and package.version != package.installed_version
        keg: dict[NormalizedName, Version | None] = {}
        if package.installed_version is not None:
            if formula.linked_keg is None:
                # brew install does not link an installed, unlinked keg: nothing is visible
                logger.debug("%s is installed but not linked", formula.name)
                return ()
            keg = self._keg_distributions(formula)
            if not upgrading:
                fallback = brew_to_pep440(package.installed_version)
                for name, keg_version in keg.items():
                    chosen = keg_version or fallback
                    if chosen is not None:
                        found[name] = chosen
                return provided_by(package, found)
        if package.version is None:
            return ()
        pythons = formula.python_versions()
        if self._target_xy is not None and self._target_xy not in pythons:
            logger.debug(
                "%s builds for Python %s, not the target's %s",
                formula.name,
                ", ".join(sorted(pythons)) or "none",
                self._target_xy,
            )
            return ()
        version = brew_to_pep440(package.version)
        sdist = sdist_project(formula.url)
        if sdist is not None:
            found[sdist[0]] = sdist[1]
        elif pythons and version is not None:
            for raw in self._mapped_names(package.name):
                found.setdefault(canonicalize_name(raw), version)
        if version is not None:
            for name in keg:
                found.setdefault(name, version)
        return provided_by(package, found)

    # -- the install step ----------------------------------------------------

    def plan_install(self, names: Sequence[str]) -> NativeStep:
        """``brew install --formula NAME…`` and what it brings (every formula of the
        closures that is not installed or would be upgraded). Runs nothing but queries."""
        requested = checked_names(
            names,
            _FORMULA_NAME,
            plural="brew formulae",
            singular="Homebrew formula name",
            hint="Formula names use letters, digits and + _ . @ - (tap formulae as user/repo/name).",
            empty_hint="Pass at least one formula name.",
        )
        command = ("brew", "install", "--formula", *requested)
        if _is_root():
            raise PrivilegeError(
                f"Cannot install {' '.join(requested)} with brew: {_ROOT_MESSAGE}.",
                command=command,
                hint=_ROOT_HINT,
            )
        found = self.query(requested)
        missing = [n for n in requested if n not in found]
        if missing:
            raise NoNativePackageError(
                f"brew has no formula named {', '.join(missing)}.",
                command=command,
                hint=f"Check the name with `brew search {missing[0]}`, or install the project "
                "from PyPI instead.",
            )
        for name in requested:
            formula = self._formulae[name]
            reason = formula.unavailable_reason(self._host)
            if reason is not None and found[name].version is None:
                raise NoNativePackageError(
                    f"brew cannot install {name}: {reason}.",
                    command=command,
                    hint=f"See `brew info {name}`; install the project from PyPI instead.",
                )
        new: dict[str, SystemPackage] = {}
        for name in requested:
            for package in self.closure(name):
                if package.version is None:
                    formula = self._formulae[package.name]
                    why = formula.unavailable_reason(self._host) or "it cannot be installed"
                    raise NoNativePackageError(
                        f"brew cannot install {name}: it needs {package.name}, but {why}.",
                        command=command,
                        hint=f"See `brew info {package.name}`; install the project from PyPI instead.",
                    )
                if package.version != package.installed_version:
                    new.setdefault(package.name, package)
        return NativeStep(
            manager=self.name,
            command=command,
            requested=requested,
            new_packages=tuple(new.values()),
            needs_root=False,
            env=dict(self._env),
        )

    # -- target check --------------------------------------------------------

    def describe(self) -> str:
        return self._brew

    def check_target(self, env: TargetEnvironment) -> None:
        """Accept Homebrew's ``python@X.Y`` or a venv made from it with the system site-packages.

        Refuses when pip-native runs as root (brew will not), when brew is not
        on PATH, and when the target's base interpreter is not Homebrew's
        ``python@X.Y`` or does not have ``$(brew --prefix)/lib/pythonX.Y/site-packages``
        on its ``sys.path``.
        """
        who = f"The Python interpreter {env.executable}"
        if _is_root():
            raise TargetEnvironmentError(
                f"{who} cannot use brew formulae: {_ROOT_MESSAGE}.", hint=_ROOT_HINT
            )
        path = self._env.get("PATH", os.environ.get("PATH", os.defpath))
        if self._brew == "brew" and shutil.which("brew", path=path) is None:
            raise TargetEnvironmentError(
                f"{who} cannot use brew formulae: brew is not on PATH.",
                hint='Install Homebrew (https://brew.sh) and add it to PATH: eval "$(/opt/homebrew/bin/brew '
                'shellenv)" on Apple silicon, /usr/local/bin/brew on Intel macs, '
                "/home/linuxbrew/.linuxbrew/bin/brew on Linux.",
            )
        prefix = self.prefix()
        xy = f"{env.version.major}.{env.version.minor}"
        self._target_xy = xy
        default_hint = _venv_hint(f"{prefix}/bin/python3")
        site = f"{prefix}/lib/python{xy}/site-packages"
        homebrew_python = self._homebrew_python(prefix, xy)
        base = os.path.realpath(env.base_executable)
        reason: str | None = None
        hint = default_hint
        if env.implementation != "cpython":
            reason = f"it is {env.implementation}, not Homebrew's CPython"
        elif homebrew_python is None:
            reason = (
                f"it is Python {xy}, and Homebrew's python@{xy} is not installed "
                f"({prefix}/opt/python@{xy}/bin/python{xy} does not exist)"
            )
            hint = f"brew install python@{xy}, then: " + _venv_hint(
                f"{prefix}/opt/python@{xy}/bin/python{xy}"
            )
        elif base != homebrew_python:
            reason = (
                f"it is not based on Homebrew's python@{xy} (base interpreter "
                f"{env.base_executable}); brew installs Python formulae into {site}, which "
                "only Homebrew's Python uses"
            )
        elif env.is_venv and not env.system_site_packages:
            reason = (
                f"its virtual environment {env.prefix} does not include the system "
                f"site-packages, so it cannot import what brew installs in {site}"
            )
            # re-running venv on an existing environment only rewrites pyvenv.cfg
            hint = _venv_hint(f"{prefix}/opt/python@{xy}/bin/python{xy}", shlex.quote(env.prefix))
        elif os.path.realpath(site) not in {os.path.realpath(p) for p in env.sys_path}:
            reason = f"{site} is not on its sys.path"
        if reason is not None:
            raise TargetEnvironmentError(f"{who} cannot use brew formulae: {reason}.", hint=hint)

    @staticmethod
    def _homebrew_python(prefix: str, xy: str) -> str | None:
        """Real path of ``$(brew --prefix)/opt/python@X.Y/bin/pythonX.Y``; None if missing."""
        path = Path(prefix) / "opt" / f"python@{xy}" / "bin" / f"python{xy}"
        if not path.exists():
            return None
        return os.path.realpath(path)


def _pth_directories(pth: Path) -> list[Path]:
    """Existing absolute directories named by a ``.pth`` file (``import`` lines are skipped)."""
    try:
        lines = pth.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    out: list[Path] = []
    for line in lines:
        text = line.strip()
        if not text or text.startswith(("#", "import ", "import\t")):
            continue
        path = Path(text)
        if path.is_absolute() and path.is_dir():
            out.append(path)
    return out
