"""Backend registry: --native-from validation, ``auto`` on every kind of machine, adapter creation."""

from __future__ import annotations

import dataclasses
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from packaging.version import Version

from pip_native.environment import TargetEnvironment
from pip_native.errors import UnsupportedBackendError
from pip_native.native import registry
from pip_native.native.brew import BrewAdapter
from pip_native.native.nobackend import NoBackend
from pip_native.native.registry import (
    ADAPTERS,
    NONE_CHOSEN,
    PlatformFacts,
    choose_backend,
    create_adapter,
    gather_facts,
)

if TYPE_CHECKING:
    from pathlib import Path

DEBIAN = PlatformFacts(
    system="linux",
    distro_id="debian",
    distro_name="Debian GNU/Linux 12 (bookworm)",
    target_prefix="/home/u/.venvs/p",
    target_base_prefix="/usr",
    tools={"apt-get": "/usr/bin/apt-get", "dnf": None, "brew": None},
)


def facts(**changes: Any) -> PlatformFacts:
    return dataclasses.replace(DEBIAN, **changes)


def auto(f: PlatformFacts, given_as: str = "--native-from") -> registry.Choice:
    return choose_backend("auto", given_as=given_as, facts=f)


# -- explicit values -----------------------------------------------------------


@pytest.mark.parametrize("value", ["apt", " APT ", "dnf", "conda", "brew"])
def test_explicit_backends(value: str) -> None:
    choice = choose_backend(value)
    assert choice.name == value.strip().lower()
    assert choice.reason == f"--native-from={choice.name}"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_no_backend(value: str | None) -> None:
    with pytest.raises(UnsupportedBackendError, match="No native backend was chosen"):
        choose_backend(value)
    assert choose_backend(value, allow_none=True) == NONE_CHOSEN  # planning: pure wheels only


@pytest.mark.parametrize("value", ["none", " Off ", "no", "false", "0"])
def test_planning_takes_the_hooks_off_values_as_no_backend(value: str) -> None:
    choice = choose_backend(value, given_as="PIP_NATIVE_FROM", allow_none=True)
    assert choice.name == "none"
    assert choice.reason == f"PIP_NATIVE_FROM={value.strip().lower()}: pure wheels only"
    with pytest.raises(UnsupportedBackendError, match="is not a known backend"):
        choose_backend(value)  # map, external: a backend is required


def test_an_unknown_backend_when_planning_lists_none_too() -> None:
    with pytest.raises(UnsupportedBackendError) as err:
        choose_backend("yum", allow_none=True)
    assert err.value.hint == "Use one of: apt, dnf, conda, brew, auto, none."


def test_unknown_backend_names_where_it_came_from() -> None:
    with pytest.raises(UnsupportedBackendError) as err:
        choose_backend("yum", given_as="PIP_NATIVE_FROM")
    assert err.value.message == "PIP_NATIVE_FROM='yum' is not a known backend."
    assert err.value.hint == "Use one of: apt, dnf, conda, brew, auto."


def test_brew_is_registered() -> None:
    assert ADAPTERS["brew"] == "pip_native.native.brew:BrewAdapter"
    adapter = create_adapter("brew", dists_for_package=lambda _p: ())
    assert isinstance(adapter, BrewAdapter)


def test_backend_missing_from_this_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(ADAPTERS, "brew")
    with pytest.raises(UnsupportedBackendError, match="not available in this version"):
        choose_backend("brew")
    mac = PlatformFacts(system="darwin", tools={"brew": "/opt/homebrew/bin/brew"})
    with pytest.raises(UnsupportedBackendError) as err:
        auto(mac)
    assert err.value.message == (
        "--native-from=auto: macOS with Homebrew (/opt/homebrew/bin/brew), but brew is not "
        "available in this version of pip-native yet."
    )
    with pytest.raises(UnsupportedBackendError, match="is not available yet"):
        create_adapter("brew", dists_for_package=lambda _p: ())


# -- auto ----------------------------------------------------------------------


def test_auto_debian_uses_apt() -> None:
    choice = auto(DEBIAN)
    assert choice == registry.Choice(
        "apt", "--native-from=auto: Debian GNU/Linux 12 (bookworm) (id debian) uses apt"
    )


def test_auto_ubuntu_derivative_through_id_like() -> None:
    mint = facts(
        distro_id="linuxmint", distro_like=("ubuntu", "debian"), distro_name="Linux Mint 22"
    )
    assert auto(mint, given_as="PIP_NATIVE_FROM").reason == (
        "PIP_NATIVE_FROM=auto: Linux Mint 22 (id linuxmint) uses apt"
    )


