"""Turns PEP 440 version constraints into the simple clauses system package managers understand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = ["Clause", "Clauses", "debian_relations", "rpm_relations", "split_specifier"]

#: Debian's spelling of each operator (``<<``/``>>`` are strict in Debian).
_DEBIAN_OPS = {">=": ">=", ">": ">>", "<": "<<", "<=": "<=", "==": "="}


@dataclass(frozen=True)
class Clause:
    """One ``<op> <version>`` constraint; ``op`` is one of ``>= > < <= ==`` (PEP 725's set)."""

    op: str
    version: str

    def __str__(self) -> str:
        return f"{self.op}{self.version}"


@dataclass(frozen=True)
class Clauses:
    """A specifier as simple clauses, plus what could not be expressed that way."""

    clauses: tuple[Clause, ...]
    dropped: tuple[str, ...] = ()
    """Specifiers with no clause form (``!=1.2``, ``===foo``), kept for messages."""

    @property
    def exact(self) -> str | None:
        """The version when the whole constraint is one ``==`` clause, else None."""
        if len(self.clauses) == 1 and self.clauses[0].op == "==":
            return self.clauses[0].version
        return None

    def __str__(self) -> str:
        return ",".join(map(str, self.clauses))


def _release_text(parts: list[int]) -> str:
    return ".".join(str(p) for p in parts)


def _prefix_bounds(prefix: str) -> tuple[Clause, Clause] | None:
    """``1.4`` (from ``==1.4.*``) -> ``>=1.4``, ``<1.5``."""
    try:
        release = list(Version(prefix).release)
    except InvalidVersion:
        return None
    upper = [*release[:-1], release[-1] + 1]
    return Clause(">=", _release_text(release)), Clause("<", _release_text(upper))


def split_specifier(specifier: SpecifierSet | None) -> Clauses:
    """``>=3,<4`` -> clauses ``>=3``, ``<4``; ``~=2.2`` -> ``>=2.2``, ``<3``; ``==1.*`` -> ``>=1``, ``<2``.

    ``!=`` and ``===`` have no equivalent in the managers' range syntaxes and are
    returned in ``dropped``. Clauses are sorted: lower bounds first.
    """
    if specifier is None:
        return Clauses(())
    clauses: list[Clause] = []
    dropped: list[str] = []
    for spec in specifier:
        op, version = spec.operator, spec.version
        if op in (">=", ">", "<", "<="):
            clauses.append(Clause(op, version))
        elif op == "==" and version.endswith(".*"):
            bounds = _prefix_bounds(version[:-2])
            if bounds is None:
                dropped.append(str(spec))
            else:
                clauses.extend(bounds)
        elif op == "==":
            clauses.append(Clause("==", version))
        elif op == "~=":
            try:
                release = list(Version(version).release)
            except InvalidVersion:
                dropped.append(str(spec))
                continue
            bounds = _prefix_bounds(_release_text(release[:-1]))
            if bounds is None:  # pragma: no cover - packaging requires two release parts for ~=
                dropped.append(str(spec))
            else:
                clauses.extend((Clause(">=", version), bounds[1]))
        else:
            dropped.append(str(spec))
    order = {">=": 0, ">": 0, "==": 1, "<": 2, "<=": 2}
    clauses.sort(key=lambda c: (order[c.op], c.version))
    return Clauses(tuple(dict.fromkeys(clauses)), tuple(dropped))


def debian_relations(package: str, clauses: Clauses, *, epoch: str | None = None) -> list[str]:
    """``libssl-dev (>= 3), libssl-dev (<< 4)`` items for a Debian relationship field.

    ``epoch`` (the package's Debian epoch, e.g. ``1`` for zlib1g-dev) is put in
    front of each version: without it ``(>= 1.3)`` would compare against
    ``1:1.2.13`` and always hold.
    """
    if not clauses.clauses:
        return [package]
    prefix = f"{epoch}:" if epoch and epoch != "0" else ""
    return [f"{package} ({_DEBIAN_OPS[c.op]} {prefix}{c.version})" for c in clauses.clauses]


def rpm_relations(package: str, clauses: Clauses) -> list[str]:
    """``openssl-devel >= 3`` items, one per clause, for ``BuildRequires:``/``Requires:`` lines."""
    if not clauses.clauses:
        return [package]
    return [f"{package} {'=' if c.op == '==' else c.op} {c.version}" for c in clauses.clauses]
