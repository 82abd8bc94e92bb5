"""Carry out a plan: the only code in pip-native that changes the system.

Order: the native step (one batched package-manager call), a check that the
system now provides what the plan says, then one pip call installing the
pinned pure wheels by exact hash. If the native step fails, nothing from
PyPI is installed; if pip fails after it, the error says exactly what was
installed and how to finish or undo.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pip_native import subproc
from pip_native.environment import TargetEnvironment
from pip_native.errors import CommandFailed, ExecutionError, PrivilegeError, redact
from pip_native.native.base import NativeStep
from pip_native.plan import Action, PipStep, Plan, PlanItem

__all__ = ["ExecutionResult", "PipRunner", "check_privileges", "execute", "native_argv", "refresh"]

PipRunner = Callable[[PipStep, Path], None]
"""Installs a pip step's pinned wheels from the given requirements file."""


@dataclass
class ExecutionResult:
    """What actually happened; filled in step by step so a failure can report it."""

    native_packages: list[str] = field(default_factory=list)
    """System packages the native step newly installed (safe to remove to undo it)."""
    native_upgraded: list[str] = field(default_factory=list)
    """Packages that were already installed and that the native step upgraded."""
    pip_installed: list[str] = field(default_factory=list)
    steps: list[dict[str, object]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "native_packages_installed": list(self.native_packages),
            "native_packages_upgraded": list(self.native_upgraded),
            "pure_wheels_installed": list(self.pip_installed),
            "steps": list(self.steps),
        }


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def check_privileges(plan: Plan, *, use_sudo: bool) -> None:
    """Refuse up front, before anything changes, when the native step needs root we do not have."""
    if plan.needs_root and not _is_root() and not use_sudo:
        step = plan.native_step
        assert step is not None
        raise PrivilegeError(
            f"The {step.manager} step needs root, and pip-native is not running as root. "
            "Nothing was installed.",
            command=step.command,
            hint="Re-run with --use-sudo to run that one command through sudo, or run it yourself "
            "as root and then re-run pip-native (it will find the packages installed).",
        )


def refresh(manager: str, command: Sequence[str], *, needs_root: bool, use_sudo: bool) -> None:
    """``--refresh``: update the package manager's lists (only ever when the user asked)."""
    step = NativeStep(manager, tuple(command), (), (), needs_root)
    if needs_root and not _is_root() and not use_sudo:
        raise PrivilegeError(
            f"--refresh runs {' '.join(command)}, which needs root, and pip-native is not "
            "running as root. Nothing was changed.",
            command=command,
            hint="Re-run with --use-sudo, or run that command yourself and drop --refresh.",
        )
    subproc.run(
        native_argv(step, use_sudo=use_sudo),
        what=f"update {manager}'s package lists",
        parse_output=False,
        capture=False,
    )


def native_argv(step: NativeStep, *, use_sudo: bool) -> list[str]:
    """The argv that runs: the step's command, through ``sudo env …`` when asked and needed."""
    if step.needs_root and use_sudo and not _is_root():
        env = [f"{k}={v}" for k, v in (step.env or {}).items()]
        return ["sudo", "--", "env", *env, *step.command]
    return list(step.command)


def _labels(items: Sequence[PlanItem]) -> list[str]:
    return [f"{i.name} {i.version}" for i in items]


