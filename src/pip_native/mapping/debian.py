"""Debian naming rules: metadata dir names, Contents lines, dh-python PyDist files, name guesses.

Used both at run time (to read the bundled table and dh-python's data) and by
``tools/gen_debian_mapping.py`` (to build the bundled table), so the two can
never disagree about what a name means.

dh-python keys its PyDist files by the distribution name as written in the
metadata directory (``scikit_learn``, ``zope.interface``) and looks names up
after its own ``safe_name`` normalization (lowercase, runs of characters other
than ASCII letters, digits and ``.`` become ``_``; dots are kept), see
:func:`dh_safe_name`. pip-native's lookups start from PEP 503 names, which have
already lost the dots (``zope-interface``), so every table here is indexed by
the PEP 503 name of its keys instead: the same names match, and dotted names
match too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import InvalidName, NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = [
    "APT_PACKAGE_RE",
    "DH_PYTHON_FALLBACK",
    "DH_PYTHON_PYDIST_DIR",
    "ContentsEntry",
    "MetadataDir",
    "PyDistEntry",
    "apt_candidates",
    "dh_safe_name",
    "iter_contents",
    "metadata_dir_name",
    "parse_contents_line",
    "parse_metadata_dir",
    "parse_pydist",
    "parse_pydist_line",
    "preferred_package",
    "pydist_dist",
]

#: dh-python's list of dist names -> Debian packages (package ``dh-python``).
DH_PYTHON_FALLBACK = "/usr/share/dh-python/dist/cpython3_fallback"
#: PyDist files that installed packages ship (``debian/python3-foo.pydist``).
DH_PYTHON_PYDIST_DIR = "/usr/share/python3/dist"

#: A Debian binary package name (Policy 5.6.7), optionally with ``:arch``.
APT_PACKAGE_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9][a-z0-9-]*)?$")

_METADATA_KINDS = ("dist-info", "egg-info")
# usr/lib/python3/dist-packages/<X>.dist-info/... or .../<X>.egg-info (a file or a directory)
_DIST_PACKAGES_RE = re.compile(
    r"^/?usr/lib/python3(?:\.\d+)?/dist-packages/(?P<dir>[^/]+\.(?:dist|egg)-info)(?:/|$)"
)
# A PyDist line's optional Python version range before the dependency: 3.1, 3.1-, -3.4, 3.1-3.3
_PYDIST_VRANGE_RE = re.compile(r"^-?\d\.\d+(?:-(?:\d\.\d+)?)?(?:\s+|$)")


def dh_safe_name(name: str) -> str:
    """dh-python's key normalization: lowercase, runs of non-``[A-Za-z0-9.]`` -> ``_``.

    ``Scikit-Learn`` -> ``scikit_learn``; ``zope.interface`` keeps its dot.
    """
    return re.sub(r"[^A-Za-z0-9.]+", "_", name).lower()


@dataclass(frozen=True)
class MetadataDir:
    """A ``<name>-<version>.dist-info`` or ``<name>[-<version>[-pyX.Y]].egg-info`` name, parsed."""

    dirname: str
    """As seen, e.g. ``scikit_learn-1.2.1.egg-info``."""
    name: str
    """The distribution name as written (``scikit_learn``)."""
    project: NormalizedName
    """Its PEP 503 form (``scikit-learn``)."""
    raw_version: str | None
    """The version as written, or None when the name carries none (``foo.egg-info``)."""
    kind: str
    """``dist-info`` or ``egg-info``."""

    @property
    def version(self) -> Version | None:
        """The parsed version, or None when absent or not PEP 440."""
        if not self.raw_version:
            return None
        try:
            return Version(self.raw_version)
        except InvalidVersion:
            return None


def _metadata_dir_parts(dirname: str) -> tuple[str, str, str | None] | None:
    """A metadata directory name's kind, distribution name and version, as written."""
    for kind in _METADATA_KINDS:
        if dirname.endswith("." + kind):
            stem = dirname[: -len(kind) - 1]
            break
    else:
        return None
    # Writers escape '-' in both name and version ('_'), so the first '-' ends the name.
    name, sep, rest = stem.partition("-")
    raw_version = rest.partition("-")[0] if sep else None
    return kind, name, raw_version or None


def metadata_dir_name(dirname: str) -> str | None:
    """The distribution name of a metadata directory, as written and not validated (what
    :func:`parse_metadata_dir` validates); None when the name is no metadata directory."""
    parts = _metadata_dir_parts(dirname)
    return None if parts is None else parts[1]


def parse_metadata_dir(dirname: str) -> MetadataDir | None:
    """Parse a metadata directory name; None when it does not name a valid distribution.

    Handles ``Foo-1.0.dist-info``, ``Foo-1.0-py3.11.egg-info`` (the Python tag
    and any platform tag are dropped) and ``foo.egg-info`` (no version). Names
    and versions are validated with packaging; a valid name with a version that
    is not PEP 440 is kept with ``version=None``.
    """
    parts = _metadata_dir_parts(dirname)
    if parts is None:
        return None
    kind, name, raw_version = parts
    try:
        project = canonicalize_name(name, validate=True)
    except InvalidName:
        return None
    return MetadataDir(
        dirname=dirname, name=name, project=project, raw_version=raw_version, kind=kind
    )


@dataclass(frozen=True)
class ContentsEntry:
    """One Contents-index line that puts distribution metadata in ``dist-packages``."""

    dirname: str
    """The metadata directory (or egg-info file) name, e.g. ``numpy-1.24.2.egg-info``."""
    packages: tuple[str, ...]
    """Binary packages shipping the path (section prefixes removed)."""


