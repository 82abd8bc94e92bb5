"""The py-rattler engine: solves against PIP_NATIVE_CONDA_CHANNELS and installs with no conda binary."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pip_native.native.conda_prefix import (
    CondaRecord,
    CondaSolveError,
    Transaction,
    dependency_name,
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
    "solve_prefix",
]

CHANNELS_ENV = "PIP_NATIVE_CONDA_CHANNELS"
DEFAULT_CHANNELS = ("conda-forge",)
#: ``python -m`` module that carries out a planned rattler install (the step's command).
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


def _platforms() -> list[rattler.Platform]:
    import rattler

    return [rattler.Platform.current(), rattler.Platform("noarch")]


def _installed_records(prefix: Path | None) -> list[rattler.PrefixRecord]:
    import rattler

    if prefix is None:
        return []
    return [
        rattler.PrefixRecord.from_path(path)
        for path in sorted((prefix / "conda-meta").glob("*.json"))
    ]


async def _solve(
    channels: Sequence[str],
    specs: Sequence[str],
    installed: Sequence[rattler.PrefixRecord],
    cache_dir: Path,
) -> list[rattler.RepoDataRecord]:
    import rattler

    records: list[rattler.RepoDataRecord] = await rattler.solve(
        sources=[rattler.Channel(c) for c in channels],
        specs=list(specs),
        gateway=rattler.Gateway(cache_dir=cache_dir),
        platforms=_platforms(),
        locked_packages=list(installed),
        virtual_packages=rattler.VirtualPackage.detect(),
    )
    return records


def solve_prefix(
    prefix: Path | None, specs: Sequence[str], channels: Sequence[str], cache_dir: Path
) -> tuple[list[rattler.RepoDataRecord], list[rattler.PrefixRecord]]:
    """The complete environment after installing ``specs`` into ``prefix``, and what is there now.

    Every installed package is kept (its name is added to the request) and
    preferred at its installed version (it is locked), so the result is the
    full set ``rattler.install`` needs: that call removes whatever the set
    leaves out. Shared by planning and by the installer, so both solve alike.
    Raises :class:`CondaSolveError`.
    """
    try:
        installed = _installed_records(prefix)
    except Exception as exc:  # rattler raises its own exception types
        raise CondaSolveError(f"cannot read the records in {prefix}/conda-meta: {exc}") from None
    requested = {dependency_name(s) for s in specs}
    keep = [r.name.normalized for r in installed if r.name.normalized not in requested]
    try:
        records = asyncio.run(_solve(channels, [*specs, *keep], installed, cache_dir))
    except Exception as exc:  # SolverError, GatewayError, ... (rattler's own classes)
        text = str(exc).strip()
        missing = [
            n for m in _NOT_FOUND_RE.finditer(text) if (n := dependency_name(m.group("spec")))
        ]
        raise CondaSolveError(
            f"{type(exc).__name__}: {' '.join(text.split())}",
            missing=[n for n in missing if n in requested],
            unsatisfiable=type(exc).__name__ == "SolverError",
        ) from None
    return records, installed


def _record(r: rattler.RepoDataRecord) -> CondaRecord:
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


class RattlerEngine:
    """Solves with py-rattler against fixed channels; installs via ``python -m`` :data:`INSTALLER_MODULE`."""

    kind = "rattler"

    def __init__(self, channels: Sequence[str], cache_dir: Path) -> None:
        self.channels = tuple(channels)
        self.cache_dir = Path(cache_dir)

    def describe(self) -> str:
        return f"py-rattler {rattler_version()} with channels {', '.join(self.channels)}"

    @property
    def _repodata_cache(self) -> Path:
        return self.cache_dir / "repodata"

    @property
    def _package_cache(self) -> Path:
        return self.cache_dir / "pkgs"

    def exists(self, names: Sequence[str]) -> set[str] | None:
        """The names the channels have, from their repodata (no solve)."""
        import rattler

        async def query() -> list[list[rattler.RepoDataRecord]]:
            gateway = rattler.Gateway(cache_dir=self._repodata_cache)
            groups: list[list[rattler.RepoDataRecord]] = await gateway.query(
                [rattler.Channel(c) for c in self.channels],
                _platforms(),
                list(names),
                recursive=False,
            )
            return groups

        try:
            groups = asyncio.run(query())
        except Exception as exc:
            raise CondaSolveError(
                f"cannot read the channels {', '.join(self.channels)}: {type(exc).__name__}: {exc}"
            ) from None
        return {r.name.normalized for group in groups for r in group}

    def solve(
        self, prefix: Path | None, specs: Sequence[str], installed: Mapping[str, CondaRecord]
    ) -> Transaction:
        records, _ = solve_prefix(prefix, specs, self.channels, self._repodata_cache)
        after = {r.name.normalized: _record(r) for r in records}
        link = [
            rec
            for name, rec in after.items()
            if name not in installed
            or (installed[name].version, installed[name].build) != (rec.version, rec.build)
        ]
        unlink = [
            old
            for name, old in installed.items()
            if name not in after
            or (after[name].version, after[name].build) != (old.version, old.build)
        ]
        return Transaction(tuple(link), tuple(unlink))

    def install_command(
        self, prefix: Path, specs: Sequence[str], transaction: Transaction
    ) -> tuple[str, ...]:
        """``python -m pip_native.native.conda_install`` with the exact records to add.

        The installer solves again with the same inputs, checks that the
        result holds exactly these records, then installs the complete set.
        """
        argv = [sys.executable, "-m", INSTALLER_MODULE, "--prefix", str(prefix)]
        for channel in self.channels:
            argv += ["--channel", channel]
        argv += ["--cache-dir", str(self.cache_dir)]
        argv += [r.exact_spec for r in transaction.link]
        return tuple(argv)
