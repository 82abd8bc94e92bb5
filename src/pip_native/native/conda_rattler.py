"""The py-rattler engine: solves against PIP_NATIVE_CONDA_CHANNELS and installs with no conda binary.

py-rattler runs only in child processes (``python -m
pip_native.native.conda_install solve|install``, see that module): its
runtime can crash the interpreter at exit (seen with py-rattler 0.28:
SIGSEGV/abort in about one exit in ten), so the helper leaves with
``os._exit`` and pip-native's own process never loads it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pip_native import subproc
from pip_native.native.conda_prefix import (
    CondaRecord,
    CondaSolveError,
    Transaction,
    dependency_name,
    record_from_json,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import rattler

__all__ = [
    "CHANNELS_ENV",
    "DEFAULT_CHANNELS",
    "INSTALLER_MODULE",
    "RattlerEngine",
    "parse_channels",
    "rattler_available",
    "rattler_version",
    "record_json",
    "solve_prefix",
    "to_record",
]

CHANNELS_ENV = "PIP_NATIVE_CONDA_CHANNELS"
DEFAULT_CHANNELS = ("conda-forge",)
#: ``python -m`` module that solves and installs with py-rattler (and is the step's command).
INSTALLER_MODULE = "pip_native.native.conda_install"
_NOT_FOUND_RE = re.compile(r"No candidates were found for (?P<spec>[^\n.]+?)\s*\.?\s*$", re.M)


def rattler_available() -> bool:
    """Whether py-rattler (the ``pip-native[conda]`` extra) can be imported."""
    return importlib.util.find_spec("rattler") is not None


def rattler_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("py-rattler")
    except PackageNotFoundError:
        return "?"


def parse_channels(value: str | None) -> tuple[str, ...]:
    """``PIP_NATIVE_CONDA_CHANNELS``: names, URLs or local paths, separated by commas or spaces.

    Local paths become ``file://`` URLs; unset or empty means conda-forge.
    """
    channels: list[str] = []
    for item in re.split(r"[,\s]+", value or ""):
        if not item:
            continue
        if item.startswith(("/", "./", "../", "~")):
            item = Path(item).expanduser().resolve().as_uri()
        if item not in channels:
            channels.append(item)
    return tuple(channels) or DEFAULT_CHANNELS


# -- in the helper process (these import rattler) ------------------------------------------


def _subdirs() -> list[rattler.Subdir]:
    import rattler

    return [rattler.Subdir.current(), rattler.Subdir("noarch")]


def _installed_records(prefix: Path | None) -> list[rattler.PrefixRecord]:
    import rattler

    if prefix is None:
        return []
    return [
        rattler.PrefixRecord.from_path(path)
        for path in sorted((prefix / "conda-meta").glob("*.json"))
    ]


async def _missing(
    channels: Sequence[str], names: Sequence[str], gateway: rattler.Gateway
) -> list[str]:
    import rattler

    groups: list[list[rattler.RepoDataRecord]] = await gateway.query(
        [rattler.Channel(c) for c in channels], _subdirs(), list(names), recursive=False
    )
    known = {r.name.normalized for group in groups for r in group}
    return [n for n in names if n not in known]


async def _solve(
    channels: Sequence[str],
    specs: Sequence[str],
    installed: Sequence[rattler.PrefixRecord],
    gateway: rattler.Gateway,
) -> list[rattler.RepoDataRecord]:
    import rattler

    records: list[rattler.RepoDataRecord] = await rattler.solve(
        sources=[rattler.Channel(c) for c in channels],
        specs=list(specs),
        gateway=gateway,
        platforms=_subdirs(),
        locked_packages=list(installed),
        # conda's CONDA_OVERRIDE_* variables (glibc, cuda, osx, …) apply, as in conda
        virtual_packages=rattler.VirtualPackage.detect(rattler.VirtualPackageOverrides.from_env()),
    )
    return records


def solve_prefix(
    prefix: Path | None, specs: Sequence[str], channels: Sequence[str], cache_dir: Path
) -> tuple[list[rattler.RepoDataRecord], list[rattler.PrefixRecord]]:
    """The complete environment after installing ``specs`` into ``prefix``, and what is there now.

    Requested names no channel has (and that are not installed) are reported
    first, all at once. Every installed package is kept (its name is added to
    the request) and preferred at its installed version (it is locked), so the
    result is the full set ``rattler.install`` needs: that call removes
    whatever the set leaves out. Raises :class:`CondaSolveError`.
    """
    import rattler

    try:
        installed = _installed_records(prefix)
    except Exception as exc:  # rattler raises its own exception types
        raise CondaSolveError(f"cannot read the records in {prefix}/conda-meta: {exc}") from None
    have = {r.name.normalized for r in installed}
    requested = [n for n in (dependency_name(s) for s in specs) if n is not None]
    keep = [name for name in sorted(have) if name not in requested]
    gateway = rattler.Gateway(cache_dir=cache_dir)

    async def run() -> tuple[list[str], list[rattler.RepoDataRecord]]:
        missing = await _missing(channels, [n for n in requested if n not in have], gateway)
        if missing:
            return missing, []
        return [], await _solve(channels, [*specs, *keep], installed, gateway)

    try:
        missing, records = asyncio.run(run())
    except Exception as exc:  # SolverError, GatewayError, ... (rattler's own classes)
        text = " ".join(str(exc).split())
        found = [
            n for m in _NOT_FOUND_RE.finditer(str(exc)) if (n := dependency_name(m.group("spec")))
        ]
        raise CondaSolveError(
            f"{type(exc).__name__}: {text}",
            missing=[n for n in found if n in requested and n not in have],
            unsatisfiable=type(exc).__name__ == "SolverError",
        ) from None
    if missing:
        raise CondaSolveError(
            f"no channel has {', '.join(missing)} (channels: {', '.join(channels)})",
            missing=missing,
        )
    return records, installed


def to_record(r: rattler.RepoDataRecord) -> CondaRecord:
    return CondaRecord(
        name=r.name.normalized,
        version=str(r.version),
        build=str(r.build),
        build_number=r.build_number,
        channel=str(r.channel or ""),
        subdir=r.subdir,
        depends=tuple(r.depends),
        noarch="python" if r.noarch.python else "generic" if r.noarch.generic else None,
    )


def record_json(record: CondaRecord) -> dict[str, Any]:
    """A record as the helper prints it (read back with ``record_from_json``)."""
    data = asdict(record)
    data.pop("files")
    data["depends"] = list(record.depends) if record.depends is not None else None
    return data


# -- in pip-native's process -------------------------------------------------------------


class RattlerEngine:
    """Solves with py-rattler against fixed channels, in ``python -m`` :data:`INSTALLER_MODULE`."""

    kind = "rattler"

    def __init__(
        self,
        channels: Sequence[str],
        cache_dir: Path,
        *,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.channels = tuple(channels)
        self.cache_dir = Path(cache_dir)
        self.python = python or sys.executable
        """The interpreter with py-rattler that runs the helper (pip-native's own)."""
        self._env: dict[str, str] = dict(env or {})

    def describe(self) -> str:
        return f"py-rattler {rattler_version()} with channels {', '.join(self.channels)}"

    def _argv(self, action: str, prefix: Path | None) -> list[str]:
        argv = [self.python, "-m", INSTALLER_MODULE, action]
        if prefix is not None:
            argv += ["--prefix", str(prefix)]
        for channel in self.channels:
            argv += ["--channel", channel]
        return [*argv, "--cache-dir", str(self.cache_dir)]

    def exists(self, names: Sequence[str]) -> set[str] | None:
        """Answered by the solve (it reports all missing names at once): None."""
        return None

    def solve(
        self, prefix: Path | None, specs: Sequence[str], installed: Mapping[str, CondaRecord]
    ) -> Transaction:
        argv = [*self._argv("solve", prefix), *specs]
        result = subproc.run(
            argv,
            what=f"solve {' '.join(specs)} with py-rattler",
            check=False,
            env=self._env,
            parse_output=True,
            timeout=1800,
        )
        try:
            data = json.loads(result.stdout)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            if "error" in data:
                raise CondaSolveError(
                    str(data["error"]),
                    missing=[str(n) for n in data.get("missing") or ()],
                    unsatisfiable=bool(data.get("unsatisfiable")),
                    command=argv,
                    output=result.stderr,
                )
            if not result.ok:
                raise ValueError(f"exit status {result.returncode}")
            link = tuple(record_from_json(r) for r in data["link"])
            unlink = tuple(record_from_json(r) for r in data["unlink"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CondaSolveError(
                f"the py-rattler helper failed ({exc}): {result.stderr.strip()[-500:]}",
                command=argv,
                output=result.stdout + result.stderr,
            ) from None
        return Transaction(link, unlink)

    def install_command(
        self, prefix: Path, specs: Sequence[str], transaction: Transaction
    ) -> tuple[str, ...]:
        """``python -m pip_native.native.conda_install install`` with the exact records to add.

        The helper solves again with the same inputs, checks that the result
        holds exactly these records, then installs the complete set.
        """
        return (*self._argv("install", prefix), *(r.exact_spec for r in transaction.link))