def parse_contents_line(line: str) -> ContentsEntry | None:
    """Parse one line of a Debian ``Contents-<arch>`` index; None for other paths.

    A line is ``<path><whitespace><[[area/]section/]package>[,…]``; the path may
    contain spaces, the package list never does.
    """
    fields = line.rstrip("\n").rsplit(None, 1)
    if len(fields) != 2:
        return None
    path, locations = fields
    match = _DIST_PACKAGES_RE.match(path)
    if match is None:
        return None
    packages = tuple(loc.rsplit("/", 1)[-1] for loc in locations.split(",") if loc)
    if not packages:
        return None
    return ContentsEntry(dirname=match.group("dir"), packages=packages)


def iter_contents(lines: Iterable[str]) -> Iterator[ContentsEntry]:
    """The metadata entries of a Contents index (older indices' free-text header is skipped)."""
    lines = iter(lines)
    for line in lines:
        if line.startswith("FILE") and "LOCATION" in line:
            break  # end of an old-style header; the real lines follow
        entry = parse_contents_line(line)
        if entry is not None:
            yield entry
    for line in lines:
        entry = parse_contents_line(line)
        if entry is not None:
            yield entry


@dataclass(frozen=True)
class PyDistEntry:
    """One line of a dh-python PyDist file (``DISTNAME [VRANGE] [DEPENDENCY][; …]``)."""

    dist: str
    """The distribution name as written (``scikit_learn``)."""
    project: NormalizedName
    """Its PEP 503 form, used for lookups."""
    packages: tuple[str, ...]
    """The Debian packages of the dependency field: all comma-separated parts,
    first alternative of each, without version or architecture restrictions."""
    line_number: int
    text: str
    """The line as written, for provenance messages."""


def _dependency_packages(dependency: str) -> tuple[str, ...] | None:
    """``python3-foo (>= 1), python3-bar | python3-baz`` -> ``(python3-foo, python3-bar)``."""
    packages: list[str] = []
    for group in dependency.split(","):
        first = group.split("|")[0]
        name = re.split(r"[\s(\[<]", first.strip(), maxsplit=1)[0]
        if not APT_PACKAGE_RE.match(name):
            return None
        if name not in packages:
            packages.append(name)
    return tuple(packages)


def _pydist_fields(raw: str) -> tuple[str, str, str] | None:
    """A PyDist line stripped, its distribution name and the rest of its head (before
    ``;``); None for blank and ``#`` lines."""
    line = raw.strip()
    if not line or line.startswith("#"):
        return None
    dist, _, rest = line.partition(";")[0].strip().partition(" ")
    return line, dist, rest


def pydist_dist(raw: str) -> str | None:
    """The distribution name a PyDist line starts with, as written; None for blank and
    ``#`` lines. (:func:`parse_pydist_line` reads the rest.)"""
    fields = _pydist_fields(raw)
    return None if fields is None else fields[1]


def parse_pydist_line(number: int, raw: str) -> PyDistEntry | None:
    """Line ``number`` of a PyDist file parsed; None when it has no usable entry (see
    :func:`parse_pydist`)."""
    fields = _pydist_fields(raw)
    return None if fields is None else _pydist_entry(number, *fields)


def _pydist_entry(number: int, line: str, dist: str, rest: str) -> PyDistEntry | None:
    """The entry of line ``number`` from its :func:`_pydist_fields`; None if unusable."""
    rest = _PYDIST_VRANGE_RE.sub("", rest.strip(), count=1).strip()
    packages = _dependency_packages(rest) if rest else None
    if not packages:
        return None
    try:
        project = canonicalize_name(dist, validate=True)
    except InvalidName:
        return None
    return PyDistEntry(dist=dist, project=project, packages=packages, line_number=number, text=line)


def parse_pydist(text: str) -> tuple[list[PyDistEntry], list[int]]:
    """Parse a PyDist file; return its usable entries and the line numbers skipped.

    Lines without a dependency (meaning "ignore this requirement" to dh-python)
    and lines that do not parse are skipped; blank and ``#`` lines are not
    counted as skipped.
    """
    entries: list[PyDistEntry] = []
    skipped: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        fields = _pydist_fields(raw)
        if fields is None:
            continue
        entry = _pydist_entry(number, *fields)
        if entry is None:
            skipped.append(number)
        else:
            entries.append(entry)
    return entries, skipped


def apt_candidates(project: NormalizedName) -> tuple[str, ...]:
    """Debian package names a PyPI project would have under Debian's naming policy.

    In order: ``python3-<name>`` with a leading ``python-`` dropped (as dh-python's
    ``sensible_pname`` does), ``python3-<name>`` as is, and ``python3-<name>``
    with ``-`` read as ``.`` (``zope-interface`` -> ``python3-zope.interface``).
    None of them is known to exist; the caller must ask apt.
    """
    names = []
    if project.startswith("python-") and len(project) > len("python-"):
        names.append("python3-" + project[len("python-") :])
    names.append("python3-" + project)
    if "-" in project:
        names.append("python3-" + project.replace("-", "."))
    unique: list[str] = []
    for name in names:
        if name not in unique and APT_PACKAGE_RE.match(name):
            unique.append(name)
    return tuple(unique)


def preferred_package(project: NormalizedName, packages: Iterable[str]) -> tuple[str, ...]:
    """Order the packages that ship ``project``, the one to install first.

    Preference: a Debian-policy name for the project (:func:`apt_candidates`
    order), then ``python3-*`` packages, then shorter names, then by name.
    """
    candidates = apt_candidates(project)

    def key(package: str) -> tuple[int, int, int, str]:
        rank = candidates.index(package) if package in candidates else len(candidates)
        return (rank, 0 if package.startswith("python3-") else 1, len(package), package)

    return tuple(sorted(set(packages), key=key))
