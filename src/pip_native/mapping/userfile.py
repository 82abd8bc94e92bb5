"""Reads and validates user mapping files (``--mapping FILE``), TOML or JSON.

Format: one table per ecosystem (``apt``, ``dnf``, ``conda``, ``brew``), keyed by
PyPI project name (any spelling; names are compared PEP 503-normalized). A
value is a list of system packages that together provide the project, a single
package as a string, or ``false`` for "never take this from the system, always
from PyPI"::

    # pip-native mapping file
    [apt]
    scikit-learn = ["python3-sklearn"]
    my-internal-lib = "python3-mylib"
    somepkg = false

    [conda]
    torch = ["pytorch"]

JSON files (name ending in ``.json``) have the same shape:
``{"apt": {"scikit-learn": ["python3-sklearn"], "somepkg": false}}``. Every
other name is read as TOML. Entries of a user file win over every other source;
of several files, the one given last wins.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any

from pip_native.errors import InvalidIdentifierError, MappingFileError
from pip_native.identifiers import parse_pypi_name
from pip_native.mapping.debian import APT_PACKAGE_RE
from pip_native.mapping.model import ECOSYSTEMS, MappingLayer, MappingMatch

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from packaging.utils import NormalizedName

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = ["PACKAGE_NAME_RULES", "USER_FILE_EXAMPLE", "load_user_file", "parse_user_mapping"]

#: A short example of the format, for help texts and error hints.
USER_FILE_EXAMPLE = '[apt]\nscikit-learn = ["python3-sklearn"]\nsomepkg = false'

#: Per ecosystem: the pattern a package name must match and how to say it.
PACKAGE_NAME_RULES: Mapping[str, tuple[re.Pattern[str], str]] = {
    "apt": (
        APT_PACKAGE_RE,
        "lowercase letters, digits, '+', '-' and '.', at least 2 characters, "
        "optionally ':<arch>' (e.g. 'python3-sklearn')",
    ),
    "dnf": (
        re.compile(r"^[A-Za-z0-9_+][A-Za-z0-9_+.()-]*$"),
        "letters, digits, '_', '+', '.', '-' and parentheses (e.g. 'python3-scikit-learn' "
        "or 'python3dist(scikit-learn)')",
    ),
    "conda": (
        re.compile(r"^[a-z0-9_][a-z0-9_.-]*$"),
        "lowercase letters, digits, '_', '.' and '-' (e.g. 'scikit-learn')",
    ),
    "brew": (
        re.compile(r"^[a-z0-9][a-z0-9@+._/-]*$"),
        "lowercase letters, digits, '@', '+', '.', '_', '-' and '/' for taps (e.g. 'numpy')",
    ),
}


def _error(path: Path, where: str, problem: str, fix: str) -> MappingFileError:
    return MappingFileError(
        f"Mapping file {path}: {where}: {problem}.",
        hint=f"{fix} The format (TOML; JSON files have the same shape) is a section per "
        "package manager with one line per project, e.g. '[apt]' then "
        "'scikit-learn = [\"python3-sklearn\"]' or 'somepkg = false'.",
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingFileError(
            f"Mapping file {path} cannot be read: {exc}.",
            hint="Check the path given to --mapping and that the file is readable UTF-8 text.",
        ) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MappingFileError(
                f"Mapping file {path} is not valid JSON: {exc}.",
                hint="Fix the syntax at that position, or use TOML in a file not named *.json.",
            ) from None
        if not isinstance(data, dict):
            raise _error(
                path,
                "top level",
                f"a JSON {type(data).__name__} is not an object",
                "Make the file one object of ecosystem tables.",
            )
        return data
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingFileError(
            f"Mapping file {path} is not valid TOML: {exc}.",
            hint="Fix the syntax at that position (a JSON file must be named *.json).",
        ) from None


def _packages(path: Path, ecosystem: str, key: str, value: object) -> tuple[str, ...]:
    where = f"[{ecosystem}] entry {key!r}"
    if value is False:
        return ()
    if isinstance(value, str):
        items: list[object] = [value]
    elif isinstance(value, list):
        items = value
        if not items:
            raise _error(
                path,
                where,
                "the package list is empty",
                f"List the packages, or write '{key} = false' to always take it from PyPI.",
            )
    else:
        shown = _shown(value)
        raise _error(
            path,
            where,
            f"the value is {shown}; it must be a list of package names, one package name, or false",
            f"Write e.g. '{key} = [\"<package>\"]' or '{key} = false'.",
        )
    pattern, rule = PACKAGE_NAME_RULES[ecosystem]
    packages: list[str] = []
    for index, item in enumerate(items, start=1):
        field = f"{where}, package {index}"
        if not isinstance(item, str):
            raise _error(path, field, f"{item!r} is not a string", "Quote the package name.")
        if not pattern.match(item):
            raise _error(
                path,
                field,
                f"{item!r} is not a valid {ecosystem} package name ({rule})",
                "Use the exact package name the package manager shows.",
            )
        if item not in packages:
            packages.append(item)
    return tuple(packages)


def _shown(value: object) -> str:
    if value is False:
        return "false"
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)  # e.g. a TOML date


def parse_user_mapping(path: Path, data: Mapping[str, Any], ecosystem: str) -> MappingLayer:
    """Validate all of ``data`` (a parsed mapping file) and return ``ecosystem``'s entries.

    ``[external.<ecosystem>]`` tables (external identifiers) belong to pip_native.external.
    """
    data = {section: table for section, table in data.items() if section != "external"}
    for section, table in data.items():
        if section not in ECOSYSTEMS:
            raise _error(
                path,
                f"table [{section}]",
                f"this is not an ecosystem pip-native knows ({', '.join(ECOSYSTEMS)})",
                "Rename the table to one of those (entries go under their ecosystem's table).",
            )
        if not isinstance(table, dict):
            raise _error(
                path,
                f"[{section}]",
                f"it is {_shown(table)}, not a table of entries",
                f"Put entries under a '[{section}]' table.",
            )
    matches: dict[NormalizedName, MappingMatch] = {}
    shipped_by: dict[str, list[NormalizedName]] = {}
    seen: dict[NormalizedName, str] = {}
    for section, table in data.items():
        for key, value in table.items():
            where = f"[{section}] entry {key!r}"
            try:
                project = parse_pypi_name(key)
            except InvalidIdentifierError as exc:
                raise _error(
                    path,
                    where,
                    f"the key is not a valid PyPI project name ({exc.message})",
                    "Use the project's name as on PyPI as the key.",
                ) from None
            packages = _packages(path, section, key, value)
            if section != ecosystem:
                continue
            if project in seen:
                raise _error(
                    path,
                    where,
                    f"it names the same project ({project}) as entry {seen[project]!r}",
                    "Keep one of the two entries.",
                )
            seen[project] = key
            matches[project] = MappingMatch(
                project=project,
                ecosystem=ecosystem,
                packages=packages,
                source="user",
                origin=str(path),
                reason=f"user mapping {path}: [{section}] {key} = {_shown(value)}",
            )
            for package in packages:
                shipped_by.setdefault(package, []).append(project)
    return MappingLayer(
        source="user",
        origin=str(path),
        label=f"user mapping {path} [{ecosystem}]",
        ecosystem=ecosystem,
        matches=matches,
        shipped_by={package: tuple(projects) for package, projects in shipped_by.items()},
    )


def load_user_file(path: Path, ecosystem: str) -> MappingLayer:
    """Read, validate and return one user mapping file's entries for ``ecosystem``.

    The whole file is validated (all ecosystems), so a mistake is reported even
    in a table the current run does not use. Raises
    :class:`~pip_native.errors.MappingFileError` naming the file, the entry and
    the field.
    """
    return parse_user_mapping(path, _read(path), ecosystem)
