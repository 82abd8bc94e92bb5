"""Debian version strings: dpkg ordering and translation to PEP 440 upstream versions."""

from __future__ import annotations

import re

from packaging.version import Version

__all__ = [
    "DebVersion",
    "compare_versions",
    "deb_to_pep440",
    "parse_deb_version",
    "version_satisfies",
]

_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

#: ``~`` segments that are upstream pre-releases (``2.5~rc1`` is 2.5rc1); any
#: other ``~`` suffix (``~deb12u1``, ``~git…``, ``~dfsg``) is Debian's and dropped.
_PRE_RELEASE = re.compile(r"(?:a|alpha|b|beta|c|rc|pre|preview|dev)\.?\d*(?:\.?dev\d*)?", re.I)
_REALLY = re.compile(r"[+~.]really")
_REPACK_SUFFIX = re.compile(r"[.~+-]?(?:dfsg|ds|repack|debian)\d*$", re.I)


class DebVersion:
    """A parsed Debian version ``[epoch:]upstream[-revision]`` (lenient: never raises)."""

    __slots__ = ("epoch", "revision", "upstream")

    def __init__(self, epoch: int, upstream: str, revision: str) -> None:
        self.epoch = epoch
        self.upstream = upstream
        self.revision = revision

    def __repr__(self) -> str:
        return f"DebVersion({self.epoch!r}, {self.upstream!r}, {self.revision!r})"


def parse_deb_version(version: str) -> DebVersion:
    """Split ``version`` into epoch, upstream and revision the way dpkg does.

    An epoch that is not a number is treated as part of the upstream version
    (dpkg would reject the string; we only need a total order).
    """
    text = version.strip()
    epoch = 0
    head, sep, rest = text.partition(":")
    if sep and head and all(c in _DIGITS for c in head) and len(head) < 10:
        epoch = int(head)
        text = rest
    upstream, sep, revision = text.rpartition("-")
    if not sep:
        upstream, revision = text, ""
    return DebVersion(epoch, upstream, revision)


def _order(c: str) -> int:
    if c in _DIGITS:
        return 0
    if c in _LETTERS:
        return ord(c)
    if c == "~":
        return -1
    return ord(c) + 256


def _verrevcmp(a: str, b: str) -> int:
    """dpkg's ``verrevcmp``: compare one upstream or revision part."""
    i = j = 0
    la, lb = len(a), len(b)
    while i < la or j < lb:
        while (i < la and a[i] not in _DIGITS) or (j < lb and b[j] not in _DIGITS):
            ac = _order(a[i]) if i < la else 0
            bc = _order(b[j]) if j < lb else 0
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        while i < la and a[i] == "0":
            i += 1
        while j < lb and b[j] == "0":
            j += 1
        first_diff = 0
        while i < la and a[i] in _DIGITS and j < lb and b[j] in _DIGITS:
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < la and a[i] in _DIGITS:
            return 1
        if j < lb and b[j] in _DIGITS:
            return -1
        if first_diff:
            return first_diff
    return 0


def compare_versions(a: str, b: str) -> int:
    """Negative, zero or positive as Debian version ``a`` sorts before, equal to or after ``b``."""
    va, vb = parse_deb_version(a), parse_deb_version(b)
    if va.epoch != vb.epoch:
        return -1 if va.epoch < vb.epoch else 1
    result = _verrevcmp(va.upstream, vb.upstream)
    if not result:
        result = _verrevcmp(va.revision, vb.revision)
    return (result > 0) - (result < 0)


def version_satisfies(version: str, op: str, ref: str) -> bool:
    """Whether ``version`` satisfies the Debian relation ``op ref`` (``<<``, ``<=``, ``=``…).

    The obsolete ``<`` and ``>`` mean ``<=`` and ``>=`` (as in dpkg). An unknown
    operator never matches.
    """
    cmp = compare_versions(version, ref)
    if op == "=":
        return cmp == 0
    if op in ("<=", "<"):
        return cmp <= 0
    if op in (">=", ">"):
        return cmp >= 0
    if op == "<<":
        return cmp < 0
    if op == ">>":
        return cmp > 0
    return False


def deb_to_pep440(version: str) -> Version | None:
    """The upstream PEP 440 version inside Debian ``version``, or None.

    Drops the epoch (``1:``), the Debian revision (last ``-…``), repack
    suffixes (``+dfsg``, ``+ds1``, ``.dfsg``, ``~ds``), everything after ``+``
    (``+git…``, ``+20230101``) and Debian ``~`` suffixes (``~deb12u1``);
    ``+really`` keeps what follows (``1.2+really1.1`` is 1.1); ``~`` before a
    pre-release tag becomes that pre-release (``2.5~rc1`` is 2.5rc1). Returns
    None when nothing valid remains. Never raises.
    """
    text = version.strip()
    head, sep, rest = text.partition(":")
    if sep and head.isascii() and head.isdigit():
        text = rest
    text = text.rpartition("-")[0] if "-" in text else text
    really = list(_REALLY.finditer(text))
    if really:
        text = text[really[-1].end() :]
    text = text.partition("+")[0]
    parts = text.split("~")
    upstream = parts[0]
    for part in parts[1:]:
        if not _PRE_RELEASE.fullmatch(part):
            break
        upstream += part
    upstream = _REPACK_SUFFIX.sub("", upstream)
    if not upstream or not upstream[0].isascii() or not upstream[0].isdigit():
        return None
    try:
        return Version(upstream)
    except ValueError:  # InvalidVersion, or an integer too long to convert
        return None
