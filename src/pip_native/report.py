"""The plan as text (a table) and as JSON shaped after pip's installation report."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from packageurl import PackageURL

from pip_native import __version__
from pip_native.errors import redact, shown_command
from pip_native.hostdistro import host_distribution
from pip_native.index.files import DistFile
from pip_native.index.metadata import CoreMetadata
from pip_native.native.base import SystemPackage
from pip_native.plan import Action, Plan, PlanItem

if TYPE_CHECKING:
    from pip_native.executor import ExecutionResult

__all__ = ["REPORT_VERSION", "install_summary", "plan_json", "plan_table"]

REPORT_VERSION = "1"
"""Same value as pip's installation report ``version``.

pip's top-level keys keep pip's meaning (``install`` lists what pip installs;
each entry's ``metadata`` carries the core fields pip-native reads: name,
version, requires_dist, requires_python, provides_extra); pip-native adds
``native`` and ``pip_native``."""

_PURL_TYPES = {"apt": "deb", "dnf": "rpm", "conda": "conda", "brew": "brew"}


def system_purl(pkg: SystemPackage) -> str:
    qualifiers: dict[str, str] = {}
    if pkg.arch:
        qualifiers["arch"] = pkg.arch
    namespace = (host_distribution().id() or None) if pkg.manager in {"apt", "dnf"} else None
    return PackageURL(
        type=_PURL_TYPES.get(pkg.manager, "generic"),
        namespace=namespace,
        name=pkg.name,
        version=pkg.version or pkg.installed_version,
        qualifiers=qualifiers or None,
    ).to_string()


def _metadata_json(md: CoreMetadata) -> dict[str, Any]:
    out: dict[str, Any] = {"name": md.name, "version": str(md.version)}
    if md.requires_dist:
        out["requires_dist"] = [str(r) for r in md.requires_dist]
    if md.requires_python is not None:
        out["requires_python"] = str(md.requires_python)
    if md.provides_extra:
        out["provides_extra"] = list(md.provides_extra)
    return out


def _install_entry(item: PlanItem, file: DistFile, md: CoreMetadata | None) -> dict[str, Any]:
    hashes = dict(file.hashes)
    archive: dict[str, Any] = {"hashes": hashes}
    if "sha256" in hashes:
        archive["hash"] = f"sha256={hashes['sha256']}"
    entry: dict[str, Any] = {
        "download_info": {"url": redact(file.url), "archive_info": archive},
        "is_direct": False,
        "is_yanked": file.yanked is not None,
        "requested": item.requested,
        "metadata": _metadata_json(md) if md else {"name": item.name, "version": str(item.version)},
    }
    if item.extras:
        entry["requested_extras"] = sorted(item.extras)
    return entry


def _item_json(item: PlanItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": item.name,
        "version": str(item.version),
        "action": item.action.value,
        "source": item.source,
        "why": item.why,
        "requested": item.requested,
    }
    if item.package is not None:
        out["system_package"] = {"name": item.package.name, "purl": system_purl(item.package)}
    if item.location:
        out["location"] = item.location
    return out


def plan_json(
    plan: Plan,
    *,
    metadata: Callable[[DistFile], CoreMetadata | None] = lambda _f: None,
    result: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report: pip's keys (``version``, ``install``, ``environment``) plus ``native`` and ``pip_native``."""
    install = [
        _install_entry(i, i.file, metadata(i.file))
        for i in plan.items
        if i.action is Action.INSTALL and i.file is not None
    ]
    native: dict[str, Any] | None = None
    if plan.native_step is not None:
        step = plan.native_step
        provides: dict[str, list[dict[str, str]]] = {}
        for item in plan.items:
            if (
                item.package is not None
                and item.source == plan.manager
                and item.action is not Action.KEEP
            ):
                provides.setdefault(item.package.name, []).append(
                    {"name": item.name, "version": str(item.version)}
                )
        native = {
            "manager": step.manager,
            "command": [redact(a) for a in step.command],
            "command_line": shown_command(step.command),
            "environment": dict(step.env or {}),
            "needs_root": step.needs_root,
            "requested": list(step.requested),
            "packages": [
                {
                    "name": p.name,
                    "version": p.version,
                    "installed_version": p.installed_version,
                    "purl": system_purl(p),
                    "requested": p.name in step.requested_names,
                    "provides": provides.get(p.name, []),
                }
                for p in step.new_packages
            ],
        }
    pip_step = None
    if plan.pip_step is not None:
        pip_step = {
            "command": [redact(a) for a in plan.pip_step.command("<requirements file>")],
            "requirements": list(plan.pip_step.requirement_lines),
            "local_projects": list(plan.pip_step.local_paths),
            "local_command": [redact(a) for a in plan.pip_step.local_command()]
            if plan.pip_step.local_paths
            else None,
        }
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "pip_version": plan.pip_version,
        "pip_native_version": __version__,
        "install": install,
        "environment": dict(plan.markers),
        "native": native,
        "pip_native": {
            "python": plan.python,
            "native_from": plan.manager,
            "plan": [_item_json(i) for i in plan.items],
            "pip_step": pip_step,
            "index": plan.index.redacted(),
            "external": [
                {
                    "identifier": e.identifier,
                    "category": e.category,
                    "packages": list(e.packages),
                    "project": e.project,
                    "why": e.why,
                }
                for e in plan.externals
            ],
            "warnings": list(plan.warnings),
        },
    }
    if result is not None:
        report["pip_native"]["result"] = dict(result)
    return report


