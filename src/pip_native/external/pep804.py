"""Reads and validates PEP 804 documents: the central registry, known ecosystems, mapping files."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pip_native.errors import InvalidIdentifierError, MappingFileError
from pip_native.external.constraints import Clauses, split_specifier
from pip_native.external.fetch import fetch_document
from pip_native.identifiers import DepURL

if TYPE_CHECKING:
    from collections.abc import Callable

    import requests
    from packaging.specifiers import SpecifierSet

__all__ = [
    "CATEGORIES",
    "MANAGER_ECOSYSTEMS",
    "KnownEcosystems",
    "ManagerCommand",
    "MappingDocument",
    "MappingEntry",
    "PackageManager",
    "Registry",
    "RegistryDefinition",
    "RenderedSpec",
    "SpecifierSyntax",
    "Specs",
    "VersionRanges",
    "id_key",
    "load_ecosystem_mapping",
    "load_known_ecosystems",
    "load_mapping_document",
    "load_registry",
    "parse_known_ecosystems",
    "parse_mapping_document",
    "parse_registry",
]

#: PEP 725's three kinds of external dependency, as PEP 804 names them in ``specs``.
CATEGORIES = ("build", "host", "run")

#: Which pip-native ecosystem a PEP 804 package manager installs into.
MANAGER_ECOSYSTEMS: Mapping[str, str] = MappingProxyType(
    {
        "apt": "apt",
        "apt-get": "apt",
        "aptitude": "apt",
        "dnf": "dnf",
        "dnf5": "dnf",
        "yum": "dnf",
        "conda": "conda",
        "mamba": "conda",
        "micromamba": "conda",
        "pixi": "conda",
        "brew": "brew",
    }
)

#: The ecosystem identifier rule of PEP 804 (its text has ``(\+[a-z0-9\-_.])?``, one
#: character after ``+``; its own examples ``debian+12`` and ``ubuntu+24.04`` need ``+``).
_ECOSYSTEM_ID = re.compile(r"^[a-z0-9\-_.]+(\+[a-z0-9\-_.]+)?$")
_SCHEMA_VERSIONS = (1,)
_RANGE_KEYS = ("equal", "greater_than", "greater_than_equal", "less_than", "less_than_equal")
_RANGE_OPS = {
    "==": "equal",
    ">": "greater_than",
    ">=": "greater_than_equal",
    "<": "less_than",
    "<=": "less_than_equal",
}


def id_key(identifier: str | DepURL) -> str:
    """The lookup key of an identifier: its ``dep:`` form without version, case-folded.

    ``dep:generic/OpenSSL@>=3`` and ``pkg:generic/openssl`` share the key
    ``dep:generic/openssl``; raises InvalidIdentifierError for non-DepURLs.
    """
    dep = identifier if isinstance(identifier, DepURL) else DepURL.parse(identifier)
    return dep.id.casefold()


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Specs:
    """The packages an entry maps to, per PEP 725 category."""

    build: tuple[str, ...]
    host: tuple[str, ...]
    run: tuple[str, ...]
    unavailable: bool = False
    """True for PEP 804's empty ``specs`` list: the ecosystem has no package for it."""

    def for_category(self, category: str) -> tuple[str, ...]:
        if category not in CATEGORIES:
            raise ValueError(f"category must be one of {CATEGORIES}, not {category!r}")
        return tuple(getattr(self, category))


@dataclass(frozen=True)
class MappingEntry:
    """One item of a mapping file's ``mappings`` list."""

    id: str
    """As written in the file."""
    key: str
    """:func:`id_key` of ``id``."""
    index: int
    specs: Specs | None
    specs_from: str | None = None
    """As written; its key is ``id_key(specs_from)``."""
    description: str | None = None
    urls: tuple[str, ...] = ()
    extra_metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ManagerCommand:
    """An install or query command template (``{}`` stands for the package specs)."""

    command: tuple[str, ...]
    requires_elevation: bool = False
    multiple_specifiers: str = "always"


