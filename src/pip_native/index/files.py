"""One downloadable distribution file (wheel or sdist) as an index lists it."""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urldefrag

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.tags import Tag

__all__ = [
    "SUPPORTED_HASHES",
    "DistFile",
    "check_hash",
    "make_dist_file",
    "parse_hash_fragment",
    "parse_requires_python",
]

logger = logging.getLogger(__name__)

#: Hash names pip accepts in ``#<name>=<hex>`` fragments, strongest first.
SUPPORTED_HASHES = ("sha512", "sha384", "sha256", "sha224", "sha1", "md5")


@dataclass(frozen=True)
class DistFile:
    """A wheel or sdist of one project version, with what the index says about it."""

    # No instance dict: a jupyterlab plan holds ~29,000 of them (about 6 MB saved).
    __slots__ = (
        "filename",
        "hashes",
        "is_wheel",
        "metadata",
        "origin",
        "project",
        "requires_python",
        "tags",
        "url",
        "version",
        "yanked",
    )

    project: NormalizedName
    filename: str
    url: str
    """Absolute ``http(s)://`` or ``file://`` URL, fragment removed (may carry credentials)."""
    version: Version
    hashes: Mapping[str, str]
    """e.g. ``{"sha256": "…"}``; may be empty (find-links directories)."""
    requires_python: SpecifierSet | None
    """None when absent or unparsable (pip ignores an invalid Requires-Python too)."""
    yanked: str | None
    """None = not yanked; the reason otherwise ("" = yanked without reason, PEP 592)."""
    metadata: Mapping[str, str] | bool
    """PEP 658/714: False = no ``.metadata`` file, True = present without hash, else its hashes."""
    tags: frozenset[Tag]
    """Wheel tags; empty for sdists."""
    is_wheel: bool
    origin: str
    """The (redacted) index URL or find-links location this file was listed by."""

    @property
    def is_pure(self) -> bool:
        """A wheel whose every tag has abi ``none`` and platform ``any``."""
        return (
            self.is_wheel
            and bool(self.tags)
            and all(t.abi == "none" and t.platform == "any" for t in self.tags)
        )

    @property
    def metadata_url(self) -> str:
        """Where the PEP 658 core-metadata file lives (whether or not it exists)."""
        return self.url + ".metadata"

    @property
    def is_yanked(self) -> bool:
        return self.yanked is not None

    def __hash__(self) -> int:  # mappings are not hashable; the URL identifies the file
        return hash(self.url)


def parse_hash_fragment(fragment: str) -> dict[str, str]:
    """``sha256=abc…`` → ``{"sha256": "abc…"}``; {} for anything else."""
    name, sep, value = fragment.partition("=")
    name = name.lower()
    if sep and value and name in SUPPORTED_HASHES:
        return {name: value.lower()}
    return {}


#: Every distinct wheel tag set, shared by the files that have it: a resolution lists
#: ~200k files, nearly all ``py3-none-any`` or one of a few dozen platform sets (13 MB saved).
_TAG_SETS: dict[frozenset[Tag], frozenset[Tag]] = {}
#: One Version per version text, shared by a release's files (wheels for each platform, the
#: sdist) and by the indexes listing them: 33,500 Version objects in a jupyterlab plan.
_VERSIONS: dict[str, Version] = {}


@functools.lru_cache(maxsize=1024)
def _specifier(value: str) -> SpecifierSet | None:
    """Parsed once per distinct string: a project page repeats the same few thousands of times."""
    try:
        return SpecifierSet(value)
    except InvalidSpecifier:
        return None


def parse_requires_python(value: str | None, *, where: str) -> SpecifierSet | None:
    """A Requires-Python value, or None when absent or invalid (pip ignores invalid ones)."""
    if value is None or not value.strip():
        return None
    specifier = _specifier(value)
    if specifier is None:
        logger.debug("ignoring invalid Requires-Python %r of %s", value, where)
    return specifier


def make_dist_file(
    project: NormalizedName,
    filename: str,
    url: str,
    *,
    origin: str,
    hashes: Mapping[str, str] | None = None,
    requires_python: str | None = None,
    yanked: str | None = None,
    metadata: Mapping[str, str] | bool = False,
) -> DistFile | None:
    """A :class:`DistFile`, or None when ``filename`` does not parse or is another project's.

    Hashes in the URL fragment are added to ``hashes``.
    """
    bare_url, fragment = urldefrag(url)
    all_hashes = {k.lower(): v.lower() for k, v in (hashes or {}).items() if k and v}
    for name, value in parse_hash_fragment(fragment).items():
        all_hashes.setdefault(name, value)
    tags: frozenset[Tag] = frozenset()
    try:
        if filename.endswith(".whl"):
            name, version, _build, tags = parse_wheel_filename(filename)
            tags = _TAG_SETS.setdefault(tags, tags)  # one object per distinct tag set
            is_wheel = True
            text = filename.split("-", 2)[1]  # a valid wheel name has no "-" in its name part
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            is_wheel = False
            stem = filename[: -len(".tar.gz")] if filename.endswith(".tar.gz") else filename[:-4]
            text = stem.rpartition("-")[2]
        else:
            return None
        # keyed by the file name's text: equal Versions such as 1.0 and 1.0.0 print differently
        version = _VERSIONS.setdefault(text, version)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        logger.debug("skipping unparsable file name %r", filename)
        return None
    if canonicalize_name(name) != project:
        return None
    return DistFile(
        project=project,
        filename=filename,
        url=bare_url,
        version=version,
        hashes=all_hashes,
        requires_python=parse_requires_python(requires_python, where=filename),
        yanked=yanked,
        metadata=metadata,
        tags=tags,
        is_wheel=is_wheel,
        origin=origin,
    )


def check_hash(data: bytes, hashes: Mapping[str, str]) -> tuple[str, str, str] | None:
    """Compare ``data`` with the strongest known hash.

    Returns None when it matches (or no supported hash is known), else
    ``(hash name, expected, actual)``.
    """
    for name in SUPPORTED_HASHES:
        expected = hashes.get(name)
        if expected:
            actual = hashlib.new(name, data).hexdigest()
            return None if actual == expected.lower() else (name, expected, actual)
    return None
