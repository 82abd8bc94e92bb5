"""Shared integration fixtures: a real local apt repository of tiny pntest packages."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import pytest

from debrepo import AptSandbox, FakeDeb, exclusive_system_lock, make_sandbox, native_arch

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pip_native.native.apt import AptAdapter


def _apt_unusable_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root: builds and installs real .deb packages with apt/dpkg"
    for tool in ("dpkg-deb", "dpkg-scanpackages", "apt-get", "dpkg-query"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (install dpkg-dev and apt: a Debian-like system is needed)"
    return None


def pntest_packages() -> list[FakeDeb]:
    """The packages of the session repository (all named *pntest*)."""
    native = native_arch()
    return [
        # a native leaf, in two versions: 1.0 is the candidate
        FakeDeb("python3-pntest-core", "1.0", arch=native, dist="pntest-core"),
        FakeDeb("python3-pntest-core", "0.9", arch=native, dist="pntest-core"),
        # a shared library shipping no Python distribution
        FakeDeb("libpntest0", "1.2-1", arch=native),
        FakeDeb(
            "python3-pntest-helper",
            "0.5-1",
            depends=("libpntest0",),
            dist="pntest-helper",
        ),
        # a virtual package and its provider (epoch + dfsg repack in the version)
        FakeDeb(
            "python3-pntest-impl",
            "1:3.1+dfsg-2",
            provides=("pntest-virtual",),
            dist="pntest-impl",
        ),
        FakeDeb(
            "python3-pntest-app",
            "2.0-1",
            depends=(
                "python3-pntest-core (>= 1.0)",
                "python3-pntest-missing | python3-pntest-helper (>= 0.5)",
                "pntest-virtual",
            ),
            dist="pntest-app",
            requires_dist=("pntest-core>=1.0", "pntest-helper", "pntest-impl"),
        ),
        # conflicting versions: needs core << 1.0, but apt only installs candidates (1.0)
        FakeDeb(
            "python3-pntest-old",
            "0.1-1",
            depends=("python3-pntest-core (<< 1.0)",),
            dist="pntest-old",
        ),
        # installing it would remove python3-pntest-core
        FakeDeb(
            "python3-pntest-core2",
            "1.0",
            conflicts=("python3-pntest-core",),
            dist="pntest-core2",
        ),
        # egg-info directory without a version: the deb version is used
        FakeDeb("python3-pntest-nover", "0.3-1", dist="pntest-nover", unversioned_egg_info=True),
        # argon2-cffi's shape: an older release holding the C code, where PyPI's pure
        # releases need a bindings project nothing here packages
        FakeDeb(
            "python3-pntest-argon",
            "21.1.0-2",
            arch=native,
            depends=("libpntest0",),
            dist="pntest-argon",
        ),
    ]


@pytest.fixture(scope="session")
def apt_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AptSandbox]:
    """A local apt repository of pntest packages, with an APT_CONFIG that sees only it.

    Holds a machine-wide lock for the session: other sessions using it (which
    may install pntest packages for real) wait, so each sees a clean dpkg state.
    """
    reason = _apt_unusable_reason()
    if reason is not None:
        pytest.skip(reason)
    with exclusive_system_lock():
        yield make_sandbox(pntest_packages(), tmp_path_factory.mktemp("aptrepo"))


@pytest.fixture
def apt_adapter(apt_sandbox: AptSandbox) -> AptAdapter:
    """A fresh adapter reading only the sandbox repository (plus the system's dpkg status)."""
    from pip_native.native.apt import AptAdapter

    return AptAdapter(env=apt_sandbox.env, dists_for_package=apt_sandbox.dists_for_package)


@pytest.fixture
def require_apt() -> None:
    """Skip unless apt/dpkg can be used for real (root, Debian tools present)."""
    reason = _apt_unusable_reason()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def system_apt_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index cache directory shared by the tests that read the system's real apt index."""
    return tmp_path_factory.mktemp("system-apt-cache")
