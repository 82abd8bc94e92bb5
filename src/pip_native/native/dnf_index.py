"""What dnf and rpm reported, indexed by capability, and dependency closures computed from it."""

from __future__ import annotations

import contextlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pip_native.errors import NoNativePackageError
from pip_native.native.dnf_version import Dep, Rich, compare_evr, leaf_deps

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from pip_native.native.dnf_output import RpmPackage
    from pip_native.native.dnf_version import DepExpr

__all__ = [
    "ClosureResult",
    "RpmIndex",
    "UnsatisfiableDependency",
    "compute_closure",
]


class UnsatisfiableDependency(NoNativePackageError):
    """A dependency no installed or available package satisfies."""


class RpmIndex:
    """Installed packages (from rpm) and the available packages fetched so far (from dnf).

    The available side is filled in batches: :meth:`add_available` records
    which capability names (and file paths) a query covered, so a capability
    is either *known* (all its available providers are here) or still to fetch.
    """

    def __init__(
        self,
        installed: Iterable[RpmPackage],
        *,
        arches: Sequence[str] = ("noarch",),
        root: str = "/",
    ) -> None:
        self.arches = tuple(arches)
        """Preferred architectures (the machine's and ``noarch``); others rank last."""
        self.root = root
        self.installed: dict[str, list[RpmPackage]] = {}
        self._installed_provides: dict[str, list[tuple[RpmPackage, Dep]]] = {}
        for pkg in installed:
            if pkg.name == "gpg-pubkey":
                continue  # rpm's imported keys, not packages
            self.installed.setdefault(pkg.name, []).append(pkg)
            for prov in pkg.provides:
                self._installed_provides.setdefault(prov.name, []).append((pkg, prov))
        self.available: dict[tuple[str, str, str], RpmPackage] = {}
        self._available_by_name: dict[str, list[RpmPackage]] = {}
        self._available_provides: dict[str, list[tuple[RpmPackage, Dep]]] = {}
        self._available_files: dict[str, list[RpmPackage]] = {}
        self._files_of: dict[int, frozenset[str]] = {}
        self.fetched: set[str] = set()
        """Capability names whose available providers are all in the index."""
        self.fetched_files: set[str] = set()

    # -- filling -------------------------------------------------------------

    def add_available(
        self,
        records: Iterable[RpmPackage],
        *,
        capabilities: Iterable[str] = (),
        files: Iterable[str] = (),
    ) -> None:
        """Add dnf's records; mark ``capabilities``/``files`` as fully answered.

        Records added without capabilities (a recursive prefetch) answer a dependency
        only when one of them satisfies it (see :meth:`is_known`)."""
        for pkg in records:
            key = (pkg.name, pkg.evr_text, pkg.arch)
            old = self.available.get(key)
            if old is None:
                self.available[key] = pkg
                self._available_by_name.setdefault(pkg.name, []).append(pkg)
                for prov in pkg.provides:
                    self._available_provides.setdefault(prov.name, []).append((pkg, prov))
            if pkg.files:
                known = self.available[key]
                self._files_of[id(known)] = pkg.files
                for path in pkg.files:
                    owners = self._available_files.setdefault(path, [])
                    if known not in owners:
                        owners.append(known)
        self.fetched.update(capabilities)
        self.fetched_files.update(files)

    # -- lookups -------------------------------------------------------------

    def arch_rank(self, arch: str) -> int:
        return 0 if arch in self.arches else 1

    def installed_version(self, name: str) -> RpmPackage | None:
        """The newest installed package called ``name`` (several only for install-only kernels)."""
        found = self.installed.get(name)
        if not found:
            return None
        best = found[0]
        for pkg in found[1:]:
            if compare_evr(pkg.evr, best.evr) > 0:
                best = pkg
        return best

    def best_available(self, name: str) -> RpmPackage | None:
        """The newest available ``name`` of the best architecture (what ``dnf install`` picks)."""
        found = self._available_by_name.get(name)
        if not found:
            return None
        rank = min(self.arch_rank(p.arch) for p in found)
        best: RpmPackage | None = None
        for pkg in found:
            if self.arch_rank(pkg.arch) == rank and (
                best is None or compare_evr(pkg.evr, best.evr) > 0
            ):
                best = pkg
        return best

    def find(self, name: str, evr: str, arch: str | None, *, installed: bool) -> RpmPackage | None:
        """The record of one exact package, installed or available."""
        if installed:
            for pkg in self.installed.get(name, ()):
                if pkg.evr_text == evr and arch in (None, pkg.arch):
                    return pkg
            return None
        for pkg in self._available_by_name.get(name, ()):
            if pkg.evr_text == evr and arch in (None, pkg.arch):
                return pkg
        return None

    def installed_providers(self, dep: Dep) -> list[RpmPackage]:
        return [
            pkg for pkg, prov in self._installed_provides.get(dep.name, ()) if prov.overlaps(dep)
        ]

    def available_providers(self, dep: Dep) -> list[RpmPackage]:
        """Available packages satisfying ``dep`` (call only once ``dep`` is fetched)."""
        if dep.is_file:
            return list(self._available_files.get(dep.name, ()))
        return [
            pkg for pkg, prov in self._available_provides.get(dep.name, ()) if prov.overlaps(dep)
        ]

    def is_known(self, dep: Dep) -> bool:
        """Whether the index can answer ``dep``: its name was fetched (every provider, every
        version), or a prefetched record (newest versions only) satisfies it."""
        if dep.is_file:
            return dep.name in self.fetched_files
        return dep.name in self.fetched or bool(self.available_providers(dep))

    def provides(self, pkg: RpmPackage, dep: Dep) -> bool:
        """True when ``pkg`` satisfies ``dep`` by a provide, or by a file it is known to ship."""
        if dep.is_file:
            files = self._files_of.get(id(pkg), pkg.files)
            return files is not None and dep.name in files
        return any(prov.overlaps(dep) for prov in pkg.provides)

    def on_disk(self, path: str) -> bool:
        """True when ``path`` exists under the root (an installed package owns it, as a rule)."""
        target = Path(self.root, path.lstrip("/"))
        return target.is_symlink() or target.exists()


