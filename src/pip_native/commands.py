"""The work behind ``pip-native install``, ``plan``, ``external`` and ``map``.

:mod:`pip_native.cli` parses the arguments and imports this module only then, so
that the target interpreter's probe (a process) runs while these modules load.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from pip_native.environment import TargetEnvironment
from pip_native.envlock import environment_lock, prefix_of
from pip_native.errors import EXIT_INTERRUPTED, PipNativeError, UsageError
from pip_native.executor import ExecutionResult, check_privileges, execute
from pip_native.index.config import IndexConfig
from pip_native.localproject import is_local_project
from pip_native.mapping import load_mapping
from pip_native.native.base import NO_BACKEND
from pip_native.native.registry import choose_backend
from pip_native.planner import InstallRequest, PlannedInstall, make_plan
from pip_native.report import dump, install_summary, plan_json, plan_table
from pip_native.reqinput import parse_requirement, read_input_files

__all__ = ["external", "install", "map_names"]


def _configured_constraints() -> list[str]:
    """The constraints files of pip's configuration (pip.conf or PIP_CONSTRAINT): the last
    setting wins, as in pip."""
    from pip_native.index.pipconf import read_pip_options

    files: list[str] = []
    for option, raw in read_pip_options():
        if option == "constraint":
            files = raw.split()
    return files


def _index_config(args: argparse.Namespace) -> IndexConfig:
    return IndexConfig.from_pip_configuration(
        index_url=args.index_url,
        extra_index_urls=tuple(args.extra_index_url) if args.extra_index_url else None,
        find_links=tuple(args.find_links) if args.find_links else None,
        trusted_hosts=tuple(args.trusted_host) if args.trusted_host else None,
        timeout=args.timeout,
        no_index=args.no_index,
        cert=args.cert,
    )


def _request(
    args: argparse.Namespace, *, dry_run: bool, probing: Future[TargetEnvironment] | None
) -> InstallRequest:
    if args.report and args.report != "-":
        target = Path(args.report).expanduser().resolve()
        folder = target.parent
        if target.is_dir():
            raise UsageError(
                f"--report {args.report} is a folder, not a file.",
                hint="Give a file path, e.g. --report plan.json, or '-' for stdout.",
            )
        if not folder.is_dir():
            raise UsageError(
                f"--report {args.report}: the folder {folder} does not exist.",
                hint="Create it first, or give another path ('-' writes the report to stdout).",
            )
    local = [r for r in args.requirements if is_local_project(r)]
    reqs = [parse_requirement(r) for r in args.requirements if r not in local]
    # As pip: -c files, plus the 'constraint' of pip's configuration (PIP_CONSTRAINT, pip.conf).
    from_files, constraints = read_input_files(
        args.requirement, [*_configured_constraints(), *args.constraint]
    )
    reqs.extend(req for req, _ in from_files)
    if not reqs and not local:
        raise UsageError(
            "Nothing to install: no requirements were given.",
            hint="Name projects (pip-native install --native-from=apt scikit-learn requests) or pass -r FILE.",
        )
    native_from, given_as = args.native_from, "--native-from"
    if native_from is None and os.environ.get("PIP_NATIVE_FROM"):
        native_from, given_as = os.environ["PIP_NATIVE_FROM"], "PIP_NATIVE_FROM"
    return InstallRequest(
        requirements=reqs,
        constraints=constraints,
        native_from=native_from,
        native_from_source=given_as,
        local_projects=local,
        external_mapping_files=args.external_mapping,
        python=args.python,
        index=_index_config(args),
        mapping_files=args.mapping,
        upgrade=args.upgrade,
        pre=args.pre,
        break_system_packages=args.break_system_packages,
        dry_run=dry_run,
        cache_dir=args.cache_dir,
        probing=probing,
    )


def _write_report(
    path: str | None,
    planned: PlannedInstall,
    result: ExecutionResult | None,
    status: str,
    *,
    after_changes: bool = False,
) -> None:
    """Write the report. ``after_changes``: the system already changed, so a write failure is
    a warning; it must neither turn a finished install into a failure nor hide the real error."""
    if not path:
        return
    outcome: dict[str, Any] = {"status": status}
    if result is not None:
        outcome.update(result.as_json())

    def metadata(file: Any) -> Any:
        try:
            return planned.index.metadata(file)
        except PipNativeError:
            return None

    text = dump(plan_json(planned.plan, metadata=metadata, result=outcome))
    if path == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(path).expanduser().write_text(text, encoding="utf-8")
        except OSError as exc:
            if after_changes:
                sys.stderr.write(
                    f"pip-native: warning: could not write the report to {path} "
                    f"({exc.strerror or exc}); the install {status} regardless.\n"
                )
                return
            raise UsageError(
                f"Could not write the report to {path}: {exc.strerror or exc}.",
                hint="Give a writable file path for --report, or '-' for stdout.",
            ) from exc


def install(
    args: argparse.Namespace, *, dry_run: bool, probing: Future[TargetEnvironment] | None = None
) -> int:
    """``install`` and ``plan``; ``probing``: the target's probe, started by the caller."""
    request = _request(args, dry_run=dry_run, probing=probing)
    if dry_run:  # changes nothing: no lock needed
        return _plan_and_run(args, request, dry_run=True)
    with environment_lock(prefix_of(request.python)):
        return _plan_and_run(args, request, dry_run=False)


