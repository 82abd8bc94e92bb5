"""Tests for pip_native.native.apt.AptAdapter with subproc.run answering recorded apt output."""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from packaging.version import Version

from pip_native import subproc
from pip_native.environment import TargetEnvironment
from pip_native.errors import (
    CommandFailed,
    InvalidIdentifierError,
    NoNativePackageError,
    ResolutionConflictError,
    TargetEnvironmentError,
)
from pip_native.native import apt_universe
from pip_native.native.apt import AptAdapter
from pip_native.native.apt_lists import APT_HELPER, reduced_options
from pip_native.native.apt_stanzas import parse_dumpavail
from pip_native.native.apt_universe import load_stored
from pip_native.native.base import (
    KnowsInstalled,
    NativeAdapter,
    SimulatesAhead,
    SystemPackage,
)
from pip_native.subproc import CommandResult
from test_apt_recordings import GENCACHES, FakeApt, load_recording, write_lists

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

ENV = {"APT_CONFIG": "/nonexistent/pntest-apt.conf"}
DPKG_W = tuple(load_recording("dpkg-query-W").argv)
APT_CONFIG = tuple(load_recording("apt-config-shell").argv)
SIMULATE = ("apt-get", "-s", "-o", "Debug::NoLocking=1", "install", "--no-install-recommends")
PRINT_URIS = ("apt-get", "--print-uris", "-q", "-V", "-o", "Debug::NoLocking=1")


@pytest.fixture
def fake(mocker: MockerFixture, tmp_path: Path) -> FakeApt:
    return FakeApt(lists=write_lists(tmp_path / "lists")).patch(mocker)


def mapping(package: str) -> list[str]:
    return {
        "python3-sklearn": ["scikit_learn"],
        "python3-numpy": ["numpy"],
        "python3-joblib": ["joblib"],
        "no-such-package": ["Some.Thing"],
    }.get(package, [])


def test_is_a_native_adapter() -> None:
    adapter = AptAdapter()
    assert isinstance(adapter, NativeAdapter)
    assert adapter.name == "apt"


# -- query / closure -----------------------------------------------------------


def fifty_names() -> list[str]:
    excerpt = parse_dumpavail(load_recording("dumpavail-excerpt").stdout, "amd64")
    names = sorted(excerpt)[:47]
    return [*names, "no-such-package", "python3-numpy-abi9", "python3-sklearn"]


def kinds(apt: FakeApt) -> list[str]:
    """What each call did: apt-config, cat-file, dpkg-query -W/-L, dumpavail, gencaches,
    --print-uris or -s."""
    out = []
    for call in apt.calls:
        if call[1:3] == ("-m", apt_universe.__name__):
            out.append("universe process")
        elif call[0] == APT_HELPER:
            out.append(call[1])
        elif call[0] == "apt-cache":
            out.append(call[-1])
        elif call[0] == "apt-get":
            out.append(call[1])
        elif call[0] == "dpkg-query":
            out.append(" ".join(a for a in call if a in ("dpkg-query", "-W", "-L")))
        else:
            out.append(call[0])
    return out


def universe_of(call: tuple[str, ...]) -> Path:
    """The universe's lists directory an apt command was given."""
    (option,) = [a for a in call if a.startswith("Dir::State::lists=")]
    return Path(option.partition("=")[2])


def universe_options(call: tuple[str, ...]) -> tuple[str, ...]:
    return reduced_options(universe_of(call))


def test_query_reads_the_lists_once(fake: FakeApt) -> None:
    adapter = AptAdapter(env=ENV)
    names = fifty_names()
    found = adapter.query(names)
    assert kinds(fake) == ["apt-config", "cat-file", "dpkg-query -W", "dumpavail"]
    assert all(env == ENV for env in fake.envs)
    dumpavail = fake.calls[-1]
    # apt answers from the universe's lists, with no binary cache: never the system's
    assert dumpavail == ("apt-cache", *universe_options(dumpavail), "dumpavail")
    assert "Dir::Cache::pkgcache=" in dumpavail
    assert "no-such-package" not in found
    assert "python3-numpy-abi9" not in found  # virtual: no version of its own
    assert len(found) == len(names) - 2
    assert found["python3-sklearn"] == SystemPackage(
        "apt", "python3-sklearn", "1.2.1+dfsg-1", None, "all"
    )
    yaml = adapter.query(["python3-yaml"])["python3-yaml"]
    assert (yaml.version, yaml.installed_version, yaml.arch) == ("6.0-3+b2", "6.0-3+b2", "amd64")
    assert yaml.is_installed
    assert len(fake.calls) == 4  # installed: in the universe from the start


def test_query_installed_package_without_candidate(fake: FakeApt) -> None:
    # adduser is installed but its stanza is not in the lists
    pkg = AptAdapter().query(["adduser"])["adduser"]
    assert (pkg.version, pkg.installed_version) == ("3.134", "3.134")


def test_the_universe_grows_once_per_batch_of_names(fake: FakeApt, mocker: MockerFixture) -> None:
    adapter = AptAdapter()
    adapter.prepare_ahead()  # the universe of the installed packages, in its own process
    for thread in adapter._ahead_threads:  # and dpkg's records, read in a thread
        thread.join()
    ahead = kinds(fake)
    assert ahead.count("dpkg-query -W") == 2  # the process's and the adapter's own
    # no dumpavail: a plan that asks apt nothing needs none, one that asks grows first
    assert [kind for kind in ahead if kind != "dpkg-query -W"] == [
        "apt-config",
        "universe process",
        "cat-file",
    ]
    stored = load_stored(adapter._universe_of_state().workdir)
    assert stored is not None and not stored.avail.exists()
    base = stored.directory
    names = ["python3-sklearn", "python3-yaml", "python3-requests", "python3-lxml"]
    walked = mocker.spy(apt_universe, "installed_dependencies")
    adapter.query(names)
    # grown here, from the tables the process kept: no list read again, no dpkg-query,
    # and dpkg's records not walked again (the process's universe holds every installed
    # package, so nothing reached from now on is installed)
    assert kinds(fake)[5:] == ["dumpavail"]
    assert walked.call_count == 0
    grown = universe_of(fake.calls[-1])
    closures = {name: adapter.closure(name) for name in names}
    adapter.query(["no-such-package", "python3-numpy"])  # unknown, and reached by sklearn
    adapter.finish_ahead()
    assert len(fake.calls) == 6
    (listed,) = grown.glob("*_Packages")
    universe = {line.split()[1] for line in listed.read_text().splitlines() if "Package:" in line}
    assert {"python3-sklearn", "python3-numpy", "python3-scipy", "libblas3"} <= universe
    (before,) = base.glob("*_Packages")
    assert "Package: python3-sklearn\n" not in before.read_text()
    assert "Package: python3-sklearn\n" in listed.read_text()
    assert (grown / "deb.debian.org_debian_dists_bookworm_InRelease").is_symlink()
    sklearn = closures["python3-sklearn"]
    assert sklearn[0] == SystemPackage("apt", "python3-sklearn", "1.2.1+dfsg-1", None, "all")
    by_name = {p.name: p for p in sklearn}
    assert by_name["python3-numpy"].version == "1:1.24.2-1+deb12u1"
    assert by_name["libc6"].is_installed  # installed dependencies are included
    new = {p.name for p in sklearn if not p.is_installed}
    simulated = {
        line.split()[1]
        for line in load_recording("apt-get-s-sklearn").stdout.splitlines()
        if line.startswith("Inst ")
    }
    assert new == simulated


