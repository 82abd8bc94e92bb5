"""Conda names for PyPI projects: the same-name guess and the bundled table of known exceptions."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from packaging.utils import InvalidName, NormalizedName, canonicalize_name

from pip_native.errors import MappingFileError
from pip_native.mapping.model import MappingLayer, MappingMatch

__all__ = ["EXCEPTIONS_FILE", "EXCEPTIONS_ORIGIN", "conda_candidates", "load_known_exceptions"]

EXCEPTIONS_FILE = "conda_exceptions.json"  # not "conda-*.json": that prefix means a bundled table
EXCEPTIONS_ORIGIN = f"pip_native/data/{EXCEPTIONS_FILE}"
_FORMAT = 1
_CONDA_NAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.\-]*$")


def conda_candidates(project: NormalizedName) -> tuple[str, ...]:
    """Conda package names a PyPI project usually has, most likely first.

    conda-forge names Python packages after their PyPI project: the PEP 503
    name (``scikit-learn``), or the name as the project writes it with
    ``_`` or ``.`` (``typing_extensions``, ``ruamel.yaml``). None is known to
    exist; the caller confirms them with the conda backend's query.
    """
    project = canonicalize_name(project)
    names: list[str] = [project]
    if "-" in project:
        names += [project.replace("-", "_"), project.replace("-", ".")]
    return tuple(n for n in names if _CONDA_NAME_RE.match(n))


def _fail(problem: str) -> MappingFileError:
    return MappingFileError(
        f"The bundled conda name table {EXCEPTIONS_ORIGIN} {problem}.",
        hint="Reinstall pip-native; if it persists, report it (the file ships with pip-native).",
    )


def _read() -> dict[str, Any]:
    try:
        text = resources.files("pip_native").joinpath("data", EXCEPTIONS_FILE).read_text("utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(f"cannot be read: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != _FORMAT
        or not isinstance(data.get("projects"), dict)
    ):
        raise _fail(f"is not a format {_FORMAT} table ('projects': {{name: {{packages, ...}}}})")
    return data


def load_known_exceptions() -> MappingLayer:
    """The bundled exceptions (PyPI ``torch`` is conda-forge ``pytorch``, …) as a mapping layer."""
    data = _read()
    matches: dict[NormalizedName, MappingMatch] = {}
    shipped_by: dict[str, list[NormalizedName]] = {}
    for raw, entry in data["projects"].items():
        packages = entry.get("packages") if isinstance(entry, dict) else None
        if not isinstance(packages, list) or not all(
            isinstance(p, str) and _CONDA_NAME_RE.match(p) for p in packages
        ):
            raise _fail(f"has an invalid entry {raw!r} (packages must be a list of conda names)")
        try:
            project = canonicalize_name(raw, validate=True)
        except InvalidName:
            raise _fail(f"has an entry {raw!r} that is not a PyPI project name") from None
        evidence = str(entry.get("evidence") or "")
        source = str(entry.get("source") or "")
        why = f"bundled conda exceptions: PyPI {project} is conda-forge {', '.join(packages)}"
        if evidence:
            why += f" ({evidence}; source: {source})" if source else f" ({evidence})"
        matches[project] = MappingMatch(
            project=project,
            ecosystem="conda",
            packages=tuple(packages),
            source="bundled",
            origin=EXCEPTIONS_ORIGIN,
            reason=why,
        )
        for package in packages:
            shipped_by.setdefault(package, []).append(project)
    return MappingLayer(
        source="bundled",
        origin=EXCEPTIONS_ORIGIN,
        label=f"bundled conda exceptions ({EXCEPTIONS_ORIGIN}, {data.get('generated', '?')})",
        ecosystem="conda",
        matches=matches,
        shipped_by={package: tuple(projects) for package, projects in shipped_by.items()},
    )
