"""The logic of ``pip-native map`` for identifiers and of the external-dependency report for packagers."""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from pip_native.errors import NoNativePackageError, UsageError
from pip_native.external.constraints import (
    Clauses,
    debian_relations,
    rpm_relations,
    split_specifier,
)
from pip_native.external.lookup import ExternalMapping, ExternalMatch, load_external_mapping
from pip_native.external.pep804 import CATEGORIES, PackageManager, RenderedSpec
from pip_native.external.requirements import Category, ExternalRequirement, read_external
from pip_native.identifiers import DepURL, PackageURL, parse_identifier
from pip_native.mapping import fedora
from pip_native.mapping.model import ECOSYSTEMS

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

    from pip_native.mapping.table import ExistsFn, MappingTable

__all__ = [
    "FORMATS",
    "REPORT_CATEGORIES",
    "ReportRow",
    "external_report",
    "external_rows",
    "map_identifier",
]

ReportCategory = Literal["build", "host", "run", "all"]
Format = Literal["text", "json", "shell", "deb", "rpm"]

#: What ``category=`` selects. ``build`` is everything a build needs (PEP 725 lets a tool
#: that does not cross-compile merge host-requires into build-requires).
REPORT_CATEGORIES: Mapping[str, tuple[Category, ...]] = {
    "build": ("build", "host"),
    "host": ("host",),
    "run": ("run",),
    "all": ("build", "host", "run"),
}
FORMATS = ("text", "json", "shell", "deb", "rpm")

_PYTHON = DepURL.parse("dep:generic/python")
_IMPLIED = "implied: PEP 725 assumes Python headers when a compiler is required"


