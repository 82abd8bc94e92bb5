"""Reads a project's PEP 725 ``[external]`` table: from pyproject.toml, an sdist, or core metadata."""

from __future__ import annotations

import difflib
import re
import sys
import tarfile
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from typing import Any, Literal

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidName, canonicalize_name

from pip_native.errors import InvalidIdentifierError, UsageError
from pip_native.identifiers import DepURL

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = [
    "EXTERNAL_KEYS",
    "Category",
    "ExternalRequirement",
    "ExternalRequirements",
    "parse_core_metadata",
    "parse_external_table",
    "read_external",
]

Category = Literal["build", "host", "run"]

#: ``[external]`` keys (PEP 725) -> the category their entries belong to.
EXTERNAL_KEYS: Mapping[str, Category] = {
    "build-requires": "build",
    "host-requires": "host",
    "dependencies": "run",
    "optional-build-requires": "build",
    "optional-host-requires": "host",
    "optional-dependencies": "run",
    "dependency-groups": "host",
}
_LISTS = ("build-requires", "host-requires", "dependencies")
_OPTIONAL = ("optional-build-requires", "optional-host-requires", "optional-dependencies")
_MAX_PYPROJECT = 4 * 1024 * 1024
_EXAMPLE = '[external]\nbuild-requires = ["dep:virtual/compiler/c"]\nhost-requires = ["dep:generic/openssl@>=3"]'


@dataclass(frozen=True)
class ExternalRequirement:
    """One external dependency specifier: a DepURL, maybe with a marker, and where it was written."""

    dep: DepURL
    raw: str
    """The specifier as written (``dep:generic/XCB; platform_system=='Linux'``)."""
    key: str
    """The ``[external]`` key (``host-requires``); ``Requires-External-Dep`` for core metadata."""
    category: Category
    index: int
    """Position in its list (0-based)."""
    origin: str
    """The file (``/src/proj/pyproject.toml``, ``proj-1.0.tar.gz!proj-1.0/pyproject.toml``)."""
    marker: str | None = None
    extra: str | None = None
    """The extra (normalized) for ``optional-*`` keys and extra-guarded core metadata."""
    group: str | None = None
    """The dependency group (normalized) this entry was listed in."""

    @property
    def where(self) -> str:
        """``pyproject.toml: [external] host-requires[1]``."""
        if self.key == "Requires-External-Dep":
            return f"{self.origin}: Requires-External-Dep #{self.index + 1}"
        sub = self.extra if self.extra is not None else self.group
        part = f".{sub}" if sub is not None else ""
        return f"{self.origin}: [external] {self.key}{part}[{self.index}]"

    def applies(
        self, environment: Mapping[str, str] | None = None, *, extras: Collection[str] = ()
    ) -> bool:
        """Whether the marker holds in ``environment`` (default: this interpreter) for ``extras``."""
        if self.marker is None:
            return True
        marker = Marker(self.marker)
        names = [_normalize_group(e) for e in extras] or [""]
        try:
            return any(marker.evaluate({**(environment or {}), "extra": name}) for name in names)
        except (UndefinedComparison, UndefinedEnvironmentName):
            return False


