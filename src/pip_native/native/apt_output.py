"""Parsers for the text output of apt-get -s and --print-uris, dpkg-query -L, apt-config shell."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "SimulatedInstall",
    "Simulation",
    "apt_messages",
    "dist_from_metadata_dir",
    "parse_apt_config_shell",
    "parse_file_lists",
    "parse_print_uris",
    "parse_simulation",
    "python_distributions_in",
    "unmet_dependency_lines",
]

_INST = re.compile(
    r"^Inst (?P<name>\S+)(?: \[(?P<old>[^\]]*)\])? \((?P<new>\S+)(?P<release>[^\[)]*)"
    r"(?:\[(?P<arch>[^\]]+)\])?\)"
)
_REMV = re.compile(r"^Remv (?P<name>\S+)(?: \[(?P<old>[^\]]*)\])?")
#: ``'URI' name_version_arch.deb size hash`` (the hash may be empty).
_URI = re.compile(r"^'[^']*' (?P<file>[^ /']+)\.deb \d+(?: |$)")
#: ``-V``'s ``   name (installed => new)`` line under "will be upgraded".
_UPGRADE = re.compile(r"^ +(?P<name>\S+) \((?P<old>[^ )]+) => (?P<new>[^ )]+)\)$")
#: apt's summary line: the optional counts appear only when not zero.
_STATS = re.compile(
    r"^(?P<upgraded>\d+) upgraded, (?P<new>\d+) newly installed, "
    r"(?:(?P<reinstalled>\d+) reinstalled, )?(?:(?P<downgraded>\d+) downgraded, )?"
    r"(?P<removed>\d+) to remove and \d+ not upgraded\.$"
)
_SITE_METADATA = re.compile(
    r"^/usr/lib/python3(?:\.\d+)?/dist-packages/(?P<base>[^/]+)\.(?P<kind>dist-info|egg-info)$"
)
_EGG_PY_SUFFIX = re.compile(r"-py\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class SimulatedInstall:
    """One ``Inst`` line of ``apt-get -s``: a new install or an upgrade (``old`` set)."""

    name: str
    version: str
    arch: str | None
    old_version: str | None


@dataclass(frozen=True)
class Simulation:
    """What ``apt-get -s install`` said it would do."""

    installs: tuple[SimulatedInstall, ...]
    removals: tuple[tuple[str, str | None], ...]
    """``(name, installed version)`` of every ``Remv`` line."""


def parse_simulation(stdout: str) -> Simulation:
    """Read the ``Inst`` and ``Remv`` lines of ``apt-get -s`` output (C locale)."""
    installs: list[SimulatedInstall] = []
    removals: list[tuple[str, str | None]] = []
    for line in stdout.splitlines():
        if line.startswith("Inst "):
            match = _INST.match(line)
            if match is None:
                continue
            installs.append(
                SimulatedInstall(
                    name=match.group("name"),
                    version=match.group("new"),
                    arch=match.group("arch"),
                    old_version=match.group("old") or None,
                )
            )
        elif line.startswith("Remv "):
            match = _REMV.match(line)
            if match is not None:
                removals.append((match.group("name"), match.group("old") or None))
    return Simulation(tuple(installs), tuple(removals))


def parse_print_uris(stdout: str, native_arch: str) -> Simulation | None:
    """Read ``apt-get --print-uris -q -V install`` output, when it tells the whole change.

    Each ``.deb`` apt would fetch is named ``name_version_arch.deb``, the
    version %-quoted (``2%3a1.0-1`` for ``2:1.0-1``); ``-V``'s list of upgrades
    (``name (old => new)``) gives the installed versions. The result is None,
    for ``apt-get -s`` to tell, unless apt's summary line counts only upgrades
    and new installs, exactly the files listed: a file already in
    ``Dir::Cache::Archives`` is not listed, and a removal, reinstall or
    downgrade has no line of its own.
    """
    installs: list[tuple[str, str, str]] = []
    upgrades: dict[str, tuple[str, str]] = {}
    stats: re.Match[str] | None = None
    block = ""
    for line in stdout.splitlines():
        uri = _URI.match(line)
        if uri is not None:
            parts = uri.group("file").split("_")
            if len(parts) != 3:
                return None
            name, version, arch = parts[0], unquote(parts[1]), parts[2]
            installs.append(
                (name if arch in ("all", native_arch) else f"{name}:{arch}", version, arch)
            )
        elif line.startswith(" "):
            upgrade = _UPGRADE.match(line)
            if block == "The following packages will be upgraded:" and upgrade is not None:
                upgrades[upgrade.group("name")] = (upgrade.group("old"), upgrade.group("new"))
        elif line.endswith(" not upgraded."):
            stats = _STATS.match(line)
        elif line.endswith(" not fully installed or removed."):
            return None
        else:
            block = line
    if (
        stats is None
        or stats.group("reinstalled")
        or stats.group("downgraded")
        or int(stats.group("removed"))
        or int(stats.group("upgraded")) != len(upgrades)
        or int(stats.group("upgraded")) + int(stats.group("new")) != len(installs)
    ):
        return None
    result: list[SimulatedInstall] = []
    for name, version, arch in installs:
        old, new = upgrades.pop(name, (None, version))
        if new != version:
            return None
        result.append(SimulatedInstall(name, version, arch, old))
    return Simulation(tuple(result), ()) if not upgrades else None


def apt_messages(text: str, levels: str = "E") -> list[str]:
    """The ``E:`` (or other level) lines of apt output, without their prefix."""
    found: list[str] = []
    for line in text.splitlines():
        level, sep, message = line.partition(": ")
        if sep and len(level) == 1 and level in levels:
            found.append(message.strip())
    return found


def unmet_dependency_lines(stdout: str) -> list[str]:
    """The indented lines after apt's ``The following packages have unmet dependencies:``."""
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("The following packages have unmet dependencies"):
            block: list[str] = []
            for follow in lines[i + 1 :]:
                if not follow.startswith(" "):
                    break
                block.append(follow.strip())
            return block
    return []