@dataclass(frozen=True)
class ReportRow:
    """One requirement of the report, and what it maps to."""

    category: Category
    requirement: str
    """As written (``dep:generic/openssl@>=3``, ``cython>=3.0``)."""
    kind: Literal["external", "build-system", "implied"]
    where: str
    """Where it was declared (``pyproject.toml: [external] host-requires[0]``)."""
    packages: tuple[str, ...] = ()
    why: str = ""
    status: Literal["ok", "nothing", "unknown", "unavailable"] = "ok"
    problem: str = ""
    """For ``unknown``/``unavailable``: the paragraph saying why and how to fix it."""
    clauses: Clauses = field(default_factory=lambda: Clauses(()))
    """The version constraint to put on ``packages`` (empty for virtual identifiers)."""
    version_note: str = ""
    manager: PackageManager | None = field(default=None, compare=False)
    epochs: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Debian epochs of ``packages``, where the source records them."""
    epochs_known: bool = False
    """True when a package missing from ``epochs`` is known to have none (the bundled table)."""

    @property
    def mapped(self) -> bool:
        return self.status in ("ok", "nothing")


def _version_of(dep: DepURL) -> tuple[Clauses, str]:
    if dep.version is None:
        return Clauses(()), ""
    if dep.is_virtual:
        return Clauses(()), (
            f"the version {dep.version} of a virtual identifier (a language standard or "
            "interface version) is not a package version; not applied"
        )
    if dep.specifier is None:
        return Clauses(()), f"the version {dep.version!r} is not PEP 440; not applied"
    clauses = split_specifier(dep.specifier)
    note = f"cannot express {', '.join(clauses.dropped)}" if clauses.dropped else ""
    return clauses, note


def _external_row(
    req: ExternalRequirement | None,
    dep: DepURL,
    category: Category,
    ecosystem: str,
    mapping: ExternalMapping,
    *,
    implied: bool = False,
) -> ReportRow:
    match: ExternalMatch | None = mapping.lookup(dep, ecosystem, category=category)
    requirement = req.raw if req is not None else dep.id
    where = req.where if req is not None else _IMPLIED
    kind: Literal["external", "implied"] = "implied" if implied else "external"
    if match is None:
        return ReportRow(
            category,
            requirement,
            kind,
            where,
            status="unknown",
            problem=mapping.unknown_message(dep, ecosystem, category),
        )
    why = match.reason + (f"; via {' -> '.join(match.via)}" if match.via else "")
    if implied:
        why = f"{_IMPLIED}; {why}"
    if match.unavailable:
        return ReportRow(
            category,
            requirement,
            kind,
            where,
            why=why,
            status="unavailable",
            problem=mapping.unavailable_message(match),
        )
    clauses, note = _version_of(dep)
    return ReportRow(
        category,
        requirement,
        kind,
        where,
        packages=match.packages,
        why=why,
        status="ok" if match.packages else "nothing",
        clauses=clauses if match.packages else Clauses(()),
        version_note=note,
        manager=match.manager,
        epochs=match.epochs,
        epochs_known=match.source == "bundled",
    )


def _pypi_row(
    text: str,
    origin: str,
    index: int,
    ecosystem: str,
    table: MappingTable,
    exists: ExistsFn | None,
) -> ReportRow:
    req = Requirement(text)
    project = canonicalize_name(req.name)
    where = f"{origin}: [build-system] requires[{index}]"
    match = table.lookup(project, exists=exists)
    clauses = split_specifier(req.specifier) if req.specifier else Clauses(())
    note = f"cannot express {', '.join(clauses.dropped)}" if clauses.dropped else ""
    if match is not None and match.packages and req.specifier:
        shipped = table.metadata_version(match.packages[0], project)
        if shipped is not None and not req.specifier.contains(shipped, prereleases=True):
            note = (
                f"{match.packages[0]} ships {project} {shipped}, which does not satisfy "
                f"{req.specifier}"
            )
    if match is None and ecosystem == "dnf" and exists is None:
        # Every Fedora Python RPM provides python3dist(<name>): the form spec files use.
        provide = fedora.dnf_candidates(project)[0]
        return ReportRow(
            "build",
            text,
            "build-system",
            where,
            packages=(provide,),
            why=f"Fedora's {provide} provide (every Python RPM has one; not checked with dnf)",
            clauses=clauses,
            version_note=note,
        )
    if match is None:
        return ReportRow(
            "build",
            text,
            "build-system",
            where,
            status="unknown",
            problem=table.unknown_message(project),
        )
    if match.never_native:
        return ReportRow(
            "build",
            text,
            "build-system",
            where,
            why=f"{match.reason or match.origin}: always from PyPI",
            status="nothing",
        )
    return ReportRow(
        "build",
        text,
        "build-system",
        where,
        packages=match.packages,
        why=match.reason or f"{match.source} {match.origin}",
        clauses=clauses,
        version_note=note,
    )


def _marker_applies(req: Requirement, environment: Mapping[str, str] | None) -> bool:
    if req.marker is None:
        return True
    try:
        return bool(req.marker.evaluate({**(environment or {}), "extra": ""}))
    except (UndefinedComparison, UndefinedEnvironmentName):
        return False


def external_rows(
    project_path: str | Path,
    *,
    category: ReportCategory,
    ecosystem: str,
    external: ExternalMapping,
    pypi: MappingTable | None,
    extras: Collection[str] = (),
    groups: Collection[str] = (),
    environment: Mapping[str, str] | None = None,
    exists: ExistsFn | None = None,
    python_headers: bool = True,
    user_files: Sequence[Path] = (),
) -> tuple[str, list[ReportRow]]:
    """(origin, rows) for the report: every selected requirement and what it maps to.

    ``pypi`` is loaded (``load_mapping(ecosystem, user_files=user_files)``) only
    when the project has build-system requirements to map.
    """
    if category not in REPORT_CATEGORIES:
        raise UsageError(
            f"The category {category!r} is not one of {', '.join(REPORT_CATEGORIES)}.",
            hint="Use build (everything a build needs), host, run or all.",
        )
    wanted = REPORT_CATEGORIES[category]
    reqs = read_external(project_path)
    rows = [
        _external_row(r, r.dep, r.category, ecosystem, external)
        for r in reqs.select(wanted, extras=extras, groups=groups, environment=environment)
    ]
    has_compiler = any(
        r.dep.is_virtual and r.dep.namespace == "compiler"
        for r in reqs.all()
        if r.applies(environment)
    )
    mentioned = {r.dep.id for r in reqs.all()}
    if python_headers and has_compiler and "host" in wanted and _PYTHON.id not in mentioned:
        rows.append(_external_row(None, _PYTHON, "host", ecosystem, external, implied=True))
    if "build" in wanted and reqs.build_system_requires:
        if pypi is None:
            from pip_native.mapping import load_mapping

            pypi = load_mapping(ecosystem, user_files=user_files)
        for index, text in enumerate(reqs.build_system_requires):
            if _marker_applies(Requirement(text), environment):
                rows.append(_pypi_row(text, reqs.origin, index, ecosystem, pypi, exists))
    return reqs.origin, rows


# --------------------------------------------------------------------------- formats


def _relations(
    rows: Sequence[ReportRow], render: Callable[[str, ReportRow], list[str]]
) -> list[str]:
    """Rendered items for ``rows``' packages, de-duplicated; a constrained item replaces a bare one."""
    items: dict[str, list[str]] = {}
    for row in rows:
        for package in row.packages:
            rendered = render(package, row)
            current = items.setdefault(package, [])
            if rendered == [package] and current:
                continue
            if current == [package]:
                current.clear()
            current.extend(r for r in rendered if r not in current)
    return [item for group in items.values() for item in group]