@dataclass(frozen=True)
class ExternalRequirements:
    """A project's ``[external]`` table, parsed and validated; empty tuples when absent."""

    origin: str
    build_requires: tuple[ExternalRequirement, ...] = ()
    host_requires: tuple[ExternalRequirement, ...] = ()
    dependencies: tuple[ExternalRequirement, ...] = ()
    optional_build_requires: tuple[ExternalRequirement, ...] = ()
    """Each with :attr:`ExternalRequirement.extra` set."""
    optional_host_requires: tuple[ExternalRequirement, ...] = ()
    optional_dependencies: tuple[ExternalRequirement, ...] = ()
    dependency_groups: tuple[tuple[str, tuple[ExternalRequirement, ...]], ...] = ()
    """(group, entries with includes resolved), in file order."""
    build_system_requires: tuple[str, ...] = ()
    """``[build-system].requires`` (PEP 508 strings, validated), when read from pyproject.toml."""
    source: Literal["pyproject", "sdist", "core-metadata"] = "pyproject"
    has_table: bool = field(default=False)
    """Whether an ``[external]`` table (or Requires-External-Dep field) was present."""

    @property
    def extras(self) -> tuple[str, ...]:
        """Every extra named by the ``optional-*`` keys, in first-seen order."""
        found = [
            r.extra
            for r in (
                *self.optional_build_requires,
                *self.optional_host_requires,
                *self.optional_dependencies,
            )
        ]
        return tuple(dict.fromkeys(e for e in found if e is not None))

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.dependency_groups)

    def all(self) -> tuple[ExternalRequirement, ...]:
        """Every entry, required ones first."""
        grouped = [r for _, entries in self.dependency_groups for r in entries]
        return (
            *self.build_requires,
            *self.host_requires,
            *self.dependencies,
            *self.optional_build_requires,
            *self.optional_host_requires,
            *self.optional_dependencies,
            *grouped,
        )

    def select(
        self,
        categories: Collection[Category],
        *,
        extras: Collection[str] = (),
        groups: Collection[str] = (),
        environment: Mapping[str, str] | None = None,
    ) -> list[ExternalRequirement]:
        """The entries of ``categories`` that apply: required ones, the named extras' and groups'.

        Markers are evaluated in ``environment`` (default: this interpreter).
        Unknown extras or groups raise UsageError naming the known ones.
        """
        wanted_extras = self._known(extras, self.extras, "extra", "optional-*")
        wanted_groups = self._known(groups, self.groups, "dependency group", "dependency-groups")
        chosen: list[ExternalRequirement] = []
        for req in (
            *self.build_requires,
            *self.host_requires,
            *self.dependencies,
            *self.optional_build_requires,
            *self.optional_host_requires,
            *self.optional_dependencies,
        ):
            if req.category not in categories:
                continue
            if req.extra is not None and req.extra not in wanted_extras:
                continue
            if req.applies(environment, extras=wanted_extras):
                chosen.append(req)
        for name, entries in self.dependency_groups:
            if name in wanted_groups and "host" in categories:
                chosen.extend(r for r in entries if r.applies(environment))
        return chosen

    def _known(
        self, names: Collection[str], known: tuple[str, ...], what: str, key: str
    ) -> set[str]:
        wanted = set()
        for name in names:
            normalized = _normalize_group(name)
            if normalized not in known:
                raise UsageError(
                    f"The {what} {name!r} is not defined by the [external] table of "
                    f"{self.origin} (it defines: {', '.join(known) or 'none'}).",
                    hint=f"Use one of the names under [external] {key}.",
                )
            wanted.add(normalized)
        return wanted


