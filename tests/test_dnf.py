"""Tests for pip_native.native.dnf.DnfAdapter with subproc.run answering recorded dnf/rpm output.

The recordings (tests/data/dnf/record.py) come from real dnf 4 and rpm against the
integration tests' local repository, with ``python3`` and ``python3-pntest-core-0.9``
installed in the installroot. Each test replays commands in the order they were recorded.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from packaging.version import Version

from pip_native.environment import TargetEnvironment
from pip_native.errors import (
    CommandFailed,
    ConfigError,
    InvalidIdentifierError,
    NoNativePackageError,
    TargetEnvironmentError,
    UnsupportedBackendError,
)
from pip_native.executor import native_argv
from pip_native.native.base import NativeAdapter, SystemPackage
from pip_native.native.dnf import DnfAdapter
from pip_native.native.registry import create_adapter
from test_dnf_recordings import RECORDED_OPTIONS, RECORDED_ROOT, FakeDnf, load_recording

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

#: The names tests/data/dnf/record.py queried in its "batch" scenario, in that order.
QUERY_NAMES = (
    "python3dist(pntest-app)",
    "python3dist(pntest-core)",
    "python3-pntest-core",
    "python3dist(pntest-pre)",
    "python3dist(pntest-multi-plugin)",
    "python3dist(pntest-old)",
    "python3dist(pntest-broken)",
    "pntest-virtual",
    "python(abi)",
    "python3dist(no-such-project)",
    "libpntest.so.0()(64bit)",
)
BASE = ("dnf", f"--installroot={RECORDED_ROOT}", *RECORDED_OPTIONS)
RPM_QA = load_recording("batch-1-rpm").argv
WEAK = "--setopt=install_weak_deps=False"


@pytest.fixture
def fake(mocker: MockerFixture) -> FakeDnf:
    dnf = FakeDnf()
    mocker.patch("pip_native.subproc.run", side_effect=dnf)
    mocker.patch("pip_native.native.dnf.shutil.which", return_value="/usr/bin/dnf-3")
    return dnf


def adapter(**kwargs: object) -> DnfAdapter:
    return DnfAdapter(installroot=RECORDED_ROOT, options=RECORDED_OPTIONS, **kwargs)  # type: ignore[arg-type]


def pkg(name: str, version: str, installed: str | None = None) -> SystemPackage:
    return SystemPackage("dnf", name, version, installed, "noarch")


def test_is_a_native_adapter_and_registered() -> None:
    dnf = DnfAdapter(environ={})
    assert isinstance(dnf, NativeAdapter)
    assert dnf.name == "dnf"
    made = create_adapter("dnf", dists_for_package=lambda _p: ())
    assert isinstance(made, DnfAdapter)


# -- settings -------------------------------------------------------------------


def test_settings_from_the_environment(tmp_path: Path) -> None:
    nothing = {"PATH": str(tmp_path)}  # no dnf5 on PATH, whatever the host has
    dnf = DnfAdapter(
        environ={
            **nothing,
            "PIP_NATIVE_DNF_INSTALLROOT": "/srv/root/",
            "PIP_NATIVE_DNF_OPTIONS": "--releasever=40 '--setopt=reposdir=/my repos'",
            "PIP_NATIVE_DNF": "dnf-3",
        }
    )
    assert dnf.dnf_base() == [
        "dnf-3",
        "--installroot=/srv/root",
        "--releasever=40",
        "--setopt=reposdir=/my repos",
    ]
    assert dnf.root == "/srv/root"
    assert DnfAdapter(environ=nothing).dnf_base() == ["dnf"]
    assert DnfAdapter(environ=nothing).root == "/"


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({"PIP_NATIVE_DNF_INSTALLROOT": "relative/root"}, "is not an absolute path"),
        ({"PIP_NATIVE_DNF_OPTIONS": "--setopt='unclosed"}, "cannot be split into options"),
        ({"PIP_NATIVE_DNF_OPTIONS": "-y"}, "contains '-y'"),
        ({"PIP_NATIVE_DNF_OPTIONS": "--installroot=/x"}, "contains '--installroot=/x'"),
        ({"PIP_NATIVE_DNF_OPTIONS": "--quiet"}, "contains '--quiet'"),
    ],
)
def test_bad_settings_are_config_errors(environ: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as info:
        DnfAdapter(environ=environ)
    assert info.value.hint


# -- dnf5: dnf 4 next to it, or a refusal ------------------------------------------


def bin_dir(tmp_path: Path, *commands: str, links: dict[str, str] | None = None) -> str:
    """A PATH directory of stand-in executables (never run) and symlinks, as Fedora lays them
    out: e.g. ``dnf -> dnf5`` (Fedora 41+) or ``dnf -> dnf-3`` (dnf 4 systems)."""
    where = tmp_path / "bin"
    where.mkdir()
    for command in commands:
        (where / command).write_text("#!/bin/sh\nexit 99\n")
        (where / command).chmod(0o755)
    for link, target in (links or {}).items():
        (where / link).symlink_to(target)
    return str(where)


def fedora_41(tmp_path: Path) -> str:
    """Fedora 41+ with python3-dnf installed: dnf is dnf5; dnf4 links to dnf-3, which is dnf 4."""
    return bin_dir(tmp_path, "dnf5", "dnf-3", "rpm", links={"dnf": "dnf5", "dnf4": "dnf-3"})


NOTE = "dnf is dnf5, which pip-native does not read yet"


def test_dnf5_system_uses_dnf4_for_everything(tmp_path: Path) -> None:
    path = fedora_41(tmp_path)
    dnf = DnfAdapter(environ={"PATH": path})
    assert dnf.program == "dnf4"
    assert dnf.dnf_base() == ["dnf4"]
    assert dnf.describe() == f"dnf4 ({NOTE})"
    rooted = DnfAdapter(environ={"PATH": path, "PIP_NATIVE_DNF_INSTALLROOT": "/srv/root"})
    assert rooted.describe() == f"dnf4 --installroot=/srv/root ({NOTE})"


def test_refresh_updates_the_metadata_the_plan_reads(tmp_path: Path) -> None:
    """--refresh runs makecache with dnf 4's command, the installroot and the user's options."""
    environ = {
        "PATH": fedora_41(tmp_path),
        "PIP_NATIVE_DNF_INSTALLROOT": "/srv/root",
        "PIP_NATIVE_DNF_OPTIONS": "--releasever=40",
    }
    assert DnfAdapter(environ=environ).refresh_command() == (
        "dnf4",
        "--installroot=/srv/root",
        "--releasever=40",
        "makecache",
    )
    only_dnf5 = tmp_path / "dnf5-only"
    only_dnf5.mkdir()
    with pytest.raises(UnsupportedBackendError):
        DnfAdapter(
            environ={"PATH": bin_dir(only_dnf5, "dnf5", links={"dnf": "dnf5"})}
        ).refresh_command()


def test_dnf5_system_with_only_dnf_3_uses_it(tmp_path: Path) -> None:
    path = bin_dir(tmp_path, "dnf5", "dnf-3", links={"dnf": "dnf5"})
    dnf = DnfAdapter(environ={"PATH": path})
    assert dnf.program == "dnf-3"
    assert dnf.describe() == f"dnf-3 ({NOTE})"


def test_a_dnf4_that_is_dnf5_itself_is_skipped(tmp_path: Path) -> None:
    path = bin_dir(tmp_path, "dnf5", "dnf-3", links={"dnf": "dnf5", "dnf4": "dnf"})
    assert DnfAdapter(environ={"PATH": path}).program == "dnf-3"


def test_dnf_4_systems_keep_dnf(tmp_path: Path) -> None:
    path = bin_dir(tmp_path, "dnf-3", links={"dnf": "dnf-3", "dnf4": "dnf-3"})
    dnf = DnfAdapter(environ={"PATH": path})
    assert dnf.program == "dnf"
    assert dnf.describe() == "dnf"


def test_explicit_program_is_used_as_given(tmp_path: Path) -> None:
    path = fedora_41(tmp_path)
    dnf = DnfAdapter(environ={"PATH": path, "PIP_NATIVE_DNF": "dnf-3"})
    assert dnf.program == "dnf-3"
    assert dnf.describe() == "dnf-3"  # chosen by the user: no note


def test_dnf5_without_dnf4_is_refused_before_running_anything(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    path = bin_dir(tmp_path, "dnf5", "rpm", links={"dnf": "dnf5"})
    run = mocker.patch("pip_native.subproc.run")
    dnf = DnfAdapter(environ={"PATH": path})
    with pytest.raises(UnsupportedBackendError) as info:
        dnf.query(["python3dist(numpy)"])
    assert run.call_count == 0
    assert info.value.message == (
        f"dnf is dnf5 ({path}/dnf5) and no dnf 4 command (dnf4, dnf-3) is on PATH; "
        "pip-native's dnf backend reads dnf 4's output and does not support dnf5 yet."
    )
    hint = info.value.hint or ""
    assert "`sudo dnf install python3-dnf`" in hint and "set PIP_NATIVE_DNF" in hint
    with pytest.raises(UnsupportedBackendError, match="no dnf 4 command"):
        dnf.check_target(target())  # the target check refuses too, before asking anything
    with pytest.raises(UnsupportedBackendError, match="no dnf 4 command"):
        dnf.plan_install(["python3-numpy"])
    assert run.call_count == 0


def test_explicit_dnf5_is_refused_even_with_dnf4_installed(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    path = fedora_41(tmp_path)
    run = mocker.patch("pip_native.subproc.run")
    for given in ("dnf", "dnf5"):
        dnf = DnfAdapter(environ={"PATH": path, "PIP_NATIVE_DNF": given})
        with pytest.raises(UnsupportedBackendError) as info:
            dnf.query(["python3dist(numpy)"])
        assert info.value.message.startswith(f"PIP_NATIVE_DNF={given} is dnf5 ({path}/dnf5); ")
        assert info.value.hint == (
            f"Set PIP_NATIVE_DNF=dnf4 (dnf 4, found at {path}/dnf4), or unset PIP_NATIVE_DNF: "
            "pip-native then uses it by itself."
        )
    assert run.call_count == 0


def test_dnf5_system_plans_and_installs_with_dnf4(tmp_path: Path, mocker: MockerFixture) -> None:
    # every dnf command, the simulation and the install command, runs dnf4: the recordings
    # answer only when they start with dnf4 instead of the dnf they were recorded with
    fake = FakeDnf()
    fake.results = {(("dnf4", *a[1:]) if a[0] == "dnf" else a): r for a, r in fake.results.items()}
    mocker.patch("pip_native.subproc.run", side_effect=fake)
    path = fedora_41(tmp_path)
    dnf = DnfAdapter(installroot=RECORDED_ROOT, options=RECORDED_OPTIONS, environ={"PATH": path})
    step = dnf.plan_install(["python3-pntest-core"])
    base = ("dnf4", *BASE[1:])
    assert fake.calls[-1] == (*base, "install", "--assumeno", WEAK, *step.requested)
    assert step.command == (*base, "install", "-y", WEAK, "python3-pntest-core-1.0-1.noarch")
    assert native_argv(step, use_sudo=False) == list(step.command)
    assert [c[0] for c in fake.calls] == ["rpm"] + ["dnf4"] * (len(fake.calls) - 1)


# -- query / closure --------------------------------------------------------------


def test_query_many_names_in_two_processes(fake: FakeDnf) -> None:
    dnf = adapter()
    found = dnf.query(QUERY_NAMES)
    assert fake.calls == [RPM_QA, load_recording("batch-2-repoquery").argv]
    repoquery = fake.calls[1]
    (whatprovides,) = [a for a in repoquery if a.startswith("--whatprovides=")]
    assert sorted(whatprovides.removeprefix("--whatprovides=").split(",")) == sorted(QUERY_NAMES)
    assert found["python3dist(pntest-app)"] == pkg("python3-pntest-app", "2.0-1")
    # a package name and the provide it carries answer with the same package
    assert found["python3dist(pntest-core)"] == found["python3-pntest-core"]
    assert found["python3-pntest-core"] == pkg("python3-pntest-core", "1.0-1", "0.9-1")
    assert found["pntest-virtual"] == pkg("python3-pntest-impl", "1:3.1-2.fc40")
    assert found["python3dist(pntest-pre)"].version == "1.0~rc1-1"
    assert found["python3dist(pntest-multi-plugin)"].name == "python3-pntest-multi"
    assert found["python(abi)"] == pkg("python3", "3.11.99-1", "3.11.99-1")
    assert found["libpntest.so.0()(64bit)"].name == "libpntest"
    assert "python3dist(no-such-project)" not in found
    again = dnf.query(["python3dist(pntest-app)", "pntest-virtual"])
    assert again["pntest-virtual"].name == "python3-pntest-impl"
    assert len(fake.calls) == 2  # answers are kept for the adapter's lifetime


def test_query_never_sends_names_dnf_would_split(fake: FakeDnf) -> None:
    dnf = adapter()
    dnf.query(QUERY_NAMES)
    assert dnf.query(["a,b", "two words"]) == {}
    assert len(fake.calls) == 2


def batch(fake: FakeDnf) -> tuple[DnfAdapter, dict[str, list[SystemPackage]]]:
    dnf = adapter(dists_for_package=lambda p: ["pntest-lib"] if p == "libpntest" else [])
    dnf.query(QUERY_NAMES)
    closures = {}
    for name in ("python3dist(pntest-app)", "python3dist(pntest-old)", "python3-pntest-core"):
        closures[name] = list(dnf.closure(name))
    return dnf, closures


def test_closures_of_everything_queried_cost_two_more_processes(fake: FakeDnf) -> None:
    _, closures = batch(fake)
    prefetch, round_one = load_recording("batch-3-repoquery"), load_recording("batch-4-repoquery")
    assert fake.calls[2:] == [prefetch.argv, round_one.argv]
    # one recursive prefetch for every root queried so far (speculatively: all of them) ...
    # (python3, the python(abi) answer, is installed: its requires come from rpm, not dnf)
    assert prefetch.argv[-11:] == (
        "--requires",
        "--resolve",
        "--recursive",
        "libpntest-1.2-1.noarch",
        "python3-pntest-app-2.0-1.noarch",
        "python3-pntest-broken-1.0-1.noarch",
        "python3-pntest-core-1.0-1.noarch",
        "python3-pntest-impl-1:3.1-2.fc40.noarch",
        "python3-pntest-multi-1.0-1.noarch",
        "python3-pntest-old-0.1-1.noarch",
        "python3-pntest-pre-1.0~rc1-1.noarch",
    )
    # ... then one round for what it could not answer: names nothing provides
    assert (
        round_one.argv[-1] == "--whatprovides=libpntest-gone.so.1()(64bit),python3-pntest-missing"
    )
    app = closures["python3dist(pntest-app)"]
    assert app[0] == pkg("python3-pntest-app", "2.0-1")
    by_name = {p.name: p for p in app}
    assert by_name["python3"].is_installed  # installed dependencies are part of the closure
    assert by_name["python3-pntest-core"] == pkg("python3-pntest-core", "1.0-1", "0.9-1")
    # exactly what dnf's own simulation installs (tests/data/dnf/plan-app-3-install)
    simulated = {
        line.split()[0]
        for line in load_recording("plan-app-3-install").stdout.splitlines()
        if line.startswith(" python3-") or line.startswith(" lib")
    } - {"python3-pntest-with-a-name-long-enough-to-wrap-the-table"}
    assert {p.name for p in app if p.version != p.installed_version} == simulated
    old = closures["python3dist(pntest-old)"]
    assert [(p.name, p.version, p.installed_version) for p in old] == [
        ("python3-pntest-old", "0.1-1", None),
        ("python3", "3.11.99-1", "3.11.99-1"),
        ("python3-pntest-core", "0.9-1", "0.9-1"),  # the installed 0.9 satisfies "< 1.0"
    ]
    core = closures["python3-pntest-core"]
    assert [(p.name, p.version, p.installed_version) for p in core] == [
        ("python3-pntest-core", "1.0-1", "0.9-1"),  # an upgrade of the installed root
        ("python3", "3.11.99-1", "3.11.99-1"),
    ]


def test_closure_errors(fake: FakeDnf) -> None:
    dnf, _ = batch(fake)
    with pytest.raises(NoNativePackageError, match=r"requires 'libpntest-gone.so.1\(\)\(64bit\)'"):
        dnf.closure("python3dist(pntest-broken)")
    with pytest.raises(NoNativePackageError, match="no-such-project") as info:
        dnf.closure("python3dist(no-such-project)")
    assert info.value.hint is not None and "repoquery --whatprovides" in info.value.hint
    assert fake.count("dnf", "repoquery") == 3


# -- provided_distributions ---------------------------------------------------------


def test_provided_distributions_from_python3dist_provides(fake: FakeDnf) -> None:
    dnf, closures = batch(fake)
    app = closures["python3dist(pntest-app)"]
    old = closures["python3dist(pntest-old)"][0]
    pre = dnf.query(["python3dist(pntest-pre)"])["python3dist(pntest-pre)"]
    multi = dnf.query(["python3dist(pntest-multi-plugin)"])["python3dist(pntest-multi-plugin)"]
    extra = pkg("python3-pntest-extra", "1.0-1")  # not fetched yet: one more repoquery
    provided = dnf.provided_distributions([*app, old, pre, multi, extra])
    assert fake.calls[4:] == [load_recording("batch-5-repoquery").argv]
    summary = {
        name: sorted((str(d.name), str(d.version)) for d in dists)
        for name, dists in provided.items()
    }
    assert summary == {
        "python3-pntest-app": [("pntest-app", "2.0")],
        "python3-pntest-core": [("pntest-core", "1.0")],  # the version the closure installs
        "python3-pntest-helper": [("pntest-helper", "0.5")],
        "python3-pntest-impl": [("pntest-impl", "3.1")],  # epoch 1 is RPM's, not PEP 440's
        "python3": [],
        "libpntest": [("pntest-lib", "1.2")],  # no provides: the mapping's names
        "python3-pntest-old": [("pntest-old", "0.1")],
        "python3-pntest-pre": [("pntest-pre", "1.0rc1")],  # 1~rc1 in RPM
        "python3-pntest-multi": [("pntest-multi", "1.0"), ("pntest-multi-plugin", "2.0")],
        "python3-pntest-extra": [("pntest-extra", "1.0")],
    }
    # the installed 0.9 (in the closure of python3-pntest-old) is another package, another answer
    installed_core = closures["python3dist(pntest-old)"][2]
    assert installed_core.is_installed
    answer = dnf.provided_distributions([installed_core])["python3-pntest-core"]
    assert [(str(d.name), str(d.version)) for d in answer] == [("pntest-core", "0.9")]
    assert len(fake.calls) == 5


# -- plan_install ---------------------------------------------------------------------


def test_plan_install_names_the_exact_packages(fake: FakeDnf) -> None:
    long_name = "python3dist(pntest-with-a-name-long-enough-to-wrap-the-table)"
    step = adapter().plan_install(["python3dist(pntest-app)", long_name])
    specs = (
        "python3-pntest-app-2.0-1.noarch",
        "python3-pntest-with-a-name-long-enough-to-wrap-the-table-1.0-1.noarch",
    )
    # installed state, the two names, rounds of their closures (neither brings the other), and
    # the one simulation
    assert fake.calls[:2] == [RPM_QA, load_recording("plan-app-1-repoquery").argv]
    assert fake.calls[-1] == (*BASE, "install", "--assumeno", WEAK, *specs)
    assert [c[6] for c in fake.calls[1:-1]] == ["repoquery"] * 3
    assert step.command == (*BASE, "install", "-y", WEAK, *specs)
    assert step.requested == specs
    # the names behind the exact specs: what the report's "requested" flags and undo use
    assert step.requested_names == (
        "python3-pntest-app",
        "python3-pntest-with-a-name-long-enough-to-wrap-the-table",
    )
    assert step.needs_root and step.manager == "dnf" and step.env is None
    assert [(p.name, p.version, p.installed_version) for p in step.new_packages] == [
        ("python3-pntest-app", "2.0-1", None),
        ("python3-pntest-with-a-name-long-enough-to-wrap-the-table", "1.0-1", None),
        ("python3-pntest-core", "1.0-1", "0.9-1"),
        ("libpntest", "1.2-1", None),
        ("python3-pntest-helper", "0.5-1", None),
        ("python3-pntest-impl", "1:3.1-2.fc40", None),
    ]


def test_plan_install_leaves_off_what_another_requested_package_brings(fake: FakeDnf) -> None:
    step = adapter().plan_install(
        [
            "python3dist(pntest-core)",
            "python3dist(pntest-app)",
            "python3dist(pntest-helper)",
            "python3dist(pntest-pre)",
        ]
    )
    # python3-pntest-app requires core >= 1.0 and helper: dnf installs them as its dependencies
    assert step.requested == (
        "python3-pntest-app-2.0-1.noarch",
        "python3-pntest-pre-1.0~rc1-1.noarch",
    )
    assert step.command[-2:] == step.requested
    assert {"python3-pntest-core", "python3-pntest-helper"} <= {p.name for p in step.new_packages}
    assert fake.calls[-1] == load_recording("plan-roots-3-install").argv


def test_plan_install_upgrade_and_nothing_to_do(fake: FakeDnf) -> None:
    step = adapter().plan_install(["python3-pntest-core"])
    assert step.command[-1] == "python3-pntest-core-1.0-1.noarch"  # the NEVRA makes it an upgrade
    assert step.new_packages == (pkg("python3-pntest-core", "1.0-1", "0.9-1"),)
    nothing = adapter().plan_install(["python3"])
    assert nothing.new_packages == () and nothing.requested == ("python3-3.11.99-1.noarch",)


def test_plan_install_unresolvable(fake: FakeDnf) -> None:
    with pytest.raises(CommandFailed) as info:
        adapter().plan_install(["python3dist(pntest-broken)"])
    err = info.value
    assert "nothing provides libpntest-gone.so.1()(64bit)" in err.message
    assert err.command == (
        *BASE,
        "install",
        "--assumeno",
        WEAK,
        "python3-pntest-broken-1.0-1.noarch",
    )
    assert err.hint is not None and "from PyPI" in err.hint


def test_plan_install_conflict_is_never_resolved_by_removing(fake: FakeDnf) -> None:
    with pytest.raises(CommandFailed, match="conflicts with python3-pntest-core") as info:
        adapter().plan_install(["python3-pntest-core2"])
    assert "--allowerasing" not in info.value.command  # type: ignore[operator]
    assert "dnf never removes packages" in (info.value.hint or "")


def test_plan_install_package_gone_since_the_query(mocker: MockerFixture) -> None:
    # the repository changed between the query and the simulation: dnf's recorded answer for
    # a version it does not have, given to the simulation of the upgrade
    sim = (*BASE, "install", "--assumeno", WEAK, "python3-pntest-core-1.0-1.noarch")
    fake = FakeDnf(extra={sim: dataclasses.replace(load_recording("install-no-match"), argv=sim)})
    mocker.patch("pip_native.subproc.run", side_effect=fake)
    mocker.patch("pip_native.native.dnf.shutil.which", return_value="/usr/bin/dnf-3")
    with pytest.raises(
        NoNativePackageError, match=r"python3-pntest-core-0\.5-1\.noarch: no package"
    ):
        adapter().plan_install(["python3-pntest-core"])


def test_plan_install_without_root_uses_the_model(
    mocker: MockerFixture, caplog: pytest.LogCaptureFixture
) -> None:
    # dnf 4 refuses to simulate as non-root (recorded as user nobody); the step then lists what
    # the closures say, which for this repository is exactly what dnf's simulation says
    sim = (*BASE, "install", "--assumeno", WEAK, "python3-pntest-app-2.0-1.noarch")
    refusal = dataclasses.replace(load_recording("install-not-root"), argv=sim)
    fake = FakeDnf(extra={sim: refusal})
    mocker.patch("pip_native.subproc.run", side_effect=fake)
    mocker.patch("pip_native.native.dnf.shutil.which", return_value="/usr/bin/dnf-3")
    dnf = adapter()
    dnf.query(QUERY_NAMES)
    step = dnf.plan_install(["python3dist(pntest-app)"])
    simulated = [
        (row.split()[0], row.split()[2])
        for row in load_recording("plan-app-3-install").stdout.splitlines()
        if row.startswith((" python3-pntest", " lib")) and "wrap-the-table" not in row
    ]
    assert sorted((p.name, p.version) for p in step.new_packages) == sorted(simulated)
    assert step.command == (*BASE, "install", "-y", WEAK, "python3-pntest-app-2.0-1.noarch")
    assert "dnf simulates installs only as root" in caplog.text


@pytest.mark.parametrize("names", [[], ["bad name"], ["python3-x; rm -rf /"], ["-y"]])
def test_plan_install_rejects_bad_names(fake: FakeDnf, names: list[str]) -> None:
    with pytest.raises(InvalidIdentifierError):
        adapter().plan_install(names)
    assert fake.calls == []


def test_plan_install_unknown_name_is_caught_before_simulating(fake: FakeDnf) -> None:
    dnf = adapter()
    dnf.query(QUERY_NAMES)
    with pytest.raises(NoNativePackageError, match="'python3dist\\(no-such-project\\)'"):
        dnf.plan_install(["python3dist(pntest-app)", "python3dist(no-such-project)"])
    assert fake.count("dnf", "install") == 0


def test_long_provide_lists_are_split_across_options() -> None:
    names = [f"python3dist(project-number-{i:05d})" for i in range(5000)]
    argv = DnfAdapter(environ={})._repoquery("%{name}", names)
    chunks = [a for a in argv if a.startswith("--whatprovides=")]
    assert len(chunks) > 1 and all(len(c) < 64_000 for c in chunks)
    assert sum(c.count(",") + 1 for c in chunks) == 5000
    escaped = DnfAdapter(environ={})._repoquery("%{name}", ["python3dist(foo[bar])", "lib*"])
    assert escaped[-1] == "--whatprovides=python3dist(foo[[]bar]),lib[*]"


# -- check_target -----------------------------------------------------------------------


def target(**overrides: object) -> TargetEnvironment:
    values: dict[str, object] = {
        "executable": "/usr/bin/python3",
        "base_executable": "/usr/bin/python3.12",
        "version": Version("3.12.4"),
        "implementation": "cpython",
        "prefix": "/usr",
        "base_prefix": "/usr",
        "is_venv": False,
        "system_site_packages": False,
        "purelib": "/usr/local/lib/python3.12/site-packages",
        "platlib": "/usr/local/lib64/python3.12/site-packages",
        "sys_path": (
            "/usr/lib64/python312.zip",
            "/usr/lib64/python3.12/site-packages",
            "/usr/lib/python3.12/site-packages",
        ),
        "externally_managed": None,
        "markers": {},
        "tags": (),
        "distributions": (),
    }
    values.update(overrides)
    return TargetEnvironment(**values)  # type: ignore[arg-type]


VENV = {
    "executable": "/home/u/.venvs/p/bin/python",
    "prefix": "/home/u/.venvs/p",
    "is_venv": True,
    "system_site_packages": True,
    "purelib": "/home/u/.venvs/p/lib/python3.12/site-packages",
}


@pytest.fixture
def fedora(mocker: MockerFixture) -> DnfAdapter:
    """The running system (no installroot) with a Python 3.12 /usr/bin/python3."""
    mocker.patch("pip_native.native.dnf.shutil.which", return_value="/usr/bin/dnf-3")
    mocker.patch.object(DnfAdapter, "_python_file_version", return_value="3.12")
    return DnfAdapter(environ={})


def test_check_target_accepts_system_python_and_system_site_venv(fedora: DnfAdapter) -> None:
    fedora.check_target(target())
    fedora.check_target(target(**VENV))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({**VENV, "system_site_packages": False}, "does not include the system site-packages"),
        (
            {"base_prefix": "/usr/local", "base_executable": "/usr/local/bin/python3.12"},
            "not based on /usr/bin/python3",
        ),
        (
            {"base_prefix": "/opt/conda", "base_executable": "/opt/conda/bin/python3.12"},
            "not based on",
        ),
        (
            {"version": Version("3.13.0"), "base_executable": "/usr/bin/python3.13"},
            "Python 3.13 but",
        ),
        ({"implementation": "pypy"}, "pypy"),
        (
            {"sys_path": ("/usr/lib64/python312.zip",)},
            "/usr/lib/python3.12/site-packages is not on its sys.path",
        ),
    ],
)
def test_check_target_refuses(
    fedora: DnfAdapter, overrides: dict[str, object], reason: str
) -> None:
    env = target(**overrides)
    with pytest.raises(TargetEnvironmentError) as info:
        fedora.check_target(env)
    assert reason in info.value.message
    assert env.executable in info.value.message
    hint = info.value.hint or ""
    assert hint.startswith("/usr/bin/python3 -m venv --system-site-packages ")
    assert hint.endswith("/bin/activate")


def test_check_target_hint_repairs_an_existing_venv(fedora: DnfAdapter) -> None:
    with pytest.raises(TargetEnvironmentError) as info:
        fedora.check_target(target(**{**VENV, "system_site_packages": False}))
    assert info.value.hint == (
        "/usr/bin/python3 -m venv --system-site-packages /home/u/.venvs/p && "
        ". /home/u/.venvs/p/bin/activate"
    )


def test_check_target_not_an_rpm_system(mocker: MockerFixture) -> None:
    mocker.patch("pip_native.native.dnf.shutil.which", return_value=None)
    with pytest.raises(TargetEnvironmentError, match="dnf, rpm not found on PATH"):
        DnfAdapter(environ={}).check_target(target())


def test_check_target_without_any_python(mocker: MockerFixture) -> None:
    mocker.patch("pip_native.native.dnf.shutil.which", return_value="/usr/bin/dnf-3")
    mocker.patch.object(DnfAdapter, "_python_file_version", return_value=None)
    mocker.patch.object(DnfAdapter, "_python_abi_version", return_value=None)
    with pytest.raises(TargetEnvironmentError, match="/usr/bin/python3 does not exist") as info:
        DnfAdapter(environ={}).check_target(target())
    assert info.value.hint == (
        "dnf install python3 && /usr/bin/python3 -m venv --system-site-packages "
        "~/.venvs/myproject && . ~/.venvs/myproject/bin/activate"
    )


def installroot(tmp: Path, xy: str = "3.11") -> Path:
    """A root as the fake ``python3`` RPM leaves it: a dangling python3 -> python3.X link."""
    (tmp / "usr" / "bin").mkdir(parents=True)
    (tmp / "usr" / "bin" / "python3").symlink_to(f"python{xy}")
    for lib in ("lib", "lib64"):
        (tmp / "usr" / lib / f"python{xy}" / "site-packages").mkdir(parents=True)
    return tmp


def host_venv(root: Path, *, with_root_site: bool = True) -> TargetEnvironment:
    """A venv of some other Python 3.11 that sees the root's site-packages through a .pth file."""
    site = tuple(str(root / "usr" / lib / "python3.11/site-packages") for lib in ("lib", "lib64"))
    return target(
        **VENV,
        version=Version("3.11.2"),
        base_executable="/usr/bin/python3.11",
        sys_path=("/usr/lib/python311.zip", *(site if with_root_site else ())),
    )