@dataclass(frozen=True)
class VersionRanges:
    """How a manager writes version ranges (PEP 804 ``specifier_syntax.version_ranges``)."""

    syntax: tuple[str, ...]
    and_: str | None
    templates: Mapping[str, str | None]
    """Operator (``>=``, ``<``, …) -> template with ``{version}`` (None: unsupported)."""


@dataclass(frozen=True)
class SpecifierSyntax:
    name_only: tuple[str, ...]
    exact_version: tuple[str, ...] | None
    version_ranges: VersionRanges | None


@dataclass(frozen=True)
class RenderedSpec:
    """One package as command-line words, and what of its constraint could not be said."""

    package: str
    tokens: tuple[str, ...]
    versioned: bool
    lost: str | None = None
    """The constraint left out (``>=3``) when the manager cannot express it."""


def _fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


@dataclass(frozen=True)
class PackageManager:
    """A PEP 804 ``package_managers`` item: how to install and query packages with a tool."""

    name: str
    install: ManagerCommand
    query: ManagerCommand | None
    syntax: SpecifierSyntax
    origin: str = ""

    @property
    def ecosystem(self) -> str | None:
        """The pip-native ecosystem this manager installs into (``apt`` for ``apt-get``)."""
        return MANAGER_ECOSYSTEMS.get(self.name)

    def render(self, package: str, specifier: SpecifierSet | None = None) -> RenderedSpec:
        """``package`` with ``specifier`` in this manager's syntax (PEP 804 ``specifier_syntax``).

        A single ``==`` uses ``exact_version``; anything else ``version_ranges``
        (operators joined with ``and``, or one token per operator when ``and``
        is null). What the manager cannot express falls back to ``name_only``
        and is reported in :attr:`RenderedSpec.lost`.
        """
        name_only = tuple(_fill(t, name=package) for t in self.syntax.name_only)
        clauses: Clauses = split_specifier(specifier)
        if not clauses.clauses:
            lost = ",".join(clauses.dropped) or None
            return RenderedSpec(package, name_only, versioned=False, lost=lost)
        exact = clauses.exact
        if exact is not None and self.syntax.exact_version is not None and not clauses.dropped:
            tokens = tuple(_fill(t, name=package, version=exact) for t in self.syntax.exact_version)
            return RenderedSpec(package, tokens, versioned=True)
        ranges = self.syntax.version_ranges
        templates = [ranges.templates.get(c.op) if ranges else None for c in clauses.clauses]
        if ranges is None or any(t is None for t in templates) or clauses.dropped:
            return RenderedSpec(package, name_only, versioned=False, lost=str(specifier))
        parts = [
            _fill(t, name=package, version=c.version)
            for t, c in zip(templates, clauses.clauses)
            if t is not None
        ]
        if ranges.and_ is not None:
            tokens = tuple(
                _fill(t, name=package, ranges=ranges.and_.join(parts)) for t in ranges.syntax
            )
        else:
            tokens = tuple(_fill(t, name=package, ranges=p) for p in parts for t in ranges.syntax)
        return RenderedSpec(package, tokens, versioned=True)

    def install_commands(self, specs: Sequence[RenderedSpec]) -> list[tuple[str, ...]]:
        """The install command(s) for ``specs``, following ``multiple_specifiers``."""
        if not specs:
            return []
        mode = self.install.multiple_specifiers
        if mode == "always":
            groups = [list(specs)]
        elif mode == "never":
            groups = [[s] for s in specs]
        else:  # name-only: unversioned specs together, each versioned one alone
            plain = [s for s in specs if not s.versioned]
            groups = ([plain] if plain else []) + [[s] for s in specs if s.versioned]
        commands = []
        for group in groups:
            words = [t for spec in group for t in spec.tokens]
            argv: list[str] = []
            for part in self.install.command:
                argv.extend(words if part == "{}" else [part])
            commands.append(tuple(argv))
        return commands

    def query_command(self, spec: RenderedSpec) -> tuple[str, ...] | None:
        """The command telling whether ``spec`` is installed (exit 0), or None if there is none."""
        if self.query is None or not self.query.command:
            return None
        argv: list[str] = []
        for part in self.query.command:
            argv.extend(spec.tokens if part == "{}" else [part])
        return tuple(argv)


