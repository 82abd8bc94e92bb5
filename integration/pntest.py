"""The local wheel index and name mapping that the apt end-to-end tests share (pntest-*)."""

from __future__ import annotations

from pathlib import Path

from localindex import LocalIndex

PLATFORM_TAG = "cp311-cp311-manylinux_2_17_x86_64"
"""Any non-pure tag: a project with only such wheels has native code."""

MAPPED = ("core", "app", "impl", "helper", "old", "core2", "nover", "argon")


def build_pntest_index(root: Path) -> LocalIndex:
    """Wheels matching the apt sandbox's python3-pntest-* packages, plus pure extras."""
    idx = LocalIndex(root)
    idx.add_wheel("pntest-core", "1.0", tag=PLATFORM_TAG)
    idx.add_wheel("pntest-app", "2.0", tag=PLATFORM_TAG)
    idx.add_wheel("pntest-impl", "3.1", tag=PLATFORM_TAG)
    idx.add_wheel("pntest-helper", "0.7")
    idx.add_wheel("pntest-helper", "0.5")
    idx.add_wheel("pntest-purelib", "1.0", requires=["pntest-core>=1.0"])
    idx.add_wheel("pntest-plain", "1.0")
    # pntest-argon's pure releases need pntest-bindings (platform wheels only, no package)
    idx.add_wheel("pntest-bindings", "21.2", tag=PLATFORM_TAG)
    for version in ("23.1", "25.1"):
        idx.add_wheel("pntest-argon", version, requires=["pntest-bindings"])
    idx.add_wheel("pntest-argon", "21.1", tag=PLATFORM_TAG)
    idx.add_wheel("pntest-server", "2.0", requires=["pntest-argon>=21.1"])
    idx.build()
    return idx


def write_pntest_mapping(path: Path) -> Path:
    """A --mapping file naming the sandbox package of every pntest-* project."""
    path.write_text("[apt]\n" + "".join(f'pntest-{n} = ["python3-pntest-{n}"]\n' for n in MAPPED))
    return path