def test_check_target_installroot_accepts_a_python_that_sees_its_site_packages(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    mocker.patch("pip_native.native.dnf.shutil.which", return_value="/usr/bin/dnf-3")
    run = mocker.patch("pip_native.subproc.run")
    root = installroot(tmp_path)
    DnfAdapter(installroot=str(root), options=()).check_target(host_venv(root))
    assert run.call_count == 0  # the version comes from the link's name, nothing is run


def test_check_target_installroot_refusals(tmp_path: Path, mocker: MockerFixture) -> None:
    mocker.patch("pip_native.native.dnf.shutil.which", return_value="/usr/bin/dnf-3")
    root = installroot(tmp_path)
    dnf = DnfAdapter(installroot=str(root), options=())
    with pytest.raises(TargetEnvironmentError) as info:
        dnf.check_target(host_venv(root, with_root_site=False))
    site = root / "usr/lib/python3.11/site-packages"
    lib64 = root / "usr/lib64/python3.11/site-packages"
    assert f"{site} and {lib64} are not on its sys.path" in info.value.message
    assert info.value.hint == (
        f"{root}/usr/bin/python3 -m venv --system-site-packages ~/.venvs/myproject && "
        ". ~/.venvs/myproject/bin/activate"
    )
    wrong = dataclasses.replace(host_venv(root), version=Version("3.12.1"))
    with pytest.raises(TargetEnvironmentError, match=r"Python 3.12 but .*\(Python 3.11\)"):
        dnf.check_target(wrong)


def test_root_python_from_python_abi_when_the_root_has_none(fake: FakeDnf) -> None:
    dnf = adapter()
    dnf.query(QUERY_NAMES)
    assert dnf._python_abi_version() == "3.11"  # python3's "python(abi) = 3.11" provide
    assert len(fake.calls) == 2


def test_python_file_version_follows_links_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "etc" / "alternatives").mkdir(parents=True)
    # an absolute link is read inside the root, not on the host
    (tmp_path / "usr" / "bin" / "python3").symlink_to("/etc/alternatives/python3")
    (tmp_path / "etc" / "alternatives" / "python3").symlink_to("/usr/bin/python3.13")
    assert DnfAdapter(installroot=str(tmp_path), options=())._python_file_version() == "3.13"
    assert (
        DnfAdapter(installroot=str(tmp_path / "empty"), options=())._python_file_version() is None
    )
