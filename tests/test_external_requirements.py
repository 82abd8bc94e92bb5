"""Tests for reading PEP 725 [external] tables: pyproject.toml, sdists, wheels, core metadata."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pip_native.errors import InvalidIdentifierError, PipNativeError, UsageError
from pip_native.external.requirements import (
    parse_core_metadata,
    parse_external_table,
    read_external,
)

SAMPLE = Path(__file__).parent / "data" / "external" / "sample"


def _table(external: object, **top: object) -> dict[str, object]:
    return {"external": external, **top}


def test_sample_project_all_keys() -> None:
    reqs = read_external(SAMPLE)
    assert reqs.origin == str(SAMPLE / "pyproject.toml")
    assert reqs.has_table and reqs.source == "pyproject"
    assert [r.dep.id for r in reqs.build_requires] == [
        "dep:virtual/compiler/c",
        "dep:virtual/compiler/fortran",
        "dep:generic/pkg-config",
        "dep:generic/ninja",
    ]
    openblas = reqs.host_requires[0]
    assert openblas.raw == "dep:generic/openblas@>=0.3"
    assert openblas.category == "host" and openblas.key == "host-requires" and openblas.index == 0
    assert openblas.where == f"{SAMPLE / 'pyproject.toml'}: [external] host-requires[0]"
    assert str(openblas.dep.specifier) == ">=0.3"
    assert [r.dep.id for r in reqs.dependencies] == ["dep:generic/libffi"]
    assert reqs.extras == ("hdf",)
    assert reqs.optional_host_requires[0].extra == "hdf"
    assert reqs.optional_host_requires[0].where.endswith("optional-host-requires.hdf[0]")
    groups = dict(reqs.dependency_groups)
    # include-group resolved: dev = git + docs' curl
    assert [r.dep.id for r in groups["dev"]] == ["dep:generic/git", "dep:generic/curl"]
    assert groups["docs"][0].marker == 'sys_platform == "linux"'
    assert reqs.build_system_requires == (
        "meson-python>=0.13",
        "cython>=0.29",
        "numpy>=1.22",
        "pybind11",
    )


def test_select_by_category_extra_group_and_marker() -> None:
    reqs = read_external(SAMPLE)
    linux = {"sys_platform": "linux"}
    ids = [r.dep.id for r in reqs.select(("host",), environment=linux)]
    assert ids == ["dep:generic/openblas", "dep:generic/zlib", "dep:virtual/interface/lapack"]
    ids = [r.dep.id for r in reqs.select(("host",), extras=["HDF"], environment=linux)]
    assert ids[-1] == "dep:generic/hdf5"
    ids = [r.dep.id for r in reqs.select(("host",), groups=["docs"], environment=linux)]
    assert ids[-1] == "dep:generic/curl"
    ids = [
        r.dep.id
        for r in reqs.select(("host",), groups=["docs"], environment={"sys_platform": "darwin"})
    ]
    assert "dep:generic/curl" not in ids
    with pytest.raises(UsageError, match=r"extra .nope. is not defined .*\(it defines: hdf\)"):
        reqs.select(("host",), extras=["nope"])
    with pytest.raises(UsageError, match=r"dependency group .x. .*\(it defines: dev, docs\)"):
        reqs.select(("host",), groups=["x"])


def test_purl_form_and_virtual_draft_form_are_accepted() -> None:
    reqs = parse_external_table(
        _table(
            {
                "build-requires": ["virtual:compiler/c", "pkg:virtual/compiler/rust"],
                "host-requires": ["pkg:generic/openssl@3.0", "dep:generic/zlib@>=1.2,<2"],
            }
        ),
        "p.toml",
    )
    assert [r.dep.id for r in reqs.build_requires] == [
        "dep:virtual/compiler/c",
        "dep:virtual/compiler/rust",
    ]
    assert reqs.host_requires[0].raw == "pkg:generic/openssl@3.0"
    assert str(reqs.host_requires[0].dep.specifier) == "==3.0"
    assert str(reqs.host_requires[1].dep.specifier) == "<2,>=1.2"


def test_no_external_table() -> None:
    reqs = parse_external_table({"build-system": {"requires": ["setuptools"]}}, "p.toml")
    assert not reqs.has_table and reqs.all() == () and reqs.build_system_requires == ("setuptools",)


@pytest.mark.parametrize(
    ("external", "message"),
    [
        ("dep:generic/zlib", r"p\.toml: 'external' is 'dep:generic/zlib', not a table"),
        (
            {"build_requires": []},
            r"p\.toml: \[external\] build_requires: 'build_requires' is not a key PEP 725 defines",
        ),
        (
            {"host-requires": "dep:generic/zlib"},
            r"\[external\] host-requires: the value 'dep:generic/zlib' is not an array",
        ),
        ({"dependencies": [42]}, r"\[external\] dependencies\[0\]: 42 is not a string"),
        (
            {"host-requires": ["dep:generic/zlib", "zlib"]},
            r"\[external\] host-requires\[1\]: 'zlib' is not a DepURL",
        ),
        (
            {"host-requires": ["dep:generic/zlib@>=1|<2"]},
            r"host-requires\[0\]: 'dep:generic/zlib@>=1\|<2' is not a valid DepURL.*'\|'",
        ),
        (
            {"build-requires": ["dep:virtual/compilers/c"]},
            r"build-requires\[0\]: .*needs one of the namespaces compiler, interface",
        ),
        (
            {"build-requires": ["dep:generic/XCB; platform_system='Linux"]},
            r"build-requires\[0\]: .* has an invalid environment marker",
        ),
        (
            {"optional-dependencies": ["dep:generic/zlib"]},
            r"optional-dependencies: the value \['dep:generic/zlib'\] is not a table",
        ),
        (
            {"optional-dependencies": {"a b": ["dep:generic/zlib"]}},
            r"optional-dependencies\.a b: 'a b' is not a valid extra name",
        ),
        (
            {"optional-host-requires": {"Foo": [], "foo": []}},
            r"optional-host-requires\.foo: it names the same extra as 'Foo'",
        ),
        (
            {"optional-host-requires": {"x": [None]}},
            r"optional-host-requires\.x\[0\]: None is not a string",
        ),
        (
            {"dependency-groups": {"dev": [{"include-group": "missing"}]}},
            r"dependency-groups\.dev\[0\]: it includes the group 'missing', which is not defined",
        ),
        (
            {"dependency-groups": {"a": [{"include-group": "b"}], "b": [{"include-group": "a"}]}},
            r"dependency-groups\.b\[0\]: the includes form a cycle: a -> b -> a",
        ),
        (
            {"dependency-groups": {"dev": [{"include": "x"}]}},
            r"dependency-groups\.dev\[0\]: the table .* is not \{include-group",
        ),
    ],
)
def test_malformed_tables_name_file_key_index_value(external: object, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        parse_external_table(_table(external), "p.toml")
    assert info.value.hint  # every error says how to fix it


def test_bad_depurl_is_an_identifier_error() -> None:
    with pytest.raises(InvalidIdentifierError):
        parse_external_table(_table({"host-requires": ["dep:"]}), "p.toml")


def test_bad_build_system_requires() -> None:
    with pytest.raises(
        UsageError, match=r"\[build-system\] requires\[1\] 'numpy>>1' is not a valid PEP 508"
    ):
        parse_external_table({"build-system": {"requires": ["cython", "numpy>>1"]}}, "p.toml")


def test_toml_syntax_error_names_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[external\n")
    with pytest.raises(UsageError, match=r"pyproject\.toml is not valid TOML"):
        read_external(tmp_path)


def test_missing_pyproject(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"has no pyproject\.toml"):
        read_external(tmp_path)


def _pyproject_text() -> bytes:
    return (SAMPLE / "pyproject.toml").read_bytes()


def test_sdist_tar_gz(tmp_path: Path) -> None:
    archive = tmp_path / "sample_ext-0.1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (
            ("sample_ext-0.1.0/pyproject.toml", _pyproject_text()),
            ("sample_ext-0.1.0/vendor/x/pyproject.toml", b"[external]\nhost-requires = 3\n"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    reqs = read_external(archive)
    assert reqs.source == "sdist"
    assert reqs.origin == f"{archive}!sample_ext-0.1.0/pyproject.toml"
    assert reqs.host_requires[0].where.startswith(f"{archive}!sample_ext-0.1.0/pyproject.toml:")


def test_sdist_zip_falls_back_to_pkg_info(tmp_path: Path) -> None:
    archive = tmp_path / "old-1.0.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "old-1.0/PKG-INFO",
            "Metadata-Version: 2.5\nName: old\nRequires-External-Dep: dep:generic/git\n",
        )
    reqs = read_external(archive)
    assert reqs.source == "core-metadata"
    assert [r.dep.id for r in reqs.dependencies] == ["dep:generic/git"]


def test_wheel_core_metadata(tmp_path: Path) -> None:
    wheel = tmp_path / "navis-1.4.0-py3-none-any.whl"
    metadata = (
        "Metadata-Version: 2.5\nName: navis\nVersion: 1.4.0\n"
        "Provides-External-Extra: nat\n"
        "Requires-External-Dep: dep:cran/nat; extra == 'nat'\n"
        "Requires-External-Dep: dep:cran/nat.nblast; extra == 'nat'\n"
        'Requires-External-Dep: dep:github/AbiWord/enchant; platform_system!="Windows"\n'
    )
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("navis-1.4.0.dist-info/METADATA", metadata)
    reqs = read_external(wheel)
    assert reqs.source == "core-metadata"
    assert [r.dep.id for r in reqs.optional_dependencies] == ["dep:cran/nat", "dep:cran/nat.nblast"]
    assert {r.extra for r in reqs.optional_dependencies} == {"nat"}
    assert [r.dep.id for r in reqs.dependencies] == ["dep:github/abiword/enchant"]
    assert reqs.dependencies[0].where.endswith("METADATA: Requires-External-Dep #3")
    linux = {"platform_system": "Linux"}
    assert [r.dep.name for r in reqs.select(("run",), environment=linux)] == ["enchant"]
    assert len(reqs.select(("run",), extras=["nat"], environment=linux)) == 3


def test_core_metadata_bad_value_names_field() -> None:
    with pytest.raises(InvalidIdentifierError, match=r"METADATA: Requires-External-Dep #1: 'foo'"):
        parse_core_metadata("Requires-External-Dep: foo\n", "METADATA")


# A TOML-like value: what tomllib can produce (no NaN issues matter here).
_scalars = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.none(),
    st.sampled_from(
        [
            "dep:generic/zlib",
            "dep:virtual/compiler/c",
            "pkg:generic/openssl@>=3",
            "dep:generic/x; os_name == 'posix'",
            "dep:generic/x@>=1,<",
            "dep:virtual/x/y",
            "dep:%zz/a",
            "dep:generic/a#b?c",
        ]
    ),
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(
                    [
                        "build-requires",
                        "host-requires",
                        "dependencies",
                        "optional-dependencies",
                        "optional-build-requires",
                        "dependency-groups",
                        "include-group",
                        "dev",
                    ]
                ),
                st.text(max_size=10),
            ),
            children,
            max_size=4,
        ),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_parser_raises_only_pip_native_errors(external: object) -> None:
    try:
        reqs = parse_external_table({"external": external}, "p.toml")
    except PipNativeError as exc:
        assert exc.message.startswith("p.toml")
    else:
        for req in reqs.all():
            assert req.raw and req.dep.id.startswith("dep:")
            req.applies({})
