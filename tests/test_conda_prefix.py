"""Conda records, versions and prefixes on disk (pip_native.native.conda_prefix)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from pip_native.errors import TargetEnvironmentError
from pip_native.native.conda_prefix import (
    CondaRecord,
    CondaSolveError,
    Transaction,
    conda_to_pep440,
    dependency_name,
    is_conda_prefix,
    pixi_manifest,
    python_distributions,
    read_prefix,
    record_from_json,
)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("numpy", "numpy"),
        ("numpy >=1.21,<2", "numpy"),
        ("numpy>=1.21", "numpy"),
        ("python_abi 3.11.* *_cp311", "python_abi"),
        ("conda-forge::scipy 1.14.1 py311h_0", "scipy"),
        ("ruamel.yaml ==0.18.6", "ruamel.yaml"),
        ("pytorch[version='>=2']", "pytorch"),
        ("__glibc >=2.17,<3.0.a0", None),
        ("", None),
        ("NumPy", "numpy"),
    ],
)
def test_dependency_name(spec: str, name: str | None) -> None:
    assert dependency_name(spec) == name


@pytest.mark.parametrize(
    ("conda", "pep440"),
    [
        ("1.26.4", "1.26.4"),
        ("2.1.0rc1", "2.1.0rc1"),
        ("1!2.0", "1!2.0"),
        ("2023.3.post1", "2023.3.post1"),
        ("0.9.0.dev20240101", "0.9.0.dev20240101"),
        ("1.0_1", "1.0.1"),
        ("1.1.1w", None),
        ("3.0.0.beta", "3.0.0b0"),
        ("", None),
    ],
)
def test_conda_to_pep440(conda: str, pep440: str | None) -> None:
    assert conda_to_pep440(conda) == (Version(pep440) if pep440 is not None else None)


@given(
    st.tuples(
        st.integers(0, 3000),
        st.integers(0, 99),
        st.integers(0, 99),
        st.sampled_from(["", "rc1", "a2", ".post3", ".dev4"]),
    )
)
def test_pep440_conda_versions_keep_their_value(parts: tuple[int, int, int, str]) -> None:
    text = f"{parts[0]}.{parts[1]}.{parts[2]}{parts[3]}"
    assert conda_to_pep440(text) == Version(text)


def test_record_from_each_json_shape() -> None:
    meta = record_from_json(
        {
            "name": "numpy",
            "version": "1.26.4",
            "build": "py311h64a7726_0",
            "build_number": 0,
            "channel": "https://conda.anaconda.org/conda-forge/linux-64",
            "subdir": "linux-64",
            "depends": ["python >=3.11,<3.12.0a0", "libgcc-ng >=12"],
            "files": ["lib/python3.11/site-packages/numpy/__init__.py"],
        }
    )
    short = record_from_json(
        {
            "base_url": "https://conda.anaconda.org/conda-forge",
            "build_number": 1,
            "build_string": "pyhd8ed1ab_1",
            "channel": "conda-forge",
            "dist_name": "joblib-1.4.2-pyhd8ed1ab_1",
            "name": "joblib",
            "platform": "noarch",
            "version": "1.4.2",
        }
    )
    assert meta.label == "numpy 1.26.4 py311h64a7726_0"
    assert meta.dependency_names() == ("python", "libgcc-ng")
    assert meta.files == ("lib/python3.11/site-packages/numpy/__init__.py",)
    assert (short.build, short.subdir, short.channel, short.depends) == (
        "pyhd8ed1ab_1",
        "noarch",
        "conda-forge",
        None,
    )
    assert short.dependency_names() is None
    with pytest.raises(KeyError):
        record_from_json({"version": "1"})


def test_exact_spec() -> None:
    assert CondaRecord("numpy", "1.26.4", "py311h_0").exact_spec == "numpy ==1.26.4 py311h_0"
    assert CondaRecord("numpy", "1.26.4").exact_spec == "numpy ==1.26.4"


@pytest.mark.parametrize(
    ("record", "python"),
    [
        (CondaRecord("joblib", "1.4.2", "pyhd8ed1ab_1", noarch="python"), True),
        (CondaRecord("numpy", "1.26.4", "py311h_0", depends=("python >=3.11",)), True),
        (CondaRecord("scipy", "1.14", "x_0", depends=("python_abi 3.11.* *_cp311",)), True),
        (CondaRecord("libgcc", "14.2.0", "h77fa898_1", depends=("_openmp_mutex",)), False),
        (CondaRecord("tzdata", "2024b", "hc8b5060_0", noarch="generic"), False),
        # no depends (conda's short LINK records): the build string decides
        (CondaRecord("pytorch", "2.5.1", "cpu_mkl_py311h_103"), True),
        (CondaRecord("scikit-learn", "1.5.2", "py311h57cc02b_1"), True),
        (CondaRecord("openssl", "3.4.0", "hb9d3cd8_0"), False),
        (CondaRecord("python", "3.11.10", "hc5c86c4_3_cpython", depends=("libzlib",)), False),
        (CondaRecord("python", "3.11.10", "py_0"), False),
    ],
)
def test_is_python_package(record: CondaRecord, python: bool) -> None:
    assert record.is_python_package() is python


def test_python_distributions_from_file_lists() -> None:
    files = [
        "lib/python3.11/site-packages/numpy/__init__.py",
        "lib/python3.11/site-packages/numpy-1.26.4.dist-info/METADATA",
        "lib/python3.11/site-packages/numpy-1.26.4.dist-info/RECORD",
        "Lib/site-packages/PyYAML-6.0.2.dist-info/METADATA",  # Windows layout
        "lib/python3.11/site-packages/six.egg-info",  # an egg-info file, no version
        "share/doc/numpy-1.26.4.dist-info/README",  # not in site-packages
        "lib/python3.11/site-packages/not a dist.dist-info/METADATA",
    ]
    dists = python_distributions(files)
    assert [(d.name, d.version) for d in dists] == [
        ("numpy", "1.26.4"),
        ("PyYAML", "6.0.2"),
        ("six", None),
    ]


def test_transaction_removals_ignore_upgrades() -> None:
    old = CondaRecord("numpy", "1.26.4", "a")
    gone = CondaRecord("pytz", "2024.1", "b")
    transaction = Transaction(link=(CondaRecord("numpy", "2.1.3", "c"),), unlink=(old, gone))
    assert transaction.removals() == [gone]
    assert transaction.linked("numpy") == CondaRecord("numpy", "2.1.3", "c")
    assert transaction.linked("pytz") is None


def test_solve_error_with_missing_names_is_unsatisfiable() -> None:
    assert CondaSolveError("x", missing=["foo"]).unsatisfiable
    assert not CondaSolveError("network down").unsatisfiable


def _write_meta(prefix: Path, name: str, data: object) -> None:
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True, exist_ok=True)
    (meta / name).write_text(json.dumps(data))


def test_read_prefix(tmp_path: Path) -> None:
    assert not is_conda_prefix(tmp_path)
    _write_meta(tmp_path, "python-3.11.10-h_0.json", {"name": "python", "version": "3.11.10"})
    _write_meta(tmp_path, "six-1.16.0-pyh_0.json", {"name": "six", "version": "1.16.0"})
    (tmp_path / "conda-meta" / "history").write_text("==> 2026-11-25 <==\n")
    assert is_conda_prefix(tmp_path)
    assert sorted(read_prefix(tmp_path)) == ["python", "six"]


def test_a_corrupt_record_names_its_file(tmp_path: Path) -> None:
    _write_meta(tmp_path, "six-1.16.0-pyh_0.json", {"name": "six"})
    with pytest.raises(TargetEnvironmentError, match=r"six-1\.16\.0-pyh_0\.json") as info:
        read_prefix(tmp_path)
    assert info.value.hint is not None and "--force-reinstall" in info.value.hint


def test_pixi_marker(tmp_path: Path) -> None:
    _write_meta(tmp_path, "python-3.11.10-h_0.json", {"name": "python", "version": "3.11.10"})
    assert pixi_manifest(tmp_path) is None
    marker = tmp_path / "conda-meta" / "pixi"
    marker.write_text(
        json.dumps({"manifest_path": "/proj/pixi.toml", "environment_name": "default"})
    )
    assert pixi_manifest(tmp_path) == "/proj/pixi.toml"
    marker.write_text("not json")
    assert pixi_manifest(tmp_path) == ""
