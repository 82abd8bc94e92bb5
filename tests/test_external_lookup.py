"""Tests for the merged external lookup: user overrides > PEP 804 files > bundled table; aliases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pip_native.errors import MappingFileError, NoNativePackageError
from pip_native.external.lookup import (
    BUNDLED_FILES,
    bundled_document,
    load_external_mapping,
    load_user_overrides,
)
from pip_native.external.pep804 import parse_registry
from pip_native.identifiers import PackageURL

USER = """\
[apt]
scikit-learn = ["python3-sklearn"]

[external.apt]
"dep:generic/openssl" = ["libssl-dev", "openssl"]
"dep:virtual/compiler/c" = { build = ["clang"] }
"dep:generic/git" = false
"dep:generic/OnlyMine" = "libmine-dev"

[external.conda]
"pkg:generic/zlib" = "zlib"
"""


def _pep804(
    tmp_path: Path, name: str = "mine.mapping.json", specs: dict[str, object] | None = None
) -> Path:
    doc = {
        "schema_version": 1,
        "name": "my apt overrides",
        "mappings": [{"id": ident, "specs": s} for ident, s in (specs or {}).items()],
        "package_managers": [
            {
                "name": "apt",
                "commands": {
                    "install": {
                        "command": ["apt", "install", "-y", "{}"],
                        "requires_elevation": True,
                    },
                    "query": {"command": ["dpkg-query", "-W", "{}"]},
                },
                "specifier_syntax": {
                    "name_only": ["{name}"],
                    "exact_version": None,
                    "version_ranges": None,
                },
            }
        ],
    }
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def user_file(tmp_path: Path) -> Path:
    path = tmp_path / "overrides.toml"
    path.write_text(USER)
    return path


def test_bundled_tables_are_valid_pep804_documents() -> None:
    for ecosystem in BUNDLED_FILES:
        doc = bundled_document(ecosystem)
        assert doc.ecosystems == (ecosystem,)
        assert doc.package_managers[0].ecosystem == ecosystem


def test_bundled_lookup_distinguishes_categories() -> None:
    mapping = load_external_mapping()
    build = mapping.lookup("dep:generic/openssl@>=3", "apt", category="build")
    host = mapping.lookup("dep:generic/openssl", "apt", category="host")
    run = mapping.lookup("pkg:generic/openssl", "apt", category="run")
    assert build is not None and host is not None and run is not None
    assert build.packages == ("libssl-dev", "openssl")
    assert host.packages == ("libssl-dev",)
    assert run.packages == ("libssl3",)
    assert (
        run.source == "bundled" and run.origin == "pip_native/data/external-debian+12.mapping.json"
    )
    assert run.describe() == "libssl3 (bundled Debian 12 (bookworm) table: dep:generic/openssl)"
    blas = mapping.lookup("dep:generic/openblas", "apt", category="host")
    assert blas is not None and blas.packages == ("libopenblas-dev",)
    runtime = mapping.lookup("dep:generic/openblas", "apt", category="run")
    assert runtime is not None and runtime.packages == ("libopenblas0",)
    zlib = mapping.lookup("dep:generic/zlib", "apt", category="host")
    assert zlib is not None and zlib.epochs["zlib1g-dev"] == "1"


def test_user_overrides_win_and_say_so(user_file: Path) -> None:
    mapping = load_external_mapping(user_files=[user_file])
    openssl = mapping.lookup("dep:generic/openssl", "apt", category="run")
    assert openssl is not None and openssl.source == "user"
    assert openssl.packages == ("libssl-dev", "openssl")
    assert openssl.reason == (
        f'user mapping {user_file} [external.apt]: [external.apt] dep:generic/openssl = ["libssl-dev", "openssl"]'
    )
    cc = mapping.lookup("dep:virtual/compiler/c", "apt", category="build")
    assert cc is not None and cc.packages == ("clang",)
    cc_run = mapping.lookup("dep:virtual/compiler/c", "apt", category="run")
    assert cc_run is not None and cc_run.packages == () and not cc_run.unavailable
    git = mapping.lookup("dep:generic/git", "apt", category="run")
    assert git is not None and git.packages == () and not git.unavailable
    assert git.describe().startswith("nothing to install for run (user mapping")
    # the key is compared case-insensitively, like every other source
    mine = mapping.lookup("dep:generic/onlymine", "apt", category="host")
    assert mine is not None and mine.packages == ("libmine-dev",)
    # other ecosystems are unaffected; [external.conda] answers conda only
    zlib = mapping.lookup("dep:generic/zlib", "conda", category="run")
    assert zlib is not None and zlib.source == "user"
    assert mapping.lookup("dep:generic/zlib", "apt", category="run").source == "bundled"  # type: ignore[union-attr]


def test_precedence_user_then_pep804_then_bundled(tmp_path: Path, user_file: Path) -> None:
    first = _pep804(
        tmp_path,
        "first.mapping.json",
        {"dep:generic/openssl": "libssl-first", "dep:generic/ninja": "ninja-first"},
    )
    second = _pep804(tmp_path, "second.mapping.json", {"dep:generic/ninja": "ninja-second"})
    mapping = load_external_mapping(user_files=[user_file], pep804_files=[first, second])
    # user beats every PEP 804 file
    assert mapping.lookup("dep:generic/openssl", "apt", category="run").source == "user"  # type: ignore[union-attr]
    # of two PEP 804 files, the one given last wins
    ninja = mapping.lookup("dep:generic/ninja", "apt", category="build")
    assert ninja is not None and ninja.packages == ("ninja-second",) and ninja.source == "pep804"
    assert ninja.reason == f"PEP 804 mapping my apt overrides ({second}): dep:generic/ninja"
    assert ninja.manager is not None and ninja.manager.name == "apt"
    # PEP 804 beats the bundled table
    mapping = load_external_mapping(pep804_files=[first])
    openssl = mapping.lookup("dep:generic/openssl", "apt", category="run")
    assert openssl is not None and openssl.packages == ("libssl-first",)
    # and the bundled table answers the rest
    zlib = mapping.lookup("dep:generic/zlib", "apt", category="run")
    assert zlib is not None and zlib.source == "bundled"
    lines = mapping.sources("apt")
    assert lines[0].startswith(f"PEP 804 mapping my apt overrides ({first})")
    assert lines[1].startswith("bundled Debian 12 (bookworm) table:")


def test_pep804_file_for_another_ecosystem_is_noted(tmp_path: Path) -> None:
    doc = json.loads(_pep804(tmp_path).read_text())
    doc["package_managers"][0]["name"] = "spack"
    path = tmp_path / "spack.mapping.json"
    path.write_text(json.dumps(doc))
    mapping = load_external_mapping(pep804_files=[path])
    assert any("install into none of apt, dnf, conda, brew" in n for n in mapping.notes)


def test_registry_aliases_are_followed() -> None:
    registry = parse_registry(
        {
            "definitions": [
                {"id": "dep:generic/arrow"},
                {"id": "dep:github/apache/arrow", "provides": ["dep:generic/arrow"]},
            ]
        },
        "registry.json",
    )
    mapping = load_external_mapping(registry=registry)
    match = mapping.lookup("dep:github/apache/arrow", "conda", category="host")
    assert match is not None and match.packages == ("libarrow-all",)
    assert match.via == ("registry: dep:github/apache/arrow provides dep:generic/arrow",)
    assert (
        load_external_mapping().lookup("dep:github/apache/arrow", "conda", category="host") is None
    )


def test_specs_from_alias_in_bundled_table() -> None:
    match = load_external_mapping().lookup("dep:virtual/compiler/cpp", "dnf", category="build")
    assert match is not None and match.packages == ("gcc-c++",)
    assert match.via == ("specs_from dep:virtual/compiler/cxx",)


def test_purl_of_the_ecosystem_names_the_package() -> None:
    match = load_external_mapping().lookup(
        PackageURL.parse("pkg:deb/debian/libfoo-dev"), "apt", category="host"
    )
    assert match is not None and match.packages == ("libfoo-dev",)


def test_unavailable_and_unknown_messages() -> None:
    mapping = load_external_mapping()
    arrow = mapping.lookup("dep:generic/arrow", "apt", category="host")
    assert arrow is not None and arrow.unavailable and arrow.packages == ()
    text = mapping.unavailable_message(arrow)
    assert "says apt has no package for 'dep:generic/arrow'" in text
    assert "Debian 12 does not package Apache Arrow" in text
    assert mapping.lookup("dep:generic/nonesuch", "apt", category="host") is None
    error = mapping.unknown_error("dep:generic/opensl", "apt", "host")
    assert isinstance(error, NoNativePackageError)
    assert (
        "No apt package is known to provide the external dependency 'dep:generic/opensl' for host"
        in error.message
    )
    assert "Consulted: bundled Debian 12 (bookworm) table:" in error.message
    assert "Similar known identifiers: dep:generic/openssl" in error.message
    assert "[external.apt]" in error.message and error.hint


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[external]\napt = 1\n", r"\[external\.apt\]: it is not a table"),
        (
            '[external.yum]\n"dep:generic/x" = "x"\n',
            r"\[external\.yum\]: 'yum' is not an ecosystem",
        ),
        (
            '[external.apt]\nzlib = "zlib1g"\n',
            r"\[external\.apt\] entry 'zlib': the key is not a DepURL",
        ),
        (
            '[external.apt]\n"dep:generic/zlib@1.2" = "zlib1g"\n',
            r"\[external\.apt\] entry 'dep:generic/zlib@1\.2': the key has a version",
        ),
        (
            '[external.apt]\n"dep:generic/zlib" = []\n',
            r"\[external\.apt\] entry 'dep:generic/zlib': the package list is empty",
        ),
        (
            '[external.apt]\n"dep:generic/zlib" = ["Zlib1g"]\n',
            r"\[external\.apt\] entry 'dep:generic/zlib', package 1: 'Zlib1g' is not a valid apt package name",
        ),
        (
            '[external.apt]\n"dep:generic/zlib" = 3\n',
            r"\[external\.apt\] entry 'dep:generic/zlib': 3 is not a package name",
        ),
        (
            '[external.apt]\n"dep:generic/zlib" = { test = ["x"] }\n',
            r"\[external\.apt\] entry 'dep:generic/zlib': the table has the key 'test'",
        ),
        (
            '[external.apt]\n"dep:generic/zlib" = "zlib1g"\n"pkg:generic/zlib" = "zlib1g"\n',
            r"\[external\.apt\] entry 'pkg:generic/zlib': it maps the same identifier as 'dep:generic/zlib'",
        ),
    ],
)
def test_user_override_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(MappingFileError, match=rf"Mapping file {path}: {match}") as info:
        load_user_overrides(path)
    assert "[external.<ecosystem>]" in (info.value.hint or "")


def test_user_override_json(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(
        json.dumps(
            {
                "apt": {"numpy": "python3-numpy"},
                "external": {"dnf": {"dep:generic/zlib": "zlib-devel"}},
            }
        )
    )
    layers = load_user_overrides(path)
    assert list(layers) == ["dnf"]
    assert layers["dnf"].entries["dep:generic/zlib"][0].specs.run == ("zlib-devel",)