def test_closure_unknown_name(fake: FakeApt) -> None:
    with pytest.raises(NoNativePackageError, match="no-such-package"):
        AptAdapter().closure("no-such-package")


# -- provided_distributions ----------------------------------------------------


def installed(name: str, version: str) -> SystemPackage:
    return SystemPackage("apt", name, version, version, "all")


def test_provided_distributions_one_dpkg_call(fake: FakeApt) -> None:
    adapter = AptAdapter(dists_for_package=mapping)
    packages = [
        installed("python3-yaml", "6.0-3+b2"),
        installed("python3-six", "1.16.0-4"),
        installed("python3-cryptography", "38.0.4-3+deb12u1"),
        installed("python3-distro", "1.8.0-1"),
        installed("libyaml-0-2", "0.2.5-1"),
        installed("no-such-package", "2.0-1"),  # claims installed, dpkg says no: use the mapping
        SystemPackage("apt", "python3-sklearn", "1.2.1+dfsg-1", None, "all"),
        SystemPackage("apt", "python3-numpy", "1:1.24.2-1+deb12u1", None, "amd64"),
        SystemPackage("apt", "libblas3", "3.11.0-2", None, "amd64"),
    ]
    provided = adapter.provided_distributions(packages)
    assert fake.calls == [load_recording("dpkg-query-L").argv]
    summary = {
        pkg: [(str(d.name), str(d.version)) for d in dists] for pkg, dists in provided.items()
    }
    assert summary == {
        "python3-yaml": [("pyyaml", "6.0")],
        "python3-six": [("six", "1.16.0")],
        "python3-cryptography": [("cryptography", "38.0.4")],
        "python3-distro": [("distro", "1.8.0")],
        "libyaml-0-2": [],
        "no-such-package": [("some-thing", "2.0")],
        "python3-sklearn": [("scikit-learn", "1.2.1")],
        "python3-numpy": [("numpy", "1.24.2")],
        "libblas3": [],
    }
    assert provided["python3-yaml"][0].package == packages[0]
    # cached: asking again (also for an upgrade of an installed package) runs nothing new
    upgrade = SystemPackage("apt", "python3-yaml", "6.1-1", "6.0-3+b2", "amd64")
    again = adapter.provided_distributions([packages[0], upgrade])
    assert len(fake.calls) == 1
    assert again["python3-yaml"][0].version == Version("6.1")


def test_provided_distributions_without_mapping(fake: FakeApt) -> None:
    pkg = SystemPackage("apt", "python3-sklearn", "1.2.1+dfsg-1", None, "all")
    assert AptAdapter().provided_distributions([pkg]) == {"python3-sklearn": ()}
    assert fake.calls == []


def test_unversioned_egg_info_uses_debian_version(mocker: MockerFixture) -> None:
    argv = ("dpkg-query", "-L", "python3-foo", "python3-weird")
    out = (
        "/.\n/usr/lib/python3/dist-packages/foo.egg-info\n"
        "/usr/lib/python3/dist-packages/foo.egg-info/PKG-INFO\n\n"
        "/.\n/usr/lib/python3/dist-packages/weird-not.a.version.dist-info\n"
        "/usr/lib/python3/dist-packages/nover.egg-info\n"
    )
    apt = FakeApt("apt-config-shell", extra={argv: CommandResult(argv, 0, out, "")})
    mocker.patch("pip_native.subproc.run", side_effect=apt)
    provided = AptAdapter().provided_distributions(
        [installed("python3-foo", "1:2.5~rc1+dfsg-3"), installed("python3-weird", "abc-1")]
    )
    assert [(d.name, d.version) for d in provided["python3-foo"]] == [("foo", Version("2.5rc1"))]
    assert provided["python3-weird"] == ()  # neither the directory nor the deb version is PEP 440


def test_provided_distributions_skips_unconvertible_candidate(fake: FakeApt) -> None:
    pkg = SystemPackage("apt", "python3-numpy", "snapshot-1", None, "amd64")
    assert AptAdapter(dists_for_package=mapping).provided_distributions([pkg]) == {
        "python3-numpy": ()
    }


# -- plan_install --------------------------------------------------------------


def simulation(call: tuple[str, ...], *names: str) -> tuple[str, ...]:
    """The ``apt-get --print-uris`` of ``names`` on the universe ``call`` names."""
    empty = universe_of(call).parent / "empty-archives"
    archives = ("-o", f"Dir::Cache::Archives={empty}")
    install = ("install", "--no-install-recommends", *names)
    return (*PRINT_URIS, *universe_options(call), *archives, *install)


PANDAS = ["python3-pandas", "python3-audit", "python3-pyassimp", "python3-yaml"]


