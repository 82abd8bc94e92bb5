"""CondaAdapter with the CLI engine answering recorded conda/micromamba ``--json`` output.

The recordings (tests/data/conda/) are constructed by hand from conda's and
libmamba's source, not captured: no conda binary can be installed here (see
test_conda_recordings.py). The prefix they were "made" for is written into
``tmp_path`` as conda-meta records. The py-rattler engine is exercised for
real in integration/test_conda_adapter.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import TYPE_CHECKING

import pytest
from packaging.version import Version

from fakes import make_env
from pip_native.errors import (
    CommandFailed,
    InvalidIdentifierError,
    NoNativePackageError,
    ResolutionConflictError,
    TargetEnvironmentError,
    UnsupportedBackendError,
)
from pip_native.native.base import NativeAdapter, SystemPackage
from pip_native.native.conda import ENGINE_ENV, CondaAdapter, choose_engine
from pip_native.native.conda_cli import CliEngine, CondaCli
from pip_native.native.registry import create_adapter
from pip_native.subproc import CommandResult
from test_conda_recordings import CONDA_EXE, MICROMAMBA_EXE, FakeCondaCli

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_mock import MockerFixture

SITE = "lib/python3.11/site-packages"
#: What the recordings' environment holds (python 3.11, numpy 1.26.4, the C runtime, setuptools).
INSTALLED = [
    ("python", "3.11.10", "hc5c86c4_3_cpython", "linux-64", ["libzlib >=1.3.1,<2.0a0"], []),
    ("python_abi", "3.11", "5_cp311", "linux-64", [], []),
    ("libgcc", "14.2.0", "h77fa898_1", "linux-64", [], []),
    ("libstdcxx", "14.2.0", "hc0a3c3a_1", "linux-64", ["libgcc 14.2.0 h77fa898_1"], []),
    (
        "numpy",
        "1.26.4",
        "py311h64a7726_0",
        "linux-64",
        ["libgcc >=12", "python >=3.11,<3.12.0a0", "python_abi 3.11.* *_cp311"],
        [f"{SITE}/numpy/__init__.py", f"{SITE}/numpy-1.26.4.dist-info/METADATA"],
    ),
    (
        "setuptools",
        "75.6.0",
        "pyhff2d567_1",
        "noarch",
        ["python >=3.9"],
        [f"{SITE}/setuptools/__init__.py", f"{SITE}/setuptools-75.6.0.dist-info/METADATA"],
    ),
]


def write_prefix(
    prefix: Path, records: list[tuple[str, str, str, str, list[str], list[str]]]
) -> Path:
    """conda-meta/*.json as conda writes them (the fields pip-native reads, plus a few more)."""
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True, exist_ok=True)
    for name, version, build, subdir, depends, files in records:
        record = {
            "name": name,
            "version": version,
            "build": build,
            "build_number": 0,
            "channel": "https://conda.anaconda.org/conda-forge/" + subdir,
            "subdir": subdir,
            "depends": depends,
            "files": files,
            "fn": f"{name}-{version}-{build}.conda",
            "requested_spec": "",
            "link": {"source": f"/home/user/miniforge3/pkgs/{name}-{version}-{build}", "type": 1},
        }
        if subdir == "noarch":
            record["noarch"] = "python"
        (meta / f"{name}-{version}-{build}.json").write_text(json.dumps(record))
    (meta / "history").write_text("==> 2026-11-25 10:00:00 <==\n")
    return prefix


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    return write_prefix(tmp_path / "env", INSTALLED)


@pytest.fixture
def fake(mocker: MockerFixture) -> FakeCondaCli:
    cli = FakeCondaCli()
    mocker.patch("pip_native.subproc.run", side_effect=cli)
    return cli


def conda_engine() -> CliEngine:
    return CliEngine(CondaCli("conda", CONDA_EXE, "on PATH"))


def micromamba_engine() -> CliEngine:
    return CliEngine(CondaCli("micromamba", MICROMAMBA_EXE, "on PATH"))


def mapping(package: str) -> list[str]:
    return {"python-tzdata": ["tzdata"], "pytorch": ["torch"]}.get(package, [])


def test_is_a_native_adapter_and_registered(tmp_path: Path) -> None:
    adapter = create_adapter("conda", dists_for_package=mapping)
    assert isinstance(adapter, CondaAdapter)
    assert isinstance(adapter, NativeAdapter)
    assert adapter.name == "conda"


def test_describe_names_the_engine_once_one_is_chosen(prefix: Path, mocker: MockerFixture) -> None:
    """The plan header says which engine does the work, and asks nothing to say so."""
    run = mocker.patch("pip_native.subproc.run")
    assert CondaAdapter(prefix=prefix).describe() == "conda (no engine needed by this plan)"
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    assert adapter.describe() == f"the conda command {CONDA_EXE} (on PATH), given"
    run.assert_not_called()


# -- query ---------------------------------------------------------------------------


def test_query_new_package_one_dry_run(prefix: Path, fake: FakeCondaCli) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    found = adapter.query(["scikit-learn"])
    assert found == {
        "scikit-learn": SystemPackage("conda", "scikit-learn", "1.5.2", None, "linux-64")
    }
    assert fake.calls == [
        (CONDA_EXE, "install", "--dry-run", "--json", "--prefix", str(prefix), "scikit-learn")
    ]
    adapter.query(["scikit-learn"])
    assert len(fake.calls) == 1  # cached for the adapter's lifetime


def test_query_drops_missing_names_and_solves_the_rest(prefix: Path, fake: FakeCondaCli) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    found = adapter.query(["scikit-learn", "pntest-nonexistent"])
    assert list(found) == ["scikit-learn"]
    assert [c[-2:] for c in fake.calls] == [
        ("pntest-nonexistent", "scikit-learn"),
        (str(prefix), "scikit-learn"),
    ]


def test_query_installed_package_with_nothing_to_do(prefix: Path, fake: FakeCondaCli) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    assert adapter.query(["numpy"]) == {
        "numpy": SystemPackage("conda", "numpy", "1.26.4", "1.26.4", "linux-64")
    }


def test_query_a_conflicting_name_exists_but_cannot_be_installed(
    prefix: Path, fake: FakeCondaCli
) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    assert adapter.query(["pntest-py312only"]) == {
        "pntest-py312only": SystemPackage("conda", "pntest-py312only", None, None, None)
    }


def test_query_invalid_names_run_nothing(prefix: Path, fake: FakeCondaCli) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    assert adapter.query(["Not A Name", "UPPER"]) == {}
    assert fake.calls == []


def test_a_tool_failure_is_an_error_not_a_missing_package(
    prefix: Path, mocker: MockerFixture
) -> None:
    out = '{"exception_name": "CondaHTTPError", "message": "HTTP 000 CONNECTION FAILED"}'
    mocker.patch(
        "pip_native.subproc.run",
        side_effect=lambda argv, **_: CommandResult(tuple(argv), 1, out, ""),
    )
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    with pytest.raises(CommandFailed, match="CondaHTTPError") as info:
        adapter.query(["scikit-learn"])
    assert info.value.command is not None and info.value.command[0] == CONDA_EXE


# -- closure -------------------------------------------------------------------------


def test_closure_with_conda_is_what_the_dry_run_links(prefix: Path, fake: FakeCondaCli) -> None:
    """conda's LINK records carry no depends: installed dependencies cannot be listed."""
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    closure = adapter.closure("scikit-learn")
    assert [p.name for p in closure] == [
        "scikit-learn",
        "joblib",
        "libgfortran",
        "libgfortran5",
        "scipy",
        "threadpoolctl",
    ]
    assert all(p.installed_version is None for p in closure)


def test_closure_with_micromamba_walks_depends_into_installed_packages(
    prefix: Path, fake: FakeCondaCli
) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=micromamba_engine())
    closure = {p.name: p for p in adapter.closure("scikit-learn")}
    # python's own dependency (libzlib) is not in this small prefix: the walk skips it
    assert set(closure) == {
        "scikit-learn",
        "joblib",
        "setuptools",
        "python",
        "libgcc",
        "libstdcxx",
        "numpy",
        "python_abi",
        "scipy",
        "libgfortran",
        "libgfortran5",
        "threadpoolctl",
    }
    assert closure["numpy"] == SystemPackage("conda", "numpy", "1.26.4", "1.26.4", "linux-64")
    assert closure["scipy"].installed_version is None


def test_closure_of_a_missing_package_says_so(prefix: Path, fake: FakeCondaCli) -> None:
    fake.results[
        (MICROMAMBA_EXE, "install", "--dry-run", "--json", "--prefix", "PREFIX", "pntest-x")
    ] = CommandResult(
        (),
        1,
        "",
        "    └─ pntest-x does not exist (perhaps a typo or a missing channel).\n",
    )
    adapter = CondaAdapter(prefix=prefix, engine=micromamba_engine())
    with pytest.raises(NoNativePackageError, match="conda cannot install pntest-x") as info:
        adapter.closure("pntest-x")
    assert info.value.hint is not None and "conda search pntest-x" in info.value.hint


# -- provided distributions -----------------------------------------------------------


def test_installed_packages_provide_their_dist_info_exactly(prefix: Path) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine(), dists_for_package=mapping)
    numpy = SystemPackage("conda", "numpy", "1.26.4", "1.26.4", "linux-64")
    libgcc = SystemPackage("conda", "libgcc", "14.2.0", "14.2.0", "linux-64")
    provided = adapter.provided_distributions([numpy, libgcc])
    assert [(d.name, d.version) for d in provided["numpy"]] == [("numpy", Version("1.26.4"))]
    assert provided["libgcc"] == ()


def test_new_packages_provide_mapped_or_same_name_dists(prefix: Path, fake: FakeCondaCli) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine(), dists_for_package=mapping)
    step = adapter.plan_install(["pandas"])
    provided = adapter.provided_distributions(step.new_packages)
    flat = {(d.name, str(d.version)) for dists in provided.values() for d in dists}
    assert flat == {
        ("numpy", "2.1.3"),  # upgrade: the installed dist-info name at the new version
        ("pandas", "2.2.3"),
        ("python-dateutil", "2.9.0.post0"),
        ("tzdata", "2024.2"),  # the mapping's reverse lookup wins over the conda name
        ("pytz", "2024.1"),
        ("six", "1.16.0"),
    }


def test_conda_versions_are_read_as_pep440_or_provide_nothing(prefix: Path) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine(), dists_for_package=mapping)
    pkg = SystemPackage("conda", "pytorch", "2.5.1a", None, "linux-64")
    assert adapter.provided_distributions([pkg])["pytorch"][0].version == Version("2.5.1a0")
    odd = SystemPackage("conda", "pytorch", "2.5.1w", None, "linux-64")
    assert adapter.provided_distributions([odd])["pytorch"] == ()


# -- plan_install ----------------------------------------------------------------------


def test_plan_install_is_the_same_request_without_dry_run(prefix: Path, fake: FakeCondaCli) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    step = adapter.plan_install(["pandas"])
    assert step.command == (CONDA_EXE, "install", "--yes", "--prefix", str(prefix), "pandas")
    assert step.requested == ("pandas",)
    assert step.manager == "conda"
    assert not step.needs_root
    assert step.env is None
    assert [(p.name, p.version, p.installed_version) for p in step.new_packages] == [
        ("numpy", "2.1.3", "1.26.4"),
        ("pandas", "2.2.3", None),
        ("python-dateutil", "2.9.0.post0", None),
        ("python-tzdata", "2024.2", None),
        ("pytz", "2024.1", None),
        ("six", "1.16.0", None),
    ]


def test_plan_install_needs_root_for_a_prefix_we_cannot_write(
    prefix: Path, fake: FakeCondaCli, mocker: MockerFixture
) -> None:
    mocker.patch("pip_native.native.conda.os.access", return_value=False)
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    assert adapter.plan_install(["scikit-learn"]).needs_root


def test_plan_install_refuses_removals(prefix: Path, mocker: MockerFixture) -> None:
    out = json.dumps(
        {
            "actions": {
                "LINK": [{"name": "pntest-new", "version": "1.0", "build_string": "0"}],
                "UNLINK": [
                    {"name": "setuptools", "version": "75.6.0", "build_string": "pyhff2d567_1"}
                ],
            },
            "success": True,
        }
    )
    mocker.patch(
        "pip_native.subproc.run",
        side_effect=lambda argv, **_: CommandResult(tuple(argv), 0, out, ""),
    )
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    with pytest.raises(
        ResolutionConflictError, match=r"would remove installed packages: setuptools 75\.6\.0"
    ):
        adapter.plan_install(["pntest-new"])


def test_plan_install_missing_and_conflicting(prefix: Path, fake: FakeCondaCli) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    with pytest.raises(NoNativePackageError, match="pntest-nonexistent"):
        adapter.plan_install(["pntest-nonexistent", "scikit-learn"])
    with pytest.raises(ResolutionConflictError, match="LibMambaUnsatisfiableError") as info:
        adapter.plan_install(["pntest-py312only"])
    assert info.value.hint is not None
    shows = f"`{CONDA_EXE} install --dry-run --prefix {prefix} pntest-py312only` shows why"
    assert shows in info.value.hint


def test_plan_install_validates_names(prefix: Path) -> None:
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    with pytest.raises(InvalidIdentifierError, match="not a valid conda package name"):
        adapter.plan_install(["NumPy"])
    with pytest.raises(InvalidIdentifierError, match="No conda packages"):
        adapter.plan_install([])


def test_plan_install_in_a_pixi_environment_says_pixi_add(prefix: Path) -> None:
    (prefix / "conda-meta" / "pixi").write_text(json.dumps({"manifest_path": "/proj/pixi.toml"}))
    adapter = CondaAdapter(prefix=prefix, engine=conda_engine())
    with pytest.raises(TargetEnvironmentError, match="managed by pixi") as info:
        adapter.plan_install(["scikit-learn"])
    assert info.value.hint is not None
    assert "pixi add --manifest-path /proj/pixi.toml scikit-learn" in info.value.hint


def test_no_target_no_active_env_solves_a_fresh_environment(
    fake: FakeCondaCli, mocker: MockerFixture
) -> None:
    """Before check_target (``pip-native map``) and without $CONDA_PREFIX: ``create --dry-run``."""
    mocker.patch.dict(os.environ, {"CONDA_PREFIX": ""})
    fake.results[(CONDA_EXE, "create", "--dry-run", "--json", "--prefix", "PREFIX", "pandas")] = (
        fake.results[(CONDA_EXE, "install", "--dry-run", "--json", "--prefix", "PREFIX", "pandas")]
    )
    adapter = CondaAdapter(engine=conda_engine())
    assert adapter.query(["pandas"])["pandas"].version == "2.2.3"
    assert fake.calls[0][1:3] == ("create", "--dry-run")
    with pytest.raises(TargetEnvironmentError, match="no target conda environment"):
        adapter.plan_install(["pandas"])


# -- check_target -----------------------------------------------------------------------


def target(prefix: Path, *, version: str = "3.11.10", base: Path | None = None) -> object:
    return dataclasses.replace(
        make_env(python=str(prefix / "bin" / "python")),
        prefix=str(prefix),
        base_prefix=str(base or prefix),
        is_venv=base is not None,
        version=Version(version),
    )


def test_check_target_accepts_a_conda_python_and_sets_the_prefix(prefix: Path) -> None:
    adapter = CondaAdapter(engine=conda_engine())
    adapter.check_target(target(prefix))  # type: ignore[arg-type]
    assert adapter.prefix == prefix


def test_check_target_refuses_a_prefix_without_conda_meta(tmp_path: Path) -> None:
    adapter = CondaAdapter(engine=conda_engine())
    with pytest.raises(TargetEnvironmentError, match="no conda-meta directory") as info:
        adapter.check_target(target(tmp_path / "venv"))  # type: ignore[arg-type]
    assert info.value.hint is not None
    assert "conda create -p ~/envs/work python=3.11" in info.value.hint
    assert "micromamba create -p ~/envs/work -c conda-forge python=3.11" in info.value.hint
    assert "--python ~/envs/work/bin/python" in info.value.hint


def test_check_target_refuses_a_venv_on_top_of_a_conda_env(prefix: Path, tmp_path: Path) -> None:
    adapter = CondaAdapter(engine=conda_engine())
    with pytest.raises(TargetEnvironmentError, match="made from the conda environment") as info:
        adapter.check_target(target(tmp_path / "venv", base=prefix))  # type: ignore[arg-type]
    assert (
        info.value.hint
        == f"Use the conda environment's own interpreter: --python {prefix}/bin/python"
    )


def test_check_target_needs_conda_python_of_the_same_version(tmp_path: Path, prefix: Path) -> None:
    adapter = CondaAdapter(engine=conda_engine())
    no_python = write_prefix(tmp_path / "nopy", INSTALLED[1:])
    with pytest.raises(TargetEnvironmentError, match="no conda `python` package") as info:
        adapter.check_target(target(no_python))  # type: ignore[arg-type]
    assert info.value.hint is not None and "python=3.11" in info.value.hint
    with pytest.raises(TargetEnvironmentError, match=r"holds conda's python 3\.11\.10"):
        adapter.check_target(target(prefix, version="3.12.1"))  # type: ignore[arg-type]


# -- engine choice ----------------------------------------------------------------------


def _executable(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_engine_auto_prefers_a_cli_on_path(tmp_path: Path) -> None:
    _executable(tmp_path / "bin", "conda")
    mamba = _executable(tmp_path / "bin", "mamba")
    engine, why = choose_engine({"PATH": str(tmp_path / "bin")}, tmp_path / "cache")
    assert isinstance(engine, CliEngine)
    assert engine.cli.path == str(mamba)
    assert why == "mamba found on PATH"
    assert engine.describe() == f"the mamba command {mamba} (on PATH)"


def test_engine_from_conda_exe_when_not_on_path(tmp_path: Path) -> None:
    conda = _executable(tmp_path / "opt" / "bin", "conda")
    engine, why = choose_engine({"PATH": "", "CONDA_EXE": str(conda)}, tmp_path)
    assert isinstance(engine, CliEngine) and engine.cli.path == str(conda)
    assert why == "conda found from $CONDA_EXE"


def test_engine_rattler_when_no_cli(tmp_path: Path, mocker: MockerFixture) -> None:
    mocker.patch("pip_native.native.conda.rattler_available", return_value=True)
    engine, why = choose_engine(
        {"PATH": "", "PIP_NATIVE_CONDA_CHANNELS": f"{tmp_path}/channel, conda-forge"}, tmp_path
    )
    assert engine.kind == "rattler"
    assert engine.channels == ((tmp_path / "channel").as_uri(), "conda-forge")  # type: ignore[attr-defined]
    assert "py-rattler is installed" in why


def test_engine_none_available_says_how_to_get_one(tmp_path: Path, mocker: MockerFixture) -> None:
    mocker.patch("pip_native.native.conda.rattler_available", return_value=False)
    with pytest.raises(UnsupportedBackendError, match="needs conda, mamba or micromamba") as info:
        choose_engine({"PATH": ""}, tmp_path)
    assert info.value.hint is not None and 'pip install "pip-native[conda]"' in info.value.hint


def test_engine_explicit_choices(tmp_path: Path, mocker: MockerFixture) -> None:
    _executable(tmp_path / "bin", "mamba")
    with pytest.raises(UnsupportedBackendError, match="no micromamba command"):
        choose_engine({"PATH": str(tmp_path / "bin"), ENGINE_ENV: "micromamba"}, tmp_path)
    with pytest.raises(UnsupportedBackendError, match="is not a conda engine"):
        choose_engine({ENGINE_ENV: "pixi"}, tmp_path)
    mocker.patch("pip_native.native.conda.rattler_available", return_value=False)
    with pytest.raises(UnsupportedBackendError, match="py-rattler is not installed") as info:
        choose_engine({"PATH": str(tmp_path / "bin"), ENGINE_ENV: "rattler"}, tmp_path)
    assert info.value.hint is not None and "pip-native[conda]" in info.value.hint