def _deb(
    rows: Sequence[ReportRow], versions: Callable[[Sequence[str]], Mapping[str, str]] | None
) -> list[str]:
    unsure = sorted(
        {p for r in rows if r.clauses.clauses and not r.epochs_known for p in r.packages}
    )
    found: dict[str, str] = {}
    if unsure and versions is not None:
        candidates = versions(unsure)
        found = {p: v.split(":", 1)[0] if ":" in v else "0" for p, v in candidates.items()}
    lines: list[str] = []
    for label, cats in (("Build-Depends", ("build", "host")), ("Depends", ("run",))):
        chosen = [r for r in rows if r.category in cats and r.packages]
        if chosen:
            items = _relations(
                chosen,
                lambda p, r: debian_relations(p, r.clauses, epoch=r.epochs.get(p) or found.get(p)),
            )
            lines.append(f"{label}: " + ", ".join(items))
    missing = [p for p in unsure if p not in found]
    if missing:
        lines.append(
            f"# versions of {', '.join(missing)} are written without a Debian epoch; if "
            "'apt-cache policy' shows one (1:...), put it in front of the version"
        )
    return lines


def _rpm(rows: Sequence[ReportRow]) -> list[str]:
    lines: list[str] = []
    for label, cats in (("BuildRequires", ("build", "host")), ("Requires", ("run",))):
        chosen = [r for r in rows if r.category in cats and r.packages]
        lines.extend(
            f"{label}: {item}"
            for item in _relations(chosen, lambda p, r: rpm_relations(p, r.clauses))
        )
    return lines


def _specifier_of(clauses: Clauses) -> SpecifierSet | None:
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(",".join(map(str, clauses.clauses))) if clauses.clauses else None


def _shell(
    rows: Sequence[ReportRow],
    ecosystem: str,
    manager: PackageManager | None,
    sudo: bool | None,
) -> list[str]:
    lines: list[str] = []
    if manager is None:
        lines.append(f"# no package manager known for {ecosystem}; packages:")
        names = list(dict.fromkeys(p for r in rows for p in r.packages))
        return [*lines, "# " + " ".join(names)] if names else lines
    specs: dict[str, RenderedSpec] = {}
    lost: list[str] = []
    for row in rows:
        for package in row.packages:
            spec = manager.render(package, _specifier_of(row.clauses))
            if spec.lost:
                lost.append(f"{package} {spec.lost}")
            old = specs.get(package)
            if old is None or (spec.versioned and not old.versioned):
                specs[package] = spec
    if lost:
        lines.append(f"# {manager.name} cannot select versions; wanted: {', '.join(lost)}")
    if not specs:
        return [*lines, "# nothing to install"]
    if sudo is None:
        sudo = hasattr(os, "geteuid") and os.geteuid() != 0
    prefix = ["sudo"] if sudo and manager.install.requires_elevation else []
    lines.extend(
        shlex.join([*prefix, *argv]) for argv in manager.install_commands(list(specs.values()))
    )
    return lines


def _text(origin: str, rows: Sequence[ReportRow], ecosystem: str, category: str) -> list[str]:
    lines = [f"External requirements of {origin} for {ecosystem} (category: {category}):", ""]
    if not rows:
        return [*lines, "No requirements in the selected categories."]
    table = [("category", "requirement", "packages", "why")]
    for row in rows:
        if row.status == "unknown":
            packages = "(unknown)"
        elif row.status == "unavailable":
            packages = "(none available)"
        elif row.status == "nothing":
            packages = "(nothing to install)"
        else:
            packages = " ".join(row.packages)
            if row.clauses.clauses:
                packages += f" ({row.clauses})"
        why = row.why or "no source maps it"
        if row.version_note:
            why += f"; version: {row.version_note}"
        table.append((row.category, row.requirement, packages, why))
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    for r in table:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    names = list(dict.fromkeys(p for r in rows for p in r.packages))
    lines += ["", f"Packages: {' '.join(names) if names else '(none)'}"]
    return lines