def test_plan_install(fake: FakeApt) -> None:
    adapter = AptAdapter(env=ENV)
    step = adapter.plan_install(PANDAS)
    # the simulation needs the universe's lists, not apt's candidates in it (no dumpavail)
    assert kinds(fake) == ["apt-config", "cat-file", "dpkg-query -W", "--print-uris"]
    assert fake.calls[-1] == simulation(fake.calls[-1], *PANDAS)
    (listed,) = universe_of(fake.calls[-1]).glob("*_Packages")
    assert "Package: python3-pandas\n" in listed.read_text()
    assert fake.envs == [ENV] * 4
    assert step.manager == "apt"
    assert step.command == (
        "apt-get",
        "-o",
        "DPkg::Lock::Timeout=120",
        "install",
        "-y",
        "--no-install-recommends",
        *PANDAS,
    )
    assert step.requested == tuple(PANDAS)
    assert step.needs_root
    assert step.env == {"DEBIAN_FRONTEND": "noninteractive", **ENV}
    assert len(step.new_packages) == 10
    pandas = next(p for p in step.new_packages if p.name == "python3-pandas")
    assert pandas == SystemPackage("apt", "python3-pandas", "1.5.3+dfsg-2", None, "all")


def test_plan_install_upgrade(fake: FakeApt) -> None:
    step = AptAdapter().plan_install(["libcurl4-gnutls-dev"])
    curl = next(p for p in step.new_packages if p.name == "curl")
    assert (curl.version, curl.installed_version) == ("7.88.1-10+deb12u15", "7.88.1-10+deb12u14")
    assert step.env == {"DEBIAN_FRONTEND": "noninteractive"}
    assert kinds(fake)[-1] == "--print-uris"


def test_plan_install_refuses_removals(fake: FakeApt) -> None:
    """A removal is not a plain set of installs: apt-get -s on the full lists says it."""
    with pytest.raises(ResolutionConflictError) as info:
        AptAdapter().plan_install(["ntpsec"])
    assert "systemd-timesyncd 252.38-1~deb12u1" in info.value.message
    assert "never removes" in info.value.message
    assert info.value.command == (*SIMULATE, "ntpsec")
    assert info.value.hint
    assert kinds(fake)[-2:] == ["--print-uris", "-s"]


@pytest.mark.parametrize(
    ("names", "missing"),
    [
        (["no-such-pkg-xyz", "python3-numpy"], "no-such-pkg-xyz"),
        (["libjpeg9-dev"], "libjpeg9-dev"),
        (["mail-transport-agent"], "mail-transport-agent"),
        (["python3-numpy=1:1.0"], "python3-numpy"),
    ],
)
def test_plan_install_unknown_package(fake: FakeApt, names: list[str], missing: str) -> None:
    with pytest.raises(NoNativePackageError) as info:
        AptAdapter().plan_install(names)
    err = info.value
    assert missing in err.message
    assert err.command == (*SIMULATE, *names)
    assert err.hint and "apt-cache policy" in err.hint
    assert "Command: apt-get -s" in err.render()


def test_plan_install_unmet_dependencies(fake: FakeApt) -> None:
    with pytest.raises(CommandFailed) as info:
        AptAdapter().plan_install(["ntpsec", "systemd-timesyncd"])
    err = info.value
    assert "ntpsec : Conflicts: time-daemon" in err.message
    assert "held broken packages" in err.message
    assert err.returncode == 100
    assert err.hint


def simulations_in_threads(apt: FakeApt) -> list[tuple[tuple[str, ...], bool]]:
    """Each apt-get call, and whether the main thread made it."""
    return [
        (c, t is threading.main_thread())
        for c, t in zip(apt.calls, apt.threads)
        if c[0] == "apt-get"
    ]


def test_a_simulation_started_ahead_serves_plan_install(fake: FakeApt) -> None:
    """The resolver's guess is right: apt-get runs once, in the background."""
    adapter = AptAdapter(env=ENV)
    assert isinstance(adapter, SimulatesAhead)
    adapter.simulate_ahead(["libcurl4-gnutls-dev"])
    adapter.simulate_ahead(["libcurl4-gnutls-dev"])  # started once
    step = adapter.plan_install(["libcurl4-gnutls-dev"])
    adapter.finish_ahead()
    ((call, in_main),) = simulations_in_threads(fake)
    assert call == simulation(call, "libcurl4-gnutls-dev")
    assert not in_main
    assert any(p.name == "curl" for p in step.new_packages)


def test_a_simulation_ahead_does_not_wait_for_apts_candidates(fake: FakeApt) -> None:
    """The resolver's question (query: apt's candidates, dumpavail) and the simulation
    started ahead (apt-get, which needs only the universe's lists) run side by side on
    the same universe, grown once."""
    adapter = AptAdapter(env=ENV)
    adapter.simulate_ahead(PANDAS)
    found = adapter.query(PANDAS)
    adapter.finish_ahead()
    assert found["python3-pandas"].version == "1.5.3+dfsg-2"
    seen = kinds(fake)
    assert seen.count("dumpavail") == 1 and seen.count("--print-uris") == 1
    (avail,) = [c for c in fake.calls if c[-1] == "dumpavail"]
    ((call, in_main),) = simulations_in_threads(fake)
    assert universe_of(avail) == universe_of(call) and not in_main


def test_a_wrong_guess_leaves_plan_install_to_run_its_own(fake: FakeApt) -> None:
    adapter = AptAdapter(env=ENV)
    adapter.simulate_ahead(["python3-sklearn"])
    step = adapter.plan_install(["python3-sklearn", "python3-yaml"])
    adapter.finish_ahead()
    calls = [c for c, _ in simulations_in_threads(fake)]
    assert sorted(calls) == [
        simulation(calls[0], "python3-sklearn"),  # unrecorded: its failure stays in its thread
        simulation(calls[0], "python3-sklearn", "python3-yaml"),
    ]
    assert step.requested == ("python3-sklearn", "python3-yaml")


def test_a_failed_simulation_ahead_fails_plan_install_as_usual(fake: FakeApt) -> None:
    adapter = AptAdapter()
    adapter.simulate_ahead(["python3-numpy=1:1.0"])
    with pytest.raises(NoNativePackageError, match="python3-numpy"):
        adapter.plan_install(["python3-numpy=1:1.0"])
    assert [kind for kind in kinds(fake) if kind in ("--print-uris", "-s")] == [
        "--print-uris",  # ahead: failed, so apt-get -s on the full lists says why
        "-s",
    ]


