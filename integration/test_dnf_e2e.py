"""pip-native end to end with --native-from=dnf: the CLI in a fresh venv, real dnf 4 and rpm
against a local RPM repository and an installroot, real pip against a local index.

What this exercises: the ``pip-native`` command as a user runs it (installed with
``pip install <repo>`` into a fresh venv), the dnf adapter reading the repository and the
installroot's RPM database, the python3dist() mapping (no mapping file), the joint
resolution, the plan and its report, and, in the second test, the executor running the
exact dnf command and then pip, with the import check afterwards.

What it does not: a Fedora interpreter or Fedora's repositories. The installroot's
``python3`` is a stand-in package (it provides ``python(abi)`` and owns the site-packages
directories; it cannot run), so the target is a venv of this host's /usr/bin/python3 (the
same X.Y) that sees the root's site-packages through a .pth file; the dnf adapter accepts
such a target only with an installroot (see docs/backends/dnf.md). Binary compatibility
between the host and the root is not checked (the test packages are noarch).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from localindex import LocalIndex
from rpmrepo import PYTHON_XY, dnf_unusable_reason, install, rpm_state, shared_sandbox
from venvs import Venv, make_venv, read_report

if TYPE_CHECKING:
    from collections.abc import Callable

    from rpmrepo import DnfSandbox

    Cli = Callable[..., tuple[int, str, str]]

pytestmark = pytest.mark.integration

PLATFORM_TAG = "cp311-cp311-manylinux_2_17_x86_64"
"""Any non-pure tag: a project with only such wheels has native code."""


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> DnfSandbox:
    reason = dnf_unusable_reason()
    if reason is not None:
        pytest.skip(reason)
    repo = shared_sandbox(tmp_path_factory.getbasetemp())
    sandbox = repo.with_root(tmp_path_factory.mktemp("e2e-dnf") / "root")
    install(sandbox, "python3")  # the root's interpreter package: site-packages dirs exist
    return sandbox


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, box: DnfSandbox) -> Venv:
    made = make_venv(tmp_path_factory.mktemp("e2e-dnf-venv") / "venv", with_pip_native=True)
    purelib = made.run(
        made.python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", check=True
    ).stdout.strip()
    dirs = [
        box.root / "usr" / lib / f"python{PYTHON_XY}" / "site-packages" for lib in ("lib", "lib64")
    ]
    Path(purelib, "pntest-dnf-root.pth").write_text("".join(f"{d}\n" for d in dirs))
    return made


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> LocalIndex:
    idx = LocalIndex(tmp_path_factory.mktemp("e2e-dnf-index"))
    idx.add_wheel("pntest-app", "2.0", tag=PLATFORM_TAG)  # native code: from dnf
    idx.add_wheel("pntest-helper", "0.7")
    idx.add_wheel("pntest-helper", "0.5")
    idx.add_wheel("pntest-purelib", "1.0", requires=["pntest-app>=2.0", "pntest-helper"])
    idx.build()
    return idx


@pytest.fixture
def cli(venv: Venv, box: DnfSandbox, index: LocalIndex, tmp_path: Path) -> Cli:
    """Run ``pip-native`` in the venv against the installroot and the local index only."""
    env = {
        **box.env,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_FIND_LINKS": "",
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_NATIVE_CACHE_DIR": str(tmp_path / "cache"),
    }

    def run(command: str, *args: str) -> tuple[int, str, str]:
        proc = venv.run(
            venv.pip_native,
            command,
            "--native-from=dnf",
            "--index-url",
            index.file_url,
            *args,
            env=env,
        )
        return proc.returncode, proc.stdout, proc.stderr

    return run


def test_plan_takes_native_from_dnf_and_pure_from_the_index(
    cli: Cli, box: DnfSandbox, tmp_path: Path
) -> None:
    before = rpm_state(box.root)
    code, out, err = cli("plan", "pntest-purelib", "--report", str(tmp_path / "r.json"))
    assert code == 0, err
    report = read_report(tmp_path / "r.json")
    assert report["native"]["command"] == [
        "dnf",
        f"--installroot={box.root}",
        *box.options,
        "install",
        "-y",
        "--setopt=install_weak_deps=False",
        "python3-pntest-app-2.0-1.noarch",
    ]
    new = {p["name"] for p in report["native"]["packages"]}
    assert new == {
        "python3-pntest-app",
        "python3-pntest-core",
        "python3-pntest-helper",
        "python3-pntest-impl",
        "libpntest",
    }
    rows = {r["name"]: r for r in report["pip_native"]["plan"]}
    assert (rows["pntest-app"]["version"], rows["pntest-app"]["source"]) == ("2.0", "dnf")
    # PyPI has a pure pntest-helper 0.7, but python3-pntest-app brings 0.5: the system copy counts
    assert (rows["pntest-helper"]["version"], rows["pntest-helper"]["source"]) == ("0.5", "dnf")
    assert (rows["pntest-purelib"]["version"], rows["pntest-purelib"]["source"]) == ("1.0", "pypi")
    assert [i["metadata"]["name"] for i in report["install"]] == ["pntest-purelib"]
    assert "python3-pntest-app-2.0-1.noarch" in out
    assert rpm_state(box.root) == before  # planning changes nothing


def test_mixed_install_for_real(cli: Cli, box: DnfSandbox, venv: Venv, tmp_path: Path) -> None:
    code, out, err = cli("install", "pntest-purelib", "--report", str(tmp_path / "r.json"))
    assert code == 0, err
    report = read_report(tmp_path / "r.json")
    assert report["pip_native"]["result"]["status"] == "installed"
    assert "python3-pntest-app-2.0-1.noarch" in rpm_state(box.root)
    where = venv.run(
        venv.python,
        "-c",
        "import pntest_app, pntest_helper, pntest_purelib as p;"
        "print(pntest_app.__file__); print(pntest_helper.VERSION); print(p.__file__)",
        check=True,
    ).stdout.split()
    assert where[0].startswith(str(box.site_packages()))
    assert where[1] == "0.5"
    assert where[2].startswith(str(venv.path))
    assert "pntest-purelib 1.0" in out
