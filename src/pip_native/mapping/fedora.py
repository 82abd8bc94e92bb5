"""RPM's Python naming: ``python3dist(<name>)`` provides and their version syntax, both ways."""

from __future__ import annotations

import re

from packaging.utils import InvalidName, NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

__all__ = [
    "PYTHON3DIST_RE",
    "dnf_candidates",
    "parse_python3dist",
    "pep440_to_rpm",
    "python3dist",
    "rpm_to_pep440",
]

#: ``python3dist(<name>)``: what Fedora's (and RHEL's, openSUSE's) dependency generator
#: makes every package shipping ``<name>-<ver>.dist-info`` provide, at the metadata version.
PYTHON3DIST_RE = re.compile(r"^python3dist\((?P<name>[^()\[\]\s]+)\)$")

_EPOCH = re.compile(r"^(?P<epoch>\d+):")
#: What the generator writes after the release numbers: ``~rc1``, ``~~dev2``, ``^post1``.
_SUFFIX = re.compile(r"(?P<sep>~~|~|\^)")


def python3dist(project: NormalizedName | str) -> str:
    """``python3dist(<PEP 503 name>)``: the provide the dnf mapping looks a project up by."""
    return f"python3dist({canonicalize_name(project)})"


def dnf_candidates(project: NormalizedName) -> tuple[str, ...]:
    """The dnf heuristic: the one provide ``python3dist(<project>)``.

    Unlike Debian's package naming, this is not a guess at a name: a package
    providing it ships the distribution (the generator reads its metadata). The
    adapter answers it with the package that provides it (``python3-numpy``).
    """
    return (python3dist(project),)


def parse_python3dist(capability: str) -> NormalizedName | None:
    """The PEP 503 name in a ``python3dist(<name>)`` provide name; None for anything else.

    Extras (``python3dist(foo[bar])``, provided by ``python3-foo+bar``
    metapackages that ship no distribution of their own) and versioned
    variants (``python3.12dist(foo)``) are not distributions and give None.
    Fedora's legacy spelling with dots (``python3dist(zope.interface)``) is
    normalized like the PEP 503 one it sits next to.
    """
    match = PYTHON3DIST_RE.match(capability.strip())
    if match is None:
        return None
    try:
        return canonicalize_name(match.group("name"), validate=True)
    except InvalidName:
        return None


def rpm_to_pep440(version: str) -> Version | None:
    """The PEP 440 version behind an RPM version written by Fedora's generator.

    ``1.0~rc1`` -> 1.0rc1, ``2~~dev3`` -> 2.dev3, ``1.2^post1`` -> 1.2.post1,
    ``2:1.0`` -> 2!1.0. A release (``-1.fc40``) is dropped. None when the
    result is not PEP 440 (snapshots like ``0^20240101git1234``).
    """
    text = version.strip().rsplit("-", 1)[0] if "-" in version else version.strip()
    epoch = ""
    match = _EPOCH.match(text)
    if match is not None:
        epoch = match.group("epoch") + "!"
        text = text[match.end() :]
    text = _SUFFIX.sub(lambda m: {"~~": ".", "~": "", "^": "."}[m.group("sep")], text)
    try:
        return Version(epoch + text)
    except InvalidVersion:
        return None


def pep440_to_rpm(version: Version) -> str:
    """How Fedora's generator writes ``version`` in ``python3dist(...) = <here>``.

    Trailing ``.0`` release parts are dropped (1.0 -> 1), a pre-release becomes
    ``~rc1``, a dev release ``~~dev1``, a post release ``^post1``, an epoch
    ``N:``. Local labels are not written.
    """
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    text = ".".join(str(part) for part in release)
    if version.pre is not None:
        text += "~" + "".join(str(part) for part in version.pre)
    elif version.dev is not None:
        text += f"~~dev{version.dev}"
    elif version.post is not None:
        text += f"^post{version.post}"
    return f"{version.epoch}:{text}" if version.epoch else text
