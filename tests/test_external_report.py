"""Tests for the external-dependency report (every format) and map_identifier."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from pip_native.errors import InvalidIdentifierError, NoNativePackageError, UsageError
from pip_native.external.lookup import load_external_mapping
from pip_native.external.report import external_report, map_identifier
from pip_native.mapping import MappingTable, load_mapping

SAMPLE = Path(__file__).parent / "data" / "external" / "sample"
ORIGIN = SAMPLE / "pyproject.toml"
LINUX = {"sys_platform": "linux", "platform_system": "Linux"}


@pytest.fixture(scope="module")
def apt_pypi() -> MappingTable:
    """The PyPI-name mapping for Debian bookworm, independent of this machine."""
    return load_mapping("apt", distro_id="debian", distro_release="bookworm", use_distro_data=False)


def _report(apt_pypi: MappingTable, **kwargs: object) -> tuple[str, int]:
    kwargs.setdefault("ecosystem", "apt")
    kwargs.setdefault("environment", LINUX)
    if kwargs["ecosystem"] == "apt":
        kwargs.setdefault("pypi", apt_pypi)
    return external_report(SAMPLE, **kwargs)  # type: ignore[arg-type]


def test_text_table_says_why(apt_pypi: MappingTable) -> None:
    text, code = _report(apt_pypi, fmt="text")
    assert code == 0
    lines = text.splitlines()
    assert lines[0] == f"External requirements of {ORIGIN} for apt (category: all):"
    rows = {line.split()[1]: line for line in lines[3:] if line and not line.startswith("Packages")}
    assert rows["dep:generic/openblas@>=0.3"].split()[0] == "host"
    assert "libopenblas-dev (>=0.3)" in rows["dep:generic/openblas@>=0.3"]
    assert rows["dep:generic/openblas@>=0.3"].endswith(
        "bundled Debian 12 (bookworm) table: dep:generic/openblas"
    )
    assert rows["dep:virtual/compiler/c"].split()[:3] == ["build", "dep:virtual/compiler/c", "gcc"]
    assert rows["dep:generic/libffi"].split()[:3] == ["run", "dep:generic/libffi", "libffi8"]
    # the compiler implies Python headers (PEP 725)
    assert (
        "python3-dev" in rows["dep:generic/python"]
        and "implied: PEP 725" in rows["dep:generic/python"]
    )
    # a virtual's version is a standard/interface version, not a package version
    assert "of a virtual identifier" in rows["dep:virtual/interface/lapack@>=3.7.1"]
    # [build-system].requires through the PyPI-name mapping, with what bookworm ships
    assert rows["cython>=0.29"].split()[2] == "cython3"
    assert "ships Cython-0.29.32.egg-info" in rows["cython>=0.29"]
    assert "python3-numpy (>=1.22)" in rows["numpy>=1.22"]
    assert (
        "python3-mesonpy ships meson-python 0.12.0, which does not satisfy >=0.13"
        in rows["meson-python>=0.13"]
    )
    assert lines[-1].startswith("Packages: gcc gfortran pkgconf ninja-build libopenblas-dev")


def test_json_format(apt_pypi: MappingTable) -> None:
    text, code = _report(apt_pypi, fmt="json")
    doc = json.loads(text)
    assert code == 0 and doc["unmapped"] == []
    assert doc["project"] == str(ORIGIN) and doc["ecosystem"] == "apt"
    assert doc["package_manager"] == "apt-get"
    assert doc["packages"]["run"] == ["libffi8"]
    assert doc["packages"]["host"] == [
        "libopenblas-dev",
        "zlib1g-dev",
        "liblapack-dev",
        "python3-dev",
    ]
    assert doc["packages"]["build"][:4] == ["gcc", "gfortran", "pkgconf", "ninja-build"]
    blas = next(r for r in doc["requirements"] if r["requirement"] == "dep:generic/openblas@>=0.3")
    assert (
        blas["version"] == [">=0.3"] and blas["where"] == f"{ORIGIN}: [external] host-requires[0]"
    )
    assert blas["kind"] == "external" and blas["status"] == "ok"
    kinds = {r["requirement"]: r["kind"] for r in doc["requirements"]}
    assert kinds["dep:generic/python"] == "implied" and kinds["pybind11"] == "build-system"


def test_shell_format(apt_pypi: MappingTable) -> None:
    text, code = _report(apt_pypi, fmt="shell", sudo=True)
    lines = text.splitlines()
    assert code == 0
    assert lines[0] == f"# pip-native: all requirements of {ORIGIN} for apt"
    assert lines[1].startswith("# apt-get cannot select versions; wanted: libopenblas-dev >=0.3")
    assert lines[2] == (
        "sudo apt-get install --yes gcc gfortran pkgconf ninja-build libopenblas-dev zlib1g-dev "
        "liblapack-dev libffi8 python3-dev python3-mesonpy cython3 python3-numpy python3-pybind11"
    )
    no_sudo, _ = _report(apt_pypi, fmt="shell", sudo=False, category="run")
    assert no_sudo.splitlines()[1:] == ["apt-get install --yes libffi8"]
    apt, _ = _report(apt_pypi, fmt="shell", sudo=False, category="run", manager="apt")
    assert apt.splitlines()[1] == "apt install --yes libffi8"


def test_shell_format_renders_version_ranges_for_conda(tmp_path: Path) -> None:
    text, code = _report(None, fmt="shell", ecosystem="conda", category="host", sudo=False)  # type: ignore[arg-type]
    assert code == 0
    assert text.splitlines()[1] == (
        "conda install --yes --channel conda-forge 'openblas>=0.3' 'zlib>=1.2.11' liblapack python"
    )


def test_deb_format(apt_pypi: MappingTable) -> None:
    text, code = _report(apt_pypi, fmt="deb")
    lines = text.splitlines()
    assert code == 0
    assert lines[1] == (
        "Build-Depends: gcc, gfortran, pkgconf, ninja-build, libopenblas-dev (>= 0.3), "
        "zlib1g-dev (>= 1:1.2.11), liblapack-dev, python3-dev, python3-mesonpy (>= 0.13), "
        "cython3 (>= 0.29), python3-numpy (>= 1.22), python3-pybind11"
    )
    assert lines[2] == "Depends: libffi8"
    assert lines[3].startswith(
        "# versions of cython3, python3-mesonpy, python3-numpy are written without a Debian epoch"
    )


def test_deb_format_asks_for_epochs(apt_pypi: MappingTable) -> None:
    asked: list[Sequence[str]] = []

    def versions(names: Sequence[str]) -> Mapping[str, str]:
        asked.append(names)
        known = {
            "python3-numpy": "1:1.24.2-1+deb12u1",
            "cython3": "0.29.32-2+b1",
            "python3-mesonpy": "0.12.0-2",
        }
        return {n: known[n] for n in names if n in known}

    text, _ = _report(apt_pypi, fmt="deb", category="build", versions=versions)
    assert asked == [["cython3", "python3-mesonpy", "python3-numpy"]]
    assert "python3-numpy (>= 1:1.22)" in text and "cython3 (>= 0.29)" in text
    assert "without a Debian epoch" not in text


def test_rpm_format() -> None:
    text, code = _report(None, fmt="rpm", ecosystem="dnf")  # type: ignore[arg-type]
    assert code == 0
    lines = text.splitlines()[1:]
    assert "BuildRequires: gcc" in lines and "BuildRequires: gcc-gfortran" in lines
    assert "BuildRequires: openblas-devel >= 0.3" in lines
    assert "BuildRequires: zlib-ng-compat-devel >= 1.2.11" in lines
    assert "BuildRequires: flexiblas-devel" in lines and "BuildRequires: python3-devel" in lines
    assert "BuildRequires: python3dist(cython) >= 0.29" in lines
    assert "BuildRequires: python3dist(pybind11)" in lines
    assert lines[-1] == "Requires: libffi"


def test_categories_extras_and_groups(apt_pypi: MappingTable) -> None:
    run, _ = _report(apt_pypi, fmt="json", category="run")
    assert [r["requirement"] for r in json.loads(run)["requirements"]] == ["dep:generic/libffi"]
    host = json.loads(
        _report(apt_pypi, fmt="json", category="host", extras=["hdf"], groups=["dev"])[0]
    )
    ids = [r["requirement"] for r in host["requirements"]]
    assert "dep:generic/hdf5" in ids and "dep:generic/git" in ids
    assert "dep:generic/curl; sys_platform == 'linux'" in ids
    assert host["packages"]["host"][-1] == "python3-dev"
    assert "libhdf5-dev" in host["packages"]["host"] and "git" in host["packages"]["host"]
    build = json.loads(_report(apt_pypi, fmt="json", category="build")[0])
    cats = {r["category"] for r in build["requirements"]}
    assert cats == {"build", "host"}  # build = everything a build needs
    with pytest.raises(UsageError, match="category 'test' is not one of build, host, run, all"):
        _report(apt_pypi, category="test")
    with pytest.raises(UsageError, match="format 'yaml'"):
        _report(apt_pypi, fmt="yaml")
    with pytest.raises(UsageError, match="ecosystem 'yum'"):
        _report(apt_pypi, ecosystem="yum")
    with pytest.raises(UsageError, match=r"package manager 'aptitude' .*known: apt-get, apt"):
        _report(apt_pypi, fmt="shell", manager="aptitude")


UNMAPPABLE = """\
[build-system]
requires = ["setuptools", "no-such-project-xyz"]

