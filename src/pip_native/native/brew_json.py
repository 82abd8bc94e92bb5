"""Reading Homebrew's output: ``brew info --json=v2`` formulae, ``brew formulae``, versions, sdist URLs."""

from __future__ import annotations

import json
import platform
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
)
from packaging.version import InvalidVersion, Version

__all__ = [
    "MACOS_RELEASES",
    "PYPI_HOSTS",
    "BrewHost",
    "Formula",
    "InstalledKeg",
    "brew_to_pep440",
    "missing_formula_names",
    "parse_formulae_list",
    "parse_info",
    "sdist_project",
]

#: Hosts whose files are PyPI uploads (``urls.stable.url`` of a formula built from a PyPI sdist).
PYPI_HOSTS = frozenset({"files.pythonhosted.org", "pypi.org", "pypi.io", "pypi.python.org"})

#: Homebrew's macOS codenames (``MacOSVersion::SYMBOLS``), as used in ``uses_from_macos`` bounds.
MACOS_RELEASES: Mapping[str, tuple[int, ...]] = {
    "tahoe": (26,),
    "sequoia": (15,),
    "sonoma": (14,),
    "ventura": (13,),
    "monterey": (12,),
    "big_sur": (11,),
    "catalina": (10, 15),
    "mojave": (10, 14),
    "high_sierra": (10, 13),
    "sierra": (10, 12),
    "el_capitan": (10, 11),
}

_PYTHON_FORMULA = re.compile(r"^python@(?P<xy>3\.\d+)$")
_REVISION = re.compile(r"_\d+$")
_MISSING = re.compile(r'No available formula(?: or cask)? with the name "(?P<name>[^"]+)"')


@dataclass(frozen=True)
class BrewHost:
    """The machine brew runs on, as far as formula dependencies differ by platform."""

    system: str
    """``darwin`` or ``linux`` (``sys.platform``)."""
    macos_release: tuple[int, ...] | None = None
    """macOS version (``(15, 1)``) on ``darwin``; None elsewhere or when unknown."""

    @classmethod
    def current(cls) -> BrewHost:
        """This machine: ``sys.platform`` and ``platform.mac_ver()``."""
        release: tuple[int, ...] | None = None
        if sys.platform == "darwin":
            text = platform.mac_ver()[0]
            parts = tuple(int(p) for p in text.split(".") if p.isdigit())
            release = parts or None
        return cls(sys.platform, release)

    @property
    def is_macos(self) -> bool:
        return self.system == "darwin"

    def macos_provides(self, since: str | None) -> bool:
        """Whether macOS itself provides a ``uses_from_macos`` dependency bounded by ``since``.

        Mirrors brew: without a bound macOS always provides it; an unknown
        codename or macOS version counts as provided.
        """
        if not self.is_macos:
            return False
        if since is None or self.macos_release is None or since not in MACOS_RELEASES:
            return True
        return self.macos_release >= MACOS_RELEASES[since]


@dataclass(frozen=True)
class InstalledKeg:
    """One ``installed[]`` entry: a keg in the Cellar and its install receipt."""

    version: str
    """Keg version with any revision suffix (``2.3.3_1``)."""
    runtime_dependencies: tuple[str, ...] | None
    """Full names of every formula the keg relies on at runtime (recursive), or None
    when the receipt does not record them."""
    installed_on_request: bool


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


