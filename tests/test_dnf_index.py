"""Tests for the dnf closure model (pip_native.native.dnf_index) on hand-made package records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pip_native.native.dnf_index import RpmIndex, UnsatisfiableDependency, compute_closure
from pip_native.native.dnf_output import SYSTEM_REPO, RpmPackage
from pip_native.native.dnf_version import EVR, Dep, parse_dep

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


def pkg(
    name: str,
    evr: str,
    *,
    arch: str = "noarch",
    installed: bool = False,
    provides: Sequence[str] = (),
    requires: Sequence[str] = (),
    files: Sequence[str] | None = None,
) -> RpmPackage:
    parsed = EVR.parse(evr)
    own = [f"{name} = {evr}", *provides]
    deps = [parse_dep(p) for p in own]
    return RpmPackage(
        name=name,
        epoch=parsed.epoch or 0,
        version=parsed.version,
        release=parsed.release or "1",
        arch=arch,
        repo=SYSTEM_REPO if installed else "fedora",
        provides=tuple(d for d in deps if isinstance(d, Dep)),
        requires_text=tuple(requires),
        files=frozenset(files) if files is not None else None,
    )


def index_of(
    installed: Sequence[RpmPackage], available: Sequence[RpmPackage], *, root: str = "/nonexistent"
) -> RpmIndex:
    index = RpmIndex(installed, arches=("x86_64", "noarch"), root=root)
    caps = {p.name for p in available} | {d.name for p in available for d in p.provides}
    index.add_available(available, capabilities=caps)
    return index


def names(result_packages: Sequence[RpmPackage]) -> list[str]:
    return [f"{p.name}-{p.evr_text}{'@' if p.installed else ''}" for p in result_packages]


PY = pkg("python3", "3.12.4-1.fc40", installed=True, provides=["python(abi) = 3.12"])


def test_installed_dependencies_join_and_are_followed() -> None:
    libs = pkg("python3-libs", "3.12.4-1.fc40", installed=True, provides=["libpython3.12.so"])
    python = pkg(
        "python3",
        "3.12.4-1.fc40",
        installed=True,
        provides=["python(abi) = 3.12"],
        requires=["python3-libs = 3.12.4-1.fc40"],
    )
    numpy = pkg("python3-numpy", "1.26.4-1.fc40", arch="x86_64", requires=["python(abi) = 3.12"])
    result = compute_closure(index_of([python, libs], [numpy]), numpy)
    assert result.complete
    assert names(result.packages) == [
        "python3-numpy-1.26.4-1.fc40",
        "python3-3.12.4-1.fc40@",
        "python3-libs-3.12.4-1.fc40@",
    ]


def test_ranged_with_dependency_picks_a_version_inside() -> None:
    old = pkg("python3-numpy", "1.26.4-1.fc40", provides=["python3dist(numpy) = 1.26.4"])
    new = pkg("python3-numpy", "2.0.1-1.fc40", provides=["python3dist(numpy) = 2.0.1"])
    scipy = pkg(
        "python3-scipy",
        "1.11.3-1.fc40",
        requires=["(python3dist(numpy) >= 1.22 with python3dist(numpy) < 2)"],
    )
    result = compute_closure(index_of([], [old, new, scipy]), scipy)
    assert names(result.packages) == ["python3-scipy-1.11.3-1.fc40", "python3-numpy-1.26.4-1.fc40"]


def test_alternatives_prefer_what_another_dependency_brings() -> None:
    a = pkg("alt-a", "1-1", provides=["virt"])
    b = pkg("alt-b", "1-1", provides=["virt"])
    top = pkg("top", "1-1", requires=["(alt-a or alt-b)", "alt-b"])
    result = compute_closure(index_of([], [a, b, top]), top)
    assert names(result.packages) == ["top-1-1", "alt-b-1-1"]


def test_conditional_dependency_only_when_its_condition_holds() -> None:
    extra = pkg("extra", "1-1")
    cond = pkg("cond", "1-1")
    fallback = pkg("fallback", "1-1")
    top = pkg("top", "1-1", requires=["(extra if cond else fallback)"])
    without = compute_closure(index_of([], [extra, cond, fallback, top]), top)
    assert names(without.packages) == ["top-1-1", "fallback-1-1"]
    with_cond = compute_closure(
        index_of([pkg("cond", "1-1", installed=True)], [extra, cond, fallback, top]), top
    )
    assert names(with_cond.packages) == ["top-1-1", "extra-1-1"]


def test_too_old_installed_package_is_upgraded_never_downgraded() -> None:
    inst = pkg("python3-core", "0.9-1", installed=True, provides=["python3dist(core) = 0.9"])
    newer = pkg("python3-core", "1.0-1", provides=["python3dist(core) = 1.0"])
    older = pkg("python3-core", "0.5-1", provides=["python3dist(core) = 0.5"])
    wants_new = pkg("app", "1-1", requires=["python3dist(core) >= 1.0"])
    wants_old = pkg("old", "1-1", requires=["python3dist(core) < 0.9"])
    index = index_of([inst], [newer, older, wants_new, wants_old])
    assert names(compute_closure(index, wants_new).packages) == ["app-1-1", "python3-core-1.0-1"]
    with pytest.raises(
        UnsatisfiableDependency, match=r"old 1-1 requires 'python3dist\(core\) < 0.9'"
    ):
        compute_closure(index, wants_old)


def test_conflicting_versions_inside_one_closure() -> None:
    v1 = pkg("lib", "1-1")
    v2 = pkg("lib", "2-1")
    a = pkg("a", "1-1", requires=["lib = 1-1"])
    top = pkg("top", "1-1", requires=["a", "lib >= 2"])
    # top's own "lib >= 2" is decided first; a's "lib = 1-1" then cannot be met
    with pytest.raises(
        UnsatisfiableDependency,
        match="a 1-1 requires 'lib = 1-1', but the closure already holds lib 2-1",
    ):
        compute_closure(index_of([], [v1, v2, a, top]), top)


def test_machine_architecture_and_shortest_name_win() -> None:
    i686 = pkg("libfoo", "1-1", arch="i686", provides=["libfoo.so.1"])
    x86 = pkg("libfoo", "1-1", arch="x86_64", provides=["libfoo.so.1"])
    longer = pkg("libfoo-compat", "1-1", arch="x86_64", provides=["libfoo.so.1"])
    top = pkg("top", "1-1", requires=["libfoo.so.1"])
    result = compute_closure(index_of([], [i686, longer, x86, top]), top)
    assert [(p.name, p.arch) for p in result.packages] == [("top", "noarch"), ("libfoo", "x86_64")]


def test_unknown_capabilities_are_reported_then_resolved() -> None:
    index = RpmIndex([PY], arches=("x86_64", "noarch"))
    top = pkg("top", "1-1", requires=["python(abi) = 3.12", "mid", "(x or y)"])
    index.add_available([top], capabilities=["top"])
    first = compute_closure(index, top)
    assert not first.complete and first.missing == {"mid", "x", "y"}  # python(abi): installed
    mid = pkg("mid", "1-1", requires=["leaf"])
    index.add_available([mid, pkg("y", "1-1")], capabilities=["mid", "x", "y"])
    second = compute_closure(index, top)
    assert second.missing == {"leaf"}
    index.add_available([pkg("leaf", "1-1")], capabilities=["leaf"])
    third = compute_closure(index, top)
    assert third.complete
    assert names(third.packages) == [
        "top-1-1",
        "python3-3.12.4-1.fc40@",
        "mid-1-1",
        "leaf-1-1",
        "y-1-1",
    ]


def test_file_dependencies_on_disk_or_from_the_file_query(tmp_path: Path) -> None:
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "usr" / "bin" / "sh").write_text("")
    top = pkg("top", "1-1", requires=["/usr/bin/sh", "/usr/bin/tool"])
    index = RpmIndex([], arches=("x86_64", "noarch"), root=str(tmp_path))
    index.add_available([top], capabilities=["top"])
    first = compute_closure(index, top)
    assert first.missing_files == {"/usr/bin/tool"}  # /usr/bin/sh is on disk: satisfied
    tool = pkg("tool", "1-1", files=["/usr/bin/tool", "/usr/share/doc/tool"])
    index.add_available([tool], files=["/usr/bin/tool"])
    assert names(compute_closure(index, top).packages) == ["top-1-1", "tool-1-1"]


def test_no_provider_names_the_package_and_dependency() -> None:
    top = pkg("top", "2.0-1", requires=["libgone.so.1()(64bit)"])
    index = index_of([], [top])
    assert not compute_closure(index, top).complete  # not asked yet: to fetch, not an error
    index.add_available([], capabilities=["libgone.so.1()(64bit)"])  # dnf knew no provider
    with pytest.raises(UnsatisfiableDependency) as info:
        compute_closure(index, top)
    assert info.value.message == (
        "The dnf package 'top' cannot be installed: top 2.0-1 requires "
        "'libgone.so.1()(64bit)', which no installed or available package satisfies."
    )
    assert (
        info.value.hint is not None
        and "repoquery --whatprovides 'libgone.so.1()(64bit)'" in info.value.hint
    )


def test_prefetched_newest_versions_answer_only_when_they_satisfy() -> None:
    index = RpmIndex([], arches=("x86_64", "noarch"))
    app = pkg("app", "1-1", requires=["core >= 1.0"])
    old = pkg("old", "1-1", requires=["core < 1.0"])
    index.add_available([app, old], capabilities=["app", "old"])
    # what `repoquery --requires --resolve --recursive` returns: the newest core only
    index.add_available([pkg("core", "1.0-1")])
    assert names(compute_closure(index, app).packages) == ["app-1-1", "core-1.0-1"]
    first = compute_closure(index, old)
    assert first.missing == {"core"}  # the newest does not satisfy: ask for every version
    index.add_available([pkg("core", "0.9-1"), pkg("core", "1.0-1")], capabilities=["core"])
    assert names(compute_closure(index, old).packages) == ["old-1-1", "core-0.9-1"]
