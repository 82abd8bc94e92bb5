"""Maps external identifiers (DepURLs) to system packages: user overrides, PEP 804 files, bundled table."""

from __future__ import annotations

import difflib
import functools
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pip_native.errors import InvalidIdentifierError, MappingFileError, NoNativePackageError
from pip_native.external.pep804 import (
    CATEGORIES,
    MappingDocument,
    PackageManager,
    Registry,
    Specs,
    id_key,
    load_mapping_document,
    parse_mapping_document,
)
from pip_native.identifiers import DepURL, PackageURL
from pip_native.mapping.model import ECOSYSTEMS
from pip_native.mapping.userfile import PACKAGE_NAME_RULES

if TYPE_CHECKING:
    import requests

    from pip_native.external.requirements import Category

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = [
    "BUNDLED_FILES",
    "SOURCE_KINDS",
    "ExternalLayer",
    "ExternalMapping",
    "ExternalMatch",
    "as_depurl",
    "bundled_document",
    "load_external_mapping",
    "load_user_overrides",
    "parse_user_overrides",
]

#: Kinds of source, strongest first.
SOURCE_KINDS = ("user", "pep804", "bundled")

#: The bundled PEP 804 mapping files (in ``pip_native/data``), per ecosystem.
BUNDLED_FILES: Mapping[str, str] = MappingProxyType(
    {
        "apt": "external-debian+12.mapping.json",
        "dnf": "external-fedora.mapping.json",
        "conda": "external-conda-forge.mapping.json",
        "brew": "external-homebrew.mapping.json",
    }
)

#: Purl types that name a package of one of our ecosystems directly (``pkg:deb/debian/zlib1g``).
_PURL_ECOSYSTEMS = {"deb": "apt", "rpm": "dnf", "conda": "conda", "brew": "brew"}

_USER_EXAMPLE = (
    '[external.apt]\n"dep:generic/openssl" = ["libssl-dev"]\n'
    '"dep:virtual/compiler/c" = { build = ["clang"] }\n"dep:generic/git" = false'
)