def _plan_and_run(args: argparse.Namespace, request: InstallRequest, *, dry_run: bool) -> int:
    if args.refresh:
        _refresh(request, use_sudo=args.use_sudo)
    planned = make_plan(request)
    try:
        return _run_planned(args, request, planned, dry_run=dry_run)
    finally:
        planned.index.close()  # drop queued metadata prefetches: they would hold up the exit


def _run_planned(
    args: argparse.Namespace, request: InstallRequest, planned: PlannedInstall, *, dry_run: bool
) -> int:
    plan = planned.plan
    out = sys.stderr if args.report == "-" else sys.stdout
    if not args.quiet:
        out.write(planned.header() + "\n")
        out.write(plan_table(plan))
    if dry_run:
        _write_report(args.report, planned, None, "dry-run")
        return 0
    check_privileges(plan, use_sudo=args.use_sudo)
    result = ExecutionResult()
    try:
        execute(
            plan,
            use_sudo=args.use_sudo,
            reprobe=lambda: _reprobe(request.python),
            result=result,
            stream=not args.quiet,
        )
    except KeyboardInterrupt:
        _write_report(args.report, planned, result, "interrupted", after_changes=True)
        sys.stderr.write(_interrupted(plan, result))
        return EXIT_INTERRUPTED
    except BaseException:
        _write_report(args.report, planned, result, "failed", after_changes=True)
        raise
    _write_report(args.report, planned, result, "installed", after_changes=True)
    if not args.quiet:
        out.write(install_summary(result))
    return 0


def _interrupted(plan: Any, result: ExecutionResult) -> str:
    """What a Ctrl-C during the steps leaves behind, exactly."""
    done = [f"{plan.manager}: {p}" for p in result.native_packages]
    done += [f"{plan.manager} (upgraded): {p}" for p in result.native_upgraded]
    done += [f"PyPI: {p}" for p in result.pip_installed]
    started = [str(s["step"]) for s in result.steps]
    return (
        "pip-native: interrupted during the install.\n"
        f"Installed: {', '.join(done) or 'nothing that finished'}.\n"
        f"Finished steps: {', '.join(started) or 'none'}. A step that was running may have "
        "stopped midway: run the same command again to finish (or check the package "
        "manager, e.g. `dpkg --audit`).\n"
    )


def _refresh(request: InstallRequest, *, use_sudo: bool) -> None:
    from pip_native.executor import refresh
    from pip_native.native.registry import PASS_A_BACKEND, refresh_command

    given_as = request.native_from_source
    backend = choose_backend(request.native_from, given_as=given_as, allow_none=True)
    if backend.name == NO_BACKEND:
        raise UsageError(
            "--refresh updates a package manager's package lists, and no native backend was chosen.",
            hint=f"{PASS_A_BACKEND} or set PIP_NATIVE_FROM; "
            "without a backend, leave --refresh out.",
        )
    found = refresh_command(backend.name)
    if found is None:
        raise UsageError(
            f"--refresh is not supported for {backend.name}.",
            hint=f"Update {backend.name}'s package data yourself, then run without --refresh.",
        )
    command, needs_root = found
    refresh(backend.name, command, needs_root=needs_root, use_sudo=use_sudo)


def _reprobe(python: str) -> Any:
    from pip_native.environment import probe

    return probe(python)


def external(args: argparse.Namespace) -> int:
    from pip_native.external.report import external_report

    backend = choose_backend(args.native_from)
    text, code = external_report(
        args.path,
        category=args.category,
        ecosystem=backend.name,
        fmt=args.format,
        extras=args.extra,
        user_files=args.mapping,
        pep804_files=args.external_mapping,
    )
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return code


def map_names(args: argparse.Namespace) -> int:
    from packaging.utils import canonicalize_name

    from pip_native.external.report import map_identifier
    from pip_native.identifiers import parse_pypi_name
    from pip_native.native.registry import create_adapter

    backend = choose_backend(args.to, given_as="--to")
    table = load_mapping(backend.name, user_files=args.mapping)
    adapter = create_adapter(backend.name, dists_for_package=table.dists_for_package)
    external_names = [n for n in args.names if ":" in n]  # dep:, pkg:, virtual: identifiers
    status = 0
    for text in external_names:
        try:
            lines = map_identifier(
                text,
                backend.name,
                pypi=table,
                user_files=args.mapping,
                pep804_files=args.external_mapping,
            )
        except PipNativeError as exc:
            sys.stdout.write(f"{text}: {exc.render()}\n")
            status = 1
        else:
            sys.stdout.write("\n".join(lines) + "\n")
    names = [parse_pypi_name(n) for n in args.names if n not in external_names]
    found = table.lookup_many(names, exists=lambda pkgs: set(adapter.query(pkgs))) if names else {}
    for name in names:
        match = found.get(canonicalize_name(name))
        if match is None:
            sys.stdout.write(f"{name}: {table.unknown_message(name)}\n")
            status = 1
        elif not match.packages:
            sys.stdout.write(
                f"{name}: never from {backend.name} ({match.reason or match.origin})\n"
            )
        else:
            sys.stdout.write(f"{name}: {' '.join(match.packages)}  [{match.describe()}]\n")
    return status