def parse_file_lists(stdout: str, names: Sequence[str]) -> dict[str, tuple[str, ...] | None]:
    """Split ``dpkg-query -L NAME…`` output into each name's file list.

    dpkg-query prints one blank line between the arguments' lists, also after a
    package that is not installed (whose list is empty): so the n-th block is
    the n-th name's. A name whose block is empty maps to None (not installed).
    Lines that are not paths (diversion notes) are dropped.
    """
    blocks: list[list[str]] = [[]]
    for line in stdout.split("\n"):
        if line == "":
            blocks.append([])
        else:
            blocks[-1].append(line)
    result: dict[str, tuple[str, ...] | None] = {}
    for i, name in enumerate(names):
        block = blocks[i] if i < len(blocks) else []
        paths = tuple(line for line in block if line.startswith("/"))
        result[name] = paths if block else None
    return result


def dist_from_metadata_dir(base: str, kind: str) -> tuple[str, str | None]:
    """``(name, version or None)`` from a ``*.dist-info`` / ``*.egg-info`` base name.

    ``scikit_learn-1.2.1`` → ``("scikit_learn", "1.2.1")``; ``foo`` → ``("foo", None)``;
    egg-info ``foo-1.0-py3.11`` → ``("foo", "1.0")``.
    """
    if kind == "egg-info":
        base = _EGG_PY_SUFFIX.sub("", base)
    name, _, version = base.partition("-")
    return name, version or None


def python_distributions_in(paths: Sequence[str]) -> list[tuple[str, str | None]]:
    """Distributions whose metadata directories are among ``paths`` (top of dist-packages)."""
    found: list[tuple[str, str | None]] = []
    for path in paths:
        match = _SITE_METADATA.match(path)
        if match is not None:
            found.append(dist_from_metadata_dir(match.group("base"), match.group("kind")))
    return found


def parse_apt_config_shell(stdout: str) -> dict[str, str]:
    """Read ``apt-config shell VAR key…`` output (``VAR='value'`` lines)."""
    values: dict[str, str] = {}
    for line in stdout.splitlines():
        var, sep, quoted = line.partition("=")
        if not sep or not var.isidentifier():
            continue
        try:
            parts = shlex.split(quoted)
        except ValueError:
            continue
        values[var] = parts[0] if parts else ""
    return values