@pytest.mark.parametrize(
    ("distro_id", "like"),
    [
        ("fedora", ()),
        ("rhel", ("fedora",)),
        ("centos", ("rhel", "fedora")),
        ("rocky", ("rhel", "centos", "fedora")),
        ("almalinux", ("rhel", "centos", "fedora")),
    ],
)
def test_auto_fedora_family_uses_dnf(distro_id: str, like: tuple[str, ...]) -> None:
    f = facts(
        distro_id=distro_id,
        distro_like=like,
        distro_name=f"{distro_id} 9",
        tools={"apt-get": None, "dnf": "/usr/bin/dnf", "brew": None},
    )
    assert auto(f).name == "dnf"
    assert auto(f).reason.endswith(f"(id {distro_id}) uses dnf")


def test_auto_conda_target_prefix_wins_over_the_distro() -> None:
    f = facts(target_prefix="/opt/conda/envs/x", conda_envs=frozenset({"/opt/conda/envs/x"}))
    choice = auto(f)
    assert choice.name == "conda"
    assert "the target interpreter's prefix /opt/conda/envs/x has conda-meta/" in choice.reason


def test_auto_conda_base_of_a_venv() -> None:
    f = facts(
        target_prefix="/home/u/v",
        target_base_prefix="/opt/conda",
        conda_envs=frozenset({"/opt/conda"}),
    )
    assert auto(f).reason == (
        "--native-from=auto: the target is a venv on the conda environment /opt/conda "
        "(its base prefix has conda-meta/)"
    )


def test_auto_active_conda_prefix_without_an_inspected_target() -> None:
    f = facts(
        target_prefix=None,
        target_base_prefix=None,
        conda_prefix="/opt/conda/envs/x",
        conda_envs=frozenset({"/opt/conda/envs/x"}),
    )
    choice = auto(f)
    assert choice.name == "conda"
    assert "CONDA_PREFIX=/opt/conda/envs/x is an active conda environment" in choice.reason


def test_auto_active_conda_prefix_that_is_not_the_target() -> None:
    """conda activate'd, but installing for a Debian venv: the distro decides, and says so."""
    f = facts(
        system="linux",
        distro_id="arch",
        distro_name="Arch Linux",
        conda_prefix="/opt/conda",
        conda_envs=frozenset({"/opt/conda"}),
    )
    with pytest.raises(UnsupportedBackendError) as err:
        auto(f)
    assert err.value.message == (
        "--native-from=auto found no native backend for this machine: "
        "CONDA_PREFIX=/opt/conda is active, but the target interpreter's prefix is "
        "/home/u/.venvs/p; the Linux distribution Arch Linux (ids: arch) is neither "
        "Debian-like (apt) nor Fedora-like (dnf)."
    )
    assert err.value.hint and "--native-from=apt, dnf, conda or brew" in err.value.hint
    assert (
        auto(facts(conda_prefix="/opt/conda", conda_envs=frozenset({"/opt/conda"}))).name == "apt"
    )


def test_auto_macos_with_brew() -> None:
    f = PlatformFacts(system="darwin", tools={"brew": "/opt/homebrew/bin/brew"})
    assert auto(f) == registry.Choice(
        "brew", "--native-from=auto: macOS with Homebrew (/opt/homebrew/bin/brew)"
    )


def test_auto_macos_without_brew() -> None:
    f = PlatformFacts(system="darwin", target_prefix="/Users/u/v", tools={"brew": None})
    with pytest.raises(UnsupportedBackendError) as err:
        auto(f)
    assert err.value.message == (
        "--native-from=auto found no native backend for this machine: the target "
        "interpreter's prefix /Users/u/v has no conda-meta/; this is macOS, but brew is not "
        "on PATH."
    )


def test_auto_debian_without_apt_get() -> None:
    f = facts(tools={"apt-get": None})
    with pytest.raises(UnsupportedBackendError, match="is Debian-like, but apt-get is not on PATH"):
        auto(f)


def test_auto_linuxbrew_is_not_guessed() -> None:
    """brew on a Linux distribution auto does not know: explicit --native-from=brew is needed."""
    f = facts(
        distro_id="gentoo",
        distro_name="Gentoo",
        tools={"brew": "/home/linuxbrew/.linuxbrew/bin/brew"},
    )
    with pytest.raises(UnsupportedBackendError, match="Gentoo"):
        auto(f)


def test_auto_other_platform() -> None:
    with pytest.raises(UnsupportedBackendError, match="the platform win32 has no supported"):
        auto(PlatformFacts(system="win32"))


# -- gathering the facts -------------------------------------------------------


