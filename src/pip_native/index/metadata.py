"""Core metadata of a distribution (``METADATA``, PEP 658 ``.metadata``): parsing, wheel reading."""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from packaging.metadata import parse_email
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pip_native.errors import IndexFetchError
from pip_native.index.files import parse_requires_python

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = ["CoreMetadata", "parse_core_metadata", "read_wheel_metadata", "wheel_metadata_file"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoreMetadata:
    """What the resolver needs from a distribution's core metadata."""

    name: str
    version: Version
    requires_dist: tuple[Requirement, ...]
    requires_python: SpecifierSet | None
    provides_extra: tuple[NormalizedName, ...]
    requires_external: tuple[str, ...] = ()
    """PEP 725 ``Requires-External-Dep`` values as written (parsed by pip_native.external)."""

    @property
    def canonical_name(self) -> NormalizedName:
        return canonicalize_name(self.name)


def _invalid(source: str, problem: str) -> IndexFetchError:
    return IndexFetchError(
        f"Invalid core metadata in {source}: {problem}.",
        hint="The distribution is broken on the index; pin another version of it.",
    )


def parse_core_metadata(data: bytes, *, source: str) -> CoreMetadata:
    """Parse a ``METADATA`` file. ``source`` (a redacted URL or path) names it in errors."""
    raw, unparsed = parse_email(data)
    name = raw.get("name")
    version_text = raw.get("version")
    if not name or not version_text:
        raise _invalid(source, "the Name or Version field is missing")
    try:
        version = Version(version_text)
    except InvalidVersion as exc:
        raise _invalid(source, f"invalid Version {version_text!r}") from exc
    requirements = []
    for line in raw.get("requires_dist", []):
        try:
            requirements.append(Requirement(line))
        except InvalidRequirement as exc:
            raise _invalid(source, f"invalid Requires-Dist {line!r} ({exc})") from exc
    extras = tuple(dict.fromkeys(canonicalize_name(e) for e in raw.get("provides_extra", [])))
    return CoreMetadata(
        name=name,
        version=version,
        requires_dist=tuple(requirements),
        requires_python=parse_requires_python(raw.get("requires_python"), where=source),
        provides_extra=extras,
        requires_external=tuple(unparsed.get("requires-external-dep", ())),
    )


def _metadata_member(archive: zipfile.ZipFile, project: NormalizedName) -> str | None:
    """The ``<name>-<version>.dist-info/METADATA`` member belonging to ``project``."""
    candidates = [
        n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
    ]
    for member in candidates:
        dist_name = member.split("/")[0][: -len(".dist-info")].rpartition("-")[0]
        if canonicalize_name(dist_name) == project:
            return member
    return candidates[0] if len(candidates) == 1 else None


def read_wheel_metadata(
    wheel: bytes | IO[bytes], project: NormalizedName, *, source: str
) -> CoreMetadata:
    """The core metadata inside a wheel (bytes or a seekable binary file)."""
    data, member = wheel_metadata_file(wheel, project, source=source)
    return parse_core_metadata(data, source=f"{source} ({member})")


def wheel_metadata_file(
    wheel: bytes | IO[bytes], project: NormalizedName, *, source: str
) -> tuple[bytes, str]:
    """The raw ``.dist-info/METADATA`` of a wheel, and its name inside the archive."""
    fileobj = io.BytesIO(wheel) if isinstance(wheel, bytes) else wheel
    try:
        with zipfile.ZipFile(fileobj) as archive:
            member = _metadata_member(archive, project)
            if member is None:
                raise _invalid(source, "the wheel has no single .dist-info/METADATA")
            return archive.read(member), member
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise IndexFetchError(
            f"Could not read the wheel {source}: {exc}.",
            hint="The download may be truncated; retry, or clear pip-native's HTTP cache.",
        ) from exc
