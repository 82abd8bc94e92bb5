"""Tests for pip_native.hostdistro: the distribution read from os-release, no processes."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pip_native import hostdistro

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_mock import MockerFixture


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    hostdistro.host_distribution.cache_clear()
    yield
    hostdistro.host_distribution.cache_clear()


def test_os_release_answers_without_running_anything(
    tmp_path: Path, mocker: MockerFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    os_release = tmp_path / "os-release"
    os_release.write_text(
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
        'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
    )
    monkeypatch.setattr(hostdistro, "OS_RELEASE", (str(os_release),))
    made: list[dict[str, Any]] = []
    real = hostdistro.distro.LinuxDistribution

    def linux_distribution(**kw: Any) -> Any:
        made.append(kw)
        return real(**kw, os_release_file=str(os_release), distro_release_file="/dev/null")

    mocker.patch.object(hostdistro.distro, "LinuxDistribution", side_effect=linux_distribution)
    popen = mocker.spy(subprocess, "Popen")
    host = hostdistro.host_distribution()
    assert (host.id(), host.codename(), host.major_version()) == ("debian", "bookworm", "12")
    assert host.name(pretty=True) == "Debian GNU/Linux 12 (bookworm)"
    assert made == [{"include_lsb": False, "include_uname": False}]
    assert popen.call_count == 0
    assert hostdistro.host_distribution() is host  # read once


def test_without_os_release_distro_may_ask_lsb_release(
    tmp_path: Path, mocker: MockerFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hostdistro, "OS_RELEASE", (str(tmp_path / "absent"),))
    made = mocker.patch.object(hostdistro.distro, "LinuxDistribution")
    hostdistro.host_distribution()
    made.assert_called_once_with(include_lsb=True, include_uname=True)
