"""``pip install --native-from=…`` in stock pip, for real: a fresh venv, real pip, real apt.

The venv's pip is the one ``python -m venv`` gives, or ``$PIP_NATIVE_TEST_PIP``
(the tox pip matrix: 23.2.1, 24.0, 25.0 and the newest). apt reads only the
local test repository of python3-pntest-* packages; wheels come from a local index.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from debrepo import AptSandbox
from localindex import LocalIndex
from pntest import build_pntest_index, write_pntest_mapping
from venvs import Venv, dpkg_state, make_venv, purge, read_report

Pip = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, apt_sandbox: AptSandbox) -> Venv:
    return make_venv(tmp_path_factory.mktemp("hook") / "venv", with_pip_native=True)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> LocalIndex:
    return build_pntest_index(tmp_path_factory.mktemp("hook-index"))


@pytest.fixture(scope="module")
def mapping(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pntest_mapping(tmp_path_factory.mktemp("hook-map") / "pntest.toml")


@pytest.fixture
def env(apt_sandbox: AptSandbox, tmp_path: Path) -> dict[str, str]:
    """apt sees only the sandbox; pip sees only what each test passes."""
    return {
        **apt_sandbox.env,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_FIND_LINKS": "",
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_NATIVE_FROM": "",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NATIVE_CACHE_DIR": str(tmp_path / "cache"),
    }


@pytest.fixture
def pip(venv: Venv, env: dict[str, str], index: LocalIndex, mapping: Path) -> Pip:
    def run(
        *args: str, extra_env: dict[str, str] | None = None, mapped: bool = True
    ) -> subprocess.CompletedProcess[str]:
        opts = ["--index-url", index.file_url]
        if mapped:
            opts += ["--native-mapping", str(mapping)]
        return venv.run(
            venv.python, "-m", "pip", "install", *opts, *args, env={**env, **(extra_env or {})}
        )

    return run


def test_install_help_lists_the_option(venv: Venv) -> None:
    out = venv.run(venv.python, "-m", "pip", "install", "--help", check=True).stdout
    assert "--native-from" in out and "--native-use-sudo" in out


def test_the_three_ways_to_ask_give_the_same_plan(
    pip: Pip, tmp_path: Path, venv: Venv, env: dict[str, str], index: LocalIndex, mapping: Path
) -> None:
    before = dpkg_state()
    flag = pip(
        "--native-from=apt", "--dry-run", "--report", str(tmp_path / "flag.json"), "pntest-app"
    )
    assert flag.returncode == 0, flag.stderr
    var = pip(
        "--dry-run",
        "--report",
        str(tmp_path / "var.json"),
        "pntest-app",
        extra_env={"PIP_NATIVE_FROM": "apt"},
    )
    assert var.returncode == 0, var.stderr
    conf = tmp_path / "pip.conf"
    conf.write_text("[install]\nnative-from = apt\n")
    cfg = pip(
        "--dry-run",
        "--report",
        str(tmp_path / "conf.json"),
        "pntest-app",
        extra_env={"PIP_CONFIG_FILE": str(conf)},
    )
    assert cfg.returncode == 0, cfg.stderr
    # the header says where the choice came from
    assert "pip-native: Target: " in flag.stdout
    assert "native backend: --native-from=apt, via apt-get (dpkg)" in flag.stdout
    assert "native backend: PIP_NATIVE_FROM=apt, via apt-get (dpkg)" in var.stdout
    assert "native backend: pip configuration: native-from=apt, via apt-get" in cfg.stdout
    plans = [read_report(tmp_path / f"{n}.json") for n in ("flag", "var", "conf")]
    for report in plans:
        assert report["native"]["command"][-1] == "python3-pntest-app"
        rows = {r["name"]: (r["version"], r["source"]) for r in report["pip_native"]["plan"]}
        assert rows["pntest-helper"] == ("0.5", "apt")
    assert (
        plans[0]["pip_native"]["plan"]
        == plans[1]["pip_native"]["plan"]
        == plans[2]["pip_native"]["plan"]
    )
    # ... and the pip-native command plans exactly the same
    own = venv.run(
        venv.pip_native,
        "plan",
        "--native-from=apt",
        "--index-url",
        index.file_url,
        "--mapping",
        str(mapping),
        "pntest-app",
        "--report",
        str(tmp_path / "own.json"),
        env=env,
    )
    assert own.returncode == 0, own.stderr
    assert (
        read_report(tmp_path / "own.json")["pip_native"]["plan"] == plans[0]["pip_native"]["plan"]
    )
    assert dpkg_state() == before


def test_without_the_flag_pip_is_stock(pip: Pip, tmp_path: Path) -> None:
    hooked = pip("--dry-run", "--report", "-", "--quiet", "pntest-plain", mapped=False)
    stock = pip(
        "--dry-run",
        "--report",
        "-",
        "--quiet",
        "pntest-plain",
        mapped=False,
        extra_env={"PIP_NATIVE_DISABLE": "1"},
    )
    assert hooked.returncode == stock.returncode == 0, hooked.stderr + stock.stderr
    assert json.loads(hooked.stdout)["install"] == json.loads(stock.stdout)["install"]
    assert "native" not in json.loads(hooked.stdout)


def test_bad_value_fails_installs_only(pip: Pip, venv: Venv, env: dict[str, str]) -> None:
    bad = pip("pntest-plain", extra_env={"PIP_NATIVE_FROM": "yum"})
    assert bad.returncode == 2
    assert "'yum' is not a known backend" in bad.stderr and "Hint:" in bad.stderr
    listing = venv.run(venv.python, "-m", "pip", "list", env={**env, "PIP_NATIVE_FROM": "yum"})
    assert listing.returncode == 0 and "pip" in listing.stdout


def test_real_install_through_pip(pip: Pip, venv: Venv, tmp_path: Path) -> None:
    report_path = tmp_path / "r.json"
    run = pip(
        "pntest-purelib",
        "pntest-app",
        "--report",
        str(report_path),
        extra_env={"PIP_NATIVE_FROM": "apt"},
    )
    report = read_report(report_path)
    installed = report["pip_native"]["result"].get("native_packages_installed", [])
    try:
        assert run.returncode == 0, run.stderr
        assert report["pip_native"]["result"]["status"] == "installed"
        out = venv.run(
            venv.python,
            "-c",
            "import pntest_core, pntest_purelib as p;"
            "print(pntest_core.__file__); print(p.__file__)",
            check=True,
        ).stdout.split()
        assert out[0].startswith("/usr/lib/python3/dist-packages/")
        assert out[1].startswith(str(venv.path))
        assert [e["metadata"]["name"] for e in report["install"]] == ["pntest-purelib"]
        # pip-native's own closing line, after apt's and pip's output
        assert f"Installed {len(installed)} system package(s) and 1 pure wheel(s): " in run.stdout
    finally:
        purge(installed)
    assert "python3-pntest-app" in installed


def test_build_isolation_subprocesses_pass_through(
    venv: Venv, env: dict[str, str], tmp_path: Path
) -> None:
    """PIP_NATIVE_FROM is inherited by pip's build-env subprocess (pip install --prefix …),
    which must install setuptools untouched; this one uses the real package index."""
    project = tmp_path / "proj"
    (project / "pntest_built").mkdir(parents=True)
    (project / "pntest_built" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "pntest-built"\nversion = "1.0"\n'
    )
    real_env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
    run = venv.run(
        venv.python,
        "-m",
        "pip",
        "install",
        "--native-from=none",
        str(project),
        env={**real_env, "PIP_NATIVE_FROM": "apt"},
    )
    assert run.returncode == 0, run.stderr
    venv.run(venv.python, "-c", "import pntest_built", check=True)