def dump(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=False) + "\n"


def plan_table(plan: Plan) -> str:
    """The human view of a plan: one row per distribution, then the commands."""
    rows = [("Name", "Version", "Source", "Why")]
    order = {Action.INSTALL: 0, Action.PROVIDED: 1, Action.KEEP: 2}
    for item in sorted(plan.items, key=lambda i: (order[i.action], i.source, i.name)):
        source = item.source_label
        if item.action is Action.PROVIDED:
            source = f"{item.source} (provided)"
        elif item.action is Action.INSTALL and item.package is not None:
            source = f"{item.source}: {item.package.name}"
        rows.append((item.name, str(item.version), source, item.why))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 3)
    out = ["\n".join(line.rstrip() for line in lines)]
    if plan.externals:
        out.append(f"\nExternal dependencies (PEP 725), from {plan.manager}:")
        out.extend(
            f"  {e.identifier} ({e.category}, {e.project}): "
            f"{' '.join(e.packages) or 'nothing to install'}  [{e.why}]"
            for e in plan.externals
        )
    if plan.native_step is not None:
        step = plan.native_step
        extra = len(step.new_packages)
        root = " (needs root)" if step.needs_root else ""
        out.append(
            f"\n{step.manager} step{root}, {extra} new package(s):\n  {shown_command(step.command)}"
        )
    if plan.pip_step is not None and plan.pip_step.requirement_lines:
        out.append(
            f"\npip step, {len(plan.pip_step.requirement_lines)} pure wheel(s) by exact hash:\n  "
            + shown_command(plan.pip_step.command("<requirements file>"))
        )
    if plan.pip_step is not None and plan.pip_step.local_paths:
        out.append(
            f"\npip builds {len(plan.pip_step.local_paths)} local project(s):\n  "
            + shown_command(plan.pip_step.local_command())
        )
    if plan.is_empty:
        out.append("\nNothing to install: every requirement is already satisfied.")
    for warning in plan.warnings:
        out.append(f"Warning: {warning}")
    return "\n".join(out) + "\n"


def install_summary(result: ExecutionResult) -> str:
    """The closing lines after the steps ran: what was installed and upgraded."""
    parts = []
    if result.native_packages:
        parts.append(f"{len(result.native_packages)} system package(s)")
    if result.pip_installed:
        parts.append(
            f"{len(result.pip_installed)} pure wheel(s): {', '.join(result.pip_installed)}"
        )
    text = ("\nInstalled " + " and ".join(parts) + ".\n") if parts else ""
    if result.native_upgraded:
        text += f"Upgraded {len(result.native_upgraded)} system package(s): {', '.join(result.native_upgraded)}.\n"
    return text or "\nNothing to do.\n"