def test_installed_packages_are_left_out_of_the_guess(fake: FakeApt) -> None:
    """The plan keeps installed packages, so it never names them: neither does the guess."""
    adapter = AptAdapter()
    adapter.simulate_ahead(["dpkg", "libc6"])  # both installed in the recorded state
    adapter.simulate_ahead(["dpkg", "libcurl4-gnutls-dev"])
    adapter.finish_ahead()
    ((call, _),) = simulations_in_threads(fake)
    assert call == simulation(call, "libcurl4-gnutls-dev")


def test_installed_needs_no_package_index(fake: FakeApt) -> None:
    adapter = AptAdapter()
    assert isinstance(adapter, KnowsInstalled)
    found = adapter.installed(["dpkg", "python3-sklearn", "no-such-package"])
    assert list(found) == ["dpkg"]
    assert found["dpkg"] == SystemPackage("apt", "dpkg", "1.21.23", "1.21.23", "amd64")
    assert kinds(fake) == ["apt-config", "dpkg-query -W"]  # no list read, no apt-cache
    # the same records serve the index later: dpkg-query -W runs once
    adapter.query(["python3-numpy"])
    assert fake.count("dpkg-query", "-W") == 1


@pytest.mark.parametrize("names", [[], ["-o"], ["Foo"], ["a b"]])
def test_bad_names_start_no_simulation_ahead(fake: FakeApt, names: list[str]) -> None:
    adapter = AptAdapter()
    adapter.simulate_ahead(names)
    adapter.finish_ahead()
    assert fake.calls == []


@pytest.mark.parametrize("names", [[], ["-o"], ["Foo"], ["a b"], ["--purge"]])
def test_plan_install_rejects_bad_names(fake: FakeApt, names: list[str]) -> None:
    with pytest.raises(InvalidIdentifierError):
        AptAdapter().plan_install(names)
    assert fake.calls == []


# -- the universe kept in the cache directory --------------------------------------


@pytest.fixture
def apt_state(tmp_path: Path, mocker: MockerFixture) -> tuple[FakeApt, Path]:
    """Recorded apt output, but apt-config points at state files under tmp_path."""
    lists = write_lists(tmp_path / "lists")
    (lists / "lock").write_text("")
    status = tmp_path / "dpkg" / "status"
    status.parent.mkdir()
    status.write_text("")
    config = (
        f"ARCH='amd64'\nLISTS='{lists}/'\nSTATUS='{status}'\n"
        f"SOURCELIST='{tmp_path}/sources.list'\nSOURCEPARTS='{tmp_path}/sources.list.d/'\n"
    )
    admin = ("dpkg-query", f"--admindir={status.parent}", *DPKG_W[1:])
    apt = FakeApt(
        extra={
            APT_CONFIG: CommandResult(APT_CONFIG, 0, config, ""),
            admin: load_recording("dpkg-query-W"),
        }
    )
    return apt.patch(mocker), tmp_path


def workdirs(cache: Path) -> list[Path]:
    return sorted(cache.glob("apt-universe-*"))


