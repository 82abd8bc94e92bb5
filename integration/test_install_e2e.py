"""pip-native end to end, as a user runs it, against a real local apt repository.

A fresh ``/usr/bin/python3 -m venv --system-site-packages`` venv gets pip-native
with ``pip install <repo>``; the ``pip-native`` command then plans and installs
with real apt (reading only the test repository of tiny ``python3-pntest-*``
packages through APT_CONFIG) and real pip (from a local index of tiny wheels).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from debrepo import AptSandbox
from localindex import LocalIndex
from pntest import build_pntest_index, write_pntest_mapping
from venvs import Venv, dpkg_state, make_venv, purge, read_report

Cli = Callable[..., tuple[int, str, str]]
"""``cli(command, *args) -> (exit code, stdout, stderr)``."""


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, apt_sandbox: AptSandbox) -> Venv:
    return make_venv(tmp_path_factory.mktemp("e2e") / "venv", with_pip_native=True)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> LocalIndex:
    return build_pntest_index(tmp_path_factory.mktemp("e2e-index"))


@pytest.fixture(scope="module")
def mapping(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pntest_mapping(tmp_path_factory.mktemp("e2e-map") / "pntest.toml")


@pytest.fixture
def cli(
    venv: Venv, apt_sandbox: AptSandbox, index: LocalIndex, mapping: Path, tmp_path: Path
) -> Cli:
    """Run ``pip-native`` in the venv against the sandbox repository and the local index only."""
    env = {
        **apt_sandbox.env,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_FIND_LINKS": "",
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_NATIVE_CACHE_DIR": str(tmp_path / "cache"),
    }

    def run(command: str, *args: str) -> tuple[int, str, str]:
        proc = venv.run(
            venv.pip_native,
            command,
            "--native-from=apt",
            "--index-url",
            index.file_url,
            "--mapping",
            str(mapping),
            *args,
            env=env,
        )
        return proc.returncode, proc.stdout, proc.stderr

    return run


def test_plan_takes_what_the_native_package_brings_from_apt(cli: Cli, tmp_path: Path) -> None:
    before = dpkg_state()
    code, out, err = cli("plan", "pntest-app", "--report", str(tmp_path / "r.json"))
    assert code == 0, err
    report = read_report(tmp_path / "r.json")
    assert report["native"]["command"] == [
        "apt-get",
        "-o",
        "DPkg::Lock::Timeout=120",
        "install",
        "-y",
        "--no-install-recommends",
        "python3-pntest-app",
    ]
    new = {p["name"] for p in report["native"]["packages"]}
    assert {
        "python3-pntest-app",
        "python3-pntest-core",
        "python3-pntest-helper",
        "python3-pntest-impl",
        "libpntest0",
    } <= new
    rows = {r["name"]: r for r in report["pip_native"]["plan"]}
    # PyPI has a pure pntest-helper 0.7, but python3-pntest-app brings 0.5: the system copy counts.
    assert (rows["pntest-helper"]["version"], rows["pntest-helper"]["source"]) == ("0.5", "apt")
    assert report["install"] == []
    assert "python3-pntest-app" in out
    assert dpkg_state() == before  # planning changes nothing


def test_a_pure_project_no_pure_release_fits_comes_from_apt(cli: Cli, tmp_path: Path) -> None:
    """pntest-argon's pure releases need pntest-bindings, which has no pure wheel and no
    package: apt's python3-pntest-argon (21.1.0, an older release) stands in, and the plan
    says why; pntest-server, pure, comes from the index."""
    code, out, err = cli("plan", "pntest-server", "--report", str(tmp_path / "r.json"))
    assert code == 0, err
    rows = {row["name"]: row for row in read_report(tmp_path / "r.json")["pip_native"]["plan"]}
    argon = rows["pntest-argon"]
    assert (argon["version"], argon["source"]) == ("21.1.0", "apt")
    assert argon["why"].endswith("no pure release fits; user mapping")
    assert (rows["pntest-server"]["version"], rows["pntest-server"]["source"]) == ("2.0", "pypi")
    assert "pntest-bindings" not in rows
    assert "python3-pntest-argon" in out


def test_conflict_with_the_system_version_is_clear_and_changes_nothing(
    cli: Cli, venv: Venv
) -> None:
    before, site_before = dpkg_state(), venv.site_packages()
    code, out, err = cli("install", "pntest-app", "pntest-helper>=0.7")
    assert code == 1
    assert out == ""  # no plan is shown for an impossible resolution
    assert "pntest-helper>=0.7 (required by you)" in err
    assert "pntest-helper==0.5 from apt (python3-pntest-helper 0.5-1)" in err
    assert "Hint:" in err
    assert dpkg_state() == before
    assert venv.site_packages() == site_before


def test_mixed_install_for_real(cli: Cli, venv: Venv, tmp_path: Path) -> None:
    problems_before, dups_before = venv.pip_check(), venv.duplicates()
    report_path = tmp_path / "r.json"
    code, out, err = cli("install", "pntest-purelib", "pntest-app", "--report", str(report_path))
    report = read_report(report_path)
    installed = report["pip_native"]["result"].get("native_packages_installed", [])
    try:
        assert code == 0, err
        assert report["pip_native"]["result"]["status"] == "installed"
        where = venv.run(
            venv.python,
            "-c",
            "import pntest_core, pntest_app, pntest_helper, pntest_purelib as p;"
            "print(pntest_core.__file__); print(p.__file__)",
            check=True,
        ).stdout.split()
        assert where[0].startswith("/usr/lib/python3/dist-packages/")
        assert where[1].startswith(str(venv.path))
        assert venv.pip_check() <= problems_before
        assert (
            venv.duplicates() == dups_before
        )  # nothing installed twice (venv pip/setuptools pre-exist)
        assert "Installed 5 system package(s) and 1 pure wheel(s): pntest-purelib 1.0" in out
    finally:
        purge(installed)
    assert "python3-pntest-app" in installed


HOLD_DPKG_LOCK = """
import fcntl, sys, time
with open("/var/lib/dpkg/lock-frontend", "w") as fh:
    fcntl.lockf(fh, fcntl.LOCK_EX)
    print("held", flush=True)
    time.sleep(60)
