"""pip-native end to end with ``--native-from=conda`` and the py-rattler engine.

Exercised: the ``pip-native`` command (run as ``python -m pip_native`` by the
interpreter running these tests, which has py-rattler, as ``pip install
"pip-native[conda]"`` would give), planning and installing for a *target*
interpreter whose ``sys.prefix`` is a conda prefix; real py-rattler solves and
installs (through ``python -m pip_native.native.conda_install``) from a local
channel of tiny ``.conda`` packages; real pip from a local index of tiny
wheels; the executor's check that the target then sees what conda installed.

Not exercised: the target is a ``python -m venv`` made into a conda prefix
(``conda-meta/`` holding a file-less ``python`` stub record for the venv's
own interpreter; a venv has conda's ``lib/pythonX.Y/site-packages`` layout),
not an environment created by conda, so there is no conda-built python,
no activation scripts and no compiled conda packages; no conda, mamba or
micromamba binary (the CLI engine is tested against recorded output in
tests/test_conda.py); no network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("rattler", reason="needs py-rattler (pip install 'pip-native[conda]')")
pytest.importorskip("rattler_build", reason="needs py-rattler-build to build the test channel")

from condachannel import CondaChannel, build_pntc_index, build_test_channel, make_venv_prefix
from localindex import LocalIndex

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> CondaChannel:
    return build_test_channel(tmp_path_factory.mktemp("e2e-conda") / "channel")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> LocalIndex:
    return build_pntc_index(tmp_path_factory.mktemp("e2e-conda-index"))


@pytest.fixture(scope="module")
def shared_venv(tmp_path_factory: pytest.TempPathFactory, channel: CondaChannel) -> Path:
    """A conda-prefix venv that the plan-only tests share (they must not change it)."""
    root = tmp_path_factory.mktemp("e2e-conda-venv")
    return make_venv_prefix(root / "venv", channel, root / "cache")


def run_cli(
    venv: Path, channel: CondaChannel, index: LocalIndex, cache: Path
) -> Callable[..., tuple[int, str, str]]:
    env = {
        **os.environ,
        "PIP_NATIVE_CONDA_ENGINE": "rattler",
        "PIP_NATIVE_CONDA_CHANNELS": channel.url,
        "PIP_NATIVE_CACHE_DIR": str(cache),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_FIND_LINKS": "",
        "PIP_EXTRA_INDEX_URL": "",
    }

    def run(command: str, *args: str) -> tuple[int, str, str]:
        argv = [sys.executable, "-m", "pip_native", command, "--native-from=conda"]
        argv += ["--python", str(venv / "bin" / "python"), "--index-url", index.file_url, *args]
        proc = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=600, check=False
        )
        return proc.returncode, proc.stdout, proc.stderr

    return run


def conda_meta(prefix: Path) -> set[str]:
    return {p.name for p in (prefix / "conda-meta").glob("*.json")}


def test_plan_takes_the_native_package_and_what_it_brings_from_conda(
    shared_venv: Path, channel: CondaChannel, index: LocalIndex, tmp_path: Path
) -> None:
    cli = run_cli(shared_venv, channel, index, tmp_path / "cache")
    before = conda_meta(shared_venv)
    code, out, err = cli("plan", "pntc-app", "pntc-purelib", "--report", str(tmp_path / "r.json"))
    assert code == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    command = report["native"]["command"]
    assert command[1:4] == ["-m", "pip_native.native.conda_install", "install"]
    assert "pntc-app ==2.0 pyh0_0" in command and "pntc-helper ==0.5 pyh0_0" in command
    assert {p["name"] for p in report["native"]["packages"]} == {
        "pntc-app",
        "pntc-core",
        "pntc-helper",
        "libpntc",
    }
    rows = {r["name"]: r for r in report["pip_native"]["plan"]}
    # PyPI has a pure pntc-helper 0.7, but conda's pntc-app brings 0.5: the conda copy counts
    assert (rows["pntc-helper"]["version"], rows["pntc-helper"]["source"]) == ("0.5", "conda")
    assert (rows["pntc-core"]["version"], rows["pntc-core"]["source"]) == ("1.0", "conda")
    assert [e["metadata"]["name"] for e in report["install"]] == ["pntc-purelib"]
    assert "pip_native.native.conda_install" in out
    assert "native backend: --native-from=conda, via py-rattler " in out
    assert conda_meta(shared_venv) == before  # planning changes nothing


def test_conflict_with_the_conda_version_is_clear_and_changes_nothing(
    shared_venv: Path, channel: CondaChannel, index: LocalIndex, tmp_path: Path
) -> None:
    cli = run_cli(shared_venv, channel, index, tmp_path / "cache")
    before = conda_meta(shared_venv)
    code, out, err = cli("install", "pntc-app", "pntc-helper>=0.7")
    assert code == 1
    assert out == ""
    assert "pntc-helper>=0.7 (required by you)" in err
    assert "pntc-helper==0.5 from conda (pntc-helper 0.5)" in err
    assert conda_meta(shared_venv) == before


def test_a_plain_venv_is_refused_with_the_remedy(
    tmp_path: Path, channel: CondaChannel, index: LocalIndex
) -> None:
    plain = tmp_path / "plain"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(plain)], check=True)
    code, _out, err = run_cli(plain, channel, index, tmp_path / "cache")("plan", "pntc-app")
    assert code == 2
    assert "cannot use conda packages" in err and "no conda-meta directory" in err
    assert "conda create -p ~/envs/work python=" in err


def test_mixed_install_for_real(tmp_path: Path, channel: CondaChannel, index: LocalIndex) -> None:
    venv = make_venv_prefix(tmp_path / "venv", channel, tmp_path / "setup-cache")
    cli = run_cli(venv, channel, index, tmp_path / "cache")
    report_path = tmp_path / "r.json"
    code, out, err = cli("install", "pntc-purelib", "pntc-app", "--report", str(report_path))
    assert code == 0, err
    report = json.loads(report_path.read_text())
    assert report["pip_native"]["result"]["status"] == "installed"
    assert "Installed 4 system package(s) and 1 pure wheel(s): pntc-purelib 1.0" in out
    assert {"pntc-app-2.0-pyh0_0.json", "libpntc-2.0-h0_0.json"} <= conda_meta(venv)
    python = str(venv / "bin" / "python")
    where = subprocess.run(
        [
            python,
            "-c",
            "import pntc_app, pntc_core, pntc_helper, pntc_purelib as p;"
            "print(pntc_core.__version__, pntc_helper.__version__, p.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert where == ["1.0", "0.5", "1.0"]
    check = subprocess.run(
        [python, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout
    # pip sees conda's distributions as installed, once each
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True
    ).stdout
    names = [d["name"] for d in json.loads(listed)]
    assert sorted(n for n in names if n.startswith("pntc")) == [
        "pntc-app",
        "pntc-core",
        "pntc-helper",
        "pntc-purelib",
    ]
    # a second run finds everything installed: nothing to do, conda's packages kept
    code, out, err = cli("install", "pntc-purelib", "pntc-app")
    assert code == 0, err
    assert "Nothing to do." in out
