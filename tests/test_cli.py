"""The pip-native command line: arguments, output, reports and exit codes."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from pytest_mock import MockerFixture

from pip_native import cli
from pip_native import commands as commands_module
from pip_native.native.registry import Choice
from pip_native.plan import build_plan
from pip_native.planner import InstallRequest, PlannedInstall
from scenario import World


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def planned(world: World, mocker: MockerFixture) -> list[InstallRequest]:
    """make_plan over the test world (the real one probes this machine and asks apt)."""
    seen: list[InstallRequest] = []

    def fake_make_plan(request: InstallRequest) -> PlannedInstall:
        seen.append(request)
        names = [str(r) for r in request.requirements]
        resolution = world.resolve(*names)
        plan = build_plan(resolution, env=world.env, adapter=world.adapter, index=world.config)
        return PlannedInstall(
            plan, resolution, world.env, Choice("apt", "test"), world.adapter, world.index
        )

    def fake_start_probe(python: str) -> Future[object]:
        probed: Future[object] = Future()
        probed.set_result(world.env)
        return probed

    mocker.patch.object(commands_module, "make_plan", fake_make_plan)
    mocker.patch.object(cli, "start_probe", fake_start_probe)
    mocker.patch.object(cli, "start_ahead", ahead.start)
    return seen


class Ahead:
    """Stands in for ``registry.start_ahead`` (which would start apt's universe): logs the
    names it is given, and the stops."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def start(self, name: str | None) -> Callable[[], None]:
        self.log.append(f"start {name}")
        return lambda: self.log.append(f"stop {name}")


ahead = Ahead()


@pytest.fixture(autouse=True)
def _fresh_ahead() -> None:
    ahead.log.clear()


def test_the_backend_named_starts_its_work_ahead_until_the_command_ends(
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mocker: MockerFixture,
) -> None:
    """apt's universe starts as soon as the arguments name the backend; it is stopped when
    the command ends, whatever the end."""
    monkeypatch.delenv("PIP_NATIVE_FROM", raising=False)
    assert run(capsys, "plan", "-q", "--native-from=apt", "requests")[0] == 0
    assert ahead.log == ["start apt", "stop apt"]
    ahead.log.clear()
    monkeypatch.setenv("PIP_NATIVE_FROM", "dnf")
    assert run(capsys, "plan", "-q", "requests")[0] == 0
    assert ahead.log == ["start dnf", "stop dnf"]
    ahead.log.clear()
    # --refresh updates the lists first: nothing ahead of it
    mocker.patch("pip_native.executor._is_root", return_value=True)
    calls = mocker.patch("pip_native.subproc.run")
    assert run(capsys, "plan", "-q", "--native-from=apt", "--refresh", "requests")[0] == 0
    assert [c.args[0] for c in calls.call_args_list] == [["apt-get", "update"]]
    assert ahead.log == ["start None", "stop None"]
    ahead.log.clear()
    mocker.patch.object(commands_module, "make_plan", side_effect=KeyboardInterrupt)
    assert run(capsys, "plan", "-q", "--native-from=apt", "requests")[0] == cli.EXIT_INTERRUPTED
    assert ahead.log == ["start apt", "stop apt"]


def test_dry_run_prints_the_plan_and_runs_nothing(
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    mocker: MockerFixture,
    tmp_path: Path,
) -> None:
    execute = mocker.patch.object(commands_module, "execute")
    report = tmp_path / "report.json"
    code, out, _ = run(
        capsys,
        "install",
        "--native-from=apt",
        "--dry-run",
        "scikit-learn",
        "requests",
        "--report",
        str(report),
    )
    assert code == 0
    execute.assert_not_called()
    assert "; native backend: test, via fake apt\n" in out
    assert "apt-get install -y --no-install-recommends python3-sklearn" in out
    data = json.loads(report.read_text())
    assert data["pip_native"]["result"] == {"status": "dry-run"}
    assert {e["metadata"]["name"] for e in data["install"]} >= {"requests", "idna"}
    assert planned[0].dry_run and planned[0].native_from == "apt"


def test_the_plan_uses_the_probe_the_command_line_started(
    world: World, planned: list[InstallRequest], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(capsys, "plan", "--native-from=apt", "requests")
    assert code == 0
    probing = planned[0].probing
    assert probing is not None and probing.result() is world.env


def test_an_install_probes_the_target_only_under_the_environment_lock(
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    mocker: MockerFixture,
    tmp_path: Path,
) -> None:
    """Another run may be installing into the environment until the lock is free: the
    probe the command line starts early is for plans only."""
    mocker.patch("pip_native.executor._is_root", return_value=True)
    mocker.patch.object(commands_module, "execute")
    locked: list[bool] = []
    real_lock = commands_module.environment_lock

    @contextlib.contextmanager
    def lock(prefix: Path) -> Iterator[None]:
        with real_lock(prefix):
            locked.append(True)
            yield

    mocker.patch.object(commands_module, "environment_lock", lock)
    code, _, err = run(capsys, "install", "--native-from=apt", "requests")
    assert code == 0, err
    assert locked == [True]
    assert planned[0].probing is None  # the planner probes, inside the lock


def test_the_command_line_module_loads_without_the_planner() -> None:
    """``install`` and ``plan`` start probing the target before the planner, the index and
    the executor are imported: importing the command line must not pull them in."""
    heavy = ["pip_native.commands", "pip_native.planner", "pip_native.executor"]
    code = f"import sys, pip_native.cli; print([m for m in {heavy!r} if m in sys.modules])"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"


def test_report_to_stdout_keeps_stdout_pure_json(
    planned: list[InstallRequest], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "plan", "--native-from=apt", "requests", "--report", "-")
    assert code == 0
    assert json.loads(out)["version"] == "1"
    assert "requests" in err  # the table went to stderr


def test_native_from_defaults_to_the_environment_variable(
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIP_NATIVE_FROM", "apt")
    assert run(capsys, "plan", "-q", "requests")[0] == 0
    assert (planned[0].native_from, planned[0].native_from_source) == ("apt", "PIP_NATIVE_FROM")
    assert run(capsys, "plan", "-q", "--native-from=apt", "requests")[0] == 0
    assert planned[1].native_from_source == "--native-from"  # the option wins over the variable


def test_index_options_reach_the_request(
    planned: list[InstallRequest], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(
        capsys,
        "plan",
        "-q",
        "--native-from=apt",
        "requests",
        "-i",
        "https://mirror.example/simple",
        "--trusted-host",
        "mirror.example",
        "--extra-index-url",
        "file:///srv/extra",
    )
    assert code == 0
    index = planned[0].index
    assert index.index_url == "https://mirror.example/simple"
    assert "mirror.example" in index.trusted_hosts
    assert index.extra_index_urls[-1] == "file:///srv/extra"


def test_a_report_path_in_a_missing_folder_is_refused_up_front(
    planned: list[InstallRequest], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys,
        "install",
        "--native-from=apt",
        "requests",
        "--report",
        str(tmp_path / "no" / "such" / "r.json"),
    )
    assert code == 2
    assert "does not exist" in err
    assert planned == []  # refused before planning, so certainly before installing


def test_install_without_root_fails_before_changing_anything(
    planned: list[InstallRequest], capsys: pytest.CaptureFixture[str], mocker: MockerFixture
) -> None:
    mocker.patch("pip_native.executor._is_root", return_value=False)
    run_cmd = mocker.patch("pip_native.subproc.run")
    code, _, err = run(capsys, "install", "--native-from=apt", "scikit-learn")
    assert code == 2
    assert "needs root" in err and "--use-sudo" in err
    run_cmd.assert_not_called()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["install", "--native-from=apt"], "no requirements were given"),
        (
            ["install", "--native-from=yum", "requests"],
            "--native-from='yum' is not a known backend",
        ),
        (["plan", "--refresh", "requests"], "--refresh updates a package manager's package lists"),
        (
            ["install", "--native-from=apt", "numpy>>2"],
            "'numpy>>2' from the command line is not valid PEP 508",
        ),
        (["install", "--bogus"], "Unrecognized arguments: --bogus."),
        (["map", "Not A Name!", "--to", "apt"], "Not A Name!"),
    ],
)
def test_bad_input_is_one_clear_error_with_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIP_NATIVE_FROM", raising=False)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert says in err
    assert err.startswith("pip-native: error: ") and "Hint: " in err
    assert out == ""


def test_not_yet_available_backend_is_refused_clearly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pip_native.native import registry

    monkeypatch.setattr(registry, "ADAPTERS", {"apt": registry.ADAPTERS["apt"]})
    code, _, err = run(capsys, "plan", "--native-from=brew", "numpy")
    assert code == 2
    assert "--native-from=brew is not available" in err


def test_a_report_path_that_is_a_folder_is_refused_up_front(
    planned: list[InstallRequest], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "plan", "--native-from=apt", "requests", "--report", str(tmp_path))
    assert code == 2
    assert "is a folder, not a file" in err
    assert planned == []


def test_report_path_with_tilde_is_expanded(
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    code, _, _ = run(capsys, "plan", "-q", "--native-from=apt", "requests", "--report", "~/r.json")
    assert code == 0
    assert json.loads((tmp_path / "r.json").read_text())["version"] == "1"


def test_externally_managed_target_is_refused_with_a_venv_command() -> None:
    from dataclasses import replace

    from fakes import make_env
    from pip_native.errors import ExternallyManagedError
    from pip_native.index.config import IndexConfig
    from pip_native.planner import check_externally_managed

    env = replace(
        make_env(python="/opt/homebrew/bin/python3.12"),
        is_venv=False,
        externally_managed="/opt/homebrew/lib/python3.12/EXTERNALLY-MANAGED",
    )
    request = InstallRequest(
        requirements=[], native_from="brew", python=env.executable, index=IndexConfig()
    )
    with pytest.raises(ExternallyManagedError) as err:
        check_externally_managed(env, request)
    assert "/opt/homebrew/bin/python3.12 -m venv --system-site-packages" in (err.value.hint or "")
    check_externally_managed(
        env, replace(request, dry_run=True)
    )  # a dry run is not refused, as in pip
    check_externally_managed(env, replace(request, break_system_packages=True))


SAMPLE_EXTERNAL = str(Path(__file__).parent / "data" / "external" / "sample")


@pytest.mark.parametrize(
    ("fmt", "expect"),
    [
        ("deb", "Build-Depends: gcc, gfortran"),
        ("rpm", "BuildRequires: gcc"),
        ("shell", "apt-get install"),
        ("json", '"libopenblas-dev"'),
        ("text", "dep:generic/openblas"),
    ],
)
def test_external_command_formats(
    fmt: str, expect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = "dnf" if fmt == "rpm" else "apt"
    code, out, _ = run(
        capsys, "external", SAMPLE_EXTERNAL, f"--native-from={backend}", "--format", fmt
    )
    assert code == 0
    assert expect in out


def test_external_command_fails_listing_what_cannot_be_mapped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n[external]\ndependencies = ["dep:generic/no-such-lib-xyz"]\n'
    )
    code, out, _ = run(capsys, "external", str(tmp_path), "--native-from=apt")
    assert code == 1
    assert "dep:generic/no-such-lib-xyz" in out


def test_map_accepts_pep725_identifiers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "map", "dep:generic/openblas", "--to", "apt")
    assert code == 0
    assert "run:   libopenblas0" in out and "build: libopenblas-dev" in out
    code, out, _ = run(capsys, "map", "dep:generic/no-such-lib-xyz", "--to", "apt")
    assert code == 1 and "dep:generic/no-such-lib-xyz" in out


def test_ctrl_c_during_the_install_reports_exactly_what_was_done(
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    mocker: MockerFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIP_NATIVE_CACHE_DIR", str(tmp_path / "cache"))
    mocker.patch("pip_native.executor._is_root", return_value=True)

    def interrupted(plan: object, *, result: object, **_: object) -> None:
        result.native_packages = ["python3-sklearn", "python3-numpy"]  # type: ignore[attr-defined]
        result.steps.append({"step": "apt", "command": [], "ok": True})  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    mocker.patch.object(commands_module, "execute", interrupted)
    report = tmp_path / "r.json"
    code, _, err = run(
        capsys, "install", "--native-from=apt", "scikit-learn", "--report", str(report)
    )
    assert code == 130
    assert "interrupted during the install" in err
    assert "Installed: apt: python3-sklearn, apt: python3-numpy." in err
    assert "Finished steps: apt." in err
    assert json.loads(report.read_text())["pip_native"]["result"]["status"] == "interrupted"


def test_ctrl_c_during_planning_changes_nothing_and_frees_the_environment(
    world: World,
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    mocker: MockerFixture,
    tmp_path: Path,
) -> None:
    """Ctrl-C while the resolver asks the native side: exit 130, no step, no report, no lock."""
    execute = mocker.patch.object(commands_module, "execute")
    commands = mocker.patch("pip_native.subproc.run")
    closure = world.adapter.closure
    mocker.patch.object(world.adapter, "closure", side_effect=KeyboardInterrupt)
    report = tmp_path / "r.json"
    code, out, err = run(
        capsys, "install", "--native-from=apt", "scikit-learn", "requests", "--report", str(report)
    )
    assert code == 130
    assert err == "pip-native: interrupted.\n" and out == ""
    assert execute.call_count == 0 and commands.call_args_list == [] and not report.exists()
    # The environment's lock was released: the next run plans at once.
    mocker.patch.object(world.adapter, "closure", closure)
    mocker.patch.dict("os.environ", {"PIP_NATIVE_LOCK_TIMEOUT": "0"})
    assert run(capsys, "plan", "-q", "--native-from=apt", "scikit-learn")[0] == 0


def test_constraints_from_c_and_from_pip_configuration_reach_the_plan(
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    configured = tmp_path / "configured.txt"
    configured.write_text("idna<4\n")
    given = tmp_path / "given.txt"
    given.write_text("urllib3<2\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_CONSTRAINT", str(configured))
    code, _, _ = run(capsys, "plan", "-q", "--native-from=apt", "-c", str(given), "requests")
    assert code == 0
    assert [str(r) for r, _ in planned[-1].constraints] == ["idna<4", "urllib3<2"]


def test_the_index_is_closed_after_planning(
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    mocker: MockerFixture,
) -> None:
    """Queued metadata prefetches are dropped, not left to hold up the exit."""
    from pip_native.index.client import PackageIndex

    close = mocker.spy(PackageIndex, "close")
    assert run(capsys, "plan", "-q", "--native-from=apt", "requests")[0] == 0
    assert close.call_count == 1


def test_package_lists_are_refreshed_only_when_asked(
    planned: list[InstallRequest], capsys: pytest.CaptureFixture[str], mocker: MockerFixture
) -> None:
    mocker.patch("pip_native.executor._is_root", return_value=True)
    calls = mocker.patch("pip_native.subproc.run")
    assert run(capsys, "plan", "-q", "--native-from=apt", "requests")[0] == 0
    assert calls.call_args_list == []  # never apt-get update on its own
    assert run(capsys, "plan", "-q", "--native-from=apt", "--refresh", "requests")[0] == 0
    assert [c.args[0] for c in calls.call_args_list] == [["apt-get", "update"]]


def test_dnf_refresh_uses_the_dnf_the_plan_uses(
    tmp_path: Path,
    planned: list[InstallRequest],
    capsys: pytest.CaptureFixture[str],
    mocker: MockerFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On Fedora 41+ (dnf is dnf5), --refresh must update dnf 4's cache, which the plan reads."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for command in ("dnf5", "dnf-3"):
        (bin_dir / command).write_text("#!/bin/sh\nexit 99\n")
        (bin_dir / command).chmod(0o755)
    (bin_dir / "dnf").symlink_to("dnf5")
    monkeypatch.setenv("PATH", str(bin_dir))
    mocker.patch("pip_native.executor._is_root", return_value=True)
    calls = mocker.patch("pip_native.subproc.run")
    assert run(capsys, "plan", "-q", "--native-from=dnf", "--refresh", "requests")[0] == 0
    assert [c.args[0] for c in calls.call_args_list] == [["dnf-3", "makecache"]]


def test_refresh_without_root_is_refused_before_anything_runs(
    planned: list[InstallRequest], capsys: pytest.CaptureFixture[str], mocker: MockerFixture
) -> None:
    mocker.patch("pip_native.executor._is_root", return_value=False)
    calls = mocker.patch("pip_native.subproc.run")
    code, _, err = run(capsys, "plan", "--native-from=apt", "--refresh", "requests")
    assert code == 2 and "--refresh runs apt-get update, which needs root" in err
    assert calls.call_args_list == [] and planned == []


def test_the_program_leaves_its_objects_to_exit(mocker: MockerFixture) -> None:
    """``pip-native`` (cli.run) runs main, then freezes the collector's objects, even when
    main fails; main alone (called here, by tests and by other code) does not."""
    mocker.patch.object(sys, "argv", ["pip-native", "--version"])
    leave = mocker.patch.object(cli, "leave_to_exit")
    with pytest.raises(SystemExit):
        cli.run()  # argparse's --version exits
    assert leave.call_count == 1
    mocker.patch.object(cli, "main", return_value=3)
    assert cli.run() == 3
    assert leave.call_count == 2


def test_leaving_to_exit_freezes_what_the_collector_tracks() -> None:
    import gc

    before = gc.get_freeze_count()
    try:
        from pip_native.exiting import leave_to_exit

        leave_to_exit()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()  # this test process goes on
