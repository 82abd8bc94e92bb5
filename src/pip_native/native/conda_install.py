"""``python -m pip_native.native.conda_install``: carry out a planned py-rattler install in a prefix.

This is the command of the conda backend's native step when no conda binary
is used. It solves exactly as planning did (same channels, the installed
packages kept and locked), checks that the result holds every record the
plan named (``name ==version build``) and removes nothing, then links the
complete environment with ``rattler.install`` (a full transaction: whatever
the set leaves out would be removed, so the set is always complete)::

    python -m pip_native.native.conda_install --prefix ENV --channel URL \\
        --cache-dir DIR 'pntc-core ==1.0 pyh0_0' ...
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pip_native.native.conda_prefix import CondaSolveError, dependency_name, is_conda_prefix
from pip_native.native.conda_rattler import solve_prefix

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["build_parser", "install", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pip_native.native.conda_install",
        description="Install exactly these conda records into a conda prefix with py-rattler "
        "(the native step pip-native plans for --native-from=conda without a conda binary).",
    )
    parser.add_argument("--prefix", required=True, type=Path, help="the conda environment")
    parser.add_argument(
        "--channel", action="append", required=True, help="channel name, URL or path (repeatable)"
    )
    parser.add_argument("--cache-dir", required=True, type=Path, help="repodata and package cache")
    parser.add_argument("specs", nargs="+", help="exact records to add: 'name ==version build'")
    return parser


def install(
    prefix: Path, channels: Sequence[str], cache_dir: Path, specs: Sequence[str]
) -> list[str]:
    """Install ``specs`` (and nothing else new) into ``prefix``; return what changed, as labels.

    Raises :class:`CondaSolveError` when the channels no longer give exactly
    the planned records, or the install fails.
    """
    import rattler

    if not is_conda_prefix(prefix):
        raise CondaSolveError(
            f"{prefix} is not a conda environment (it has no conda-meta directory)"
        )
    records, installed = solve_prefix(prefix, specs, channels, cache_dir / "repodata")
    wanted = [rattler.MatchSpec(spec) for spec in specs]
    unmatched = [str(s) for s in wanted if not any(s.matches(r) for r in records)]
    if unmatched:
        raise CondaSolveError(
            f"the channels no longer give the planned records {', '.join(unmatched)}"
        )
    after = {r.name.normalized: r for r in records}
    removed = [r for r in installed if r.name.normalized not in after]
    if removed:
        raise CondaSolveError(
            "installing would remove "
            + ", ".join(f"{r.name.normalized} {r.version}" for r in removed)
        )
    before = {(r.name.normalized, str(r.version), r.build) for r in installed}
    changed = [r for r in records if (r.name.normalized, str(r.version), r.build) not in before]
    planned = {dependency_name(spec) for spec in specs}
    extra = [r for r in changed if r.name.normalized not in planned]
    if extra:
        raise CondaSolveError(
            "the solve now also changes "
            + ", ".join(f"{r.name.normalized} {r.version} {r.build}" for r in extra)
            + ", which the plan did not list"
        )
    try:
        asyncio.run(
            rattler.install(
                records,
                prefix,
                cache_dir=cache_dir / "pkgs",
                installed_packages=installed,
                show_progress=False,
            )
        )
    except Exception as exc:  # rattler's own exception types
        raise CondaSolveError(f"py-rattler could not install into {prefix}: {exc}") from None
    return [f"{r.name.normalized} {r.version} {r.build}" for r in changed]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        changed = install(args.prefix, args.channel, args.cache_dir, args.specs)
    except CondaSolveError as exc:
        sys.stderr.write(f"pip-native conda installer: nothing was changed: {exc.message}\n")
        return 1
    for label in changed:
        sys.stdout.write(f"installed {label}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