def _problems(rows: Sequence[ReportRow], ecosystem: str, comment: str = "") -> list[str]:
    bad = [r for r in rows if not r.mapped]
    if not bad:
        return []
    lines = [f"{comment}Cannot map {len(bad)} requirement(s) to {ecosystem}:"]
    for row in bad:
        lines.append(f"{comment}  {row.requirement} ({row.where}): {row.problem}")
    return lines


def _json(
    origin: str,
    rows: Sequence[ReportRow],
    ecosystem: str,
    category: str,
    manager: PackageManager | None,
) -> str:
    def row_json(row: ReportRow) -> dict[str, object]:
        return {
            "category": row.category,
            "requirement": row.requirement,
            "kind": row.kind,
            "where": row.where,
            "status": row.status,
            "packages": list(row.packages),
            "version": [str(c) for c in row.clauses.clauses],
            "version_note": row.version_note or None,
            "why": row.why or None,
            "problem": row.problem or None,
        }

    packages = {
        cat: list(dict.fromkeys(p for r in rows if r.category == cat for p in r.packages))
        for cat in CATEGORIES
    }
    doc = {
        "version": 1,
        "project": origin,
        "ecosystem": ecosystem,
        "category": category,
        "package_manager": manager.name if manager else None,
        "requirements": [row_json(r) for r in rows],
        "packages": packages,
        "unmapped": [row_json(r) for r in rows if not r.mapped],
    }
    return json.dumps(doc, indent=2) + "\n"


def external_report(
    project_path: str | Path,
    *,
    category: ReportCategory = "all",
    ecosystem: str,
    fmt: Format = "text",
    extras: Collection[str] = (),
    groups: Collection[str] = (),
    external: ExternalMapping | None = None,
    pypi: MappingTable | None = None,
    user_files: Sequence[Path] = (),
    pep804_files: Sequence[str | Path] = (),
    manager: str | None = None,
    sudo: bool | None = None,
    environment: Mapping[str, str] | None = None,
    exists: ExistsFn | None = None,
    versions: Callable[[Sequence[str]], Mapping[str, str]] | None = None,
    python_headers: bool = True,
) -> tuple[str, int]:
    """The system packages ``project_path`` needs in ``ecosystem``, as text and an exit code.

    Reads the project's ``[external]`` table (a directory, pyproject.toml, sdist
    or wheel) and, for ``build``/``all``, its ``[build-system].requires``
    mapped through the PyPI-name mapping (``pypi``, default
    ``load_mapping(ecosystem, user_files=user_files)``; ``exists`` confirms
    heuristic guesses, as for ``pip-native map``). ``category``: ``build``
    (everything a build needs: build and host requirements plus the build
    system's), ``host``, ``run`` or ``all``. Formats: ``text`` (a table with
    the reason for each package), ``json``, ``shell`` (the install command of
    ``manager`` or the strongest source's first package manager; ``sudo``
    None means "when not root and the manager needs elevation"), ``deb``
    (``Build-Depends:``/``Depends:``) and ``rpm`` (``BuildRequires:``/``Requires:``).
    ``versions(packages)`` (the manager's candidate versions, e.g. from the apt
    backend's query) gives the Debian epochs the bundled table does not record.

    The exit code is 0 when every requirement maps, 1 otherwise; the text then
    lists every requirement that cannot be mapped, each with its fix (as ``#``
    comments in the shell, deb and rpm formats). Invalid input raises a
    :class:`~pip_native.errors.PipNativeError`.
    """
    if ecosystem not in ECOSYSTEMS:
        raise UsageError(
            f"The ecosystem {ecosystem!r} is not one of {', '.join(ECOSYSTEMS)}.",
            hint="Choose the package manager the packages are for with one of those names.",
        )
    if fmt not in FORMATS:
        raise UsageError(
            f"The format {fmt!r} is not one of {', '.join(FORMATS)}.",
            hint="Use text, json, shell, deb or rpm.",
        )
    if external is None:
        external = load_external_mapping(
            user_files=user_files, pep804_files=pep804_files, ecosystems=(ecosystem,)
        )
    origin, rows = external_rows(
        project_path,
        category=category,
        ecosystem=ecosystem,
        external=external,
        pypi=pypi,
        extras=extras,
        groups=groups,
        environment=environment,
        exists=exists,
        python_headers=python_headers,
        user_files=user_files,
    )
    chosen = external.package_manager(ecosystem, manager)
    if manager is not None and chosen is None:
        known = [m.name for layer in external.layers_for(ecosystem) for m in layer.managers]
        raise UsageError(
            f"No source for {ecosystem} describes the package manager {manager!r} "
            f"(known: {', '.join(dict.fromkeys(known)) or 'none'}).",
            hint="Leave the package manager out to use the default, or name a known one.",
        )
    status = 0 if all(r.mapped for r in rows) else 1
    if fmt == "json":
        return _json(origin, rows, ecosystem, category, chosen), status
    if fmt == "text":
        lines = _text(origin, rows, ecosystem, category)
        problems = _problems(rows, ecosystem)
        return "\n".join(lines + (["", *problems] if problems else [])) + "\n", status
    header = f"# pip-native: {category} requirements of {origin} for {ecosystem}"
    if fmt == "shell":
        body = _shell([r for r in rows if r.mapped], ecosystem, chosen, sudo)
    elif fmt == "deb":
        body = _deb(rows, versions)
    else:
        body = _rpm(rows)
    return "\n".join([header, *body, *_problems(rows, ecosystem, "# ")]) + "\n", status