def test_the_universe_is_kept_for_the_next_plan(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    first = AptAdapter(cache_dir=cache).query(["python3-numpy", "python3-yaml"])
    assert kinds(apt) == ["apt-config", "cat-file", "dpkg-query -W", "dumpavail"]
    (workdir,) = workdirs(cache)
    assert universe_of(apt.calls[-1]).parent == workdir
    stored = json.loads((workdir / "universe.json").read_text())
    assert {"python3-numpy", "python3-yaml", "libc6"} <= set(stored["names"])
    assert (workdir / f"u-{stored['digest']}.avail").is_file()

    apt.calls.clear()
    warm = AptAdapter(cache_dir=cache)
    warm.prepare_ahead()  # nothing to do ahead: the universe is stored
    assert warm.query(["python3-numpy", "python3-yaml"]) == first
    assert warm.closure("python3-numpy")[0].name == "python3-numpy"
    warm.finish_ahead()
    assert kinds(apt) == ["apt-config", "dpkg-query -W"]  # no list read, no apt-cache

    # new package lists are another apt state: another work directory, read again
    apt.calls.clear()
    listed = next((tmp / "lists").glob("*_Packages"))
    os.utime(listed, ns=(1, 1))
    AptAdapter(cache_dir=cache).query(["python3-numpy"])
    assert kinds(apt) == ["apt-config", "cat-file", "dpkg-query -W", "dumpavail"]
    assert len(workdirs(cache)) == 2  # the old one stays while it may be in use
    assert len(list(cache.glob("apt-lists-*"))) == 2  # and so are the lists' copies
    # so does a dpkg status change (something was installed), but the lists are the
    # same: their copies and tables serve again; an hour later the old directories go
    for old in [*workdirs(cache), *cache.glob("apt-lists-*")]:
        os.utime(old, (1, 1))
    apt.calls.clear()
    (tmp / "dpkg" / "status").write_text("Package: x\n")
    AptAdapter(cache_dir=cache).query(["python3-numpy"])
    assert kinds(apt) == ["apt-config", "dpkg-query -W", "dumpavail"]  # no list read
    assert len(workdirs(cache)) == 1 and workdirs(cache)[0] not in (workdir,)
    (copies,) = cache.glob("apt-lists-*")  # the current one, used again: kept
    assert (copies / "stanzas").is_file()


def test_a_name_outside_the_stored_universe_grows_it(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    AptAdapter(cache_dir=cache).query(["python3-yaml"])
    apt.calls.clear()
    sklearn = AptAdapter(cache_dir=cache).closure("python3-sklearn")
    # the lists decompressed by the first plan are read again, not apt-helper
    assert kinds(apt) == ["apt-config", "dpkg-query -W", "dumpavail"]
    apt.calls.clear()
    again = AptAdapter(cache_dir=cache)
    assert again.closure("python3-sklearn") == sklearn
    assert again.query(["no-such-package"]) == {}  # unknown: the lists say so, once
    assert kinds(apt) == ["apt-config", "dpkg-query -W"]
    apt.calls.clear()
    later = AptAdapter(cache_dir=cache)
    later.query(["no-such-package", "python3-sklearn"])
    assert later._universe is not None and later._universe._builder._lists is None
    assert kinds(apt) == ["apt-config", "dpkg-query -W"]


@pytest.mark.parametrize("damage", ["universe.json", "avail", "directory"])
def test_a_damaged_stored_universe_is_made_again(
    apt_state: tuple[FakeApt, Path], damage: str
) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    expected = AptAdapter(cache_dir=cache).closure("python3-sklearn")
    (workdir,) = workdirs(cache)
    digest = json.loads((workdir / "universe.json").read_text())["digest"]
    if damage == "universe.json":
        (workdir / "universe.json").write_text("{not json")
    elif damage == "avail":
        (workdir / f"u-{digest}.avail").unlink()
    else:
        shutil.rmtree(workdir / f"u-{digest}")
    apt.calls.clear()
    assert AptAdapter(cache_dir=cache).closure("python3-sklearn") == expected
    # the universe is made again from the lists kept; only what is missing is rewritten
    assert kinds(apt).count("dumpavail") == (damage == "avail")
    assert "cat-file" not in kinds(apt)
    assert load_stored(workdir) is not None
    assert (workdir / f"u-{digest}").is_dir()


def test_without_a_usable_cache_dir_nothing_is_kept(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    blocker = tmp / "file"
    blocker.write_text("")
    assert AptAdapter(cache_dir=blocker / "cache").query(["python3-numpy"])
    adapter = AptAdapter()
    assert adapter.query(["python3-numpy"])
    assert adapter._scratch is not None
    scratch = Path(adapter._scratch.name)
    assert universe_of(apt.calls[-1]).parent == scratch
    del adapter
    gc.collect()
    assert not scratch.exists()
    assert kinds(apt).count("cat-file") == 2  # each adapter read the lists: nothing was kept


def test_left_over_files_are_removed(apt_state: tuple[FakeApt, Path]) -> None:
    """Temporaries of killed plans, and the files of earlier pip-native versions, once an
    hour old (another plan may be writing a newer one right now)."""
    _, tmp = apt_state
    cache = tmp / "cache"
    cache.mkdir()
    old = [
        cache / "pkgcache.bin.Ab12Cd",
        cache / "srcpkgcache.bin.Xy34Zw",
        cache / ".apt-index-x.tmp",
        cache / "apt-index-0123.sqlite",
        cache / "apt-index-0123.dumpavail",
        cache / "apt-dumpavail-ahead-0123",
        cache / ".apt-cache-build-123-abcd",
    ]
    new = [cache / "pkgcache.bin.Fresh1", cache / ".apt-cache-build-456-ef01"]
    for path in [*old, *new]:
        path.write_bytes(b"partial")
    for path in old:
        os.utime(path, (1, 1))
    adapter = AptAdapter(cache_dir=cache)
    adapter.query(["python3-numpy"])
    assert not any(path.exists() for path in old)
    assert all(path.exists() for path in new)
    # and in the work directory: a killed plan's temporaries, earlier universes
    (workdir,) = workdirs(cache)
    leftovers = [workdir / ".u-0123-99-abcd", workdir / "u-0123", workdir / "u-0123.avail"]
    for path in leftovers:
        path.mkdir() if path.suffix != ".avail" else path.write_text("")
        os.utime(path, (1, 1))
    adapter.query(["python3-sklearn"])  # a new universe
    assert not any(path.exists() for path in leftovers)
    assert load_stored(workdir) is not None


def test_the_universe_is_made_ahead_in_a_process_of_its_own(
    apt_state: tuple[FakeApt, Path],
) -> None:
    """Reading the lists is Python work: in a thread it would hold the lock the resolver
    needs. The process gets what it needs on its command line, and pip_native's path."""
    apt, tmp = apt_state
    cache = tmp / "cache"
    adapter = AptAdapter(cache_dir=cache)
    adapter.prepare_ahead()
    adapter.prepare_ahead()  # once
    assert adapter.query(["python3-yaml"])["python3-yaml"].is_installed  # in the first one
    adapter.finish_ahead()
    seen = kinds(apt)
    assert seen.count("dpkg-query -W") == 2  # the process's; the adapter's own, read ahead
    assert [kind for kind in seen if kind != "dpkg-query -W"] == [
        "apt-config",
        "universe process",
        "cat-file",
        "dumpavail",  # by the adapter, for its first question (python3-yaml is installed)
    ]
    (started,) = [s for s in apt.started if s.result.argv[1:3] == ("-m", apt_universe.__name__)]
    argv = started.result.argv
    assert argv[0] == sys.executable
    request = json.loads(argv[3])
    (workdir,) = workdirs(cache)
    assert request["workdir"] == str(workdir)
    assert request["lists"] == str(tmp / "lists")
    (copies,) = cache.glob("apt-lists-*")
    assert request["copies"] == str(copies)
    assert request["dpkg_query"][:2] == ["dpkg-query", f"--admindir={tmp / 'dpkg'}"]
    (env,) = [e for c, e in zip(apt.calls, apt.envs) if c == argv]
    assert env is not None
    # a checkout's src first (PYTHONPATH=src); none where installed (tox)
    assert env.get("PYTHONPATH") == subproc.own_module_env().get("PYTHONPATH")


def test_an_installed_pip_native_needs_no_pythonpath(monkeypatch: pytest.MonkeyPatch) -> None:
    """site-packages on PYTHONPATH would come before the standard library in the process."""
    source = Path(apt_universe.__file__).resolve().parents[2]
    monkeypatch.setattr(subproc.sysconfig, "get_path", lambda key: str(source))
    assert subproc.own_module_env() == {}
    monkeypatch.setattr(subproc.sysconfig, "get_path", lambda key: "/nowhere")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    assert subproc.own_module_env() == {"PYTHONPATH": f"{source}{os.pathsep}/somewhere"}


def test_a_second_adapter_waits_for_the_first_ones_process(
    apt_state: tuple[FakeApt, Path],
) -> None:
    """The command line's adapter starts the process; the planner's, made later in the
    same process, uses it instead of starting another."""
    apt, tmp = apt_state
    apt.hold.set()  # the process runs until killed
    first = AptAdapter(cache_dir=tmp / "cache")
    first.prepare_ahead()
    second = AptAdapter(cache_dir=tmp / "cache")
    second.prepare_ahead()
    assert kinds(apt).count("universe process") == 1
    assert first._universe is not None and second._universe is not None
    assert second._universe._child is first._universe._child
    workdir = first._universe.workdir
    workdir.mkdir()
    copies = first._universe._builder._copies
    copies.mkdir(parents=True)
    left = [workdir / ".raw-4242-abcd", workdir / ".u-0123-4242-ef01"]  # its temporaries
    for path in left:
        path.mkdir()
    files = [  # and its files written atomically, in the work and copies directories
        workdir / ".universe.json.4242.1399.tmp",
        copies / ".stanzas.4242.1399.tmp",
        copies.parent / f".{copies.name}-4242-abcd",
    ]
    for path in files:
        path.write_text("half")
    others = [workdir / ".raw-999-abcd", copies / ".stanzas.999.1399.tmp"]  # other processes'
    for path in others:
        path.write_text("maybe being written right now")
    second.finish_ahead()  # unused: stopped, its temporaries removed
    assert apt.started[0].killed.is_set()
    assert not any(path.exists() for path in [*left, *files])
    assert all(path.exists() for path in others)
    shutil.rmtree(copies)  # made up here: no lists in it
    apt.hold.clear()
    third = AptAdapter(cache_dir=tmp / "cache")
    third.prepare_ahead()  # the killed one is forgotten: a new one starts
    third.finish_ahead()
    assert kinds(apt).count("universe process") == 2


def test_a_failed_list_read_fails_the_question(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    listed = next((tmp / "lists").glob("*_Packages"))
    cat = (APT_HELPER, "cat-file", str(listed))
    apt.results[cat] = CommandResult(cat, 100, "", "E: unknown compression\n")
    adapter = AptAdapter(cache_dir=tmp / "cache")
    adapter.prepare_ahead()
    with pytest.raises(CommandFailed, match="read apt's package list"):
        adapter.query(["python3-numpy"])
    adapter.finish_ahead()
    # the process failed; the question tries again here, and says why
    assert kinds(apt).count("cat-file") == 2
    assert not list((tmp / "cache").glob("apt-universe-*/raw"))


# -- the full lists' simulation and its binary cache -----------------------------


def with_config(apt: FakeApt, tmp: Path, extra: str) -> None:
    """Let apt-config also report ``extra`` (``VAR='value'`` lines)."""
    recorded = apt.results[APT_CONFIG]
    apt.results[APT_CONFIG] = CommandResult(APT_CONFIG, 0, recorded.stdout + extra, "")


def cache_options(cache: Path, *, src: bool = True) -> tuple[str, ...]:
    options = ("-o", f"Dir::Cache::pkgcache={cache / 'pkgcache.bin'}")
    if src:
        options += ("-o", f"Dir::Cache::srcpkgcache={cache / 'srcpkgcache.bin'}")
    return options


def full_simulation(options: tuple[str, ...], *names: str) -> tuple[str, ...]:
    return (*SIMULATE[:4], *options, *SIMULATE[4:], *names)


def test_the_full_simulation_keeps_a_binary_cache_where_the_system_has_none(
    apt_state: tuple[FakeApt, Path],
) -> None:
    """Docker's docker-clean sets pkgcache "": apt-get -s on the full lists (the answer to
    anything unusual) gets a cache of ours, built once; the universe's commands none."""
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    cache = tmp / "cache"
    adapter = AptAdapter(cache_dir=cache)
    with pytest.raises(ResolutionConflictError):
        adapter.plan_install(["ntpsec"])
    with pytest.raises(CommandFailed):
        adapter.plan_install(["ntpsec", "systemd-timesyncd"])
    options = cache_options(cache)
    apt_commands = [c for c in apt.calls if c[0] in ("apt-cache", "apt-get")]
    assert [c[-1] if c[0] == "apt-cache" else c[1] for c in apt_commands] == [
        "--print-uris",
        "gencaches",
        "-s",
        "--print-uris",
        "-s",
    ]
    # without dpkg's lock, like the other read-only commands of a plan
    assert apt_commands[1] == ("apt-cache", "-o", "Debug::NoLocking=1", *options, "gencaches")
    assert apt_commands[2] == full_simulation(options, "ntpsec")
    assert "Dir::Cache::pkgcache=" in apt_commands[0]
    step = AptAdapter(cache_dir=cache).plan_install(PANDAS)
    # never in the real install command
    assert not any(arg.startswith("Dir::") for arg in step.command)
    assert step.command[:4] == ("apt-get", "-o", "DPkg::Lock::Timeout=120", "install")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("", ()),  # not reported: leave apt alone
        ("PKGCACHE='/var/cache/apt/pkgcache.bin'\nSRCPKGCACHE='/var/cache/apt/src.bin'\n", ()),
        ("PKGCACHE='/var/cache/apt/pkgcache.bin'\nSRCPKGCACHE=''\n", ()),  # system's cache on
        ("PKGCACHE=''\nSRCPKGCACHE='/var/cache/apt/srcpkgcache.bin'\n", "pkgcache only"),
    ],
)
def test_apt_cache_options_only_when_apt_cache_is_off(
    apt_state: tuple[FakeApt, Path], extra: str, expected: object
) -> None:
    apt, tmp = apt_state
    with_config(apt, tmp, extra)
    cache = tmp / "cache"
    with pytest.raises(ResolutionConflictError):
        AptAdapter(cache_dir=cache).plan_install(["ntpsec"])
    options = cache_options(cache, src=False) if expected else ()
    assert apt.calls[-1] == full_simulation(options, "ntpsec")


def test_apt_cache_options_need_a_writable_cache_dir(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    blocker = tmp / "file"
    blocker.write_text("")
    for adapter in (AptAdapter(cache_dir=blocker / "cache"), AptAdapter()):
        with pytest.raises(ResolutionConflictError):
            adapter.plan_install(["ntpsec"])
        assert apt.calls[-1] == full_simulation((), "ntpsec")
    assert "gencaches" not in kinds(apt)


def test_a_failed_binary_cache_build_is_left_to_the_commands_after_it(
    apt_state: tuple[FakeApt, Path],
) -> None:
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    apt.results[GENCACHES] = CommandResult(GENCACHES, 100, "", "E: The list is broken\n")
    with pytest.raises(ResolutionConflictError):
        AptAdapter(cache_dir=tmp / "cache").plan_install(["ntpsec"])
    assert kinds(apt)[-2:] == ["gencaches", "-s"]


# -- the apt-get -s result cache ------------------------------------------------


def simulations(apt: FakeApt) -> int:
    return sum(1 for c in apt.calls if c[0] == "apt-get")


def test_simulation_is_reused_in_the_same_apt_state(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    names = ["python3-sklearn", "python3-yaml"]
    first = AptAdapter(cache_dir=cache).plan_install(names)
    assert simulations(apt) == 1
    assert len(list(cache.glob("apt-sim-*.json"))) == 1
    again = AptAdapter(cache_dir=cache).plan_install(names)
    assert again == first
    assert simulations(apt) == 1
    # another request, or another environment for apt, is another entry
    AptAdapter(cache_dir=cache).plan_install(["libcurl4-gnutls-dev"])
    AptAdapter(cache_dir=cache, env={"PNTEST_FLAG": "1"}).plan_install(names)
    assert simulations(apt) == 3
    assert len(list(cache.glob("apt-sim-*.json"))) == 3
    # removals are an answer too (exit status 0): cached, and refused again; --print-uris
    # does not list them, so apt-get -s runs after it
    for _ in range(2):
        with pytest.raises(ResolutionConflictError):
            AptAdapter(cache_dir=cache).plan_install(["ntpsec"])
    assert simulations(apt) == 5


def test_print_uris_answers_alone_when_it_tells_everything(apt_state: tuple[FakeApt, Path]) -> None:
    """With a cache directory: ``apt-get --print-uris`` (half of -s's time), nothing else;
    the upgrades' installed versions come from its ``-V`` lists."""
    apt, tmp = apt_state
    cache = tmp / "cache"
    step = AptAdapter(cache_dir=cache).plan_install(["libcurl4-gnutls-dev"])
    (call,) = [c for c in apt.calls if c[0] == "apt-get"]
    assert call == simulation(call, "libcurl4-gnutls-dev")
    curl = next(p for p in step.new_packages if p.name == "curl")
    assert (curl.version, curl.installed_version) == ("7.88.1-10+deb12u15", "7.88.1-10+deb12u14")
    assert len(step.new_packages) == 5
    assert list((universe_of(call).parent / "empty-archives").iterdir()) == []


def test_apt_get_s_tells_what_print_uris_cannot(apt_state: tuple[FakeApt, Path]) -> None:
    """A removal (no line of its own in --print-uris) and apt's errors come from apt-get -s,
    whose command the error names."""
    apt, tmp = apt_state
    cache = tmp / "cache"
    with pytest.raises(ResolutionConflictError) as removal:
        AptAdapter(cache_dir=cache).plan_install(["ntpsec"])
    assert "systemd-timesyncd 252.38-1~deb12u1" in removal.value.message
    assert removal.value.command == (*SIMULATE, "ntpsec")
    with pytest.raises(NoNativePackageError) as unknown:
        AptAdapter(cache_dir=cache).plan_install(["no-such-pkg-xyz", "python3-numpy"])
    assert unknown.value.command == (*SIMULATE, "no-such-pkg-xyz", "python3-numpy")
    assert [c[:2] for c in apt.calls if c[0] == "apt-get"] == [
        ("apt-get", "--print-uris"),
        ("apt-get", "-s"),
        ("apt-get", "--print-uris"),
        ("apt-get", "-s"),
    ]


def test_print_uris_started_ahead_serves_plan_install(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    adapter = AptAdapter(cache_dir=cache)
    adapter.simulate_ahead(["libcurl4-gnutls-dev"])
    step = adapter.plan_install(["libcurl4-gnutls-dev"])
    adapter.finish_ahead()
    ((call, in_main),) = simulations_in_threads(apt)
    assert call == simulation(call, "libcurl4-gnutls-dev")
    assert not in_main
    assert any(p.name == "curl" for p in step.new_packages)


def test_simulation_cache_follows_the_apt_state(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    names = ["python3-sklearn", "python3-yaml"]
    AptAdapter(cache_dir=cache).plan_install(names)
    AptAdapter(cache_dir=cache).plan_install(["libcurl4-gnutls-dev"])
    (tmp / "dpkg" / "status").write_text("Package: installed-meanwhile\n")
    AptAdapter(cache_dir=cache).plan_install(names)
    assert simulations(apt) == 3
    assert len(list(cache.glob("apt-sim-*.json"))) == 1  # the old state's entries are gone


def test_failed_simulation_is_not_cached(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    for _ in range(2):
        with pytest.raises(NoNativePackageError):
            AptAdapter(cache_dir=cache).plan_install(["no-such-pkg-xyz", "python3-numpy"])
        with pytest.raises(CommandFailed):
            AptAdapter(cache_dir=cache).plan_install(["ntpsec", "systemd-timesyncd"])
    assert simulations(apt) == 8  # --print-uris failed, then apt-get -s said why: each time
    assert list(cache.glob("apt-sim-*.json")) == []


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b"[1, 2]",
        b'{"format": 1}',
        b'{"format": 999, "key": "x", "argv": [], "env": [], "stdout": "", "stderr": ""}',
    ],
)
def test_damaged_or_foreign_simulation_entry_is_ignored(
    apt_state: tuple[FakeApt, Path], damage: bytes
) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    names = ["python3-sklearn", "python3-yaml"]
    expected = AptAdapter(cache_dir=cache).plan_install(names)
    (entry,) = cache.glob("apt-sim-*.json")
    entry.write_bytes(damage)
    assert AptAdapter(cache_dir=cache).plan_install(names) == expected
    assert simulations(apt) == 2
    assert AptAdapter(cache_dir=cache).plan_install(names) == expected  # rewritten
    assert simulations(apt) == 2


def test_simulation_entry_of_another_command_is_ignored(apt_state: tuple[FakeApt, Path]) -> None:
    """An entry whose content names another command (a hash collision, a copied file)."""
    apt, tmp = apt_state
    cache = tmp / "cache"
    AptAdapter(cache_dir=cache).plan_install(["libcurl4-gnutls-dev"])
    (other,) = cache.glob("apt-sim-*.json")
    names = ["python3-sklearn", "python3-yaml"]
    expected = AptAdapter(cache_dir=cache).plan_install(names)
    (entry,) = set(cache.glob("apt-sim-*.json")) - {other}
    entry.write_bytes(other.read_bytes())
    assert AptAdapter(cache_dir=cache).plan_install(names) == expected
    assert simulations(apt) == 3


# -- check_target --------------------------------------------------------------


def target(**overrides: object) -> TargetEnvironment:
    values: dict[str, object] = {
        "executable": "/usr/bin/python3",
        "base_executable": "/usr/bin/python3.11",
        "version": Version("3.11.2"),
        "implementation": "cpython",
        "prefix": "/usr",
        "base_prefix": "/usr",
        "is_venv": False,
        "system_site_packages": False,
        "purelib": "/usr/local/lib/python3.11/dist-packages",
        "platlib": "/usr/local/lib/python3.11/dist-packages",
        "sys_path": ("/usr/lib/python311.zip", "/usr/lib/python3/dist-packages"),
        "externally_managed": "/usr/lib/python3.11/EXTERNALLY-MANAGED",
        "markers": {},
        "tags": (),
        "distributions": (),
    }
    values.update(overrides)
    return TargetEnvironment(**values)  # type: ignore[arg-type]


@pytest.fixture
def debian(mocker: MockerFixture) -> AptAdapter:
    mocker.patch("pip_native.native.apt.shutil.which", return_value="/usr/bin/x")
    mocker.patch.object(AptAdapter, "_system_python", return_value=("/usr/bin/python3.11", "3.11"))
    return AptAdapter()


VENV = {
    "executable": "/home/u/.venvs/p/bin/python",
    "prefix": "/home/u/.venvs/p",
    "is_venv": True,
    "system_site_packages": True,
    "purelib": "/home/u/.venvs/p/lib/python3.11/site-packages",
}


def test_check_target_accepts_system_python_and_system_site_venv(debian: AptAdapter) -> None:
    debian.check_target(target())
    debian.check_target(target(**VENV))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({**VENV, "system_site_packages": False}, "does not include the system site-packages"),
        (
            {"base_prefix": "/usr/local", "base_executable": "/usr/local/bin/python3.11"},
            "not based on",
        ),
        (
            {"base_prefix": "/opt/conda", "base_executable": "/opt/conda/bin/python3.11"},
            "not based on",
        ),
        ({"version": Version("3.12.1"), "base_executable": "/usr/bin/python3.12"}, "Python 3.12"),
        ({"implementation": "pypy"}, "pypy"),
        ({"sys_path": ("/usr/lib/python311.zip",)}, "not on its sys.path"),
    ],
)
def test_check_target_refuses(
    debian: AptAdapter, overrides: dict[str, object], reason: str
) -> None:
    env = target(**overrides)
    with pytest.raises(TargetEnvironmentError) as info:
        debian.check_target(env)
    err = info.value
    assert reason in err.message
    assert env.executable in err.message
    assert err.hint is not None and err.hint.startswith(
        "/usr/bin/python3 -m venv --system-site-packages "
    )
    assert "bin/activate" in err.hint


def test_check_target_hint_repairs_existing_venv(debian: AptAdapter) -> None:
    with pytest.raises(TargetEnvironmentError) as info:
        debian.check_target(target(**{**VENV, "system_site_packages": False}))
    assert info.value.hint == (
        "/usr/bin/python3 -m venv --system-site-packages /home/u/.venvs/p && "
        ". /home/u/.venvs/p/bin/activate"
    )


def test_check_target_default_hint(debian: AptAdapter) -> None:
    with pytest.raises(TargetEnvironmentError) as info:
        debian.check_target(
            target(base_prefix="/opt/conda", base_executable="/opt/conda/bin/python")
        )
    assert info.value.hint == (
        "/usr/bin/python3 -m venv --system-site-packages ~/.venvs/myproject && "
        ". ~/.venvs/myproject/bin/activate"
    )


def test_check_target_not_debian(mocker: MockerFixture) -> None:
    mocker.patch("pip_native.native.apt.shutil.which", return_value=None)
    with pytest.raises(
        TargetEnvironmentError, match="apt-get, apt-cache, apt-config, dpkg, dpkg-query not found"
    ):
        AptAdapter().check_target(target())


def test_check_target_without_system_python(mocker: MockerFixture) -> None:
    mocker.patch("pip_native.native.apt.shutil.which", return_value="/usr/bin/x")
    mocker.patch.object(AptAdapter, "_system_python", return_value=None)
    with pytest.raises(TargetEnvironmentError, match="/usr/bin/python3 does not exist") as info:
        AptAdapter().check_target(target())
    assert info.value.hint and info.value.hint.startswith("apt-get install python3 python3-venv")


def test_system_python_version(mocker: MockerFixture) -> None:
    mocker.patch("pip_native.native.apt.os.path.realpath", return_value="/usr/bin/python3.11")
    mocker.patch("pip_native.native.apt.Path.exists", return_value=True)
    assert AptAdapter()._system_python() == ("/usr/bin/python3.11", "3.11")
    mocker.patch("pip_native.native.apt.os.path.realpath", return_value="/usr/bin/custom")
    run = mocker.patch(
        "pip_native.subproc.run",
        return_value=CommandResult(("/usr/bin/python3",), 0, "3.13\n", ""),
    )
    assert AptAdapter()._system_python() == ("/usr/bin/custom", "3.13")
    assert run.call_args.args[0][0] == "/usr/bin/python3"
    mocker.patch("pip_native.native.apt.Path.exists", return_value=False)
    assert AptAdapter()._system_python() is None


def test_the_early_process_makes_the_universe_the_plan_would(
    apt_state: tuple[FakeApt, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--ahead`` (started when pip starts): the request is the plan's adapter's own, its
    work directory said first; with the universe stored, nothing is made."""
    apt, tmp = apt_state
    cache = tmp / "cache"
    monkeypatch.setenv("PIP_NATIVE_CACHE_DIR", str(cache))
    with open(os.devnull, "rb") as nothing:
        assert apt_universe.main(["--ahead"], questions=nothing.fileno()) == 0
    said = json.loads(capsys.readouterr().out.splitlines()[0])
    (workdir,) = workdirs(cache / "apt")
    assert said == {"workdir": str(workdir)}
    adapter = AptAdapter(cache_dir=cache / "apt")
    assert adapter._universe_of_state().workdir == workdir
    stored = load_stored(workdir)
    assert stored is not None and "libc6" in stored.names
    assert (next((cache / "apt").glob("apt-lists-*")) / "tables.json").is_file()
    apt.calls.clear()
    with open(os.devnull, "rb") as nothing:
        assert apt_universe.main(["--ahead"], questions=nothing.fileno()) == 0
    assert json.loads(capsys.readouterr().out) == {"workdir": None}
    assert kinds(apt) == ["apt-config"]  # nothing read, nothing made