@dataclass
class ClosureResult:
    """A closure, or what is still to fetch before it can be computed."""

    packages: list[RpmPackage] = field(default_factory=list)
    """Root first, then in the order chosen; installed records for kept installed packages."""
    missing: set[str] = field(default_factory=set)
    missing_files: set[str] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.missing_files


class _Missing(Exception):
    """A capability is not fetched yet: the closure is retried after the next fetch."""


class _Closure:
    def __init__(self, index: RpmIndex, root: RpmPackage) -> None:
        self.index = index
        self.root = root
        self.chosen: dict[str, RpmPackage] = {}
        self.order: list[RpmPackage] = []
        self.queue: deque[RpmPackage] = deque()
        self.deferred: deque[tuple[RpmPackage, Rich]] = deque()
        self.result = ClosureResult()

    def run(self) -> ClosureResult:
        self.choose(self.root)
        while self.queue or self.deferred:
            if self.queue:
                owner = self.queue.popleft()
                for dep in owner.requires:
                    if isinstance(dep, Rich) and dep.op in ("or", "if", "unless"):
                        self.deferred.append((owner, dep))
                    else:
                        self.attempt(owner, dep)
            else:
                owner, rich = self.deferred.popleft()
                if self.chosen.get(owner.name) is owner:
                    self.attempt(owner, rich)
        self.result.packages = list(self.order)
        return self.result

    def choose(self, pkg: RpmPackage) -> None:
        self.chosen[pkg.name] = pkg
        self.order.append(pkg)
        self.queue.append(pkg)

    def attempt(self, owner: RpmPackage, expr: DepExpr) -> None:
        with contextlib.suppress(_Missing):  # recorded in self.result; explore the rest
            self.need(owner, expr)

    def _missing(self, dep: Dep) -> _Missing:
        if dep.is_file:
            self.result.missing_files.add(dep.name)
        else:
            self.result.missing.add(dep.name)
        return _Missing(str(dep))

    # -- what is there already ----------------------------------------------

    def present(self, dep: Dep) -> RpmPackage | bool | None:
        """A chosen or kept installed package satisfying ``dep``; True for a file on disk."""
        for pkg in self.chosen.values():
            if self.index.provides(pkg, dep):
                return pkg
        if dep.is_file:
            return True if self.index.on_disk(dep.name) else None
        for pkg in self.index.installed_providers(dep):
            current = self.chosen.get(pkg.name)
            if current is None or current is pkg:
                return pkg  # an installed package the closure does not upgrade
        return None

    def satisfied(self, expr: DepExpr) -> bool:
        """Whether ``expr`` holds for what is chosen or installed (pulls in installed providers)."""
        if isinstance(expr, Dep):
            hit = self.present(expr)
            if hit is None or hit is False:
                return False
            if hit is not True and hit.name not in self.chosen:
                self.choose(hit)
            return True
        op, args = expr.op, expr.args
        if op == "and":
            return all(self.satisfied(a) for a in args)
        if op == "or":
            return any(self.satisfied(a) for a in args)
        if op in ("if", "unless"):
            cond = self._holds(args[1])
            if (op == "if") == cond:
                return self.satisfied(args[0])
            return self.satisfied(args[2]) if len(args) == 3 else True
        if op in ("with", "without"):
            return self._present_matching(expr) is not None
        return False

    def _holds(self, expr: DepExpr) -> bool:
        """A condition of ``if``/``unless``: true when chosen or installed, without pulling anything."""
        if isinstance(expr, Dep):
            hit = self.present(expr)
            return hit is not None and hit is not False
        if expr.op == "and":
            return all(self._holds(a) for a in expr.args)
        if expr.op == "or":
            return any(self._holds(a) for a in expr.args)
        return self._present_matching(expr) is not None if expr.op in ("with", "without") else False

    def _present_matching(self, expr: Rich) -> RpmPackage | None:
        candidates = list(self.chosen.values())
        for leaf in leaf_deps(expr):
            candidates.extend(self.index.installed_providers(leaf))
        for pkg in candidates:
            current = self.chosen.get(pkg.name)
            if current is not None and current is not pkg:
                continue
            if _matches_all(self.index, pkg, expr):
                if pkg.name not in self.chosen:
                    self.choose(pkg)
                return pkg
        return None

    # -- choosing what to install -------------------------------------------

    def need(self, owner: RpmPackage, expr: DepExpr) -> None:
        if self.satisfied(expr):
            return
        if isinstance(expr, Dep):
            self.choose(self.pick(owner, expr, self.candidates(expr)))
            return
        op, args = expr.op, expr.args
        if op == "and":
            missing: _Missing | None = None
            for arg in args:
                try:
                    self.need(owner, arg)
                except _Missing as exc:
                    missing = exc
            if missing is not None:
                raise missing
        elif op == "or":
            unknown: _Missing | None = None
            for arg in args:
                try:
                    if self.can_install(arg):
                        self.need(owner, arg)
                        return
                except _Missing as exc:
                    unknown = unknown or exc
            if unknown is not None:
                raise unknown
            raise self.unsatisfiable(owner, expr)
        elif op in ("if", "unless"):
            cond = self._holds(args[1])
            if (op == "if") == cond:
                self.need(owner, args[0])
            elif len(args) == 3:
                self.need(owner, args[2])
        else:  # with, without: one package satisfying the whole expression
            leaves = leaf_deps(expr)
            first = leaves[0]
            for leaf in leaves:
                if not self.index.is_known(leaf):
                    raise self._missing(leaf)
            found = [p for p in self.candidates(first) if _matches_all(self.index, p, expr)]
            self.choose(self.pick(owner, expr, found))

    def can_install(self, expr: DepExpr) -> bool:
        """Whether some available package could satisfy ``expr`` (raises _Missing if unknown)."""
        if isinstance(expr, Dep):
            return bool(self.candidates(expr))
        if expr.op == "and":
            return all(self.can_install(a) for a in expr.args)
        if expr.op == "or":
            return any(self.can_install(a) for a in expr.args)
        if expr.op in ("if", "unless"):
            return True
        leaves = leaf_deps(expr)
        return any(_matches_all(self.index, p, expr) for p in self.candidates(leaves[0]))

    def candidates(self, dep: Dep) -> list[RpmPackage]:
        """Available providers that can join: no second version of a chosen name, no downgrade."""
        if not self.index.is_known(dep):
            raise self._missing(dep)
        out: list[RpmPackage] = []
        for pkg in self.index.available_providers(dep):
            if pkg.name in self.chosen:
                continue  # the chosen version does not satisfy it (present() said so)
            inst = self.index.installed_version(pkg.name)
            if inst is not None and compare_evr(pkg.evr, inst.evr) < 0:
                continue
            out.append(pkg)
        return out

    def pick(self, owner: RpmPackage, expr: DepExpr, candidates: list[RpmPackage]) -> RpmPackage:
        """Like libsolv, by preference: an upgrade of an installed package, the dependency's
        own name, the machine's architecture, the shortest name; then the newest version."""
        if not candidates:
            raise self.unsatisfiable(owner, expr)
        dep_name = expr.name if isinstance(expr, Dep) else ""

        def rank(pkg: RpmPackage) -> tuple[int, int, int, int, str]:
            return (
                0 if pkg.name in self.index.installed else 1,
                0 if pkg.name == dep_name else 1,
                self.index.arch_rank(pkg.arch),
                len(pkg.name),
                pkg.name,
            )

        best_rank = min(rank(p) for p in candidates)
        same = [p for p in candidates if rank(p) == best_rank]
        best = same[0]
        for pkg in same[1:]:
            if compare_evr(pkg.evr, best.evr) > 0:
                best = pkg
        return best

    def unsatisfiable(self, owner: RpmPackage, expr: DepExpr) -> UnsatisfiableDependency:
        names = ", ".join(sorted({d.name for d in leaf_deps(expr)}))
        conflict = [d.name for d in leaf_deps(expr) if d.name in self.chosen]
        why = "which no installed or available package satisfies"
        if conflict:
            held = self.chosen[conflict[0]]
            why = f"but the closure already holds {held.name} {held.evr_text}, which does not"
        return UnsatisfiableDependency(
            f"The dnf package {self.root.name!r} cannot be installed: {owner.name} "
            f"{owner.evr_text} requires '{expr}', {why}.",
            hint=f"`dnf repoquery --whatprovides '{names.split(', ')[0]}'` shows what the "
            "repositories offer; run `dnf makecache` if the metadata is old. Otherwise install "
            "this project from PyPI instead.",
        )


