"""Tests for pip_native.native.apt_index: index parsing and dependency closures."""

from __future__ import annotations

import pytest

from pip_native.errors import NoNativePackageError
from pip_native.native.apt_index import (
    AptIndex,
    Record,
    Relation,
    UnsatisfiableDependency,
    parse_dependency_field,
    parse_dpkg_query,
    parse_provides_field,
)
from pip_native.native.apt_output import parse_simulation
from pip_native.native.apt_stanzas import parse_dumpavail
from test_apt_recordings import load_recording

# -- parsers -------------------------------------------------------------------


def test_parse_dpkg_query_recording_keeps_installed_only() -> None:
    text = load_recording("dpkg-query-W").stdout
    records = parse_dpkg_query(text, "amd64")
    assert records["python3-yaml"].version == "6.0-3+b2"
    assert "libyaml-0-2" in records["python3-yaml"].depends
    assert records["dpkg"].arch == "amd64"
    assert len(records) == len(text.splitlines())  # this system has only ii packages
    assert records["python3-yaml"].source == "pyyaml 6.0-3"  # binNMU 6.0-3+b2 of source 6.0-3
    assert records["dpkg"].source == f"dpkg {records['dpkg'].version}"
    text += (
        "gone\tall\t1.0\trc \t\t\t\toptional\tgone\t1.0\n"
        "broken line\n"
        "half\tall\t1\tiF \t\ta\t\textra\t\t\n"
    )
    records = parse_dpkg_query(text, "amd64")
    assert "gone" not in records
    assert records["half"].source == "half 1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", [(Relation("a", None, None, None),)]),
        (
            "a (>= 1.0), b | c (<< 2:3-1)",
            [
                (Relation("a", None, ">=", "1.0"),),
                (Relation("b", None, None, None), Relation("c", None, "<<", "2:3-1")),
            ],
        ),
        (
            "python3:any, perl:any (>= 5)",
            [
                (Relation("python3", "any", None, None),),
                (Relation("perl", "any", ">=", "5"),),
            ],
        ),
        (
            "a (< 1), b (> 2)",
            [(Relation("a", None, "<=", "1"),), (Relation("b", None, ">=", "2"),)],
        ),
        (
            "a [amd64] <!nocheck>, , b(=1)",
            [
                (Relation("a", None, None, None),),
                (Relation("b", None, "=", "1"),),
            ],
        ),
        ("(garbage | also bad", []),
        ("", []),
    ],
)
def test_parse_dependency_field(text: str, expected: list[tuple[Relation, ...]]) -> None:
    assert parse_dependency_field(text) == expected


def test_relation_str() -> None:
    assert str(Relation("a", "any", ">=", "1")) == "a:any (>= 1)"
    assert str(Relation("a", None, None, None)) == "a"


def test_parse_provides_field() -> None:
    assert parse_provides_field("a, b (= 1.0), c (>= 2)") == [
        ("a", None),
        ("b", "1.0"),
        ("c", None),
    ]


# -- closures on the recorded Debian 12 index ----------------------------------


@pytest.fixture(scope="module")
def real_index() -> AptIndex:
    available = parse_dumpavail(load_recording("dumpavail-excerpt").stdout, "amd64")
    installed = parse_dpkg_query(load_recording("dpkg-query-W").stdout, "amd64")
    return AptIndex(available, installed, "amd64")


def test_closure_matches_apt_simulation(real_index: AptIndex) -> None:
    """What the closure would newly install is exactly what apt-get -s said it installs."""
    closure = real_index.closure("python3-sklearn")
    new = {s.key: s.record.version for s in closure if s.installed_version is None}
    simulated = parse_simulation(load_recording("apt-get-s-sklearn").stdout)
    assert new == {i.name: i.version for i in simulated.installs}
    assert closure[0].key == "python3-sklearn"
    keys = [s.key for s in closure]
    assert {"python3-numpy", "python3-scipy", "python3-joblib", "libc6", "python3"} <= set(keys)
    assert len(keys) == len(set(keys))
    libc = next(s for s in closure if s.key == "libc6")
    assert libc.installed_version == libc.record.version  # installed and kept


def test_closure_of_installed_package(real_index: AptIndex) -> None:
    closure = real_index.closure("python3-yaml")
    assert closure[0].key == "python3-yaml"
    assert all(s.installed_version is not None for s in closure)
    assert "libyaml-0-2" in {s.key for s in closure}