def _normalize_group(name: str) -> str:
    """PEP 735/685 name normalization (runs of ``-_.`` become ``-``, lowercase)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _error(origin: str, where: str, problem: str, fix: str) -> UsageError:
    return UsageError(
        f"{origin}: [external] {where}: {problem}.",
        hint=f"{fix} PEP 725's format is, e.g.: {_EXAMPLE!r}.",
    )


def _parse_spec(text: object, origin: str, where: str) -> tuple[DepURL, str | None]:
    if not isinstance(text, str):
        raise _error(
            origin,
            where,
            f"{_shown(text)} is not a string",
            "Write each external dependency as a quoted string such as 'dep:generic/zlib'.",
        )
    url_part, sep, marker_part = text.partition(";")
    url_text = url_part.strip()
    marker: str | None = None
    if sep:
        try:
            marker = str(Marker(marker_part.strip()))
        except InvalidMarker as exc:
            raise InvalidIdentifierError(
                f"{origin}: [external] {where}: {text!r} has an invalid environment marker "
                f"after ';': {str(exc).splitlines()[0]}.",
                hint='Write the marker as in PEP 508, e.g. "dep:generic/XCB; '
                "platform_system == 'Linux'\".",
            ) from None
    try:
        dep = DepURL.parse(url_text)
    except InvalidIdentifierError as exc:
        raise InvalidIdentifierError(
            f"{origin}: [external] {where}: {exc.message}",
            hint=exc.hint,
        ) from None
    except (ValueError, TypeError, UnicodeError) as exc:  # defensive: a parser bug, still named
        raise InvalidIdentifierError(
            f"{origin}: [external] {where}: {text!r} is not a valid DepURL ({exc}).",
            hint="Write it like 'dep:generic/libffi@>=3.4'.",
        ) from None
    return dep, marker


def _entries(
    value: object,
    origin: str,
    key: str,
    *,
    extra: str | None = None,
    group: str | None = None,
) -> tuple[ExternalRequirement, ...]:
    sub = extra if extra is not None else group
    label = key + (f".{sub}" if sub is not None else "")
    if not isinstance(value, list):
        raise _error(
            origin,
            label,
            f"the value {_shown(value)} is not an array",
            f'Write {label} as an array of strings, e.g. ["dep:generic/zlib"].',
        )
    found = []
    for index, item in enumerate(value):
        dep, marker = _parse_spec(item, origin, f"{label}[{index}]")
        found.append(
            ExternalRequirement(
                dep=dep,
                raw=str(item),
                key=key,
                category=EXTERNAL_KEYS[key],
                index=index,
                origin=origin,
                marker=marker,
                extra=extra,
                group=group,
            )
        )
    return tuple(found)


def _name(value: str, origin: str, where: str, what: str) -> str:
    try:
        canonicalize_name(value, validate=True)
    except InvalidName:
        raise _error(
            origin,
            where,
            f"{value!r} is not a valid {what} name (ASCII letters, digits, '.', '_' and '-', "
            "starting and ending with a letter or digit)",
            f"Rename the {what}.",
        ) from None
    return _normalize_group(value)


def _optional(value: object, origin: str, key: str) -> tuple[ExternalRequirement, ...]:
    if not isinstance(value, dict):
        raise _error(
            origin,
            key,
            f"the value {_shown(value)} is not a table",
            f'Write it as a table of extra -> array, e.g. [external.{key}] / pdf = ["dep:generic/cairo"].',
        )
    seen: dict[str, str] = {}
    found: list[ExternalRequirement] = []
    for extra_name, items in value.items():
        extra = _name(str(extra_name), origin, f"{key}.{extra_name}", "extra")
        if extra in seen:
            raise _error(
                origin,
                f"{key}.{extra_name}",
                f"it names the same extra as {seen[extra]!r} (names are compared normalized)",
                "Merge the two lists.",
            )
        seen[extra] = str(extra_name)
        found.extend(_entries(items, origin, key, extra=extra))
    return tuple(found)


def _groups(value: object, origin: str) -> tuple[tuple[str, tuple[ExternalRequirement, ...]], ...]:
    key = "dependency-groups"
    if not isinstance(value, dict):
        raise _error(
            origin,
            key,
            f"the value {_shown(value)} is not a table",
            "Write it as a table of group -> array (PEP 735 style).",
        )
    raw: dict[str, tuple[str, list[object]]] = {}
    for name, items in value.items():
        group = _name(str(name), origin, f"{key}.{name}", "dependency group")
        if group in raw:
            raise _error(
                origin,
                f"{key}.{name}",
                f"it names the same group as {raw[group][0]!r} (names are compared normalized)",
                "Merge the two groups.",
            )
        if not isinstance(items, list):
            raise _error(
                origin,
                f"{key}.{name}",
                f"the value {_shown(items)} is not an array",
                'List dependencies and {include-group = "name"} tables in an array.',
            )
        raw[group] = (str(name), items)

    resolved: dict[str, tuple[ExternalRequirement, ...]] = {}

    def resolve(group: str, stack: tuple[str, ...]) -> tuple[ExternalRequirement, ...]:
        if group in resolved:
            return resolved[group]
        shown_name, items = raw[group]
        found: list[ExternalRequirement] = []
        for index, item in enumerate(items):
            where = f"{key}.{shown_name}[{index}]"
            if isinstance(item, dict):
                if set(item) != {"include-group"} or not isinstance(item["include-group"], str):
                    raise _error(
                        origin,
                        where,
                        f'the table {_shown(item)} is not {{include-group = "<name>"}}',
                        "Only 'include-group' tables are allowed in a dependency group.",
                    )
                target = _normalize_group(item["include-group"])
                if target not in raw:
                    raise _error(
                        origin,
                        where,
                        f"it includes the group {item['include-group']!r}, which is not defined "
                        f"(groups: {', '.join(raw)})",
                        "Define that group or fix the name.",
                    )
                if target in stack or target == group:
                    cycle = " -> ".join([*stack, group, target])
                    raise _error(
                        origin, where, f"the includes form a cycle: {cycle}", "Remove one include."
                    )
                found.extend(resolve(target, (*stack, group)))
                continue
            dep, marker = _parse_spec(item, origin, where)
            found.append(
                ExternalRequirement(
                    dep=dep,
                    raw=str(item),
                    key=key,
                    category="host",
                    index=index,
                    origin=origin,
                    marker=marker,
                    group=group,
                )
            )
        resolved[group] = tuple(found)
        return resolved[group]

    return tuple((group, resolve(group, ())) for group in raw)


def _build_system(data: Mapping[str, Any], origin: str) -> tuple[str, ...]:
    table = data.get("build-system")
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise UsageError(
            f"{origin}: [build-system] is {_shown(table)}, not a table.",
            hint="Write it as a [build-system] table with 'requires' (PEP 518).",
        )
    requires = table.get("requires", [])
    if not isinstance(requires, list):
        raise UsageError(
            f"{origin}: [build-system] requires is {_shown(requires)}, not an array.",
            hint='Write e.g. requires = ["setuptools>=61", "cython>=3"].',
        )
    found = []
    for index, item in enumerate(requires):
        if not isinstance(item, str):
            raise UsageError(
                f"{origin}: [build-system] requires[{index}] is {_shown(item)}, not a string.",
                hint="Quote each requirement.",
            )
        try:
            Requirement(item)
        except InvalidRequirement as exc:
            raise UsageError(
                f"{origin}: [build-system] requires[{index}] {item!r} is not a valid PEP 508 "
                f"requirement: {str(exc).splitlines()[0]}.",
                hint="Write it like 'cython>=3.0'.",
            ) from None
        found.append(item)
    return tuple(found)


def parse_external_table(
    data: object, origin: str, *, source: Literal["pyproject", "sdist"] = "pyproject"
) -> ExternalRequirements:
    """Validate a parsed pyproject.toml (the whole document) and return its ``[external]``.

    ``origin`` names the file in messages. Every problem raises one
    :class:`~pip_native.errors.UsageError` (InvalidIdentifierError for a bad
    DepURL or marker) naming the file, the key, the index and the bad value.
    """
    if not isinstance(data, dict):
        raise UsageError(
            f"{origin}: the document is {_shown(data)}, not a TOML table.",
            hint="pyproject.toml must be a TOML document.",
        )
    build_system = _build_system(data, origin)
    table = data.get("external")
    if table is None:
        return ExternalRequirements(
            origin=origin, build_system_requires=build_system, source=source
        )
    if not isinstance(table, dict):
        raise UsageError(
            f"{origin}: 'external' is {_shown(table)}, not a table.",
            hint=f"Write it as an [external] table, e.g. {_EXAMPLE!r}.",
        )
    for key in table:
        if key not in EXTERNAL_KEYS:
            close = difflib.get_close_matches(str(key), list(EXTERNAL_KEYS), n=1)
            fix = f"Did you mean {close[0]!r}? " if close else ""
            raise _error(
                origin,
                str(key),
                f"{str(key)!r} is not a key PEP 725 defines ({', '.join(EXTERNAL_KEYS)})",
                f"{fix}PEP 725 forbids other keys in [external].",
            )
    lists = {key: _entries(table[key], origin, key) if key in table else () for key in _LISTS}
    optional = {
        key: _optional(table[key], origin, key) if key in table else () for key in _OPTIONAL
    }
    groups = _groups(table["dependency-groups"], origin) if "dependency-groups" in table else ()
    return ExternalRequirements(
        origin=origin,
        build_requires=lists["build-requires"],
        host_requires=lists["host-requires"],
        dependencies=lists["dependencies"],
        optional_build_requires=optional["optional-build-requires"],
        optional_host_requires=optional["optional-host-requires"],
        optional_dependencies=optional["optional-dependencies"],
        dependency_groups=groups,
        build_system_requires=build_system,
        source=source,
        has_table=True,
    )


def _parse_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"{origin} is not valid TOML: {exc}.", hint="Fix the syntax at that position."
        ) from None


def parse_core_metadata(text: str, origin: str) -> ExternalRequirements:
    """The external runtime dependencies in core metadata (METADATA, PKG-INFO).

    PEP 725 adds ``Requires-External-Dep`` (an external dependency specifier,
    ``; extra == 'x'`` for optional ones) and ``Provides-External-Extra``.
    Build and host requirements are not part of core metadata. The deprecated
    free-form ``Requires-External`` field is not read.
    """
    message = HeaderParser().parsestr(text)
    provided = [
        _normalize_group(str(v).strip()) for v in message.get_all("Provides-External-Extra") or []
    ]
    required: list[ExternalRequirement] = []
    optional: list[ExternalRequirement] = []
    values = [str(v) for v in message.get_all("Requires-External-Dep") or []]
    for index, value in enumerate(values):
        where = f"Requires-External-Dep #{index + 1}"
        try:
            dep, marker = _parse_spec(value.strip(), origin, where)
        except UsageError as exc:
            raise type(exc)(exc.message.replace("[external] ", ""), hint=exc.hint) from None
        extra = _marker_extra(marker, provided)
        req = ExternalRequirement(
            dep=dep,
            raw=value.strip(),
            key="Requires-External-Dep",
            category="run",
            index=index,
            origin=origin,
            marker=marker,
            extra=extra,
        )
        (optional if extra is not None else required).append(req)
    return ExternalRequirements(
        origin=origin,
        dependencies=tuple(required),
        optional_dependencies=tuple(optional),
        source="core-metadata",
        has_table=bool(values or provided),
    )


def _marker_extra(marker: str | None, extras: list[str]) -> str | None:
    """The extra a marker like ``extra == 'nat'`` guards, if it names one of ``extras``."""
    if marker is None:
        return None
    found = re.findall(r"""extra\s*==\s*['"]([^'"]+)['"]""", marker)
    for name in found:
        normalized = _normalize_group(name)
        if normalized in extras or not extras:
            return normalized
    return None


def _read_archive_member(archive: Path, want: str) -> tuple[str, str] | None:
    """(text, member name) of the shallowest member named ``want`` in an sdist or wheel."""
    name = archive.name.lower()
    try:
        if name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")):
            with tarfile.open(archive) as tar:
                members = [
                    m for m in tar.getmembers() if m.isfile() and m.name.rsplit("/", 1)[-1] == want
                ]
                if not members:
                    return None
                member = min(members, key=lambda m: (m.name.count("/"), m.name))
                if member.size > _MAX_PYPROJECT:
                    raise UsageError(
                        f"{archive}!{member.name} is larger than {_MAX_PYPROJECT} bytes.",
                        hint="Check that this is a real sdist.",
                    )
                handle = tar.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() members always have data
                    return None
                return handle.read().decode("utf-8"), member.name
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if i.filename.rsplit("/", 1)[-1] == want]
            if not infos:
                return None
            info = min(infos, key=lambda i: (i.filename.count("/"), i.filename))
            if info.file_size > _MAX_PYPROJECT:
                raise UsageError(
                    f"{archive}!{info.filename} is larger than {_MAX_PYPROJECT} bytes.",
                    hint="Check that this is a real distribution.",
                )
            return zf.read(info).decode("utf-8"), info.filename
    except (OSError, tarfile.TarError, zipfile.BadZipFile, UnicodeDecodeError, EOFError) as exc:
        raise UsageError(
            f"{archive} cannot be read as a distribution archive: {exc}.",
            hint="Give a project directory, a pyproject.toml, an sdist (.tar.gz, .zip) or a wheel.",
        ) from None


def _wheel_metadata(archive: Path) -> tuple[str, str] | None:
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [
                n
                for n in zf.namelist()
                if n.count("/") == 1
                and n.split("/")[0].endswith(".dist-info")
                and n.endswith("/METADATA")
            ]
            if not names:
                return None
            return zf.read(names[0]).decode("utf-8"), names[0]
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise UsageError(
            f"{archive} cannot be read as a wheel: {exc}.", hint="Check the file is a wheel."
        ) from None


def read_external(path: str | Path) -> ExternalRequirements:
    """The ``[external]`` requirements of a project directory, pyproject.toml, sdist or wheel.

    - a directory: its ``pyproject.toml``;
    - ``*.tar.gz``/``*.zip`` (sdist): the archive's top-level ``pyproject.toml``,
      else its ``PKG-INFO`` core metadata;
    - ``*.whl``: the ``.dist-info/METADATA`` core metadata;
    - ``METADATA``/``PKG-INFO`` files: core metadata;
    - any other file: read as pyproject.toml.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "pyproject.toml"
        if not path.is_file():
            raise UsageError(
                f"{path.parent} has no pyproject.toml, so it declares no [external] table.",
                hint="Give the project's root directory, its pyproject.toml, an sdist or a wheel.",
            )
    lower = path.name.lower()
    if not path.is_file():
        raise UsageError(
            f"{path} does not exist.",
            hint="Give a project directory, a pyproject.toml, an sdist or a wheel.",
        )
    if lower.endswith(".whl"):
        found = _wheel_metadata(path)
        if found is None:
            raise UsageError(
                f"{path} has no .dist-info/METADATA.", hint="Check that the file is a wheel."
            )
        return parse_core_metadata(found[0], f"{path}!{found[1]}")
    if lower.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")):
        found = _read_archive_member(path, "pyproject.toml")
        if found is not None:
            origin = f"{path}!{found[1]}"
            return parse_external_table(_parse_toml(found[0], origin), origin, source="sdist")
        found = _read_archive_member(path, "PKG-INFO")
        if found is None:
            raise UsageError(
                f"{path} has neither a pyproject.toml nor a PKG-INFO.",
                hint="Check that the file is an sdist.",
            )
        return parse_core_metadata(found[0], f"{path}!{found[1]}")
    try:
        text = path.read_bytes()[: _MAX_PYPROJECT + 1].decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"{path} cannot be read: {exc}.", hint="Check the path and that it is UTF-8 text."
        ) from None
    if lower in ("metadata", "pkg-info"):
        return parse_core_metadata(text, str(path))
    return parse_external_table(_parse_toml(text, str(path)), str(path))