@dataclass(frozen=True)
class Formula:
    """The parts of one ``brew info --json=v2`` formula that pip-native uses."""

    name: str
    full_name: str
    tap: str | None
    stable: str | None
    """``versions.stable``: the version ``brew install`` installs, without revision."""
    revision: int
    url: str | None
    """``urls.stable.url``: the source the formula builds (a PyPI sdist for Python projects)."""
    dependencies: tuple[str, ...]
    """Runtime dependencies as brew reports them for this machine (not build/test,
    not ``uses_from_macos``)."""
    recommended: tuple[str, ...]
    build_dependencies: tuple[str, ...]
    test_dependencies: tuple[str, ...]
    uses_from_macos: tuple[tuple[str, tuple[str, ...], str | None], ...]
    """``(name, tags, since)``: tags such as ``build``; ``since`` a macOS codename."""
    requirements: tuple[str, ...]
    """Requirement names (``macos``, ``linux``, ``xcode``, ``arch`` …)."""
    installed: tuple[InstalledKeg, ...]
    linked_keg: str | None
    keg_only: bool
    pinned: bool
    outdated: bool
    disabled: bool
    deprecated: bool

    @property
    def pkg_version(self) -> str | None:
        """``stable`` with the revision suffix brew gives kegs (``2.3.3_1``)."""
        if self.stable is None:
            return None
        return f"{self.stable}_{self.revision}" if self.revision else self.stable

    @property
    def installed_version(self) -> str | None:
        """The linked keg's version, else the newest installed keg's; None if not installed."""
        if self.linked_keg:
            return self.linked_keg
        return self.installed[-1].version if self.installed else None

    @property
    def installed_keg(self) -> InstalledKeg | None:
        version = self.installed_version
        for keg in self.installed:
            if keg.version == version:
                return keg
        return None

    def python_versions(self) -> frozenset[str]:
        """``X.Y`` of every ``python@X.Y`` the formula builds, tests or runs with.

        Homebrew's Python libraries install into the site-packages of each of
        these (``numpy`` builds for ``python@3.12``, ``3.13`` and ``3.14``).
        """
        names = {
            *self.dependencies,
            *self.build_dependencies,
            *self.test_dependencies,
        }
        keg = self.installed_keg
        if keg is not None and keg.runtime_dependencies:
            names.update(keg.runtime_dependencies)
        found = set()
        for name in names:
            match = _PYTHON_FORMULA.match(name.rpartition("/")[2])
            if match is not None:
                found.add(match.group("xy"))
        return frozenset(found)

    def runtime_dependencies(self, host: BrewHost) -> tuple[str, ...]:
        """What installing this formula on ``host`` brings: its runtime, recommended and
        (where macOS does not provide them) ``uses_from_macos`` dependencies."""
        names = list(self.dependencies) + list(self.recommended)
        for dep, tags, since in self.uses_from_macos:
            if {"build", "test"} & set(tags):
                continue
            if not host.macos_provides(since):
                names.append(dep)
        return tuple(dict.fromkeys(names))

    def unavailable_reason(self, host: BrewHost) -> str | None:
        """Why ``brew install`` cannot install this formula here, or None."""
        if self.disabled:
            return "it is disabled in Homebrew"
        if self.stable is None:
            return "it has no stable version (HEAD only)"
        if "macos" in self.requirements and not host.is_macos:
            return "it requires macOS"
        if "linux" in self.requirements and host.system != "linux":
            return "it requires Linux"
        return None


def _uses_from_macos(raw: Mapping[str, Any]) -> tuple[tuple[str, tuple[str, ...], str | None], ...]:
    entries = raw.get("uses_from_macos") or []
    bounds = raw.get("uses_from_macos_bounds") or []
    out: list[tuple[str, tuple[str, ...], str | None]] = []
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        bound = bounds[i] if isinstance(bounds, list) and i < len(bounds) else {}
        since = bound.get("since") if isinstance(bound, dict) else None
        since = since if isinstance(since, str) else None
        if isinstance(entry, str):
            out.append((entry, (), since))
        elif isinstance(entry, dict):
            for name, tags in entry.items():
                tag_list = (tags,) if isinstance(tags, str) else _strings(tags)
                out.append((str(name), tag_list, since))
    return tuple(out)


def _installed(raw: object) -> tuple[InstalledKeg, ...]:
    kegs: list[InstalledKeg] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            continue
        deps_raw = entry.get("runtime_dependencies")
        deps: tuple[str, ...] | None = None
        if isinstance(deps_raw, list):
            deps = tuple(
                str(d["full_name"])
                for d in deps_raw
                if isinstance(d, dict) and isinstance(d.get("full_name"), str)
            )
        kegs.append(
            InstalledKeg(
                version=entry["version"],
                runtime_dependencies=deps,
                installed_on_request=bool(entry.get("installed_on_request")),
            )
        )
    return tuple(kegs)


