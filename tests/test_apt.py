"""Tests for pip_native.native.apt.AptAdapter with subproc.run answering recorded apt output."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.version import Version

from pip_native.environment import TargetEnvironment
from pip_native.errors import (
    CommandFailed,
    InvalidIdentifierError,
    NoNativePackageError,
    ResolutionConflictError,
    TargetEnvironmentError,
)
from pip_native.native.apt import AptAdapter
from pip_native.native.apt_stanzas import parse_dumpavail
from pip_native.native.base import (
    KnowsInstalled,
    NativeAdapter,
    SimulatesAhead,
    SystemPackage,
)
from pip_native.subproc import CommandResult
from test_apt_recordings import GENCACHES, FakeApt, load_recording

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

ENV = {"APT_CONFIG": "/nonexistent/pntest-apt.conf"}
DUMPAVAIL = ("apt-cache", "dumpavail")
DPKG_W = tuple(load_recording("dpkg-query-W").argv)
APT_CONFIG = tuple(load_recording("apt-config-shell").argv)
SIMULATE = ("apt-get", "-s", "-o", "Debug::NoLocking=1", "install", "--no-install-recommends")
PRINT_URIS = ("apt-get", "--print-uris", "-q", "-V", "-o", "Debug::NoLocking=1")


def print_uris(cache: Path, options: tuple[str, ...], *names: str) -> tuple[str, ...]:
    """The ``apt-get --print-uris`` command of an adapter with ``cache`` as its directory."""
    archives = ("-o", f"Dir::Cache::Archives={cache / 'empty-archives'}")
    return (*PRINT_URIS, *options, *archives, "install", "--no-install-recommends", *names)


@pytest.fixture
def fake(mocker: MockerFixture) -> FakeApt:
    return FakeApt().patch(mocker)


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


def test_query_many_names_in_three_processes(fake: FakeApt) -> None:
    adapter = AptAdapter(env=ENV)
    names = fifty_names()
    found = adapter.query(names)
    assert fake.calls == [APT_CONFIG, DPKG_W, DUMPAVAIL]
    assert all(env == ENV for env in fake.envs)
    assert "no-such-package" not in found
    assert "python3-numpy-abi9" not in found  # virtual: no version of its own
    assert len(found) == len(names) - 2
    assert found["python3-sklearn"] == SystemPackage(
        "apt", "python3-sklearn", "1.2.1+dfsg-1", None, "all"
    )
    yaml = adapter.query(["python3-yaml"])["python3-yaml"]
    assert (yaml.version, yaml.installed_version, yaml.arch) == ("6.0-3+b2", "6.0-3+b2", "amd64")
    assert yaml.is_installed
    assert len(fake.calls) == 3  # the index is read once per adapter


def test_query_installed_package_without_candidate(fake: FakeApt) -> None:
    # adduser is installed but its stanza is not in the dumpavail excerpt
    pkg = AptAdapter().query(["adduser"])["adduser"]
    assert (pkg.version, pkg.installed_version) == ("3.134", "3.134")


def test_closure_for_many_names_costs_no_further_process(fake: FakeApt) -> None:
    adapter = AptAdapter()
    names = ["python3-sklearn", "python3-yaml", "python3-requests", "python3-lxml"]
    closures = {name: adapter.closure(name) for name in names}
    assert fake.calls == [APT_CONFIG, DPKG_W, DUMPAVAIL]
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


def test_plan_install(fake: FakeApt) -> None:
    adapter = AptAdapter(env=ENV)
    step = adapter.plan_install(["python3-sklearn", "python3-yaml"])
    assert fake.calls == [(*SIMULATE, "python3-sklearn", "python3-yaml")]
    assert fake.envs == [ENV]
    assert step.manager == "apt"
    assert step.command == (
        "apt-get",
        "-o",
        "DPkg::Lock::Timeout=120",
        "install",
        "-y",
        "--no-install-recommends",
        "python3-sklearn",
        "python3-yaml",
    )
    assert step.requested == ("python3-sklearn", "python3-yaml")
    assert step.needs_root
    assert step.env == {"DEBIAN_FRONTEND": "noninteractive", **ENV}
    assert len(step.new_packages) == 25
    numpy = next(p for p in step.new_packages if p.name == "python3-numpy")
    assert numpy == SystemPackage("apt", "python3-numpy", "1:1.24.2-1+deb12u1", None, "amd64")


def test_plan_install_upgrade(fake: FakeApt) -> None:
    step = AptAdapter().plan_install(["libcurl4-gnutls-dev"])
    curl = next(p for p in step.new_packages if p.name == "curl")
    assert (curl.version, curl.installed_version) == ("7.88.1-10+deb12u15", "7.88.1-10+deb12u14")
    assert step.env == {"DEBIAN_FRONTEND": "noninteractive"}


def test_plan_install_refuses_removals(fake: FakeApt) -> None:
    with pytest.raises(ResolutionConflictError) as info:
        AptAdapter().plan_install(["ntpsec"])
    assert "systemd-timesyncd 252.38-1~deb12u1" in info.value.message
    assert "never removes" in info.value.message
    assert info.value.command == (*SIMULATE, "ntpsec")
    assert info.value.hint


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


def test_a_simulation_started_ahead_serves_plan_install(fake: FakeApt) -> None:
    """The resolver's guess is right: apt-get -s runs once, in the background."""
    adapter = AptAdapter(env=ENV)
    assert isinstance(adapter, SimulatesAhead)
    adapter.simulate_ahead(["libcurl4-gnutls-dev"])
    adapter.simulate_ahead(["libcurl4-gnutls-dev"])  # started once
    step = adapter.plan_install(["libcurl4-gnutls-dev"])
    adapter.finish_ahead()
    simulations = [(c, t) for c, t in zip(fake.calls, fake.threads) if c[0] == "apt-get"]
    assert [c for c, _ in simulations] == [(*SIMULATE, "libcurl4-gnutls-dev")]
    assert simulations[0][1] is not threading.main_thread()
    assert any(p.name == "curl" for p in step.new_packages)
    # it needed the dpkg status (what is installed), not apt's package index
    assert fake.count("apt-cache") == 0