@dataclass(frozen=True)
class MappingDocument:
    """A validated PEP 804 mapping file."""

    origin: str
    name: str
    description: str | None
    entries: tuple[MappingEntry, ...]
    package_managers: tuple[PackageManager, ...]
    schema_version: int = 1
    note: str | None = None
    """How the document was obtained, when worth saying (``cached copy from …``)."""

    def by_key(self) -> dict[str, tuple[MappingEntry, ...]]:
        """Entries per :func:`id_key`, in file order (the first is the preferred one)."""
        found: dict[str, list[MappingEntry]] = {}
        for entry in self.entries:
            found.setdefault(entry.key, []).append(entry)
        return {key: tuple(entries) for key, entries in found.items()}

    def resolve(self, entry: MappingEntry) -> tuple[MappingEntry, tuple[str, ...]]:
        """The entry whose ``specs`` apply to ``entry`` (following ``specs_from``), and the
        ids passed through. Cycles and dangling references were rejected when the file was read.
        """
        index = self.by_key()
        via: list[str] = []
        current = entry
        while current.specs is None:
            assert current.specs_from is not None
            via.append(current.specs_from)
            current = index[id_key(current.specs_from)][0]
        return current, tuple(via)

    @property
    def ecosystems(self) -> tuple[str, ...]:
        """The pip-native ecosystems this file's package managers install into."""
        found = [m.ecosystem for m in self.package_managers if m.ecosystem]
        return tuple(dict.fromkeys(e for e in found if e))


@dataclass(frozen=True)
class RegistryDefinition:
    id: str
    key: str
    description: str | None = None
    provides: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registry:
    """The validated central registry: known identifiers and their ``provides`` links."""

    origin: str
    definitions: tuple[RegistryDefinition, ...]
    note: str | None = None

    def get(self, identifier: str | DepURL) -> RegistryDefinition | None:
        key = id_key(identifier)
        return next((d for d in self.definitions if d.key == key), None)

    def provides(self, identifier: str | DepURL) -> tuple[str, ...]:
        """Identifiers ``identifier`` stands for (aliases first, virtual interfaces last)."""
        definition = self.get(identifier)
        if definition is None:
            return ()
        concrete = [p for p in definition.provides if not p.startswith("dep:virtual/")]
        virtual = [p for p in definition.provides if p.startswith("dep:virtual/")]
        return (*concrete, *virtual)

    def is_canonical(self, identifier: str | DepURL) -> bool:
        """PEP 804: listed, and ``provides`` is empty or only virtual identifiers."""
        definition = self.get(identifier)
        if definition is None:
            return False
        return all(p.startswith("dep:virtual/") for p in definition.provides)

    def keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.definitions)


@dataclass(frozen=True)
class KnownEcosystems:
    """The validated known-ecosystems list: ecosystem identifier -> mapping URL."""

    origin: str
    ecosystems: Mapping[str, str]
    note: str | None = None

    def mapping_url(self, identifier: str) -> str | None:
        """The mapping URL for ``identifier`` (``debian+12``), falling back to ``debian``."""
        if identifier in self.ecosystems:
            return self.ecosystems[identifier]
        base = identifier.partition("+")[0]
        return self.ecosystems.get(base)


# --------------------------------------------------------------------------- validation

_SCHEMA_HINT = (
    "Compare the file with the PEP 804 JSON schemas (central-registry, known-ecosystems, "
    "external-mapping); if it was downloaded, fetch it again or pass a corrected local copy."
)