def test_closure_is_cached(real_index: AptIndex) -> None:
    assert real_index.closure("python3-requests") is real_index.closure("python3-requests")


# -- closures on small synthetic indexes ---------------------------------------


def rec(
    name: str,
    version: str = "1.0",
    depends: str = "",
    *,
    pre: str = "",
    provides: str = "",
    priority: str = "optional",
    arch: str = "all",
    source: str | None = None,
) -> Record:
    return Record(
        name, version, arch, pre, depends, provides, priority, source or f"{name} {version}"
    )


def index(available: list[Record], installed: list[Record] = ()) -> AptIndex:  # type: ignore[assignment]
    return AptIndex({r.name: r for r in available}, {r.name: r for r in installed}, "amd64")


def keys(idx: AptIndex, name: str) -> list[str]:
    return [s.key for s in idx.closure(name)]


def test_alternatives_prefer_installed_then_first_installable() -> None:
    idx = index(
        [rec("app", depends="a | b, c | d"), rec("a"), rec("b"), rec("c"), rec("d")],
        [rec("b")],
    )
    assert keys(idx, "app") == ["app", "b", "c"]


def test_alternative_brought_anyway_is_preferred() -> None:
    idx = index([rec("app", depends="x | y, z"), rec("x"), rec("y"), rec("z", depends="y")])
    assert keys(idx, "app") == ["app", "z", "y"]


def test_pre_depends_and_cycles() -> None:
    idx = index([rec("a", depends="b", pre="p"), rec("b", depends="a"), rec("p")])
    assert keys(idx, "a") == ["a", "p", "b"]


def test_virtual_package_prefers_installed_provider_then_priority() -> None:
    available = [
        rec("app", depends="mta"),
        rec("zz-mta", provides="mta", priority="standard"),
        rec("aa-mta", provides="mta", priority="extra"),
        rec("mid-mta", provides="mta"),
    ]
    assert keys(index(available), "app") == ["app", "zz-mta"]
    assert keys(index(available, [rec("mid-mta", provides="mta")]), "app") == ["app", "mid-mta"]


def test_versioned_dependency_on_virtual_needs_versioned_provides() -> None:
    idx = index(
        [
            rec("app", depends="virt (>= 2)"),
            rec("plain", provides="virt"),
            rec("old", provides="virt (= 1)"),
            rec("good", provides="virt (= 2.1)"),
        ]
    )
    assert keys(idx, "app") == ["app", "good"]


def test_virtual_root_resolves_to_provider() -> None:
    idx = index([rec("impl", "3", depends="dep", provides="virt"), rec("dep")])
    assert keys(idx, "virt") == ["impl", "dep"]


def test_too_old_installed_dependency_is_upgraded() -> None:
    idx = index([rec("app", depends="lib (>= 2)"), rec("lib", "2.1")], [rec("lib", "1.0")])
    closure = idx.closure("app")
    lib = closure[1]
    assert (lib.key, lib.record.version, lib.installed_version) == ("lib", "2.1", "1.0")


def test_installed_dependency_that_satisfies_is_kept() -> None:
    idx = index([rec("app", depends="lib (>= 1)"), rec("lib", "2.1")], [rec("lib", "1.0")])
    lib = idx.closure("app")[1]
    assert (lib.record.version, lib.installed_version, lib.candidate_version) == (
        "1.0",
        "1.0",
        "2.1",
    )


def test_root_is_upgraded_to_candidate_but_never_downgraded() -> None:
    idx = index([rec("app", "2.0", depends="new")], [rec("app", "1.0", depends="old")])
    with pytest.raises(UnsatisfiableDependency):  # 2.0's dependency "new" does not exist
        idx.closure("app")
    idx = index([rec("app", "1.0", depends="gone")], [rec("app", "3.0")])
    assert [s.record.version for s in idx.closure("app")] == ["3.0"]


def test_installed_only_package() -> None:
    idx = index([], [rec("local", "0.1", depends="libc"), rec("libc")])
    assert keys(idx, "local") == ["local", "libc"]


def test_unsatisfiable_dependency_names_package_and_dependency() -> None:
    idx = index([rec("app", depends="lib (>= 3) | other"), rec("lib", "2")])
    with pytest.raises(UnsatisfiableDependency) as info:
        idx.closure("app")
    assert isinstance(info.value, NoNativePackageError)
    assert "'app'" in info.value.message
    assert "lib (>= 3) | other" in info.value.message
    assert info.value.hint


