"""Which Linux distribution this machine runs, read once per process.

The ``distro`` library's module functions run ``lsb_release -a`` (a shell
script of about 10 processes, 20 ms) and ``uname -rs`` on first use, even
where os-release answers everything pip-native asks (id, like, codename,
version, name). They run only where there is no os-release file.
"""

from __future__ import annotations

import functools
from pathlib import Path

import distro

__all__ = ["OS_RELEASE", "host_distribution"]

OS_RELEASE = ("/etc/os-release", "/usr/lib/os-release")
"""The os-release files (freedesktop.org), in the order distro reads them."""


@functools.cache
def host_distribution() -> distro.LinuxDistribution:
    fallbacks = not any(Path(path).is_file() for path in OS_RELEASE)
    return distro.LinuxDistribution(include_lsb=fallbacks, include_uname=fallbacks)
