"""A local project directory given as a requirement (``pip-native install .``): its static metadata."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pip_native.errors import InvalidRequirementError
from pip_native.external.requirements import ExternalRequirements, read_external

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = ["LocalProject", "is_local_project", "read_local_project"]


@dataclass(frozen=True)
class LocalProject:
    """A project pip-native builds from source (with pip) after the native step."""

    path: Path
    name: NormalizedName
    display_name: str
    version: Version
    dependencies: tuple[Requirement, ...]
    external: ExternalRequirements


def is_local_project(text: str) -> bool:
    """True for a directory holding a pyproject.toml (``.``, ``./proj``, ``/abs/proj``)."""
    path = Path(text).expanduser()
    return path.is_dir() and (path / "pyproject.toml").is_file()


def _fail(path: Path, problem: str, hint: str) -> InvalidRequirementError:
    return InvalidRequirementError(f"Local project {path}: {problem}.", hint=hint)


def read_local_project(text: str) -> LocalProject:
    """Read ``[project]`` (static name, version, dependencies) and ``[external]`` of a directory."""
    path = Path(text).expanduser().resolve()
    pyproject = path / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _fail(
            path, f"cannot read pyproject.toml ({exc})", "Fix the file's TOML syntax."
        ) from exc
    project = data.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("name"), str):
        raise _fail(
            path,
            "pyproject.toml has no [project] table with a name",
            "pip-native reads the PEP 621 [project] table; add name, version and dependencies.",
        )
    dynamic = set(project.get("dynamic") or ())
    for key in ("version", "dependencies"):
        if key in dynamic:
            raise _fail(
                path,
                f"its {key} is dynamic (computed by the build backend)",
                f"Write {key} statically in [project] for now; dynamic metadata is not supported yet.",
            )
    try:
        version = Version(str(project.get("version", "")))
    except InvalidVersion as exc:
        raise _fail(
            path,
            f"[project].version {project.get('version')!r} is not a PEP 440 version",
            "Give a version such as '1.0'.",
        ) from exc
    deps: list[Requirement] = []
    for index, raw in enumerate(project.get("dependencies") or ()):
        try:
            deps.append(Requirement(str(raw)))
        except InvalidRequirement as exc:
            raise _fail(
                path,
                f"[project].dependencies[{index}] {raw!r} is not PEP 508 ({exc})",
                "Fix that dependency string.",
            ) from exc
    return LocalProject(
        path=path,
        name=canonicalize_name(project["name"]),
        display_name=project["name"],
        version=version,
        dependencies=tuple(deps),
        external=read_external(path),
    )