def test_unknown_root() -> None:
    with pytest.raises(NoNativePackageError, match="no-such"):
        index([rec("a")]).closure("no-such")


def test_arch_qualified_names() -> None:
    idx = AptIndex(
        {
            "app": rec("app", depends="tool:any, libx:i386, liby:amd64", arch="amd64"),
            "tool": rec("tool", arch="amd64"),
            "libx:i386": rec("libx", arch="i386"),
            "liby": rec("liby", arch="amd64"),
        },
        {},
        "amd64",
    )
    assert keys(idx, "app:amd64") == ["app", "tool", "libx:i386", "liby"]
    assert idx.key_for("libx", "i386") == "libx:i386"
    assert idx.key_for("libx:native") == "libx"


def test_same_source_binaries_are_upgraded_together() -> None:
    """Installing lib-dev 2 (source lib 2) upgrades the installed lib1 and lib-tools 1 → 2, as apt does."""
    src2, src1 = "lib 2", "lib 1"
    idx = index(
        [
            rec("app", depends="lib-dev"),
            rec("lib-dev", "2", depends="lib1 (>= 1)", source=src2),
            rec("lib1", "2", source=src2),
            rec("lib-tools", "2", source=src2),
            rec("lib-doc", "3", source="lib 3"),  # other source version: left alone
            rec("unrelated", "2"),
        ],
        [
            rec("lib1", "1", source=src1),
            rec("lib-tools", "1", depends="lib1 (= 1)", source=src1),
            rec("lib-doc", "1", source=src1),
            rec("unrelated", "1"),
        ],
    )
    closure = {s.key: (s.record.version, s.installed_version) for s in idx.closure("app")}
    assert closure == {
        "app": ("1.0", None),
        "lib-dev": ("2", None),
        "lib1": ("2", "1"),
        "lib-tools": ("2", "1"),
    }


def test_kept_package_whose_dependency_was_upgraded_is_upgraded_too() -> None:
    idx = index(
        [
            rec("app", depends="py (>= 2), py-tool"),
            rec("py", "2", depends="py-min (= 2)"),
            rec("py-min", "2"),
            rec("py-tool", "2", depends="py-min (= 2)"),
        ],
        [
            rec("py", "1", depends="py-min (= 1)"),
            rec("py-min", "1"),
            rec("py-tool", "1", depends="py (>= 1)"),
        ],
    )
    closure = {s.key: s.record.version for s in idx.closure("app")}
    assert closure == {"app": "1.0", "py": "2", "py-min": "2", "py-tool": "1"}
    # the kept py-tool 1 breaks once py-min moves to 2 only if it needs py-min (= 1)
    idx = index(
        [rec("app", depends="py-min (>= 2), old"), rec("py-min", "2"), rec("old", "2")],
        [rec("old", "1", depends="py-min (= 1)"), rec("py-min", "1")],
    )
    closure = {s.key: s.record.version for s in idx.closure("app")}
    assert closure == {"app": "1.0", "py-min": "2", "old": "2"}


def test_kept_package_processed_before_the_upgrade_that_breaks_it() -> None:
    idx = index(
        [rec("app", depends="old, py-min (>= 2)"), rec("py-min", "2"), rec("old", "2")],
        [rec("old", "1", depends="py-min (= 1)"), rec("py-min", "1")],
    )
    closure = {s.key: s.record.version for s in idx.closure("app")}
    assert closure == {"app": "1.0", "old": "2", "py-min": "2"}


def test_installed_dependent_outside_the_closure_is_upgraded_when_broken() -> None:
    idx = index(
        [rec("app", depends="lib (>= 2)"), rec("lib", "2"), rec("user", "2"), rec("fine", "2")],
        [
            rec("lib", "1"),
            rec("user", "1", depends="lib (<< 2)"),  # broken by lib 2: its candidate fixes it
            rec("fine", "1", depends="lib (>= 1)"),  # still satisfied: kept, not in the closure
            rec("stuck", "1", depends="lib (= 1)"),  # no candidate: apt would remove it
        ],
    )
    closure = {s.key: (s.record.version, s.installed_version) for s in idx.closure("app")}
    assert closure == {"app": ("1.0", None), "lib": ("2", "1"), "user": ("2", "1")}