def _formula(raw: Mapping[str, Any]) -> Formula:
    versions = raw.get("versions")
    urls = raw.get("urls")
    stable_url = urls.get("stable") if isinstance(urls, dict) else None
    reqs = raw.get("requirements")
    return Formula(
        name=str(raw["name"]),
        full_name=str(raw.get("full_name") or raw["name"]),
        tap=raw.get("tap") if isinstance(raw.get("tap"), str) else None,
        stable=(
            versions["stable"]
            if isinstance(versions, dict) and isinstance(versions.get("stable"), str)
            else None
        ),
        revision=raw["revision"] if isinstance(raw.get("revision"), int) else 0,
        url=(
            stable_url["url"]
            if isinstance(stable_url, dict) and isinstance(stable_url.get("url"), str)
            else None
        ),
        dependencies=_strings(raw.get("dependencies")),
        recommended=_strings(raw.get("recommended_dependencies")),
        build_dependencies=_strings(raw.get("build_dependencies")),
        test_dependencies=_strings(raw.get("test_dependencies")),
        uses_from_macos=_uses_from_macos(raw),
        requirements=tuple(
            str(r["name"])
            for r in (reqs if isinstance(reqs, list) else [])
            if isinstance(r, dict) and isinstance(r.get("name"), str)
        ),
        installed=_installed(raw.get("installed")),
        linked_keg=raw.get("linked_keg") if isinstance(raw.get("linked_keg"), str) else None,
        keg_only=bool(raw.get("keg_only")),
        pinned=bool(raw.get("pinned")),
        outdated=bool(raw.get("outdated")),
        disabled=bool(raw.get("disabled")),
        deprecated=bool(raw.get("deprecated")),
    )


def parse_info(text: str) -> list[Formula]:
    """The formulae of ``brew info --json=v2`` output, in output order.

    Raises ValueError when the text is not that JSON (an object with a
    ``formulae`` list of objects that have a ``name``).
    """
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("formulae"), list):
        raise ValueError("not brew info --json=v2 output: no 'formulae' list")
    formulae: list[Formula] = []
    for raw in data["formulae"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise ValueError("a 'formulae' entry without a name")
        formulae.append(_formula(raw))
    return formulae


def parse_formulae_list(text: str) -> frozenset[str]:
    """The names ``brew formulae`` prints, one per line (tap formulae as ``user/tap/name``)."""
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def missing_formula_names(text: str) -> list[str]:
    """Names brew said it has no formula for (``No available formula with the name "x"``)."""
    return [m.group("name") for m in _MISSING.finditer(text)]


def brew_to_pep440(version: str | None) -> Version | None:
    """A brew version (``2.3.3``, ``2.3.3_1``) as the PEP 440 version Python metadata reports.

    The ``_N`` revision suffix is Homebrew's own rebuild counter and is dropped;
    versions PEP 440 cannot read (``2025-08-12``, ``HEAD-1a2b3c``) give None.
    """
    if not version:
        return None
    try:
        return Version(_REVISION.sub("", version))
    except InvalidVersion:
        return None


def sdist_project(
    url: str | None, *, any_host: bool = False
) -> tuple[NormalizedName, Version] | None:
    """The PyPI project and version of a formula's source URL, when it is a PyPI sdist.

    ``https://files.pythonhosted.org/packages/…/numpy-2.3.3.tar.gz`` gives
    ``(numpy, 2.3.3)``. Other hosts give None (``wget-1.25.0.tar.gz`` from
    ftp.gnu.org names no PyPI project) unless ``any_host``, for formulae a
    mapping source already says are Python projects (``pygobject-3.56.2.tar.gz``
    from download.gnome.org).
    """
    if not url:
        return None
    parts = urlsplit(url)
    if not any_host and (parts.hostname or "").lower() not in PYPI_HOSTS:
        return None
    filename = unquote(parts.path.rpartition("/")[2])
    try:
        name, version = parse_sdist_filename(filename)
    except (InvalidSdistFilename, InvalidVersion):
        return None
    return canonicalize_name(name), version