@dataclass(frozen=True)
class ExternalMatch:
    """What one source says provides an external identifier in one ecosystem, and why."""

    identifier: str
    """The identifier asked for, in ``dep:`` form without version."""
    ecosystem: str
    category: Category
    packages: tuple[str, ...]
    """Packages to install for ``category``; empty when there is nothing to install
    (see :attr:`unavailable`)."""
    source: str
    """``user``, ``pep804`` or ``bundled``."""
    origin: str
    """The file or URL the answer came from."""
    reason: str
    """The source's own words: which file, which entry."""
    matched: str
    """The entry id that answered (differs from ``identifier`` through an alias)."""
    via: tuple[str, ...] = ()
    """Aliases and ``specs_from`` hops taken, in order."""
    unavailable: bool = False
    """True when the source says the ecosystem has no package for it (PEP 804's empty
    ``specs``); False with no packages means "nothing to install" (a user's ``false``,
    or an empty category)."""
    alternatives: tuple[tuple[str, ...], ...] = ()
    """Other entries of the same source for the same id (less preferred), for ``category``."""
    description: str | None = None
    manager: PackageManager | None = field(default=None, compare=False)
    """The source's preferred package manager for this ecosystem, if it names one."""
    epochs: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Debian epochs of ``packages`` where the source records them (``zlib1g-dev`` -> ``1``)."""

    def describe(self) -> str:
        """One line: packages and why (``libssl-dev openssl (bundled …: dep:generic/openssl)``)."""
        if self.unavailable:
            what = "no package"
        elif not self.packages:
            what = f"nothing to install for {self.category}"
        else:
            what = " ".join(self.packages)
        why = self.reason
        if self.via:
            why += f"; via {' -> '.join(self.via)}"
        if self.unavailable and self.description:
            why += f"; {self.description}"
        if self.alternatives:
            alts = "; ".join(" ".join(a) or "(none)" for a in self.alternatives)
            why += f"; alternatives: {alts}"
        return f"{what} ({why})"


@dataclass(frozen=True)
class _Resolved:
    entry_id: str
    specs: Specs
    via: tuple[str, ...]
    where: str
    description: str | None
    epochs: Mapping[str, str]


@dataclass(frozen=True, eq=False)
class ExternalLayer:
    """One loaded source for one ecosystem: a user file, a PEP 804 file, the bundled table."""

    source: str
    origin: str
    label: str
    ecosystem: str
    entries: Mapping[str, tuple[_Resolved, ...]]
    """:func:`~pip_native.external.pep804.id_key` -> entries, preferred first."""
    managers: tuple[PackageManager, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        n = len(self.entries)
        text = f"{self.label}: {n} identifier{'' if n == 1 else 's'}"
        return text + (f" ({'; '.join(self.notes)})" if self.notes else "")


def as_depurl(identifier: str | DepURL | PackageURL) -> DepURL:
    """A DepURL for text or a purl (``pkg:github/…`` becomes ``dep:github/…``)."""
    if isinstance(identifier, DepURL):
        return identifier
    if isinstance(identifier, PackageURL):
        return DepURL.parse("dep:" + str(identifier)[len("pkg:") :])
    return DepURL.parse(identifier)


def _epochs(extra: Mapping[str, Any]) -> Mapping[str, str]:
    raw = extra.get("debian_epochs")
    if not isinstance(raw, dict):
        return MappingProxyType({})
    return MappingProxyType({str(k): str(v) for k, v in raw.items()})


def _document_layer(
    doc: MappingDocument, ecosystem: str, *, source: str, label: str
) -> ExternalLayer:
    entries: dict[str, list[_Resolved]] = {}
    for entry in doc.entries:
        final, via = doc.resolve(entry)
        assert final.specs is not None
        entries.setdefault(entry.key, []).append(
            _Resolved(
                entry_id=entry.id,
                specs=final.specs,
                via=via,
                where=f"mappings[{entry.index}]",
                description=final.description,
                epochs=_epochs(final.extra_metadata),
            )
        )
    managers = tuple(m for m in doc.package_managers if m.ecosystem == ecosystem)
    return ExternalLayer(
        source=source,
        origin=doc.origin,
        label=label,
        ecosystem=ecosystem,
        entries=MappingProxyType({k: tuple(v) for k, v in entries.items()}),
        managers=managers,
        notes=(doc.note,) if doc.note else (),
    )


@functools.cache
def bundled_document(ecosystem: str) -> MappingDocument:
    """The bundled PEP 804 mapping document for ``ecosystem`` (validated like any other)."""
    name = BUNDLED_FILES[ecosystem]
    origin = f"pip_native/data/{name}"
    try:
        text = resources.files("pip_native").joinpath("data", name).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingFileError(
            f"The bundled external mapping {origin} cannot be read: {exc}.",
            hint="Reinstall pip-native.",
        ) from None
    return parse_mapping_document(data, origin)


# --------------------------------------------------------------------------- user overrides


def _user_error(path: Path, where: str, problem: str, fix: str) -> MappingFileError:
    return MappingFileError(
        f"Mapping file {path}: {where}: {problem}.",
        hint=f"{fix} External identifiers are mapped in '[external.<ecosystem>]' tables, e.g. "
        f"{_USER_EXAMPLE!r}.",
    )


def _read_user_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingFileError(
            f"Mapping file {path} cannot be read: {exc}.",
            hint="Check the path given to --mapping and that the file is readable UTF-8 text.",
        ) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise MappingFileError(
            f"Mapping file {path} is not valid {kind}: {exc}.",
            hint="Fix the syntax at that position.",
        ) from None
    if not isinstance(data, dict):
        raise _user_error(path, "top level", "it is not an object", "Make the file one object.")
    return data


def _user_packages(path: Path, ecosystem: str, where: str, value: object) -> tuple[str, ...]:
    items: list[object]
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, list):
        items = list(value)
    else:
        raise _user_error(
            path,
            where,
            f"{json.dumps(value, default=str)} is not a package name or a list of them",
            'Write e.g. ["libssl-dev"].',
        )
    pattern, rule = PACKAGE_NAME_RULES[ecosystem]
    packages: list[str] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, str) or not pattern.match(item):
            raise _user_error(
                path,
                f"{where}, package {i}",
                f"{item!r} is not a valid {ecosystem} package name ({rule})",
                "Use the exact name the package manager shows.",
            )
        if item not in packages:
            packages.append(item)
    return tuple(packages)


def _user_specs(path: Path, ecosystem: str, where: str, value: object) -> Specs:
    if value is False:
        return Specs((), (), ())
    if isinstance(value, dict):
        unknown = [k for k in value if k not in CATEGORIES]
        if unknown or not value:
            raise _user_error(
                path,
                where,
                f"the table has {'the key ' + repr(unknown[0]) if unknown else 'no keys'}; "
                "its keys are 'build', 'host' and 'run'",
                'Write e.g. { build = ["gcc"], host = ["libfoo-dev"], run = ["libfoo1"] } '
                "(a missing category means nothing to install for it).",
            )
        got = {
            c: _user_packages(path, ecosystem, f"{where}.{c}", value.get(c, [])) for c in CATEGORIES
        }
        return Specs(got["build"], got["host"], got["run"])
    packages = _user_packages(path, ecosystem, where, value)
    if not packages:
        raise _user_error(
            path,
            where,
            "the package list is empty",
            "List the packages, or write false when nothing needs to be installed for it.",
        )
    return Specs(packages, packages, packages)


def parse_user_overrides(path: Path, data: Mapping[str, Any]) -> dict[str, ExternalLayer]:
    """Validate the ``[external.<ecosystem>]`` tables of a parsed ``--mapping`` file.

    Returns one layer per ecosystem present. Other top-level tables (``[apt]``,
    ...) belong to the PyPI-name mapping and are not looked at here.
    """
    section = data.get("external")
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise _user_error(path, "[external]", "it is not a table", "Make it a table of tables.")
    layers: dict[str, ExternalLayer] = {}
    for ecosystem, table in section.items():
        where = f"[external.{ecosystem}]"
        if ecosystem not in ECOSYSTEMS:
            raise _user_error(
                path,
                where,
                f"{ecosystem!r} is not an ecosystem pip-native knows ({', '.join(ECOSYSTEMS)})",
                "Rename the table.",
            )
        if not isinstance(table, dict):
            raise _user_error(path, where, "it is not a table", f"Write entries under {where}.")
        entries: dict[str, tuple[_Resolved, ...]] = {}
        seen: dict[str, str] = {}
        for key, value in table.items():
            ewhere = f"{where} entry {key!r}"
            try:
                dep = DepURL.parse(key)
            except InvalidIdentifierError as exc:
                raise _user_error(
                    path,
                    ewhere,
                    f"the key is not a DepURL ({exc.message})",
                    "Quote a DepURL as the key.",
                ) from None
            if dep.version is not None:
                raise _user_error(
                    path,
                    ewhere,
                    f"the key has a version ({dep.version!r}); mappings are per identifier",
                    f"Write the key without '@…': {dep.id!r}.",
                )
            k = id_key(dep)
            if k in seen:
                raise _user_error(
                    path, ewhere, f"it maps the same identifier as {seen[k]!r}", "Keep one entry."
                )
            seen[k] = key
            specs = _user_specs(path, ecosystem, ewhere, value)
            shown = "false" if value is False else json.dumps(value)
            entries[k] = (
                _Resolved(
                    entry_id=dep.id,
                    specs=specs,
                    via=(),
                    where=f"{where} {key} = {shown}",
                    description=None,
                    epochs=MappingProxyType({}),
                ),
            )
        layers[ecosystem] = ExternalLayer(
            source="user",
            origin=str(path),
            label=f"user mapping {path} [external.{ecosystem}]",
            ecosystem=ecosystem,
            entries=MappingProxyType(entries),
        )
    return layers


def load_user_overrides(path: Path) -> dict[str, ExternalLayer]:
    """Read a ``--mapping`` file and return its ``[external.*]`` layers (see :func:`parse_user_overrides`)."""
    return parse_user_overrides(path, _read_user_file(path))


# --------------------------------------------------------------------------- the merged lookup


class ExternalMapping:
    """Every source of external-identifier mappings, asked in precedence order.

    Precedence, strongest first: user override files (the last given first),
    PEP 804 mapping files the user passed (the last given first), the bundled
    table. For one identifier, all sources are asked for the identifier itself
    before any alias the central registry names (``provides``).
    """

    def __init__(
        self,
        layers: Sequence[ExternalLayer],
        *,
        registry: Registry | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.layers = tuple(layers)
        self.registry = registry
        self.notes = tuple(notes)

    def layers_for(self, ecosystem: str) -> list[ExternalLayer]:
        return [layer for layer in self.layers if layer.ecosystem == ecosystem]

    def lookup(
        self,
        identifier: str | DepURL | PackageURL,
        ecosystem: str,
        *,
        category: Category,
    ) -> ExternalMatch | None:
        """What provides ``identifier`` in ``ecosystem`` for ``category``, or None if no source knows.

        ``identifier`` may carry a version (it is ignored here; see
        :meth:`PackageManager.render`). A purl of the ecosystem's own type
        (``pkg:deb/debian/zlib1g`` for apt) names its package directly.
        """
        if category not in CATEGORIES:
            raise ValueError(f"category must be one of {CATEGORIES}, not {category!r}")
        if (
            isinstance(identifier, PackageURL)
            and _PURL_ECOSYSTEMS.get(identifier.type) == ecosystem
        ):
            return ExternalMatch(
                identifier=str(identifier),
                ecosystem=ecosystem,
                category=category,
                packages=(identifier.name,),
                source="user",
                origin="the identifier",
                reason=f"the purl names the {ecosystem} package {identifier.name} itself",
                matched=str(identifier),
            )
        dep = as_depurl(identifier)
        key = id_key(dep)
        candidates: list[tuple[str, tuple[str, ...]]] = [(key, ())]
        if self.registry is not None:
            for alias in self.registry.provides(dep):
                candidates.append((id_key(alias), (f"registry: {dep.id} provides {alias}",)))
        for cand, alias_via in candidates:
            for layer in self.layers_for(ecosystem):
                found = layer.entries.get(cand)
                if found:
                    return self._match(dep, layer, found, category, alias_via)
        return None

    def _match(
        self,
        dep: DepURL,
        layer: ExternalLayer,
        found: tuple[_Resolved, ...],
        category: Category,
        alias_via: tuple[str, ...],
    ) -> ExternalMatch:
        first, *others = found
        via = alias_via + tuple(f"specs_from {v}" for v in first.via)
        return ExternalMatch(
            identifier=dep.id,
            ecosystem=layer.ecosystem,
            category=category,
            packages=first.specs.for_category(category),
            source=layer.source,
            origin=layer.origin,
            reason=f"{layer.label}: {first.entry_id}"
            if layer.source != "user"
            else f"{layer.label}: {first.where}",
            matched=first.entry_id,
            via=via,
            unavailable=first.specs.unavailable,
            alternatives=tuple(o.specs.for_category(category) for o in others),
            description=first.description,
            manager=self.package_manager(layer.ecosystem, prefer=layer),
            epochs=first.epochs,
        )

    def package_manager(
        self, ecosystem: str, name: str | None = None, *, prefer: ExternalLayer | None = None
    ) -> PackageManager | None:
        """The package manager to write commands for: ``name`` if given, else the first
        one named by the strongest source (``prefer`` first) that names one."""
        layers = self.layers_for(ecosystem)
        if prefer is not None:
            layers = [prefer, *(la for la in layers if la is not prefer)]
        for layer in layers:
            for manager in layer.managers:
                if name is None or manager.name == name:
                    return manager
        return None

    def known_ids(self, ecosystem: str) -> list[str]:
        ids: list[str] = []
        for layer in self.layers_for(ecosystem):
            for entries in layer.entries.values():
                if entries[0].entry_id not in ids:
                    ids.append(entries[0].entry_id)
        return ids

    def sources(self, ecosystem: str) -> list[str]:
        """One line per source consulted for ``ecosystem``, strongest first."""
        lines = [layer.summary() for layer in self.layers_for(ecosystem)]
        if self.registry is not None:
            lines.append(
                f"central registry {self.registry.origin} (aliases): "
                f"{len(self.registry.definitions)} definitions"
            )
        return lines + list(self.notes)

    def unknown_message(
        self,
        identifier: str | DepURL | PackageURL,
        ecosystem: str,
        category: Category | None = None,
    ) -> str:
        """The paragraph saying no source maps ``identifier``: what was consulted, and the fix."""
        dep = as_depurl(identifier)
        consulted = "; ".join(self.sources(ecosystem)) or "no sources"
        close = difflib.get_close_matches(dep.id, self.known_ids(ecosystem), n=3, cutoff=0.75)
        maybe = f" Similar known identifiers: {', '.join(close)}." if close else ""
        what = f" for {category}" if category else ""
        return (
            f"No {ecosystem} package is known to provide the external dependency "
            f"{dep.id!r}{what}. Consulted: {consulted}.{maybe} If a package provides it, map it "
            f"in a file passed with --mapping FILE, e.g. '[external.{ecosystem}]' and the line "
            f"'\"{dep.id}\" = [\"<package>\"]' (or '= false' when it needs no package), or pass "
            "a PEP 804 mapping file that has it."
        )

    def unknown_error(
        self,
        identifier: str | DepURL | PackageURL,
        ecosystem: str,
        category: Category | None = None,
    ) -> NoNativePackageError:
        """:meth:`unknown_message` as the error to raise."""
        dep = as_depurl(identifier)
        return NoNativePackageError(
            self.unknown_message(dep, ecosystem, category),
            hint=f"Find the package with your package manager's search, then add "
            f"'[external.{ecosystem}]' / '\"{dep.id}\" = [\"<package>\"]' to a file and pass "
            "--mapping FILE.",
        )

    @staticmethod
    def unavailable_message(match: ExternalMatch) -> str:
        """The paragraph for a source that says the ecosystem has no package for an identifier."""
        extra = f" ({match.description})" if match.description else ""
        return (
            f"{match.reason} says {match.ecosystem} has no package for {match.identifier!r}"
            f"{extra}. Install it another way, or if a package does provide it, map it in a "
            f"--mapping file: '[external.{match.ecosystem}]' / '\"{match.identifier}\" = "
            "[\"<package>\"]' (or '= false' when it is already there)."
        )


def _ecosystems_of(doc: MappingDocument, source: str | Path) -> tuple[str, ...]:
    if doc.ecosystems:
        return doc.ecosystems
    stem = Path(str(source)).name.split(".mapping", 1)[0].lower()
    base = stem.partition("+")[0]
    guesses = {
        "debian": "apt",
        "ubuntu": "apt",
        "fedora": "dnf",
        "rhel": "dnf",
        "centos": "dnf",
        "conda-forge": "conda",
        "homebrew": "brew",
    }
    return (guesses[base],) if base in guesses else ()


def load_external_mapping(
    *,
    user_files: Sequence[Path] = (),
    pep804_files: Sequence[str | Path] = (),
    registry: Registry | None = None,
    bundled: bool = True,
    ecosystems: Sequence[str] = ECOSYSTEMS,
    session: requests.Session | None = None,
    offline: bool = False,
) -> ExternalMapping:
    """Load every external-identifier source into an :class:`ExternalMapping`.

    ``user_files`` are ``--mapping`` files (only their ``[external.*]`` tables
    are read here); ``pep804_files`` are PEP 804 mapping files (paths or URLs;
    URLs are cached, see :func:`~pip_native.external.fetch.fetch_document`).
    A PEP 804 file serves the ecosystems its package managers install into
    (``apt-get`` -> apt, ``mamba`` -> conda, ...), or, when none is ours, the
    one its file name suggests (``ubuntu.mapping.json`` -> apt). ``registry``
    adds the central registry's aliases.
    """
    layers: list[ExternalLayer] = []
    notes: list[str] = []
    for path in reversed(list(user_files)):
        by_eco = load_user_overrides(Path(path))
        layers.extend(by_eco[e] for e in ecosystems if e in by_eco)
    for source in reversed(list(pep804_files)):
        doc = load_mapping_document(source, session=session, offline=offline)
        served = [e for e in _ecosystems_of(doc, source) if e in ecosystems]
        if not served:
            names = ", ".join(m.name for m in doc.package_managers) or "none"
            notes.append(
                f"PEP 804 mapping {doc.origin} ({doc.name}) is not used: its package managers "
                f"({names}) install into none of {', '.join(ecosystems)}"
            )
        for ecosystem in served:
            layers.append(
                _document_layer(
                    doc,
                    ecosystem,
                    source="pep804",
                    label=f"PEP 804 mapping {doc.name} ({doc.origin})",
                )
            )
    if bundled:
        for ecosystem in ecosystems:
            doc = bundled_document(ecosystem)
            layers.append(
                _document_layer(doc, ecosystem, source="bundled", label=f"bundled {doc.name} table")
            )
    return ExternalMapping(layers, registry=registry, notes=notes)
