"""Core metadata of a distribution (``METADATA``, PEP 658 ``.metadata``): parsing, wheel reading."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pip_native.errors import IndexFetchError
from pip_native.index import wheelzip
from pip_native.index.files import parse_requires_python

if TYPE_CHECKING:
    from collections.abc import Iterable

    from packaging.specifiers import SpecifierSet

__all__ = [
    "CoreMetadata",
    "metadata_from_json",
    "metadata_to_json",
    "parse_core_metadata",
    "read_wheel_metadata",
    "wheel_metadata_file",
]

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
    # Imported here: it imports email.policy, 25 ms, which a warm plan (metadata kept as
    # JSON, see metadata_to_json) never needs.
    from packaging.metadata import parse_email

    raw, unparsed = parse_email(data)
    return _core_metadata(
        source,
        name=raw.get("name"),
        version=raw.get("version"),
        requires_dist=raw.get("requires_dist", []),
        requires_python=raw.get("requires_python"),
        provides_extra=raw.get("provides_extra", []),
        requires_external=unparsed.get("requires-external-dep", ()),
    )


def _core_metadata(
    source: str,
    *,
    name: str | None,
    version: str | None,
    requires_dist: Iterable[str],
    requires_python: str | None,
    provides_extra: Iterable[str],
    requires_external: Iterable[str],
) -> CoreMetadata:
    if not name or not version:
        raise _invalid(source, "the Name or Version field is missing")
    try:
        parsed_version = Version(version)
    except InvalidVersion as exc:
        raise _invalid(source, f"invalid Version {version!r}") from exc
    requirements = []
    for line in requires_dist:
        try:
            requirements.append(Requirement(line))
        except InvalidRequirement as exc:
            raise _invalid(source, f"invalid Requires-Dist {line!r} ({exc})") from exc
    extras = tuple(dict.fromkeys(canonicalize_name(e) for e in provides_extra))
    return CoreMetadata(
        name=name,
        version=parsed_version,
        requires_dist=tuple(requirements),
        requires_python=parse_requires_python(requires_python, where=source),
        provides_extra=extras,
        requires_external=tuple(requires_external),
    )


def metadata_to_json(metadata: CoreMetadata) -> bytes:
    """The fields of ``metadata`` as JSON, for :func:`metadata_from_json` (a cache's form:
    reading it back needs no email parser)."""
    return json.dumps(
        {
            "name": metadata.name,
            "version": str(metadata.version),
            "requires_dist": [str(r) for r in metadata.requires_dist],
            "requires_python": (
                None if metadata.requires_python is None else str(metadata.requires_python)
            ),
            "provides_extra": list(metadata.provides_extra),
            "requires_external": list(metadata.requires_external),
        }
    ).encode()


def metadata_from_json(data: bytes, *, source: str) -> CoreMetadata:
    """Read back :func:`metadata_to_json`; :class:`IndexFetchError` when it is not that."""
    try:
        raw = json.loads(data)
        if not isinstance(raw, dict):
            raise TypeError(type(raw).__name__)
        return _core_metadata(
            source,
            name=raw["name"],
            version=raw["version"],
            requires_dist=[str(r) for r in raw["requires_dist"]],
            requires_python=raw["requires_python"],
            provides_extra=[str(e) for e in raw["provides_extra"]],
            requires_external=[str(e) for e in raw["requires_external"]],
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise _invalid(source, f"not the expected JSON ({exc})") from exc


def _metadata_member(names: Iterable[str], project: NormalizedName) -> str | None:
    """The ``<name>-<version>.dist-info/METADATA`` member belonging to ``project``."""
    candidates = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
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


def _metadata_searched(fileobj: IO[bytes], project: NormalizedName) -> tuple[bytes, str] | None:
    members = wheelzip.metadata_members(fileobj)
    if members is None:
        return None
    by_name = {m.name: m for m in members}
    name = _metadata_member(by_name, project)
    if name is None:
        return None  # zipfile finds the same, and says so
    data = wheelzip.read_member(fileobj, by_name[name])
    return (data, name) if data is not None else None


def wheel_metadata_file(
    wheel: bytes | IO[bytes], project: NormalizedName, *, source: str
) -> tuple[bytes, str]:
    """The raw ``.dist-info/METADATA`` of a wheel, and its name inside the archive.

    The zip directory is searched for that one member (:mod:`~pip_native.index.wheelzip`);
    zipfile reads the wheels that search does not handle.
    """
    fileobj = io.BytesIO(wheel) if isinstance(wheel, bytes) else wheel
    try:
        found = _metadata_searched(fileobj, project)
        if found is not None:
            return found
        with zipfile.ZipFile(fileobj) as archive:
            member = _metadata_member(archive.namelist(), project)
            if member is None:
                raise _invalid(source, "the wheel has no single .dist-info/METADATA")
            return archive.read(member), member
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise IndexFetchError(
            f"Could not read the wheel {source}: {exc}.",
            hint="The download may be truncated; retry, or clear pip-native's HTTP cache.",
        ) from exc