"""


def test_dpkg_lock_held_elsewhere_waits_then_fails_clearly(cli: Cli, venv: Venv) -> None:
    """Another apt/dpkg run holds the lock: apt waits (bounded), then a clear error, nothing changed."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_DPKG_LOCK], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before, site_before = dpkg_state(), venv.site_packages()
        os.environ["PIP_NATIVE_APT_LOCK_TIMEOUT"] = "3"
        try:
            code, _out, err = cli("install", "pntest-app")
        finally:
            del os.environ["PIP_NATIVE_APT_LOCK_TIMEOUT"]
        assert code == 1
        assert "Could not get lock /var/lib/dpkg/lock-frontend" in err
        assert "nothing from PyPI was installed" in err
        assert dpkg_state() == before and venv.site_packages() == site_before
    finally:
        holder.kill()
        holder.wait()


def test_without_a_backend_only_pure_wheels_are_installed(
    venv: Venv, index: LocalIndex, tmp_path: Path
) -> None:
    """Neither --native-from nor PIP_NATIVE_FROM: pure wheels by pip, no package manager asked;
    a project with no pure wheel is refused with the fix, and nothing changes."""
    env = {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_FIND_LINKS": "",
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_NATIVE_FROM": "",
        "PIP_NATIVE_CACHE_DIR": str(tmp_path / "cache"),
    }
    dpkg_before, site_before = dpkg_state(), venv.site_packages()

    def install(*names: str) -> tuple[int, str, str]:
        proc = venv.run(venv.pip_native, "install", "--index-url", index.file_url, *names, env=env)
        return proc.returncode, proc.stdout, proc.stderr

    code, out, err = install("pntest-purelib")  # needs pntest-core: platform wheels only
    assert code == 1 and out == ""
    assert "pntest-core" in err and "no native backend was chosen" in err
    assert "Hint: Pass --native-from=apt" in err
    assert venv.site_packages() == site_before

    code, out, err = install("pntest-plain", "pntest-helper")
    try:
        assert code == 0, err
        assert "native backend: none (neither --native-from nor PIP_NATIVE_FROM is set)" in out
        assert "Installed 2 pure wheel(s): pntest-helper 0.7, pntest-plain 1.0." in out
        new = venv.site_packages() - site_before
        assert {"pntest_plain.py", "pntest_helper.py"} <= new, new
    finally:
        venv.run(venv.python, "-m", "pip", "uninstall", "-y", "pntest-plain", "pntest-helper")
    assert dpkg_state() == dpkg_before