def execute(
    plan: Plan,
    *,
    use_sudo: bool = False,
    reprobe: Callable[[], TargetEnvironment] | None = None,
    result: ExecutionResult | None = None,
    stream: bool = False,
    run_pip: PipRunner | None = None,
) -> ExecutionResult:
    """Run the plan's steps. ``reprobe`` re-reads the target to verify the native step;
    ``stream`` shows the package manager's and pip's output live (on stderr).

    ``run_pip(step, requirements_file)`` replaces the pip subprocess: inside pip
    (the pip hook) it is pip's own install command; it raises
    :class:`~pip_native.errors.CommandFailed` when pip fails."""
    check_privileges(plan, use_sudo=use_sudo)
    done = result if result is not None else ExecutionResult()
    native_items = [
        i for i in plan.items if i.source == plan.manager and i.action is not Action.KEEP
    ]
    pure_items = [i for i in plan.items if i.source == "pypi" and i.action is Action.INSTALL]

    if plan.native_step is not None:
        step = plan.native_step
        argv = native_argv(step, use_sudo=use_sudo)
        try:
            subproc.run(
                argv,
                what=f"install {len(step.requested)} package(s) with {step.manager}",
                env=step.env,
                parse_output=False,
                capture=not stream,
            )
        except CommandFailed as exc:
            raise ExecutionError(
                f"The {step.manager} step failed, so nothing from PyPI was installed either.",
                installed=[],
                not_installed=_labels(native_items + pure_items),
                cause=exc,
                hint=f"Fix the {step.manager} problem shown above and run pip-native again.",
            ) from exc
        done.native_packages = [p.name for p in step.new_packages if not p.is_installed]
        done.native_upgraded = [p.name for p in step.new_packages if p.is_installed]
        done.steps.append({"step": step.manager, "command": [redact(a) for a in argv], "ok": True})
        if reprobe is not None:
            _verify_native(plan, native_items, pure_items, reprobe())

    if plan.pip_step is not None:
        pip = plan.pip_step
        local_items = [i for i in plan.items if i.source == "local"]
        if pip.requirement_lines:
            with tempfile.TemporaryDirectory(prefix="pip-native-") as tmp:
                req_file = Path(tmp) / "requirements.txt"
                req_file.write_text("\n".join(pip.requirement_lines) + "\n", encoding="utf-8")
                argv = pip.command(str(req_file))
                try:
                    if run_pip is not None:
                        run_pip(pip, req_file)
                    else:
                        subproc.run(
                            argv,
                            what="install the pure wheels with pip",
                            env=pip.env,
                            parse_output=False,
                            capture=not stream,
                        )
                except CommandFailed as exc:
                    raise _pip_failed(plan, done, pure_items + local_items, argv, exc) from exc
            done.pip_installed = _labels(pure_items)
            done.steps.append({"step": "pip", "command": [redact(a) for a in argv], "ok": True})
        if pip.local_paths:
            argv = pip.local_command()
            try:
                subproc.run(
                    argv,
                    what="build and install the local project(s) with pip",
                    env=pip.env,
                    parse_output=False,
                    capture=not stream,
                )
            except CommandFailed as exc:
                raise _pip_failed(plan, done, local_items, argv, exc) from exc
            done.pip_installed += _labels(local_items)
            done.steps.append(
                {"step": "pip-local", "command": [redact(a) for a in argv], "ok": True}
            )
    return done


def _pip_failed(
    plan: Plan,
    done: ExecutionResult,
    not_installed: Sequence[PlanItem],
    argv: Sequence[str],
    exc: CommandFailed,
) -> ExecutionError:
    return ExecutionError(
        "The pip step failed after the native step succeeded."
        if plan.native_step is not None
        else "The pip step failed.",
        installed=[f"{plan.manager}: {p}" for p in done.native_packages]
        + [f"{plan.manager} (upgraded): {p}" for p in done.native_upgraded]
        + [f"PyPI: {p}" for p in done.pip_installed],
        not_installed=_labels(not_installed),
        command=argv,
        cause=exc,
        hint=_finish_hint(plan, done),
    )


def _verify_native(
    plan: Plan,
    native_items: Sequence[PlanItem],
    pure_items: Sequence[PlanItem],
    env: TargetEnvironment,
) -> None:
    wrong = []
    for item in native_items:
        found = env.installed.get(item.name)
        if found is None or found.version != item.version:
            got = "missing" if found is None else str(found.version)
            wrong.append(f"{item.name} (expected {item.version}, found {got})")
    if wrong:
        raise ExecutionError(
            f"The {plan.manager} step finished, but the target interpreter {plan.python} does not "
            f"see what it should: {', '.join(wrong)}. The pip step was not run.",
            installed=[f"{plan.manager}: {i.name} {i.version}" for i in native_items],
            not_installed=_labels(pure_items),
            hint="Check that the target venv was created with --system-site-packages from the "
            "system Python the package manager serves.",
        )


_UNDO = {"apt": ("apt-get", "remove"), "dnf": ("dnf", "remove"), "brew": ("brew", "uninstall")}


def _finish_hint(plan: Plan, done: ExecutionResult) -> str:
    undo = ""
    step = plan.native_step
    # Only what this step newly installed: removing an upgraded package would remove
    # something that was there before.
    removable = [n for n in step.requested_names if n in done.native_packages] if step else []
    if step is not None and removable:
        verb = _UNDO.get(step.manager)
        how = (
            shlex.join([*verb, *removable])
            if verb
            else f"remove {', '.join(removable)} with {step.manager}"
        )
        undo = f" To undo the {step.manager} step instead: {how}."
    return (
        "Run the same pip-native command again once the cause is fixed: the native packages "
        f"are installed and will be kept, only the pure wheels remain.{undo}"
    )