# --------------------------------------------------------------------------- pip-native map


def _pypi_lines(
    project: NormalizedName, ecosystem: str, table: MappingTable, exists: ExistsFn | None
) -> list[str]:
    match = table.lookup(project, exists=exists)
    if match is None:
        raise table.unknown_error(project)
    if match.never_native:
        return [f"{project}: never from {ecosystem} ({match.reason or match.origin})"]
    return [f"{project}: {' '.join(match.packages)}  [{match.describe()}]"]


def _has_version(identifier: DepURL | PackageURL) -> bool:
    return isinstance(identifier, DepURL) and identifier.version is not None


def map_identifier(
    text: str,
    ecosystem: str,
    *,
    external: ExternalMapping | None = None,
    pypi: MappingTable | None = None,
    user_files: Sequence[Path] = (),
    pep804_files: Sequence[str | Path] = (),
    exists: ExistsFn | None = None,
    category: Category | None = None,
) -> list[str]:
    """The lines ``pip-native map IDENTIFIER --to ECOSYSTEM`` prints for one identifier.

    A PyPI name goes through the PyPI-name mapping (``pypi``, default
    ``load_mapping(ecosystem, user_files=user_files)``; ``exists`` confirms
    heuristic guesses) and prints ``name: packages  [why]``. A DepURL or purl
    goes through the external mapping (``external``, default
    :func:`load_external_mapping`) and prints its packages per category
    (only ``category`` when given) and why. Raises
    :class:`~pip_native.errors.NoNativePackageError` when no source maps it, or
    when the source says the ecosystem has no package for it.
    """
    identifier = parse_identifier(text)
    if isinstance(identifier, str):
        if pypi is None:
            from pip_native.mapping import load_mapping

            pypi = load_mapping(ecosystem, user_files=user_files)
        return _pypi_lines(NormalizedName(identifier), ecosystem, pypi, exists)
    if external is None:
        external = load_external_mapping(
            user_files=user_files, pep804_files=pep804_files, ecosystems=(ecosystem,)
        )
    dep_or_purl: DepURL | PackageURL = identifier
    categories: tuple[Category, ...] = (category,) if category else ("build", "host", "run")
    matches = []
    for cat in categories:
        match = external.lookup(dep_or_purl, ecosystem, category=cat)
        if match is None:
            raise external.unknown_error(dep_or_purl, ecosystem, category)
        if match.unavailable:
            raise NoNativePackageError(
                external.unavailable_message(match),
                hint=f"Map it in a --mapping file under [external.{ecosystem}] if a package does "
                "provide it.",
            )
        matches.append(match)
    first = matches[0]
    lines = [f"{text}: {ecosystem}"]
    labels = [m.category for m in matches] + ["why", "version"][
        : 2 if _has_version(identifier) else 1
    ]
    width = max(len(label) for label in labels) + 1
    for match in matches:
        packages = " ".join(match.packages) or "(nothing to install)"
        lines.append(f"  {(match.category + ':').ljust(width)} {packages}")
    why = first.reason + (f"; via {' -> '.join(first.via)}" if first.via else "")
    lines.append(f"  {'why:'.ljust(width)} {why}")
    if isinstance(identifier, DepURL) and identifier.version is not None:
        clauses, note = _version_of(identifier)
        manager = first.manager
        if note:
            lines.append(f"  {'version:'.ljust(width)} {note}")
        elif manager is not None and first.packages:
            spec = manager.render(first.packages[0], _specifier_of(clauses))
            said = " ".join(spec.tokens)
            if spec.lost:
                said += f" ({manager.name} cannot select versions; wanted {spec.lost})"
            lines.append(f"  {'version:'.ljust(width)} {said}")
    return lines
