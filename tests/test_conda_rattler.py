"""The py-rattler engine's side in pip-native's process, and its helper's command line and JSON.

py-rattler itself runs only in the helper (``python -m
pip_native.native.conda_install``); here the helper's output is given and
its solve/install functions are replaced, so nothing imports py-rattler.
The helper runs for real in integration/test_conda_adapter.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pip_native.native import conda_install
from pip_native.native.conda_prefix import (
    CondaRecord,
    CondaSolveError,
    Transaction,
    record_from_json,
)
from pip_native.native.conda_rattler import (
    DEFAULT_CHANNELS,
    INSTALLER_MODULE,
    RattlerEngine,
    parse_channels,
    record_json,
)
from pip_native.subproc import CommandResult

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

CORE = CondaRecord("pntc-core", "1.0", "pyh0_0", 0, "file:///ch/", "noarch", ("python",), "python")


def test_parse_channels(tmp_path: Path) -> None:
    assert parse_channels(None) == DEFAULT_CHANNELS == ("conda-forge",)
    assert parse_channels("  ") == ("conda-forge",)
    assert parse_channels(f"conda-forge, bioconda {tmp_path}/ch,conda-forge") == (
        "conda-forge",
        "bioconda",
        (tmp_path / "ch").as_uri(),
    )
    assert parse_channels("https://repo.prefix.dev/my-channel") == (
        "https://repo.prefix.dev/my-channel",
    )


def test_record_json_round_trips() -> None:
    data = record_json(CORE)
    assert "files" not in data
    assert record_from_json(json.loads(json.dumps(data))) == CORE


def engine(tmp_path: Path) -> RattlerEngine:
    return RattlerEngine(["file:///ch/"], tmp_path / "cache", python="/py/bin/python")


def answer(
    mocker: MockerFixture, returncode: int, stdout: str, stderr: str = ""
) -> list[tuple[str, ...]]:
    calls: list[tuple[str, ...]] = []

    def run(argv: list[str], **_: object) -> CommandResult:
        calls.append(tuple(argv))
        return CommandResult(tuple(argv), returncode, stdout, stderr)

    mocker.patch("pip_native.subproc.run", side_effect=run)
    return calls


def test_solve_runs_the_helper_and_reads_its_json(tmp_path: Path, mocker: MockerFixture) -> None:
    out = json.dumps({"link": [record_json(CORE)], "unlink": []})
    calls = answer(mocker, 0, out)
    transaction = engine(tmp_path).solve(tmp_path / "env", ["pntc-core"], {})
    assert transaction == Transaction((CORE,), ())
    assert calls == [
        (
            "/py/bin/python",
            "-m",
            INSTALLER_MODULE,
            "solve",
            "--prefix",
            str(tmp_path / "env"),
            "--channel",
            "file:///ch/",
            "--cache-dir",
            str(tmp_path / "cache"),
            "pntc-core",
        )
    ]


def test_solve_without_a_prefix_solves_a_fresh_environment(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    calls = answer(mocker, 0, '{"link": [], "unlink": []}')
    engine(tmp_path).solve(None, ["pntc-core"], {})
    assert "--prefix" not in calls[0]


def test_solve_errors_keep_missing_names_and_the_command(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    out = json.dumps({"error": "no channel has nope", "missing": ["nope"], "unsatisfiable": True})
    calls = answer(mocker, 1, out)
    with pytest.raises(CondaSolveError) as info:
        engine(tmp_path).solve(None, ["nope"], {})
    assert info.value.missing == ("nope",)
    assert info.value.unsatisfiable
    assert info.value.command == calls[0]


def test_a_crashed_helper_is_a_tool_failure(tmp_path: Path, mocker: MockerFixture) -> None:
    answer(mocker, -11, "", "Fatal Python error: Segmentation fault")
    with pytest.raises(CondaSolveError, match="the py-rattler helper failed") as info:
        engine(tmp_path).solve(None, ["pntc-core"], {})
    assert not info.value.unsatisfiable
    assert "Segmentation fault" in info.value.output


def test_install_command_names_every_record_exactly(tmp_path: Path) -> None:
    helper = CondaRecord("pntc-helper", "0.5", "pyh0_0")
    command = engine(tmp_path).install_command(
        tmp_path / "env", ["pntc-core"], Transaction((CORE, helper))
    )
    assert command[3] == "install"
    assert command[-2:] == ("pntc-core ==1.0 pyh0_0", "pntc-helper ==0.5 pyh0_0")
    assert command[command.index("--prefix") + 1] == str(tmp_path / "env")


def test_helper_solve_prints_json(
    capsys: pytest.CaptureFixture[str], mocker: MockerFixture
) -> None:
    seen: list[object] = []

    def fake_solve(
        prefix: object, channels: object, cache: object, specs: object
    ) -> dict[str, object]:
        seen.append((prefix, channels, cache, specs))
        return {"link": [record_json(CORE)], "unlink": []}

    mocker.patch.object(conda_install, "solve", side_effect=fake_solve)
    code = conda_install.main(
        ["solve", "--channel", "a", "--channel", "b", "--cache-dir", "/c", "x"]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["link"][0]["name"] == "pntc-core"
    assert seen == [(None, ["a", "b"], Path("/c"), ["x"])]


def test_helper_solve_error_is_json_with_exit_1(
    capsys: pytest.CaptureFixture[str], mocker: MockerFixture
) -> None:
    mocker.patch.object(
        conda_install,
        "solve",
        side_effect=CondaSolveError("SolverError: conflict", unsatisfiable=True),
    )
    code = conda_install.main(["solve", "--channel", "a", "--cache-dir", "/c", "x"])
    assert code == 1
    assert json.loads(capsys.readouterr().out) == {
        "error": "SolverError: conflict",
        "missing": [],
        "unsatisfiable": True,
    }


def test_helper_install_reports_changes_or_why_not(
    capsys: pytest.CaptureFixture[str], mocker: MockerFixture
) -> None:
    args = ["install", "--prefix", "/env", "--channel", "a", "--cache-dir", "/c", "x ==1 b"]
    mocker.patch.object(conda_install, "install", return_value=["x 1 b"])
    assert conda_install.main(args) == 0
    assert capsys.readouterr().out == "installed x 1 b\n"
    mocker.patch.object(
        conda_install, "install", side_effect=CondaSolveError("gone; nothing was changed")
    )
    assert conda_install.main(args) == 1
    assert capsys.readouterr().err == "pip-native conda installer: gone; nothing was changed\n"


def test_helper_install_needs_a_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        conda_install.main(["install", "--channel", "a", "--cache-dir", "/c", "x"])
    assert info.value.code == 2
    assert "--prefix" in capsys.readouterr().err


def test_the_helper_module_is_runnable() -> None:
    assert conda_install.__name__ == INSTALLER_MODULE
    assert sys.modules[INSTALLER_MODULE] is conda_install
