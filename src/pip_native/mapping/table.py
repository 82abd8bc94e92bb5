"""The mapping table: PyPI project <-> system packages, from every source in precedence order.

Precedence, strongest first (the first source that knows a project answers):

1. user mapping files (``--mapping``), the last file given first;
2. PyDist files that installed Debian packages ship themselves
   (``/usr/share/python3/dist/*``);
3. the bundled table generated from the running release's Contents index
   (``pip_native/data/apt-<distro>-<release>.json``);
4. dh-python's ``cpython3_fallback`` (a snapshot of Debian unstable taken when
   dh-python was built: on bookworm it names packages that bookworm does not
   have, e.g. ``python3-psycopg3``, so the release's own table outranks it);
5. the heuristic ``python3-<name>``, used only when the caller's ``exists``
   confirms such a package exists.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pip_native.errors import MappingFileError, NoNativePackageError, UnsupportedBackendError
from pip_native.hostdistro import host_distribution
from pip_native.mapping import brew, conda, debian, fedora
from pip_native.mapping.indexed import BundledPackages, Looked, PyDistLines, WhenAsked
from pip_native.mapping.model import ECOSYSTEMS, MappingLayer, MappingMatch, MatchRows
from pip_native.mapping.userfile import load_user_file

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = [
    "ExistsFn",
    "MappingTable",
    "bundled_tables",
    "load_bundled_table",
    "load_mapping",
    "load_pydist_file",
    "load_table_file",
]

#: ``exists(names)`` returns the subset of ``names`` the package manager knows (one batched query).
ExistsFn = Callable[[Sequence[str]], Collection[str]]

#: Heuristic candidates per ecosystem, and how :meth:`MappingTable.sources` names them.
_HEURISTICS: Mapping[str, Callable[[NormalizedName], tuple[str, ...]]] = {
    "apt": debian.apt_candidates,
    "brew": brew.brew_candidates,
    "conda": conda.conda_candidates,
    "dnf": fedora.dnf_candidates,
}
_HEURISTIC_LABELS = {
    "apt": "Debian policy names",
    "brew": "Homebrew formula names",
    "conda": "same-name conda packages",
    "dnf": "RPM python3dist() provides",
}
BUNDLED_FORMAT = 1


class MappingTable:
    """All mapping sources for one ecosystem, queried in precedence order."""

    def __init__(
        self,
        ecosystem: str,
        layers: Sequence[MappingLayer],
        *,
        heuristic: Callable[[NormalizedName], tuple[str, ...]] | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.ecosystem = ecosystem
        self.layers = tuple(layers)
        """Sources, strongest first."""
        self.heuristic = heuristic
        self._rejected_guesses: dict[NormalizedName, str] = {}
        self.notes = tuple(notes)

    def _from_layers(self, project: NormalizedName) -> MappingMatch | None:
        for layer in self.layers:
            match = layer.matches.get(project)
            if match is not None:
                return match
        return None

    def _heuristic_match(
        self, project: NormalizedName, candidates: Sequence[str], known: Collection[str]
    ) -> MappingMatch | None:
        for package in candidates:
            ships = self.dists_for_package(package) if package in known else ()
            if ships and project not in ships:
                # python3-attr exists, but the tables say it ships attrs: not a match for attr.
                self._rejected_guesses[project] = (
                    f"{package} ships {', '.join(ships)}, not {project}"
                )
                continue
            if package in known:
                return MappingMatch(
                    project=project,
                    ecosystem=self.ecosystem,
                    packages=(package,),
                    source="heuristic",
                    origin=f"{package} exists in {self.ecosystem}",
                    reason=(
                        # A python3dist() provide is itself the statement that the package ships it.
                        f"heuristic: a {self.ecosystem} package provides {package}"
                        if package.startswith("python3dist(")
                        else f"heuristic: {package} exists in {self.ecosystem}; no mapping "
                        f"source lists {project}, so it is not known to provide it"
                    ),
                )
        return None

    def lookup(
        self, project: NormalizedName, *, exists: ExistsFn | None = None
    ) -> MappingMatch | None:
        """What provides ``project``, or None when no source knows it and no guess is confirmed.

        ``exists`` is asked (once) only when no table knows the project.
        """
        return self.lookup_many([project], exists=exists).get(canonicalize_name(project))

    def lookup_many(
        self, projects: Iterable[NormalizedName], *, exists: ExistsFn | None = None
    ) -> dict[NormalizedName, MappingMatch]:
        """:meth:`lookup` for many projects, with at most ONE ``exists`` call for all guesses.

        Projects nobody knows are absent from the result.
        """
        found: dict[NormalizedName, MappingMatch] = {}
        guesses: dict[NormalizedName, tuple[str, ...]] = {}
        for raw in projects:
            project = canonicalize_name(raw)
            if project in found or project in guesses:
                continue
            match = self._from_layers(project)
            if match is not None:
                found[project] = match
            elif self.heuristic is not None and exists is not None:
                guesses[project] = self.heuristic(project)
        names = sorted({name for candidates in guesses.values() for name in candidates})
        if names and exists is not None:
            known = set(exists(names))
            for project, candidates in guesses.items():
                match = self._heuristic_match(project, candidates, known)
                if match is not None:
                    found[project] = match
        return found

    def dists_for_package(self, package: str) -> tuple[NormalizedName, ...]:
        """The PyPI projects ``package`` installs: what user files say, then the bundled table.

        The bundled table lists the metadata directories a package really ships, so when it
        knows ``package`` the distro's files are not consulted: those map *requirement* names
        to packages (dh-python maps the old name ``PIL`` to python3-pil, which installs
        only ``Pillow``), which says what satisfies a name, not what gets installed.
        """
        users = [layer for layer in self.layers if layer.source == "user"]
        bundled = [
            layer
            for layer in self.layers
            if layer.source == "bundled" and package in layer.shipped_by
        ]
        others = bundled or [layer for layer in self.layers if layer.source != "user"]
        projects: list[NormalizedName] = []
        for layer in (*users, *others):
            for project in layer.shipped_by.get(package, ()):
                if project not in projects:
                    projects.append(project)
        return tuple(projects)

    def metadata_version(self, package: str, project: NormalizedName) -> str | None:
        """The version ``package``'s metadata directory for ``project`` names, if a table recorded
        it: what pip will see once installed, even where it differs from the package version."""
        for layer in self.layers:
            version = layer.versions.get((package, project))
            if version is not None:
                with contextlib.suppress(InvalidVersion):
                    return str(Version(version))  # as pip shows it (normalized)
        return None

    def sources(self) -> list[str]:
        """One human-readable line per source consulted, strongest first."""
        lines = [layer.summary() for layer in self.layers]
        if self.heuristic is not None:
            example = ", ".join(self.heuristic(NormalizedName("foo-bar")))
            lines.append(
                f"heuristic: {_HEURISTIC_LABELS.get(self.ecosystem, 'name guesses')} "
                f"({example} for foo-bar), "
                f"used only when {self.ecosystem} confirms the package exists"
            )
        lines.extend(self.notes)
        return lines

    def rejected_guess(self, project: NormalizedName) -> str | None:
        """Why a confirmed ``python3-<name>`` guess was not taken (it ships something else)."""
        return self._rejected_guesses.get(canonicalize_name(project))

    def unknown_message(self, project: NormalizedName) -> str:
        """The paragraph explaining that no source maps ``project``, and how to fix it."""
        project = canonicalize_name(project)
        consulted = "; ".join(self.sources()) or "no mapping sources"
        guess = ""
        if self.heuristic is not None:
            guess = (
                f" (the heuristic's guesses for it, {', '.join(self.heuristic(project))}, "
                f"count only when {self.ecosystem} confirms they exist)"
            )
        rejected = self.rejected_guess(project)
        if rejected:
            guess += f"; the guess {rejected}"
        return (
            f"No {self.ecosystem} package is known to provide the PyPI project {project!r}. "
            f"Consulted: {consulted}{guess}. If a system package provides it, map it in a "
            f"file passed with --mapping FILE, e.g. a TOML file containing "
            f"'[{self.ecosystem}]' and the line '{project} = [\"<package>\"]'; "
            f"or write '{project} = false' there to always take it from PyPI."
        )

    def unknown_error(self, project: NormalizedName) -> NoNativePackageError:
        """:meth:`unknown_message` as the error to raise."""
        project = canonicalize_name(project)
        return NoNativePackageError(
            self.unknown_message(project),
            hint=f"Find the package with your package manager's search, then add "
            f"'[{self.ecosystem}]' / '{project} = [\"<package>\"]' to a file and pass "
            "--mapping FILE.",
        )


def load_pydist_file(path: Path, *, label: str | None = None) -> MappingLayer:
    """A dh-python PyDist file (``cpython3_fallback``, ``/usr/share/python3/dist/*``) as a layer,
    its lines parsed as lookups reach them (:class:`~pip_native.mapping.indexed.PyDistLines`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingFileError(
            f"dh-python data file {path} cannot be read: {exc}.",
            hint=f"Fix its permissions, or reinstall the package that ships it "
            f"('dpkg -S {path}' names it).",
        ) from None
    lines = PyDistLines(text)
    label = label or f"dh-python {path}"
    return MappingLayer(
        source="distro",
        origin=str(path),
        label=label,
        ecosystem="apt",
        matches=MatchRows(
            Looked(lines.row, lines.rows),
            ecosystem="apt",
            source="distro",
            origin=str(path),
            reason_prefix=f"{label} line ",
        ),
        shipped_by=Looked(lines.projects_of, lines.shipped_by),
        notes=WhenAsked(lines.notes),
    )


def _bundled_dir() -> Traversable:
    return resources.files("pip_native").joinpath("data")


def bundled_tables(ecosystem: str) -> list[str]:
    """File names of the bundled tables for ``ecosystem`` (``apt-debian-bookworm.json``, …)."""
    directory = _bundled_dir()
    if not directory.is_dir():
        return []
    return sorted(
        entry.name
        for entry in directory.iterdir()
        if entry.name.startswith(ecosystem + "-") and entry.name.endswith(".json")
    )


def _read_table(file: Traversable | Path, origin: str) -> dict[str, Any]:
    fix = "Regenerate it with tools/gen_debian_mapping.py (or reinstall pip-native)."
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingFileError(f"Mapping table {origin} cannot be read: {exc}.", hint=fix) from None
    if (
        not isinstance(data, dict)
        or data.get("format") != BUNDLED_FORMAT
        or not isinstance(data.get("packages"), dict)
        or not all(isinstance(v, list) for v in data["packages"].values())
    ):
        raise MappingFileError(
            f"Mapping table {origin} is not a format {BUNDLED_FORMAT} table (an object with "
            "'format': 1 and 'packages': {package: [metadata directory names]}).",
            hint=fix,
        )
    return data


def _read_bundled(name: str) -> dict[str, Any]:
    return _read_table(_bundled_dir().joinpath(name), f"pip_native/data/{name}")


def load_bundled_table(name: str) -> MappingLayer:
    """The bundled table ``pip_native/data/<name>`` (``apt-debian-bookworm.json``) as a layer."""
    return _table_layer(_read_bundled(name), f"pip_native/data/{name}")


def load_table_file(path: Path) -> MappingLayer:
    """A table file made by ``tools/gen_debian_mapping.py`` but not bundled, as a layer."""
    return _table_layer(_read_table(path, str(path)), str(path))


def _table_layer(data: dict[str, Any], origin: str) -> MappingLayer:
    """A bundled table's layer, its entries parsed as lookups reach them
    (:class:`~pip_native.mapping.indexed.BundledPackages`)."""
    ecosystem = str(data.get("ecosystem", "apt"))
    where = f"{data.get('distro', '?')} {data.get('release', '?')}"
    packages = BundledPackages(data["packages"])
    return MappingLayer(
        source="bundled",
        origin=origin,
        label=f"bundled table {where} ({origin}, generated {data.get('generated', '?')})",
        ecosystem=ecosystem,
        matches=MatchRows(
            Looked(packages.row, packages.rows),
            ecosystem=ecosystem,
            source="bundled",
            origin=origin,
            reason_prefix=f"bundled table {where}: ships ",
        ),
        shipped_by=Looked(packages.projects_of, packages.shipped_by),
        versions=Looked(packages.version, packages.versions),
    )


def _detect_distro() -> tuple[list[str], list[str]]:
    found = host_distribution()
    ids = [found.id(), *found.like().split()]
    releases = [found.codename(), found.major_version(), found.version()]
    return [i.lower() for i in ids if i], [r.lower() for r in releases if r]


def _find_bundled(ecosystem: str, ids: Sequence[str], releases: Sequence[str]) -> str | None:
    names = bundled_tables(ecosystem)
    for distro_id in ids:
        prefix = f"{ecosystem}-{distro_id}-"
        mine = [n for n in names if n.startswith(prefix)]
        for name in mine:
            if name[len(prefix) : -len(".json")] in releases:
                return name
        for name in mine:  # a release given by number: compare with each table's header
            if str(_read_bundled(name).get("release_version", "")).lower() in releases:
                return name
    return None


def load_mapping(
    ecosystem: str,
    *,
    user_files: Sequence[Path] = (),
    distro_id: str | None = None,
    distro_release: str | None = None,
    use_distro_data: bool = True,
) -> MappingTable:
    """Load every mapping source for ``ecosystem`` into a :class:`MappingTable`.

    ``user_files`` are ``--mapping`` files (later ones win). The bundled table
    is chosen for ``distro_id``/``distro_release`` (codename or version number);
    what is not given is detected with the ``distro`` library (its ``like``
    list is tried after the id, so derivatives use their base's table).
    ``use_distro_data`` controls dh-python's files on this machine.
    """
    if ecosystem not in ECOSYSTEMS:
        raise UnsupportedBackendError(
            f"There is no name mapping for the ecosystem {ecosystem!r}.",
            hint=f"Use one of: {', '.join(ECOSYSTEMS)}.",
        )
    user_layers = [load_user_file(Path(path), ecosystem) for path in reversed(user_files)]
    layers: list[MappingLayer] = list(user_layers)
    notes: list[str] = []
    if ecosystem == "conda":
        layers.append(conda.load_known_exceptions())
    if ecosystem == "brew":
        layers.append(brew.bundled_layer())
    if ecosystem == "apt":
        installed_pydist: list[MappingLayer] = []
        fallback: list[MappingLayer] = []
        if use_distro_data:
            pydist_dir = Path(debian.DH_PYTHON_PYDIST_DIR)
            if pydist_dir.is_dir():
                for path in sorted(pydist_dir.iterdir()):
                    if path.is_file():
                        installed_pydist.append(load_pydist_file(path))
            fallback_path = Path(debian.DH_PYTHON_FALLBACK)
            if fallback_path.is_file():
                fallback.append(load_pydist_file(fallback_path))
            else:
                notes.append(f"no dh-python data ({fallback_path} is absent; package dh-python)")
        ids, releases = (
            _detect_distro() if distro_id is None or distro_release is None else ([], [])
        )
        if distro_id is not None:
            ids = [distro_id.lower()]
        if distro_release is not None:
            releases = [distro_release.lower()]
        name = _find_bundled(ecosystem, ids, releases)
        bundled = [load_bundled_table(name)] if name else []
        if not name:
            have = ", ".join(bundled_tables(ecosystem)) or "none"
            notes.append(
                f"no bundled {ecosystem} table for {'/'.join(ids) or '?'} "
                f"{'/'.join(releases) or '?'} (bundled: {have})"
            )
        layers += installed_pydist + bundled + fallback
    return MappingTable(ecosystem, layers, heuristic=_HEURISTICS.get(ecosystem), notes=notes)
