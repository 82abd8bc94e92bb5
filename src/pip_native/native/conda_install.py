"""``python -m pip_native.native.conda_install``: py-rattler solves and installs, in their own process.

Two actions, both against ``--channel`` (repeatable) with caches under
``--cache-dir``:

``solve [--prefix ENV] SPEC...``
    Print what installing SPECs into ENV changes, as JSON
    ``{"link": [record...], "unlink": [record...]}`` (exit 0), or
    ``{"error": ..., "missing": [names], "unsatisfiable": bool}`` (exit 1).
    Installed packages are kept and preferred at their versions.

``install --prefix ENV 'NAME ==VERSION BUILD'...``
    The conda backend's native step. Solves exactly as planning did, checks
    that the result holds every record named and nothing else new, removes
    nothing, then links the complete environment with ``rattler.install``
    (a full transaction: whatever the set leaves out would be removed).

The process ends with ``os._exit``: py-rattler 0.28's runtime can crash the
interpreter during normal shutdown (SIGSEGV/abort in about one exit in ten
here), after the work is done and reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pip_native.native.conda_prefix import CondaSolveError, dependency_name, is_conda_prefix
from pip_native.native.conda_rattler import record_json, solve_prefix, to_record

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["build_parser", "install", "main", "solve"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pip_native.native.conda_install",
        description="Solve or install conda packages in a conda prefix with py-rattler "
        "(pip-native's conda backend without a conda binary).",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    for action, help_text in (
        ("solve", "print what installing SPECs would change, as JSON"),
        ("install", "install exactly these records: 'name ==version build'"),
    ):
        sub = actions.add_parser(action, help=help_text)
        sub.add_argument(
            "--prefix", type=Path, required=action == "install", help="the conda environment"
        )
        sub.add_argument(
            "--channel", action="append", required=True, help="channel name, URL or path"
        )
        sub.add_argument("--cache-dir", required=True, type=Path, help="repodata and package cache")
        sub.add_argument("specs", nargs="+", metavar="SPEC")
    return parser


def solve(
    prefix: Path | None, channels: Sequence[str], cache_dir: Path, specs: Sequence[str]
) -> dict[str, object]:
    """What installing ``specs`` changes: ``{"link": [...], "unlink": [...]}``."""
    records, installed = solve_prefix(prefix, specs, channels, cache_dir / "repodata")
    after = {r.name.normalized: to_record(r) for r in records}
    before = {r.name.normalized: to_record(r) for r in installed}
    link = [
        rec
        for name, rec in after.items()
        if name not in before
        or (before[name].version, before[name].build) != (rec.version, rec.build)
    ]
    unlink = [
        old
        for name, old in before.items()
        if name not in after or (after[name].version, after[name].build) != (old.version, old.build)
    ]
    return {"link": [record_json(r) for r in link], "unlink": [record_json(r) for r in unlink]}


def install(
    prefix: Path, channels: Sequence[str], cache_dir: Path, specs: Sequence[str]
) -> list[str]:
    """Install ``specs`` (and nothing else new) into ``prefix``; return what changed, as labels.

    Raises :class:`CondaSolveError` when the channels no longer give exactly
    the planned records (nothing is changed then) or the install fails.
    """
    import rattler

    if not is_conda_prefix(prefix):
        raise CondaSolveError(
            f"{prefix} is not a conda environment (it has no conda-meta directory); nothing was changed"
        )
    try:
        records, installed = solve_prefix(prefix, specs, channels, cache_dir / "repodata")
    except CondaSolveError as exc:
        raise CondaSolveError(f"{exc.message}; nothing was changed", missing=exc.missing) from None
    wanted = [rattler.MatchSpec(spec) for spec in specs]
    unmatched = [str(s) for s in wanted if not any(s.matches(r) for r in records)]
    if unmatched:
        raise CondaSolveError(
            f"the channels no longer give the planned records {', '.join(unmatched)}; "
            "nothing was changed"
        )
    after = {r.name.normalized for r in records}
    removed = [r for r in installed if r.name.normalized not in after]
    if removed:
        raise CondaSolveError(
            "installing would remove "
            + ", ".join(f"{r.name.normalized} {r.version}" for r in removed)
            + "; nothing was changed"
        )
    before = {(r.name.normalized, str(r.version), str(r.build)) for r in installed}
    changed = [
        r for r in records if (r.name.normalized, str(r.version), str(r.build)) not in before
    ]
    planned = {dependency_name(spec) for spec in specs}
    extra = [r for r in changed if r.name.normalized not in planned]
    if extra:
        raise CondaSolveError(
            "the solve now also changes "
            + ", ".join(f"{r.name.normalized} {r.version} {r.build}" for r in extra)
            + ", which the plan did not list; nothing was changed"
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
        raise CondaSolveError(
            f"py-rattler could not install into {prefix}: {exc}; the environment may be partly "
            f"changed (compare {prefix / 'conda-meta'} with the plan)"
        ) from None
    return [f"{r.name.normalized} {r.version} {r.build}" for r in changed]


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.action == "solve":
        try:
            out = solve(args.prefix, args.channel, args.cache_dir, args.specs)
        except CondaSolveError as exc:
            error = {
                "error": exc.message,
                "missing": list(exc.missing),
                "unsatisfiable": exc.unsatisfiable,
            }
            sys.stdout.write(json.dumps(error) + "\n")
            return 1
        sys.stdout.write(json.dumps(out) + "\n")
        return 0
    try:
        changed = install(args.prefix, args.channel, args.cache_dir, args.specs)
    except CondaSolveError as exc:
        sys.stderr.write(f"pip-native conda installer: {exc.message}\n")
        return 1
    for label in changed:
        sys.stdout.write(f"installed {label}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one action and return its exit status (the ``-m`` entry leaves with ``os._exit``)."""
    return _run(argv)


if __name__ == "__main__":
    code = 2
    try:
        code = main()
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
