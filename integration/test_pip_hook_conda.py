"""``PIP_NATIVE_FROM=conda pip install …`` through stock pip, for real, with the py-rattler engine.

Exercised: pip-native installed (``pip install <repo>[conda]``) into a conda
prefix; plain ``pip install`` with ``PIP_NATIVE_FROM=conda`` plans jointly,
installs the native part with py-rattler from a local channel of tiny
``.conda`` packages, then pip's own run installs the pure wheel from a local
index.

Not exercised: the prefix is a ``python -m venv`` registered as a conda
environment (see integration/condachannel.py), not one conda created; no
conda/mamba binary; no network for the packages themselves (py-rattler is
installed from the package index).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("rattler_build", reason="needs py-rattler-build to build the test channel")

from condachannel import CondaChannel, build_pntc_index, build_test_channel, make_venv_prefix
from localindex import LocalIndex
from venvs import REPO


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> CondaChannel:
    return build_test_channel(tmp_path_factory.mktemp("hook-conda") / "channel")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> LocalIndex:
    return build_pntc_index(tmp_path_factory.mktemp("hook-conda-index"))


def test_pip_native_from_conda_environment_variable(
    tmp_path: Path, channel: CondaChannel, index: LocalIndex
) -> None:
    prefix = make_venv_prefix(tmp_path / "env", channel, tmp_path / "setup-cache")
    python = str(prefix / "bin" / "python")
    setup = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", f"{REPO}[conda]"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    env = {
        **os.environ,
        "PIP_NATIVE_FROM": "conda",
        "PIP_NATIVE_CONDA_ENGINE": "rattler",
        "PIP_NATIVE_CONDA_CHANNELS": channel.url,
        "PIP_NATIVE_CACHE_DIR": str(tmp_path / "cache"),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_FIND_LINKS": "",
        "PIP_EXTRA_INDEX_URL": "",
    }
    report_path = tmp_path / "r.json"
    run = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--index-url",
            index.file_url,
            "pntc-purelib",
            "pntc-app",
            "--report",
            str(report_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(report_path.read_text())
    assert report["pip_native"]["native_from"] == "conda"
    assert report["pip_native"]["result"]["status"] == "installed"
    assert [e["metadata"]["name"] for e in report["install"]] == ["pntc-purelib"]
    assert {p.name for p in (prefix / "conda-meta").glob("pntc-app-*.json")}
    versions = subprocess.run(
        [
            python,
            "-c",
            "import pntc_core, pntc_helper, pntc_purelib as p;"
            "print(pntc_core.__version__, pntc_helper.__version__, p.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert versions == ["1.0", "0.5", "1.0"]  # helper from conda (0.5), not PyPI's 0.7
    check = subprocess.run(
        [python, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout
