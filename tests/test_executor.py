"""The executor's order and guarantees, with the commands it runs recorded (subproc.run patched).

Real apt and pip runs are in integration/; here every path through the executor
is driven with commands that succeed or fail on demand.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_mock import MockerFixture

from fakes import installed, make_env
from pip_native import executor
from pip_native.environment import TargetEnvironment
from pip_native.errors import CommandFailed, ExecutionError, PrivilegeError
from pip_native.plan import Plan, build_plan
from pip_native.subproc import CommandResult
from scenario import World


class Runner:
    """Stands in for subproc.run: records argv (and pip's requirements file), fails on demand."""

    def __init__(self, fail: str | None = None) -> None:
        self.fail = fail
        self.argvs: list[list[str]] = []
        self.envs: list[dict[str, str]] = []
        self.requirements: list[str] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> CommandResult:
        self.argvs.append(list(argv))
        self.envs.append(dict(kwargs.get("env") or {}))
        if "-r" in argv:
            self.requirements = Path(argv[argv.index("-r") + 1]).read_text().splitlines()
        step = "pip" if "pip" in argv else "apt"
        if self.fail == step:
            raise CommandFailed(
                f"Could not run {step}", command=argv, returncode=100, output="E: boom"
            )
        return CommandResult(tuple(argv), 0, "", "")


@pytest.fixture
def plan(world: World) -> Plan:
    return build_plan(
        world.resolve("scikit-learn", "requests"),
        env=world.env,
        adapter=world.adapter,
        index=world.config,
    )


@pytest.fixture
def as_root(mocker: MockerFixture) -> None:
    mocker.patch.object(executor, "_is_root", return_value=True)


def after_apt(plan: Plan) -> Callable[[], TargetEnvironment]:
    """What the target sees once the native step ran: every native item installed."""
    dists = [
        installed(
            i.name, str(i.version), in_target=False, location="/usr/lib/python3/dist-packages"
        )
        for i in plan.items
        if i.source == "apt"
    ]
    return lambda: make_env(*dists)


@pytest.mark.usefixtures("as_root")
def test_native_step_runs_first_then_one_pip_call_by_hash(
    plan: Plan, mocker: MockerFixture
) -> None:
    runner = Runner()
    mocker.patch.object(executor.subproc, "run", runner)
    result = executor.execute(plan, reprobe=after_apt(plan))
    assert runner.argvs[0] == [
        "apt-get",
        "install",
        "-y",
        "--no-install-recommends",
        "python3-sklearn",
    ]
    assert runner.envs[0] == {"DEBIAN_FRONTEND": "noninteractive"}
    pip = runner.argvs[1]
    assert pip[:4] == [plan.python, "-m", "pip", "install"]
    assert {"--no-deps", "--require-hashes"} <= set(pip)
    assert runner.requirements == list(plan.pip_step.requirement_lines)  # type: ignore[union-attr]
    assert len(runner.argvs) == 2
    assert "python3-sklearn" in result.native_packages
    assert "requests 2.32.3" in result.pip_installed


@pytest.mark.usefixtures("as_root")
def test_native_failure_installs_nothing_from_pypi(plan: Plan, mocker: MockerFixture) -> None:
    runner = Runner(fail="apt")
    mocker.patch.object(executor.subproc, "run", runner)
    with pytest.raises(ExecutionError) as err:
        executor.execute(plan, reprobe=after_apt(plan))
    assert len(runner.argvs) == 1  # pip never ran
    assert err.value.installed == ()
    assert (
        "requests 2.32.3" in err.value.not_installed and "numpy 1.24.2" in err.value.not_installed
    )
    assert "E: boom" in err.value.render()


@pytest.mark.usefixtures("as_root")
def test_pip_failure_after_native_says_exactly_what_was_installed(
    plan: Plan, mocker: MockerFixture
) -> None:
    runner = Runner(fail="pip")
    mocker.patch.object(executor.subproc, "run", runner)
    with pytest.raises(ExecutionError) as err:
        executor.execute(plan, reprobe=after_apt(plan))
    assert "apt: python3-sklearn" in err.value.installed
    assert "apt: python3-numpy" in err.value.installed
    assert err.value.not_installed == (
        "certifi 2024.8.30",
        "charset-normalizer 3.4.0",
        "idna 3.10",
        "requests 2.32.3",
        "urllib3 2.2.3",
    )
    text = err.value.render()
    assert "apt-get remove python3-sklearn" in text  # how to undo
    assert "Run the same pip-native command again" in text  # how to finish


@pytest.mark.usefixtures("as_root")
def test_target_not_seeing_the_native_packages_stops_before_pip(
    plan: Plan, mocker: MockerFixture
) -> None:
    runner = Runner()
    mocker.patch.object(executor.subproc, "run", runner)
    with pytest.raises(ExecutionError) as err:
        executor.execute(plan, reprobe=make_env)  # a target that sees nothing of apt's
    assert len(runner.argvs) == 1
    assert "scikit-learn (expected 1.2.1, found missing)" in err.value.render()


def test_without_root_or_sudo_nothing_runs(plan: Plan, mocker: MockerFixture) -> None:
    mocker.patch.object(executor, "_is_root", return_value=False)
    runner = Runner()
    mocker.patch.object(executor.subproc, "run", runner)
    with pytest.raises(PrivilegeError) as err:
        executor.execute(plan)
    assert runner.argvs == []
    assert "--use-sudo" in err.value.render()


def test_use_sudo_wraps_only_the_native_command(plan: Plan, mocker: MockerFixture) -> None:
    mocker.patch.object(executor, "_is_root", return_value=False)
    runner = Runner()
    mocker.patch.object(executor.subproc, "run", runner)
    executor.execute(plan, use_sudo=True, reprobe=after_apt(plan))
    assert runner.argvs[0][:4] == ["sudo", "--", "env", "DEBIAN_FRONTEND=noninteractive"]
    assert runner.argvs[0][4:6] == ["apt-get", "install"]
    assert runner.argvs[1][0] == plan.python  # pip runs as the user, into the target env


def test_pip_step_ignores_pip_config_files(plan: Plan, mocker: MockerFixture) -> None:
    mocker.patch.object(executor, "_is_root", return_value=True)
    runner = Runner()
    mocker.patch.object(executor.subproc, "run", runner)
    executor.execute(plan, reprobe=after_apt(plan))
    assert runner.envs[1]["PIP_CONFIG_FILE"] == os.devnull


def test_upgraded_packages_are_reported_apart_from_new_ones(
    world: World, mocker: MockerFixture
) -> None:
    # libblas3 turns out to be installed already: apt upgrades it while installing scikit-learn
    plan = build_plan(
        world.resolve("scikit-learn"), env=world.env, adapter=world.adapter, index=world.config
    )
    step = plan.native_step
    assert step is not None
    upgraded = replace(
        next(p for p in step.new_packages if p.name == "libblas3"), installed_version="3.10.0-1"
    )
    others = [p for p in step.new_packages if p.name != "libblas3"]
    plan = replace(plan, native_step=replace(step, new_packages=(*others, upgraded)))
    mocker.patch.object(executor, "_is_root", return_value=True)
    mocker.patch.object(executor.subproc, "run", Runner())
    result = executor.execute(plan, reprobe=after_apt(plan))
    assert "libblas3" not in result.native_packages  # removing it would break what had it before
    assert result.native_upgraded == ["libblas3"]
    assert result.as_json()["native_packages_upgraded"] == ["libblas3"]
