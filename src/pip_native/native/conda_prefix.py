"""Conda records, solver transactions and prefixes on disk (conda-meta/*.json), conda versions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from pip_native.errors import TargetEnvironmentError
from pip_native.mapping.debian import parse_metadata_dir

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "CONDA_NAME_RE",
    "NOT_PYPI",
    "CondaRecord",
    "CondaSolveError",
    "PythonDist",
    "Transaction",
    "conda_to_pep440",
    "dependency_name",
    "is_conda_prefix",
    "pixi_manifest",
    "python_distributions",
    "read_prefix",
    "record_from_json",
]

#: A conda package name (conda-forge's rules: lower-case letters, digits, ``_ . -``).
CONDA_NAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.\-]*$")
#: Conda packages that depend on ``python`` or look like Python builds but are no PyPI project.
NOT_PYPI = frozenset({"python", "python_abi", "pypy", "pypy3.9", "pypy3.10", "pypy3.11"})

# <anything>/site-packages/<X>.dist-info/... or <X>.egg-info (a file or a directory)
_SITE_METADATA_RE = re.compile(r"(?:^|/)site-packages/(?P<dir>[^/]+\.(?:dist|egg)-info)(?:/|$)")
# Build strings of Python packages: py311h1234_0, pyhd8ed1ab_0, py_0, cpu_mkl_py311h..._100
_PY_BUILD_RE = re.compile(r"(?:^|_)py(?:\d+|h|_)")
_SPEC_NAME_RE = re.compile(r"^\s*(?:[^\s:]+::)?(?P<name>[^\s=<>!~\[(,|]+)")


@dataclass(frozen=True)
class PythonDist:
    """A ``*.dist-info`` / ``*.egg-info`` directory a conda package ships."""

    name: str
    """The distribution name as written (``scikit_learn``)."""
    version: str | None
    """Its version as written, or None when the directory name has none."""


@dataclass(frozen=True)
class CondaRecord:
    """One conda package record: from conda-meta, a solver, or a ``--json`` transaction."""

    name: str
    version: str
    build: str = ""
    build_number: int = 0
    channel: str = ""
    subdir: str = ""
    depends: tuple[str, ...] | None = None
    """The record's dependency specs; None when the source does not say (conda's
    ``--json`` dry runs list LINK records without them)."""
    noarch: str | None = None
    files: tuple[str, ...] = ()
    """Paths relative to the prefix (installed records only)."""

    @property
    def label(self) -> str:
        """``numpy 1.26.4 py311h64a7726_0``."""
        return f"{self.name} {self.version} {self.build}".rstrip()

    @property
    def exact_spec(self) -> str:
        """A MatchSpec matching exactly this record: ``numpy ==1.26.4 py311h64a7726_0``."""
        if self.build:
            return f"{self.name} =={self.version} {self.build}"
        return f"{self.name} =={self.version}"

    def dependency_names(self) -> tuple[str, ...] | None:
        """Names this record depends on (virtual ``__*`` packages left out), or None if unknown."""
        if self.depends is None:
            return None
        names = (dependency_name(spec) for spec in self.depends)
        return tuple(n for n in names if n is not None)

    def is_python_package(self) -> bool:
        """Whether the record installs Python code (so, by conda-forge's naming, a PyPI project).

        ``noarch: python`` or a dependency on ``python`` says so; without
        dependency data, a Python build string (``py311h…``, ``pyh…``) does.
        """
        if self.name in NOT_PYPI:
            return False
        if self.noarch == "python":
            return True
        deps = self.dependency_names()
        if deps is not None:
            return any(d in ("python", "python_abi") for d in deps)
        return bool(_PY_BUILD_RE.search(self.build))


@dataclass(frozen=True)
class Transaction:
    """What installing some specs would change in a prefix, as a solver says."""

    link: tuple[CondaRecord, ...]
    """Records to install: new packages and the new versions of changed ones."""
    unlink: tuple[CondaRecord, ...] = ()
    """Installed records to take out: old versions of changed packages, and removals."""

    def linked(self, name: str) -> CondaRecord | None:
        for record in self.link:
            if record.name == name:
                return record
        return None

    def removals(self) -> list[CondaRecord]:
        """Installed packages that would be removed, not replaced by another version."""
        relinked = {r.name for r in self.link}
        return [r for r in self.unlink if r.name not in relinked]


class CondaSolveError(Exception):
    """A solve that failed; the adapter turns it into a :class:`~pip_native.errors.PipNativeError`."""

    def __init__(
        self,
        message: str,
        *,
        missing: Iterable[str] = (),
        command: Iterable[str] | None = None,
        output: str = "",
        unsatisfiable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.missing = tuple(missing)
        """Requested names no channel has (the rest of the request may be fine)."""
        self.unsatisfiable = unsatisfiable or bool(self.missing)
        """The request cannot be met (missing names, conflicts), as opposed to the
        tool or the channels failing."""
        self.command = tuple(command) if command is not None else None
        self.output = output


def dependency_name(spec: str) -> str | None:
    """The package name of a MatchSpec string (``conda-forge::numpy >=1.21`` -> ``numpy``).

    Virtual packages (``__glibc``) and unreadable specs give None.
    """
    match = _SPEC_NAME_RE.match(spec)
    if match is None:
        return None
    name = match.group("name").lower()
    if name.startswith("__") or not CONDA_NAME_RE.match(name):
        return None
    return name


def _str_tuple(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(str(v) for v in value)


def record_from_json(data: Mapping[str, Any]) -> CondaRecord:
    """A record from any of conda's JSON shapes (conda-meta, repodata, ``--json`` actions).

    ``build`` or ``build_string``, ``subdir`` or ``platform`` are accepted;
    ``depends`` stays None when absent (conda's dist_fields_dump has none).
    Raises KeyError/TypeError/ValueError on a record without name or version.
    """
    name = str(data["name"])
    version = str(data["version"])
    if not name or not version:
        raise ValueError("empty name or version")
    build = str(data.get("build") or data.get("build_string") or "")
    noarch = data.get("noarch")
    if isinstance(noarch, bool):  # very old records: "noarch": true meant generic
        noarch = "generic" if noarch else None
    files = _str_tuple(data.get("files")) or ()
    return CondaRecord(
        name=name,
        version=version,
        build=build,
        build_number=int(data.get("build_number") or 0),
        channel=str(data.get("channel") or data.get("base_url") or ""),
        subdir=str(data.get("subdir") or data.get("platform") or ""),
        depends=_str_tuple(data.get("depends")),
        noarch=str(noarch) if noarch else None,
        files=files,
    )


def is_conda_prefix(prefix: Path) -> bool:
    """A conda environment has a ``conda-meta`` directory."""
    return (prefix / "conda-meta").is_dir()


def read_prefix(prefix: Path) -> dict[str, CondaRecord]:
    """The installed records of a conda prefix, by name (``conda-meta/*.json``).

    Raises :class:`TargetEnvironmentError` naming the file when a record
    cannot be read, as conda itself refuses a corrupted environment.
    """
    meta = prefix / "conda-meta"
    records: dict[str, CondaRecord] = {}
    for path in sorted(meta.glob("*.json")):
        try:
            record = record_from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise TargetEnvironmentError(
                f"The conda environment {prefix} has an unreadable package record {path}: {exc}.",
                hint=f"Repair the environment with the tool that created it (e.g. `conda install "
                f"-p {prefix} --force-reinstall <package>`), or remove the stray file.",
            ) from None
        records[record.name] = record
    return records


def python_distributions(files: Iterable[str]) -> list[PythonDist]:
    """The dist-info/egg-info directories in a record's file list, each once, in order."""
    found: dict[str, PythonDist] = {}
    for path in files:
        match = _SITE_METADATA_RE.search(path.replace("\\", "/"))
        if match is None or match.group("dir") in found:
            continue
        parsed = parse_metadata_dir(match.group("dir"))
        if parsed is not None:
            found[match.group("dir")] = PythonDist(parsed.name, parsed.raw_version)
    return list(found.values())


def pixi_manifest(prefix: Path) -> str | None:
    """For an environment pixi manages (``conda-meta/pixi``), its manifest path ("" if unknown)."""
    marker = prefix / "conda-meta" / "pixi"
    if not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return ""
    manifest = data.get("manifest_path") if isinstance(data, dict) else None
    return str(manifest) if manifest else ""


def conda_to_pep440(version: str) -> Version | None:
    """The PEP 440 version a conda version string stands for, or None.

    Most conda versions of Python packages are PEP 440 already (``1.26.4``,
    ``2.1.0rc1``, ``1!2.0``). Conda also allows ``_`` as a separator, read
    here as ``.`` (``1.0_1`` -> ``1.0.1``). Versions PEP 440 has no meaning
    for (``1.1.1w``) give None.
    """
    text = version.strip()
    for candidate in (text, text.replace("_", ".")):
        try:
            return Version(candidate)
        except InvalidVersion:
            continue
    return None
