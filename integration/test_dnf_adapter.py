"""DnfAdapter against real dnf 4 and rpm: a local repository of tiny noarch RPMs, installroots.

Every test gets its own installroot under a temporary directory holding ``python3`` (a
stand-in that provides ``python(abi)`` and owns the site-packages directories) and
``python3-pntest-core-0.9``; the host's RPM database is never touched. dnf's own
simulation (``dnf install --assumeno``) is the reference the adapter's model is checked
against, and one test really installs through the exact command of the NativeStep.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from packaging.version import Version

from pip_native import subproc
from pip_native.environment import probe
from pip_native.errors import CommandFailed, NoNativePackageError, TargetEnvironmentError
from pip_native.executor import native_argv
from pip_native.mapping.debian import parse_metadata_dir
from pip_native.native.dnf import DnfAdapter
from rpmrepo import PYTHON_XY, DnfSandbox, dnf_unusable_reason, install, rpm_state, shared_sandbox

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

BASE_PACKAGES = ("python3", "python3-pntest-core-0.9-1.noarch")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> DnfSandbox:
    reason = dnf_unusable_reason()
    if reason is not None:
        pytest.skip(reason)
    return shared_sandbox(tmp_path_factory.getbasetemp())


@pytest.fixture
def box(repo: DnfSandbox, tmp_path: Path) -> DnfSandbox:
    """The repository with a fresh installroot holding the base packages."""
    sandbox = repo.with_root(tmp_path / "root")
    install(sandbox, *BASE_PACKAGES)
    return sandbox


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, ...]]]:
    """Every command the code under test runs (they all go through subproc.run)."""
    seen: list[tuple[str, ...]] = []
    real = subproc.run

    def spy(argv: list[str], **kwargs: object) -> subproc.CommandResult:
        seen.append(tuple(argv))
        return real(argv, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(subproc, "run", spy)
    yield seen


def adapter(box: DnfSandbox) -> DnfAdapter:
    return DnfAdapter(installroot=str(box.root), options=box.options)


def new_in(step_packages: object) -> set[tuple[str, str]]:
    return {(p.name, p.version) for p in step_packages}  # type: ignore[attr-defined]


# -- reading ---------------------------------------------------------------------------


def test_query_batches_names_and_provides(box: DnfSandbox, calls: list[tuple[str, ...]]) -> None:
    found = adapter(box).query(
        [
            "python3dist(pntest-app)",
            "python3-pntest-core",
            "pntest-virtual",
            "python3dist(pntest-pre)",
            "python(abi)",
            "python3dist(pntest-nonexistent)",
        ]
    )
    assert [c[0] for c in calls] == ["rpm", "dnf"]  # installed state, then one repoquery
    assert found["python3dist(pntest-app)"].name == "python3-pntest-app"
    core = found["python3-pntest-core"]
    assert (core.version, core.installed_version) == ("1.0-1", "0.9-1")  # newest, and installed
    assert found["pntest-virtual"].version == "1:3.1-2.fc40"
    assert found["python3dist(pntest-pre)"].version == "1.0~rc1-1"
    assert found["python(abi)"].is_installed
    assert "python3dist(pntest-nonexistent)" not in found


ROOTS = (
    "python3dist(pntest-app)",
    "python3dist(pntest-old)",
    "python3dist(pntest-helper)",
    "python3dist(pntest-multi)",
    "python3dist(pntest-pre)",
    "python3-pntest-core",
    "pntest-virtual",
)


def test_closures_agree_with_dnfs_own_simulation(
    box: DnfSandbox, calls: list[tuple[str, ...]]
) -> None:
    dnf = adapter(box)
    dnf.query(ROOTS)
    closures = {root: dnf.closure(root) for root in ROOTS}
    repoqueries = sum(1 for c in calls if "repoquery" in c)
    assert repoqueries <= 3  # one query, then rounds for all closures together (depth 2 here)
    for root, closure in closures.items():
        step = adapter(box).plan_install([root])
        modelled = {(p.name, p.version) for p in closure if p.version != p.installed_version}
        assert modelled == new_in(step.new_packages), root
    app = {p.name: p for p in closures["python3dist(pntest-app)"]}
    assert "python3-pntest-extra" not in app  # only a Recommends: weak dependencies never count
    assert app["python3"].is_installed
    old = {p.name: p for p in closures["python3dist(pntest-old)"]}
    assert old["python3-pntest-core"].version == "0.9-1"  # the installed one satisfies "< 1.0"


def test_provided_distributions_are_what_lands_on_disk(box: DnfSandbox) -> None:
    dnf = adapter(box)
    step = dnf.plan_install(["python3dist(pntest-app)", "python3dist(pntest-multi)"])
    provided = dnf.provided_distributions(step.new_packages)
    expected = {(str(d.name), d.version) for dists in provided.values() for d in dists}
    site = box.site_packages()
    before = {p.name for p in site.iterdir()}
    subproc.run(native_argv(step, use_sudo=False), what="install for real", timeout=300)
    landed = set()
    for entry in site.iterdir():
        parsed = parse_metadata_dir(entry.name)
        if parsed is not None and entry.name not in before:
            assert parsed.version is not None
            landed.add((str(parsed.project), parsed.version))
    assert landed == expected
    assert ("pntest-multi-plugin", Version("2.0")) in expected  # two distributions, one package
    assert ("pntest-core", Version("1.0")) in expected  # the upgrade's new version


# -- changing ----------------------------------------------------------------------------


def test_planning_changes_nothing(box: DnfSandbox) -> None:
    before = rpm_state(box.root)
    step = adapter(box).plan_install(["python3dist(pntest-app)"])
    assert step.command[-1] == "python3-pntest-app-2.0-1.noarch"
    assert rpm_state(box.root) == before


def test_real_install_through_the_step_command(box: DnfSandbox) -> None:
    before = rpm_state(box.root)
    dnf = adapter(box)
    step = dnf.plan_install(["python3dist(pntest-app)"])
    assert step.command == (
        *dnf.dnf_base(),
        "install",
        "-y",
        "--setopt=install_weak_deps=False",
        "python3-pntest-app-2.0-1.noarch",
    )
    subproc.run(native_argv(step, use_sudo=False), what="install for real", timeout=300)
    after = rpm_state(box.root)
    added = {f"{p.name}-{p.version}.{p.arch}" for p in step.new_packages}
    assert after - before == added
    assert before - after == {"python3-pntest-core-0.9-1.noarch"}  # upgraded to 1.0
    again = adapter(box)
    found = again.query(["python3dist(pntest-app)", "python3dist(pntest-extra)"])
    assert found["python3dist(pntest-app)"].installed_version == "2.0-1"
    assert not found["python3dist(pntest-extra)"].is_installed  # the Recommends stayed out
    closure = again.closure("python3dist(pntest-app)")
    assert all(p.is_installed and p.version == p.installed_version for p in closure)


def test_plan_failures_name_the_cause_and_change_nothing(box: DnfSandbox) -> None:
    before = rpm_state(box.root)
    with pytest.raises(CommandFailed, match="nothing provides libpntest-gone"):
        adapter(box).plan_install(["python3dist(pntest-broken)"])
    with pytest.raises(CommandFailed, match="conflicts with python3-pntest-core"):
        adapter(box).plan_install(["python3-pntest-core2"])
    with pytest.raises(NoNativePackageError, match="pntest-nonexistent"):
        adapter(box).plan_install(["python3dist(pntest-nonexistent)"])
    with pytest.raises(NoNativePackageError, match="libpntest-gone"):
        adapter(box).closure("python3dist(pntest-broken)")
    assert rpm_state(box.root) == before


# -- the target interpreter ---------------------------------------------------------------


def test_check_target_with_the_installroot(box: DnfSandbox, tmp_path: Path) -> None:
    """The root's python3 is a stand-in that cannot run; the target is a venv of this host's
    /usr/bin/python3 (same X.Y), with and without the root's site-packages on its sys.path."""
    venv = tmp_path / "venv"
    subproc.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], what="make a venv")
    python = str(venv / "bin" / "python")
    dnf = adapter(box)
    with pytest.raises(TargetEnvironmentError) as info:
        dnf.check_target(probe(python))
    dirs = [box.root / "usr" / d / f"python{PYTHON_XY}" / "site-packages" for d in ("lib", "lib64")]
    assert f"{dirs[0]} and {dirs[1]} are not on its sys.path" in info.value.message
    assert info.value.hint == (
        f"{box.root}/usr/bin/python3 -m venv --system-site-packages ~/.venvs/myproject && "
        ". ~/.venvs/myproject/bin/activate"
    )
    site = subproc.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], what="ask"
    ).stdout.strip()
    Path(site, "pntest-root.pth").write_text("".join(f"{d}\n" for d in dirs))
    dnf.check_target(probe(python))
    assert all(os.path.realpath(d) in map(os.path.realpath, probe(python).sys_path) for d in dirs)