def env_at(prefix: Path, base: Path) -> TargetEnvironment:
    return TargetEnvironment(
        executable=str(prefix / "bin" / "python"),
        base_executable=str(base / "bin" / "python"),
        version=Version("3.12.1"),
        implementation="cpython",
        prefix=str(prefix),
        base_prefix=str(base),
        is_venv=prefix != base,
        system_site_packages=False,
        purelib="",
        platlib="",
        sys_path=(),
        externally_managed=None,
        markers={},
        tags=(),
        distributions=(),
    )


def test_gather_facts_finds_conda_meta(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_dir = tmp_path / "envs" / "x"
    (env_dir / "conda-meta").mkdir(parents=True)
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("CONDA_PREFIX", str(other))
    f = gather_facts(env_at(env_dir, env_dir))
    assert f.target_prefix == str(env_dir.resolve())
    assert f.conda_prefix == str(other.resolve())
    assert f.conda_envs == frozenset({str(env_dir.resolve())})
    assert set(f.tools) == {"apt-get", "dnf", "brew"}
    assert auto(f).name == "conda"


def test_gather_facts_without_a_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    host = SimpleNamespace(
        id=lambda: "debian", like=lambda: "", name=lambda pretty=False: "Debian 12"
    )
    monkeypatch.setattr("pip_native.native.registry.host_distribution", lambda: host)
    monkeypatch.setattr("pip_native.native.registry.shutil.which", lambda tool: f"/usr/bin/{tool}")
    monkeypatch.setattr("pip_native.native.registry.sys.platform", "linux")
    f = gather_facts()
    assert (f.target_prefix, f.conda_prefix, f.conda_envs) == (None, None, frozenset())
    assert choose_backend("auto") == registry.Choice(
        "apt", "--native-from=auto: Debian 12 (id debian) uses apt"
    )


def test_refresh_commands_per_backend() -> None:
    """Static where the command never changes; none for conda (no --refresh)."""
    from pip_native.native.registry import refresh_command

    assert refresh_command("apt") == (("apt-get", "update"), True)
    assert refresh_command("brew") == (("brew", "update"), False)
    assert refresh_command("conda") is None


# -- start_ahead -------------------------------------------------------------------


class AheadAdapter:
    """An adapter with work ahead, logging what it is asked."""

    log: ClassVar[list[str]] = []
    fail = False

    def __init__(self, **kwargs: Any) -> None:
        self.log.append(f"made in {kwargs['cache_dir'].name}")

    def prepare_ahead(self) -> None:
        if self.fail:
            raise OSError("apt-config is missing")
        self.log.append("prepare_ahead")

    def finish_ahead(self) -> None:
        self.log.append("finish_ahead")

    def use_mapping(self, dists_for_package: Any) -> None:
        self.log.append(f"use_mapping {dists_for_package('python3-yaml')}")


def test_start_ahead_prepares_an_adapter_in_a_thread_and_finishes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "_adapter_class", lambda name: AheadAdapter)
    AheadAdapter.log = []
    stop = registry.start_ahead(" APT ")
    stop()
    assert AheadAdapter.log == ["made in apt", "prepare_ahead", "finish_ahead"]
    AheadAdapter.log = []
    for name in (None, "", "auto", "none", "yum"):  # nothing to start
        registry.start_ahead(name)()
    assert AheadAdapter.log == []
    AheadAdapter.fail = True
    try:
        registry.start_ahead("apt")()  # the plan's own adapter meets the failure and says so
    finally:
        AheadAdapter.fail = False
    assert AheadAdapter.log == ["made in apt", "finish_ahead"]


def test_the_plan_gets_the_adapter_made_ahead_until_it_is_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the adapter learned ahead (apt's configuration, dpkg's records, the universe in
    progress) serves the plan: create_adapter hands out the same one, with the plan's mapping."""
    monkeypatch.setattr(registry, "_adapter_class", lambda name: AheadAdapter)
    AheadAdapter.log = []
    stop = registry.start_ahead("apt")
    deadline = time.monotonic() + 10
    while "prepare_ahead" not in AheadAdapter.log and time.monotonic() < deadline:
        time.sleep(0.01)
    adapter = registry.create_adapter("apt", dists_for_package=lambda package: ["pyyaml"])
    again = registry.create_adapter("apt", dists_for_package=lambda package: ["other"])
    assert isinstance(adapter, AheadAdapter) and again is adapter
    assert AheadAdapter.log == [
        "made in apt",
        "prepare_ahead",
        "use_mapping ['pyyaml']",
        "use_mapping ['other']",
    ]
    assert isinstance(registry.create_adapter("none", dists_for_package=list), NoBackend)
    stop()
    assert AheadAdapter.log[-1] == "finish_ahead"
    after = registry.create_adapter("apt", dists_for_package=lambda package: [])
    assert after is not adapter  # stopped: a plan after it makes its own
    assert AheadAdapter.log[-1] == "made in apt"
