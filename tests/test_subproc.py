"""The one place commands run: environment handling, failures with the exact command."""

from __future__ import annotations

import sys

import pytest

from pip_native import subproc
from pip_native.errors import CommandFailed


def test_env_overrides_and_removes_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PN_KEEP", "kept")
    monkeypatch.setenv("PN_DROP", "dropped")
    code = "import os; print(os.environ.get('PN_KEEP'), os.environ.get('PN_DROP'), os.environ['PN_NEW'])"
    result = subproc.run(
        [sys.executable, "-c", code], what="print", env={"PN_DROP": None, "PN_NEW": "new"}
    )
    assert result.stdout.split() == ["kept", "None", "new"]


def test_failure_carries_command_status_and_output() -> None:
    argv = [
        sys.executable,
        "-c",
        "import sys; sys.stderr.write('E: no such package\\n'); sys.exit(100)",
    ]
    with pytest.raises(CommandFailed) as err:
        subproc.run(argv, what="install things", hint="check the name")
    assert err.value.returncode == 100
    assert err.value.command == tuple(argv)
    text = err.value.render()
    assert "Could not install things: the command exited with status 100" in text
    assert "E: no such package" in text and "Hint: check the name" in text


def test_missing_program_is_a_clear_error() -> None:
    with pytest.raises(CommandFailed) as err:
        subproc.run(["pip-native-no-such-program"], what="run it")
    assert "'pip-native-no-such-program' was not found" in err.value.render()


def test_streamed_output_goes_to_stderr_not_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    subproc.run([sys.executable, "-c", "print('progress')"], what="stream", capture=False)
    out, err = capfd.readouterr()
    assert out == "" and "progress" in err