class _Checker:
    """Validates one parsed document and raises one precise error per problem."""

    def __init__(self, kind: str, origin: str) -> None:
        self.kind = kind
        self.origin = origin

    def fail(self, where: str, problem: str, fix: str) -> MappingFileError:
        return MappingFileError(
            f"{self.kind} {self.origin}: {where}: {problem}.", hint=f"{fix} {_SCHEMA_HINT}"
        )

    def obj(self, value: object, where: str, allowed: Sequence[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(
                where, f"it is {_shown(value)}, not an object", "Make it a JSON object."
            )
        extra = [k for k in value if k not in allowed]
        if extra:
            raise self.fail(
                where,
                f"unknown field {extra[0]!r} (allowed: {', '.join(allowed)})",
                f"Remove {extra[0]!r} or fix its spelling.",
            )
        return value

    def required(self, data: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in data:
            raise self.fail(where, f"the required field {key!r} is missing", f"Add {key!r}.")
        return data[key]

    def string(self, value: object, where: str, name: str, *, empty: bool = False) -> str:
        if not isinstance(value, str) or (not empty and not value):
            raise self.fail(
                where,
                f"field {name!r} is {_shown(value)}, not a non-empty string",
                f"Give {name!r} a string value.",
            )
        return value

    def opt_string(self, data: Mapping[str, Any], name: str, where: str) -> str | None:
        value = data.get(name)
        if value is None:
            return None
        return self.string(value, where, name, empty=True)

    def strings(self, value: object, where: str, name: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(
                where,
                f"field {name!r} is {_shown(value)}, not a list of strings",
                f"Write {name!r} as a JSON array of strings.",
            )
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item:
                raise self.fail(
                    where,
                    f"field {name!r} item {i} is {_shown(item)}, not a non-empty string",
                    "Use non-empty strings only.",
                )
        return tuple(value)

    def schema_version(self, data: Mapping[str, Any]) -> int:
        version = data.get("schema_version", 1)
        if isinstance(version, bool) or not isinstance(version, int):
            raise self.fail(
                "top level",
                f"field 'schema_version' is {_shown(version)}, not an integer",
                "Set 'schema_version' to 1.",
            )
        if version not in _SCHEMA_VERSIONS:
            raise self.fail(
                "top level",
                f"field 'schema_version' is {version}; pip-native reads schema version 1",
                "Use a document of schema version 1 (or upgrade pip-native).",
            )
        if "$schema" in data:
            self.string(data["$schema"], "top level", "$schema", empty=True)
        return version

    def depurl(self, value: object, where: str, name: str) -> str:
        text = self.string(value, where, name)
        if not text.startswith("dep:"):
            raise self.fail(
                where,
                f"field {name!r} is {text!r}, which does not start with 'dep:'",
                "Write the identifier as a DepURL, e.g. 'dep:generic/zlib'.",
            )
        try:
            DepURL.parse(text)
        except InvalidIdentifierError as exc:
            raise self.fail(
                where, f"field {name!r}: {exc.message}", exc.hint or "Fix the identifier."
            ) from None
        return text

    def urls(self, value: object, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            items: list[object] = [value]
        elif isinstance(value, list):
            items = list(value)
        elif isinstance(value, dict):
            for label in value:
                if not label:
                    raise self.fail(where, "field 'urls' has an empty label", "Name each URL.")
            items = list(value.values())
        else:
            raise self.fail(
                where,
                f"field 'urls' is {_shown(value)}, not a URL, a list of URLs or an object",
                "Write 'urls' as a string, a list, or {label: URL}.",
            )
        for item in items:
            if not isinstance(item, str) or not urlsplit(item).scheme:
                raise self.fail(
                    where,
                    f"field 'urls' has {_shown(item)}, which is not an absolute URL",
                    "Write full URLs such as 'https://example.org/page'.",
                )
        return tuple(str(i) for i in items)


def _shown(value: object) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _entry_where(index: int, data: object, section: str = "mappings") -> str:
    ident = data.get("id") if isinstance(data, dict) else None
    return f"{section}[{index}]" + (f" (id {ident!r})" if isinstance(ident, str) else "")


def parse_registry(data: object, origin: str) -> Registry:
    """Validate a parsed central registry document (``registry.json``)."""
    check = _Checker("PEP 804 central registry", origin)
    top = check.obj(data, "top level", ("$schema", "schema_version", "definitions"))
    check.schema_version(top)
    items = check.required(top, "definitions", "top level")
    if not isinstance(items, list):
        raise check.fail(
            "top level", f"field 'definitions' is {_shown(items)}, not a list", "Make it a list."
        )
    definitions = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        where = _entry_where(i, item, "definitions")
        entry = check.obj(item, where, ("id", "description", "provides", "urls"))
        ident = check.depurl(check.required(entry, "id", where), where, "id")
        key = id_key(ident)
        if key in seen:
            raise check.fail(
                where,
                f"the id is defined again (first in definitions[{seen[key]}])",
                "Keep one definition per identifier.",
            )
        seen[key] = i
        provides_raw = entry.get("provides")
        provides: tuple[str, ...] = ()
        if provides_raw is not None:
            values = provides_raw if isinstance(provides_raw, list) else [provides_raw]
            provides = tuple(check.depurl(v, where, "provides") for v in values)
            if ident.startswith("dep:virtual/"):
                raise check.fail(
                    where,
                    "field 'provides' is set on a dep:virtual/ definition, which PEP 804 forbids",
                    "Remove 'provides' (implementations point at the virtual, not the reverse).",
                )
        definitions.append(
            RegistryDefinition(
                id=ident,
                key=key,
                description=check.opt_string(entry, "description", where),
                provides=provides,
                urls=check.urls(entry.get("urls"), where),
            )
        )
    for i, definition in enumerate(definitions):
        for target in definition.provides:
            if id_key(target) not in seen:
                raise check.fail(
                    _entry_where(i, items[i], "definitions"),
                    f"field 'provides' names {target!r}, which the registry does not define",
                    "Define that identifier too, or correct the reference.",
                )
    return Registry(origin=origin, definitions=tuple(definitions))


def parse_known_ecosystems(data: object, origin: str) -> KnownEcosystems:
    """Validate a parsed known-ecosystems document (``known-ecosystems.json``)."""
    check = _Checker("PEP 804 known-ecosystems file", origin)
    top = check.obj(data, "top level", ("$schema", "schema_version", "ecosystems"))
    check.schema_version(top)
    table = check.required(top, "ecosystems", "top level")
    if not isinstance(table, dict):
        raise check.fail(
            "top level",
            f"field 'ecosystems' is {_shown(table)}, not an object",
            "Make it an object of {identifier: {'mapping': URL}}.",
        )
    found: dict[str, str] = {}
    for name, details in table.items():
        where = f"ecosystems[{name!r}]"
        if not _ECOSYSTEM_ID.match(name):
            raise check.fail(
                where,
                "the identifier does not match PEP 804's rule [a-z0-9-_.]+ optionally "
                "followed by '+' and a version (e.g. 'debian+12')",
                "Use the os-release ID (and VERSION_ID) in lowercase.",
            )
        entry = check.obj(details, where, ("mapping",))
        url = check.string(check.required(entry, "mapping", where), where, "mapping")
        if not urlsplit(url).scheme:
            raise check.fail(
                where,
                f"field 'mapping' is {url!r}, not an absolute URL",
                "Give the full URL of the mapping file.",
            )
        found[name] = url
    return KnownEcosystems(origin=origin, ecosystems=MappingProxyType(found))


def _specs(check: _Checker, value: object, where: str) -> Specs:
    def one(item: object, field_name: str) -> tuple[str, ...]:
        if isinstance(item, str):
            if not item:
                raise check.fail(
                    where, f"field {field_name!r} is an empty string", "Name a package."
                )
            return (item,)
        return check.strings(item, where, field_name)

    if isinstance(value, dict):
        spec = check.obj(value, f"{where}: field 'specs'", CATEGORIES)
        got = {
            c: one(check.required(spec, c, f"{where}: field 'specs'"), f"specs.{c}")
            for c in CATEGORIES
        }
        return Specs(build=got["build"], host=got["host"], run=got["run"])
    if isinstance(value, (str, list)):
        packages = one(value, "specs")
        return Specs(packages, packages, packages, unavailable=not packages)
    raise check.fail(
        where,
        f"field 'specs' is {_shown(value)}; it must be a string, a list of strings, or an "
        "object with 'build', 'host' and 'run'",
        'Write e.g. "specs": "zlib" or "specs": {"build": [], "host": ["zlib1g-dev"], '
        '"run": ["zlib1g"]}.',
    )


def _command(check: _Checker, value: object, where: str, *, query: bool) -> ManagerCommand | None:
    if value is None and query:
        return None
    data = check.obj(value, where, ("command", "multiple_specifiers", "requires_elevation"))
    command = check.strings(check.required(data, "command", where), where, "command")
    placeholders = sum(1 for part in command if part == "{}")
    if not (query and not command) and placeholders != 1:
        raise check.fail(
            where,
            f"field 'command' {_shown(list(command))} has {placeholders} '{{}}' placeholders; "
            "exactly one item must be '{}'",
            "Put one '{}' item where the package specs go.",
        )
    mode = data.get("multiple_specifiers", "never" if query else "always")
    if mode not in ("always", "name-only", "never"):
        raise check.fail(
            where,
            f"field 'multiple_specifiers' is {_shown(mode)}, not 'always', 'name-only' or 'never'",
            "Use one of those three values.",
        )
    elevation = data.get("requires_elevation", False)
    if not isinstance(elevation, bool):
        raise check.fail(
            where,
            f"field 'requires_elevation' is {_shown(elevation)}, not true or false",
            "Use a JSON boolean.",
        )
    return ManagerCommand(command=command, requires_elevation=elevation, multiple_specifiers=mode)


def _syntax(check: _Checker, value: object, where: str) -> SpecifierSyntax:
    where = f"{where}: field 'specifier_syntax'"
    data = check.obj(value, where, ("name_only", "exact_version", "version_ranges"))
    name_only = check.strings(check.required(data, "name_only", where), where, "name_only")
    if not any("{name}" in t for t in name_only):
        raise check.fail(
            where, "field 'name_only' has no '{name}' placeholder", 'Write e.g. ["{name}"].'
        )
    exact_raw = check.required(data, "exact_version", where)
    exact = None
    if exact_raw is not None:
        exact = check.strings(exact_raw, where, "exact_version")
        text = " ".join(exact)
        if "{name}" not in text or "{version}" not in text:
            raise check.fail(
                where,
                "field 'exact_version' must contain both '{name}' and '{version}'",
                'Write e.g. ["{name}=={version}"], or null if versions cannot be chosen.',
            )
    ranges_raw = check.required(data, "version_ranges", where)
    ranges = None
    if ranges_raw is not None:
        rwhere = f"{where}.version_ranges"
        rdata = check.obj(ranges_raw, rwhere, ("syntax", "and", *_RANGE_KEYS))
        syntax = check.strings(check.required(rdata, "syntax", rwhere), rwhere, "syntax")
        if not any("{ranges}" in t for t in syntax):
            raise check.fail(
                rwhere,
                "field 'syntax' has no '{ranges}' placeholder",
                'Write e.g. ["{name}{ranges}"].',
            )
        and_ = check.required(rdata, "and", rwhere)
        if and_ is not None and not isinstance(and_, str):
            raise check.fail(
                rwhere, f"field 'and' is {_shown(and_)}, not a string or null", 'Use e.g. ",".'
            )
        templates: dict[str, str | None] = {}
        for op, key in _RANGE_OPS.items():
            template = check.required(rdata, key, rwhere)
            if template is not None:
                template = check.string(template, rwhere, key)
                if "{version}" not in template:
                    raise check.fail(
                        rwhere,
                        f"field {key!r} ({template!r}) has no '{{version}}' placeholder",
                        "Include '{version}', or use null when the operator is not supported.",
                    )
            templates[op] = template
        ranges = VersionRanges(syntax=syntax, and_=and_, templates=MappingProxyType(templates))
    return SpecifierSyntax(name_only=name_only, exact_version=exact, version_ranges=ranges)


def parse_mapping_document(data: object, origin: str) -> MappingDocument:
    """Validate a parsed PEP 804 mapping document (``<ecosystem>.mapping.json``).

    Checks the schema's types and required fields, PEP 804's placeholder rules,
    that every ``specs_from`` names an entry of the same file, and that
    ``specs_from`` chains end (no cycles).
    """
    check = _Checker("PEP 804 mapping file", origin)
    top = check.obj(
        data,
        "top level",
        ("$schema", "schema_version", "name", "description", "mappings", "package_managers"),
    )
    version = check.schema_version(top)
    name = check.string(check.required(top, "name", "top level"), "top level", "name")
    description = check.opt_string(top, "description", "top level")
    items = check.required(top, "mappings", "top level")
    if not isinstance(items, list):
        raise check.fail(
            "top level", f"field 'mappings' is {_shown(items)}, not a list", "Make it a list."
        )
    entries = []
    allowed = ("id", "description", "specs", "specs_from", "urls", "extra_metadata")
    for i, item in enumerate(items):
        where = _entry_where(i, item)
        entry = check.obj(item, where, allowed)
        ident = check.depurl(check.required(entry, "id", where), where, "id")
        has_specs, has_from = "specs" in entry, "specs_from" in entry
        if has_specs == has_from:
            raise check.fail(
                where,
                "it has both 'specs' and 'specs_from'"
                if has_specs
                else "it has neither 'specs' nor 'specs_from'",
                "Give exactly one of them ('specs_from' copies another entry's specs).",
            )
        extra = entry.get("extra_metadata")
        if extra is not None and not isinstance(extra, dict):
            raise check.fail(
                where,
                f"field 'extra_metadata' is {_shown(extra)}, not an object",
                "Make it a JSON object or remove it.",
            )
        entries.append(
            MappingEntry(
                id=ident,
                key=id_key(ident),
                index=i,
                specs=_specs(check, entry["specs"], where) if has_specs else None,
                specs_from=check.depurl(entry["specs_from"], where, "specs_from")
                if has_from
                else None,
                description=check.opt_string(entry, "description", where),
                urls=check.urls(entry.get("urls"), where),
                extra_metadata=MappingProxyType(dict(extra or {})),
            )
        )
    _check_specs_from(check, entries)
    managers_raw = check.required(top, "package_managers", "top level")
    if not isinstance(managers_raw, list):
        raise check.fail(
            "top level",
            f"field 'package_managers' is {_shown(managers_raw)}, not a list",
            "Make it a list (possibly empty).",
        )
    managers = []
    names: set[str] = set()
    for i, item in enumerate(managers_raw):
        label = item.get("name") if isinstance(item, dict) else None
        where = f"package_managers[{i}]" + (f" (name {label!r})" if isinstance(label, str) else "")
        pm = check.obj(item, where, ("name", "commands", "specifier_syntax"))
        pm_name = check.string(check.required(pm, "name", where), where, "name")
        if pm_name in names:
            raise check.fail(where, f"the name {pm_name!r} is used twice", "Keep one of them.")
        names.add(pm_name)
        cwhere = f"{where}: field 'commands'"
        commands = check.obj(check.required(pm, "commands", where), cwhere, ("install", "query"))
        install = _command(
            check, check.required(commands, "install", cwhere), f"{cwhere}.install", query=False
        )
        assert install is not None
        query = _command(
            check, check.required(commands, "query", cwhere), f"{cwhere}.query", query=True
        )
        syntax = _syntax(check, check.required(pm, "specifier_syntax", where), where)
        managers.append(
            PackageManager(name=pm_name, install=install, query=query, syntax=syntax, origin=origin)
        )
    return MappingDocument(
        origin=origin,
        name=name,
        description=description,
        entries=tuple(entries),
        package_managers=tuple(managers),
        schema_version=version,
    )


def _check_specs_from(check: _Checker, entries: Sequence[MappingEntry]) -> None:
    first: dict[str, MappingEntry] = {}
    for entry in entries:
        first.setdefault(entry.key, entry)
    for entry in entries:
        chain = [entry.id]
        current = entry
        while current.specs_from is not None:
            target = first.get(id_key(current.specs_from))
            where = _entry_where(current.index, {"id": current.id})
            if target is None:
                raise check.fail(
                    where,
                    f"field 'specs_from' names {current.specs_from!r}, which no entry of "
                    "this file maps",
                    "Add a mapping for that identifier, or write 'specs' here instead.",
                )
            if target.id in chain or target is entry:
                cycle = " -> ".join([*chain, target.id])
                raise check.fail(
                    _entry_where(entry.index, {"id": entry.id}),
                    f"field 'specs_from' forms a cycle: {cycle}",
                    "Break the cycle: one of these entries must have its own 'specs'.",
                )
            chain.append(target.id)
            current = target


# --------------------------------------------------------------------------- loading


def _load(
    source: str | Path,
    kind: str,
    parse: Callable[[object, str], Any],
    *,
    session: requests.Session | None,
    offline: bool,
    refresh: bool,
    cache_dir: Path | None,
) -> Any:
    def validate(text: str, origin: str) -> Any:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MappingFileError(
                f"{kind} {origin} is not valid JSON: {exc}.",
                hint="Fix the syntax at that position, or fetch the file again.",
            ) from None
        return parse(data, origin)

    fetched = fetch_document(
        source,
        what=kind,
        validate=validate,
        session=session,
        offline=offline,
        refresh=refresh,
        cache_dir=cache_dir,
    )
    return fetched


def load_registry(
    source: str | Path,
    *,
    session: requests.Session | None = None,
    offline: bool = False,
    refresh: bool = False,
    cache_dir: Path | None = None,
) -> Registry:
    """The central registry from a path or URL (URLs are cached; see :func:`fetch_document`)."""
    fetched = _load(
        source,
        "PEP 804 central registry",
        parse_registry,
        session=session,
        offline=offline,
        refresh=refresh,
        cache_dir=cache_dir,
    )
    registry: Registry = fetched.value
    return Registry(registry.origin, registry.definitions, note=fetched.note)


def load_known_ecosystems(
    source: str | Path,
    *,
    session: requests.Session | None = None,
    offline: bool = False,
    refresh: bool = False,
    cache_dir: Path | None = None,
) -> KnownEcosystems:
    """The known-ecosystems list from a path or URL (URLs are cached)."""
    fetched = _load(
        source,
        "PEP 804 known-ecosystems file",
        parse_known_ecosystems,
        session=session,
        offline=offline,
        refresh=refresh,
        cache_dir=cache_dir,
    )
    known: KnownEcosystems = fetched.value
    return KnownEcosystems(known.origin, known.ecosystems, note=fetched.note)


def load_mapping_document(
    source: str | Path,
    *,
    session: requests.Session | None = None,
    offline: bool = False,
    refresh: bool = False,
    cache_dir: Path | None = None,
) -> MappingDocument:
    """A mapping file from a path or URL (URLs are cached; offline once cached)."""
    fetched = _load(
        source,
        "PEP 804 mapping file",
        parse_mapping_document,
        session=session,
        offline=offline,
        refresh=refresh,
        cache_dir=cache_dir,
    )
    doc: MappingDocument = fetched.value
    if fetched.note is None:
        return doc
    return MappingDocument(
        origin=doc.origin,
        name=doc.name,
        description=doc.description,
        entries=doc.entries,
        package_managers=doc.package_managers,
        schema_version=doc.schema_version,
        note=fetched.note,
    )


def load_ecosystem_mapping(
    identifier: str,
    known: KnownEcosystems,
    *,
    session: requests.Session | None = None,
    offline: bool = False,
    refresh: bool = False,
    cache_dir: Path | None = None,
) -> MappingDocument:
    """The mapping file ``known`` lists for ``identifier`` (``debian+12``, else ``debian``).

    PEP 804: tools should try the versioned identifier, then the name alone.
    """
    url = known.mapping_url(identifier)
    if url is None:
        base = identifier.partition("+")[0]
        tried = repr(identifier) + (f" nor {base!r}" if base != identifier else "")
        raise MappingFileError(
            f"The PEP 804 known-ecosystems file {known.origin} has no mapping for {tried}; "
            f"it lists {', '.join(sorted(known.ecosystems)) or 'nothing'}.",
            hint="Pass the ecosystem's mapping file directly, or use a listed identifier.",
        )
    return load_mapping_document(
        url, session=session, offline=offline, refresh=refresh, cache_dir=cache_dir
    )