def test_a_wrong_guess_leaves_plan_install_to_run_its_own(fake: FakeApt) -> None:
    adapter = AptAdapter(env=ENV)
    adapter.simulate_ahead(["python3-sklearn"])
    step = adapter.plan_install(["python3-sklearn", "python3-yaml"])
    adapter.finish_ahead()
    assert sorted(c for c in fake.calls if c[0] == "apt-get") == [
        (*SIMULATE, "python3-sklearn"),  # unrecorded here: its failure stays in its thread
        (*SIMULATE, "python3-sklearn", "python3-yaml"),
    ]
    assert step.requested == ("python3-sklearn", "python3-yaml")


def test_a_failed_simulation_ahead_fails_plan_install_as_usual(fake: FakeApt) -> None:
    adapter = AptAdapter()
    adapter.simulate_ahead(["python3-numpy=1:1.0"])
    with pytest.raises(NoNativePackageError, match="python3-numpy"):
        adapter.plan_install(["python3-numpy=1:1.0"])
    assert fake.count("apt-get") == 1


def test_installed_packages_are_left_out_of_the_guess(fake: FakeApt) -> None:
    """The plan keeps installed packages, so it never names them: neither does the guess."""
    adapter = AptAdapter()
    adapter.simulate_ahead(["dpkg", "libc6"])  # both installed in the recorded state
    adapter.simulate_ahead(["dpkg", "libcurl4-gnutls-dev"])
    adapter.finish_ahead()
    assert [c for c in fake.calls if c[0] == "apt-get"] == [(*SIMULATE, "libcurl4-gnutls-dev")]


def test_installed_needs_no_package_index(fake: FakeApt) -> None:
    adapter = AptAdapter()
    assert isinstance(adapter, KnowsInstalled)
    found = adapter.installed(["dpkg", "python3-sklearn", "no-such-package"])
    assert list(found) == ["dpkg"]
    assert found["dpkg"] == SystemPackage("apt", "dpkg", "1.21.23", "1.21.23", "amd64")
    assert fake.count("apt-cache") == 0  # dpkg-query -W only
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


# -- on-disk index cache -------------------------------------------------------


@pytest.fixture
def apt_state(tmp_path: Path, mocker: MockerFixture) -> tuple[FakeApt, Path]:
    """Recorded apt output, but apt-config points at state files under tmp_path."""
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "repo_Packages").write_text("x")
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