def _matches_all(index: RpmIndex, pkg: RpmPackage, expr: DepExpr) -> bool:
    """Whether one package satisfies ``expr`` on its own (for ``with``/``without``)."""
    if isinstance(expr, Dep):
        return index.provides(pkg, expr)
    if expr.op in ("and", "with"):
        return all(_matches_all(index, pkg, a) for a in expr.args)
    if expr.op == "or":
        return any(_matches_all(index, pkg, a) for a in expr.args)
    if expr.op == "without":
        return _matches_all(index, pkg, expr.args[0]) and not any(
            _matches_all(index, pkg, a) for a in expr.args[1:]
        )
    return False


def compute_closure(index: RpmIndex, root: RpmPackage) -> ClosureResult:
    """The packages installing ``root`` brings or relies on, as far as the index knows.

    Incomplete results name the capabilities (and file paths) to fetch
    first; the caller fetches them in one batch and tries again. Raises
    :class:`UnsatisfiableDependency` when a dependency has no provider at all.

    The model: requires are followed recursively (weak dependencies never);
    a dependency already satisfied by a chosen or installed package is not
    installed again (installed providers join the closure, and their own
    requires are followed); otherwise an available provider is picked (see
    :meth:`_Closure.pick`); an installed package whose version does not
    satisfy is upgraded, never downgraded. ``or``/``if``/``unless``
    dependencies are decided after the plain ones, so an alternative that
    another dependency brings anyway is preferred. File dependencies found on
    disk under the root count as satisfied without naming their owner.
    """
    return _Closure(index, root).run()