[external]
build-requires = ["dep:virtual/compiler/c"]
host-requires = ["dep:generic/arrow", "dep:generic/nonesuch", "dep:generic/zlib"]
"""


@pytest.mark.parametrize("fmt", ["text", "json", "shell", "deb", "rpm"])
def test_unmappable_requirements_fail_and_are_listed(
    tmp_path: Path, apt_pypi: MappingTable, fmt: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(UNMAPPABLE)
    text, code = external_report(tmp_path, ecosystem="apt", fmt=fmt, pypi=apt_pypi, sudo=False)  # type: ignore[arg-type]
    assert code == 1
    if fmt == "json":
        unmapped = json.loads(text)["unmapped"]
        assert [u["requirement"] for u in unmapped] == [
            "dep:generic/arrow",
            "dep:generic/nonesuch",
            "no-such-project-xyz",
        ]
        assert unmapped[0]["status"] == "unavailable" and unmapped[1]["status"] == "unknown"
        return
    comment = "" if fmt == "text" else "# "
    assert f"{comment}Cannot map 3 requirement(s) to apt:" in text
    assert (
        f"{comment}  dep:generic/arrow ({tmp_path / 'pyproject.toml'}: [external] host-requires[0]):"
        in text
    )
    assert "says apt has no package for 'dep:generic/arrow'" in text
    assert (
        "No apt package is known to provide the external dependency 'dep:generic/nonesuch'" in text
    )
    assert "No apt package is known to provide the PyPI project 'no-such-project-xyz'" in text
    if fmt == "shell":
        assert "apt-get install --yes gcc zlib1g-dev python3-dev python3-setuptools" in text


def test_project_without_external_table(tmp_path: Path, apt_pypi: MappingTable) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    text, code = external_report(tmp_path, ecosystem="apt", category="host", pypi=apt_pypi)
    assert code == 0 and "No requirements in the selected categories." in text
    shell, _ = external_report(
        tmp_path, ecosystem="apt", fmt="shell", category="host", pypi=apt_pypi
    )
    assert shell.splitlines()[1] == "# nothing to install"


def test_user_override_changes_the_report(tmp_path: Path, apt_pypi: MappingTable) -> None:
    overrides = tmp_path / "m.toml"
    overrides.write_text('[external.apt]\n"dep:virtual/compiler/c" = { build = ["clang"] }\n')
    text, _ = _report(apt_pypi, fmt="json", category="build", user_files=[overrides])
    rows = {r["requirement"]: r for r in json.loads(text)["requirements"]}
    assert rows["dep:virtual/compiler/c"]["packages"] == ["clang"]
    assert rows["dep:virtual/compiler/c"]["why"].startswith(f"user mapping {overrides}")


# --------------------------------------------------------------------------- map_identifier


def test_map_depurl_per_category() -> None:
    lines = map_identifier("dep:generic/openssl", "apt")
    assert lines == [
        "dep:generic/openssl: apt",
        "  build: libssl-dev openssl",
        "  host:  libssl-dev",
        "  run:   libssl3",
        "  why:   bundled Debian 12 (bookworm) table: dep:generic/openssl",
    ]
    assert map_identifier("pkg:generic/openssl", "brew", category="run") == [
        "pkg:generic/openssl: brew",
        "  run: openssl@3",
        "  why: bundled Homebrew table: dep:generic/openssl",
    ]


def test_map_depurl_with_version() -> None:
    conda = map_identifier("dep:generic/openssl@>=3,<4", "conda", category="host")
    assert conda[-1] == "  version: openssl>=3,<4"
    apt = map_identifier("dep:generic/openssl@>=3", "apt", category="host")
    assert apt[-1] == "  version: libssl-dev (apt-get cannot select versions; wanted >=3)"


def test_map_pypi_name_uses_the_existing_mapping(apt_pypi: MappingTable) -> None:
    assert map_identifier("Scikit_Learn", "apt", pypi=apt_pypi) == [
        "scikit-learn: python3-sklearn  [python3-sklearn (bundled table debian bookworm: "
        "ships scikit_learn-1.2.1.egg-info)]"
    ]
    with pytest.raises(NoNativePackageError, match="PyPI project 'no-such-project-xyz'"):
        map_identifier("no-such-project-xyz", "apt", pypi=apt_pypi)


def test_map_unknown_unavailable_and_invalid() -> None:
    with pytest.raises(
        NoNativePackageError, match="external dependency 'dep:generic/nonesuch'"
    ) as info:
        map_identifier("dep:generic/nonesuch", "dnf")
    assert "[external.dnf]" in info.value.message
    with pytest.raises(
        NoNativePackageError, match="says brew has no package for 'dep:virtual/compiler/c'"
    ):
        map_identifier("dep:virtual/compiler/c", "brew")
    with pytest.raises(InvalidIdentifierError):
        map_identifier("dep:virtual/nope/c", "apt")


def test_map_with_a_given_mapping_object() -> None:
    external = load_external_mapping(ecosystems=("apt",))
    assert (
        map_identifier("dep:generic/zlib", "apt", external=external, category="run")[1]
        == "  run: zlib1g"
    )