def test_index_cache_on_disk(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    first = AptAdapter(cache_dir=cache).query(["python3-numpy", "python3-yaml"])
    assert [c[0] for c in apt.calls] == ["apt-config", "dpkg-query", "apt-cache"]
    assert len(list(cache.glob("apt-index-*.sqlite"))) == 1

    apt.calls.clear()
    warm = AptAdapter(cache_dir=cache)
    assert warm.query(["python3-numpy", "python3-yaml"]) == first
    assert warm.closure("python3-sklearn")[0].name == "python3-sklearn"
    assert apt.calls == [APT_CONFIG]  # no apt-cache, no dpkg-query

    # new package lists invalidate the cache; the stale file is replaced
    apt.calls.clear()
    lists_file = tmp / "lists" / "repo_Packages"
    lists_file.write_text("changed")
    os.utime(lists_file, ns=(1, 1))
    AptAdapter(cache_dir=cache).query(["python3-numpy"])
    assert [c[0] for c in apt.calls] == ["apt-config", "dpkg-query", "apt-cache"]
    assert len(list(cache.glob("apt-index-*.sqlite"))) == 1

    # so does a dpkg status change (something was installed)
    apt.calls.clear()
    (tmp / "dpkg" / "status").write_text("Package: x\n")
    AptAdapter(cache_dir=cache).query(["python3-numpy"])
    assert "apt-cache" in [c[0] for c in apt.calls]


def test_index_cache_corrupt_file_is_rebuilt(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    AptAdapter(cache_dir=cache).query(["python3-numpy"])
    (path,) = cache.glob("apt-index-*.sqlite")
    good = path.read_bytes()
    for damaged in (b"\x00garbage", good[: len(good) // 2], b""):
        path.write_bytes(damaged)
        apt.calls.clear()
        assert AptAdapter(cache_dir=cache).query(["python3-numpy"])["python3-numpy"].version
        assert "apt-cache" in [c[0] for c in apt.calls]
        assert path.read_bytes() == good  # rebuilt in place, from the same recording


def test_index_cache_replaces_legacy_marshal_file(apt_state: tuple[FakeApt, Path]) -> None:
    _, tmp = apt_state
    cache = tmp / "cache"
    cache.mkdir()
    legacy = cache / "apt-index-0123456789abcdef0123456789abcdef.marshal"
    legacy.write_bytes(b"old format")
    AptAdapter(cache_dir=cache).query(["python3-numpy"])
    assert not legacy.exists()
    assert len(list(cache.glob("apt-index-*.sqlite"))) == 1


def test_warm_index_reads_only_what_it_needs(apt_state: tuple[FakeApt, Path]) -> None:
    """The stored index answers like the in-memory one, without loading every record."""
    _, tmp = apt_state
    cache = tmp / "cache"
    roots = ["python3-sklearn", "python3-yaml", "python3-requests", "python3-lxml", "adduser"]
    in_memory = AptAdapter()
    expected = {root: in_memory.closure(root) for root in roots}
    cold = AptAdapter(cache_dir=cache)
    assert {root: cold.closure(root) for root in roots} == expected
    warm = AptAdapter(cache_dir=cache)
    assert {root: warm.closure(root) for root in roots} == expected
    assert warm.query(roots) == in_memory.query(roots)
    small = AptAdapter(cache_dir=cache)
    assert small.closure("libyaml-0-2") == in_memory.closure("libyaml-0-2")
    available = small.index().available
    assert not isinstance(available, dict)
    loaded = available._known  # type: ignore[attr-defined]  # looked up so far (hits and misses)
    assert 0 < len(loaded) < len(in_memory.index().available) // 4


def test_index_cache_unwritable_dir_is_ignored(apt_state: tuple[FakeApt, Path]) -> None:
    _, tmp = apt_state
    blocker = tmp / "file"
    blocker.write_text("")
    assert AptAdapter(cache_dir=blocker / "cache").query(["python3-numpy"])


# -- apt's binary cache in the adapter's cache directory -------------------------


def with_config(apt: FakeApt, tmp: Path, extra: str) -> None:
    """Let apt-config also report ``extra`` (``VAR='value'`` lines)."""
    recorded = apt.results[APT_CONFIG]
    apt.results[APT_CONFIG] = CommandResult(APT_CONFIG, 0, recorded.stdout + extra, "")


def cache_options(cache: Path, *, src: bool = True) -> tuple[str, ...]:
    options = ("-o", f"Dir::Cache::pkgcache={cache / 'pkgcache.bin'}")
    if src:
        options += ("-o", f"Dir::Cache::srcpkgcache={cache / 'srcpkgcache.bin'}")
    return options


def test_disabled_apt_cache_is_kept_in_cache_dir(apt_state: tuple[FakeApt, Path]) -> None:
    """Docker's docker-clean sets pkgcache "": read-only apt commands get a cache of ours."""
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    cache = tmp / "cache"
    adapter = AptAdapter(cache_dir=cache)
    adapter.query(["python3-numpy"])
    step = adapter.plan_install(["python3-sklearn", "python3-yaml"])
    options = cache_options(cache)
    gencaches, dumpavail = (c for c in apt.calls if c[0] == "apt-cache")
    simulate = next(c for c in apt.calls if c[0] == "apt-get")
    # gencaches builds our cache file (apt does, with these options); the others read it.
    # without dpkg's lock, like the other read-only commands of a plan
    assert gencaches == ("apt-cache", "-o", "Debug::NoLocking=1", *options, "gencaches")
    assert dumpavail == ("apt-cache", *options, "dumpavail")
    assert simulate == print_uris(cache, options, "python3-sklearn", "python3-yaml")
    # never in the real install command
    assert not any(arg.startswith("Dir::Cache") for arg in step.command)
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
    AptAdapter(cache_dir=cache).plan_install(["python3-sklearn", "python3-yaml"])
    (simulate,) = [c for c in apt.calls if c[0] == "apt-get"]
    options = cache_options(cache, src=False) if expected else ()
    assert simulate == print_uris(cache, options, "python3-sklearn", "python3-yaml")


def test_apt_cache_options_need_a_writable_cache_dir(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    blocker = tmp / "file"
    blocker.write_text("")
    AptAdapter(cache_dir=blocker / "cache").plan_install(["python3-sklearn", "python3-yaml"])
    AptAdapter().plan_install(["python3-sklearn", "python3-yaml"])  # no cache dir at all
    simulations = [c for c in apt.calls if c[0] == "apt-get"]
    assert simulations == [(*SIMULATE, "python3-sklearn", "python3-yaml")] * 2
    if os.geteuid() != 0:  # root writes anywhere
        readonly = tmp / "readonly"
        readonly.mkdir(mode=0o500)
        AptAdapter(cache_dir=readonly).plan_install(["python3-sklearn", "python3-yaml"])
        assert apt.calls[-1] == (*SIMULATE, "python3-sklearn", "python3-yaml")


def test_left_over_apt_cache_temporaries_are_removed(apt_state: tuple[FakeApt, Path]) -> None:
    _, tmp = apt_state
    cache = tmp / "cache"
    cache.mkdir()
    old = [
        cache / "pkgcache.bin.Ab12Cd",
        cache / "srcpkgcache.bin.Xy34Zw",
        cache / ".apt-index-x.tmp",
    ]
    new = cache / "pkgcache.bin.Fresh1"
    for path in [*old, new]:
        path.write_bytes(b"partial")
    for path in old:
        os.utime(path, (1, 1))
    AptAdapter(cache_dir=cache).query(["python3-numpy"])
    assert not any(path.exists() for path in old)
    assert new.exists()  # maybe another run's apt is writing it right now


def slow_gencaches(apt: FakeApt, mocker: MockerFixture) -> None:
    """Answer ``apt-cache gencaches`` after a pause, logging ``gencaches done`` when it ends."""

    def run(argv: tuple[str, ...], **kw: Any) -> CommandResult:
        result = apt(argv, **kw)
        if argv[-1] == "gencaches":
            time.sleep(0.2)
            apt.calls.append(("gencaches done",))
        return result

    mocker.patch("pip_native.subproc.run", side_effect=run)


def test_the_binary_cache_is_built_once_before_the_first_apt_command(
    apt_state: tuple[FakeApt, Path], mocker: MockerFixture
) -> None:
    """The simulation started ahead and the index read run at once: whichever comes first
    builds it, the other waits instead of building one of its own in memory."""
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    slow_gencaches(apt, mocker)
    cache = tmp / "cache"
    adapter = AptAdapter(cache_dir=cache)
    adapter.simulate_ahead(["libcurl4-gnutls-dev"])
    adapter.query(["python3-numpy"])
    adapter.plan_install(["libcurl4-gnutls-dev"])
    adapter.finish_ahead()
    options = cache_options(cache)
    apt_commands = [c for c in apt.calls if c[0] in ("apt-cache", "apt-get", "gencaches done")]
    assert apt_commands[:2] == [(*GENCACHES[:3], *options, "gencaches"), ("gencaches done",)]
    assert sorted(apt_commands[2:]) == [
        ("apt-cache", *options, "dumpavail"),
        print_uris(cache, options, "libcurl4-gnutls-dev"),
    ]


def test_no_binary_cache_is_built_when_none_is_needed(
    apt_state: tuple[FakeApt, Path],
) -> None:
    """Not with the system's cache on, nor without a cache directory, nor when the index of
    this apt state is stored (the warm run's simulation finds the file built)."""
    apt, tmp = apt_state
    names = ["python3-sklearn", "python3-yaml"]
    cache = tmp / "cache"
    AptAdapter(cache_dir=cache).plan_install(names)
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    AptAdapter().plan_install(names)
    assert GENCACHES[-1] not in {c[-1] for c in apt.calls}
    AptAdapter(cache_dir=cache).query(["python3-numpy"])  # builds it, stores the index
    assert [c[-1] for c in apt.calls if c[0] == "apt-cache"] == ["gencaches", "dumpavail"]
    apt.calls.clear()
    warm = AptAdapter(cache_dir=cache)
    warm.query(["python3-numpy"])
    warm.plan_install(names)
    assert [c[0] for c in apt.calls] == ["apt-config", "apt-get"]


def test_a_stored_simulation_needs_no_binary_cache(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    names = ["python3-sklearn", "python3-yaml"]
    first = AptAdapter(cache_dir=tmp / "cache").plan_install(names)
    assert [c[-1] for c in apt.calls if c[0] == "apt-cache"] == ["gencaches"]
    apt.calls.clear()
    assert AptAdapter(cache_dir=tmp / "cache").plan_install(names) == first
    assert apt.calls == [APT_CONFIG]


def test_a_failed_binary_cache_build_is_left_to_the_commands_after_it(
    apt_state: tuple[FakeApt, Path],
) -> None:
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    apt.results[GENCACHES] = CommandResult(GENCACHES, 100, "", "E: The list is broken\n")
    adapter = AptAdapter(cache_dir=tmp / "cache")
    assert adapter.query(["python3-numpy"])["python3-numpy"].version
    assert [c[-1] for c in apt.calls if c[0] == "apt-cache"] == ["gencaches", "dumpavail"]


def gencaches_calls(apt: FakeApt) -> list[tuple[str, ...]]:
    return [c for c in apt.calls if c[-1] == "gencaches"]


def test_the_binary_cache_built_ahead_serves_the_plan(apt_state: tuple[FakeApt, Path]) -> None:
    """prepare_ahead builds it in a directory of its own; the files move into the cache
    directory, where the index read and the simulation find them."""
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    cache = tmp / "cache"
    adapter = AptAdapter(cache_dir=cache)
    adapter.prepare_ahead()
    adapter.query(["python3-numpy"])
    adapter.plan_install(["python3-sklearn", "python3-yaml"])
    adapter.finish_ahead()
    (built,) = gencaches_calls(apt)
    build_dir = Path(built[4].partition("=")[2]).parent
    assert build_dir.parent == cache and build_dir.name.startswith(".apt-cache-build-")
    assert built == (*GENCACHES[:3], *cache_options(build_dir), "gencaches")
    # dumpavail ran ahead too, after the build, into a file the index took over
    dumpavail = ("apt-cache", *cache_options(cache), "dumpavail")
    assert [c for c in apt.calls if c[0] == "apt-cache"][1:] == [dumpavail]
    assert [s.result.argv for s in apt.started] == [built, dumpavail]
    assert not build_dir.exists()
    assert not any(s.killed.is_set() for s in apt.started)
    assert sorted(p.name for p in cache.glob("apt-*")) == [
        f"apt-index-{adapter._cache_key(adapter._apt_config())}.{suffix}"
        for suffix in ("dumpavail", "sqlite")
    ] + [p.name for p in cache.glob("apt-sim-*")]


def stopped_ahead(apt: FakeApt, cache: Path) -> AptAdapter:
    """An adapter whose work ahead started its first command (held until killed), then was
    stopped by a plan that needed nothing from apt; that command was killed."""
    apt.hold.set()
    adapter = AptAdapter(cache_dir=cache)
    adapter.prepare_ahead()
    deadline = time.monotonic() + 20
    while not apt.started:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    adapter.finish_ahead()
    assert apt.started[0].killed.is_set()
    return adapter


def test_a_plan_without_apt_stops_the_build_ahead(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    cache = tmp / "cache"
    adapter = stopped_ahead(apt, cache)  # gencaches, first
    assert list(cache.iterdir()) == []
    # a later command of the same adapter builds the cache itself
    apt.hold.clear()
    adapter.plan_install(["python3-sklearn", "python3-yaml"])
    assert [c[4] for c in gencaches_calls(apt)][1:] == [cache_options(cache)[1]]


DUMPAVAIL = ("apt-cache", "dumpavail")


def test_with_the_system_cache_on_only_dumpavail_runs_ahead(
    apt_state: tuple[FakeApt, Path],
) -> None:
    """apt's own binary cache serves: no build, but the index is written to a file
    ahead, which the index takes over."""
    apt, tmp = apt_state
    cache = tmp / "cache"
    adapter = AptAdapter(cache_dir=cache)
    adapter.prepare_ahead()
    adapter.query(["python3-numpy"])
    adapter.finish_ahead()
    assert [s.result.argv for s in apt.started] == [DUMPAVAIL]
    assert apt.calls.count(DUMPAVAIL) == 1  # not read again
    assert gencaches_calls(apt) == []
    assert [p.name for p in cache.iterdir() if "ahead" in p.name or "build" in p.name] == []


def test_no_work_ahead_when_the_index_is_stored(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    AptAdapter().prepare_ahead()  # no cache directory: no thread either
    with_config(apt, tmp, "PKGCACHE=''\nSRCPKGCACHE=''\n")
    AptAdapter(cache_dir=cache).query(["python3-numpy"])
    assert len(gencaches_calls(apt)) == 1
    warm = AptAdapter(cache_dir=cache)
    warm.prepare_ahead()
    warm.query(["python3-numpy"])
    warm.finish_ahead()
    assert len(gencaches_calls(apt)) == 1
    assert apt.started == []
    assert [p.name for p in cache.iterdir() if p.name.startswith(".apt-cache-build-")] == []


def test_a_plan_without_apt_stops_dumpavail_ahead(apt_state: tuple[FakeApt, Path]) -> None:
    apt, tmp = apt_state
    cache = tmp / "cache"
    stopped_ahead(apt, cache)  # dumpavail, first where apt's cache is on
    assert [p.name for p in cache.iterdir() if "apt-index" in p.name or "ahead" in p.name] == []


def test_output_written_ahead_by_an_earlier_plan_is_used(apt_state: tuple[FakeApt, Path]) -> None:
    """A plan that needed nothing from apt, but ran long enough for dumpavail to finish,
    leaves its output; the next plan's index takes it over instead of reading apt again."""
    apt, tmp = apt_state
    cache = tmp / "cache"
    first = AptAdapter(cache_dir=cache)
    first.prepare_ahead()
    assert first._ahead_build is not None
    first._ahead_build._thread.join()
    first.finish_ahead()
    (left,) = [p for p in cache.iterdir() if p.name.startswith("apt-dumpavail-ahead-")]
    later = AptAdapter(cache_dir=cache)
    assert later.query(["python3-numpy"])["python3-numpy"].version == "1:1.24.2-1+deb12u1"
    assert apt.calls.count(DUMPAVAIL) == 1  # the first plan's, ahead
    assert not left.exists()  # now the index's
    assert (
        (cache / left.name.replace("apt-dumpavail-ahead-", "apt-index-"))
        .with_suffix(".dumpavail")
        .exists()
    )


def test_left_over_build_directories_are_removed(apt_state: tuple[FakeApt, Path]) -> None:
    _, tmp = apt_state
    cache = tmp / "cache"
    old = cache / ".apt-cache-build-123-abcd"
    new = cache / ".apt-cache-build-456-ef01"
    for directory in (old, new):
        directory.mkdir(parents=True)
        (directory / "pkgcache.bin.Xy12Zw").write_bytes(b"partial")
    os.utime(old, (1, 1))
    AptAdapter(cache_dir=cache).query(["python3-numpy"])
    assert not old.exists()
    assert new.exists()  # maybe another run is building it right now


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
    assert [c for c in apt.calls if c[0] == "apt-get"] == [
        print_uris(cache, (), "libcurl4-gnutls-dev")
    ]
    curl = next(p for p in step.new_packages if p.name == "curl")
    assert (curl.version, curl.installed_version) == ("7.88.1-10+deb12u15", "7.88.1-10+deb12u14")
    assert len(step.new_packages) == 5
    assert list((cache / "empty-archives").iterdir()) == []


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
    calls = [(c, t) for c, t in zip(apt.calls, apt.threads) if c[0] == "apt-get"]
    assert [c for c, _ in calls] == [print_uris(cache, (), "libcurl4-gnutls-dev")]
    assert calls[0][1] is not threading.main_thread()
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
