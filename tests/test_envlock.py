"""One pip-native run at a time per environment: the second waits, then fails clearly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pip_native.envlock import environment_lock, prefix_of
from pip_native.errors import LockedError, UsageError

HOLD = """
import sys, time
from pip_native.envlock import environment_lock
with environment_lock(sys.argv[1], timeout=0):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold(prefix: str, seconds: float, env: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, prefix, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("PIP_NATIVE_CACHE_DIR", str(tmp_path / "cache"))
    return dict(os.environ)


def test_a_second_run_fails_clearly_when_the_first_holds_the_lock(env: dict[str, str]) -> None:
    other = hold("/venvs/a", 30, env)
    try:
        start = time.monotonic()
        with pytest.raises(LockedError) as err, environment_lock("/venvs/a", timeout=0.5):
            pass
        assert time.monotonic() - start >= 0.5  # it waited
        assert (
            "Another pip-native run is still changing the environment /venvs/a"
            in err.value.render()
        )
        with environment_lock("/venvs/b", timeout=0.5):  # another environment is not blocked
            pass
    finally:
        other.kill()
        other.wait()


def test_the_second_run_proceeds_once_the_first_finishes(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    other = hold("/venvs/c", 1.0, env)
    try:
        with environment_lock("/venvs/c", timeout=20):
            pass
        assert "waiting up to 20 s" in capsys.readouterr().err
    finally:
        other.wait()


def test_prefix_does_not_follow_the_venv_python_symlink(tmp_path: Path) -> None:
    (tmp_path / "v" / "bin").mkdir(parents=True)
    (tmp_path / "v" / "bin" / "python").symlink_to(sys.executable)
    assert prefix_of(str(tmp_path / "v" / "bin" / "python")) == str(tmp_path / "v")


def test_a_bad_timeout_setting_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    monkeypatch.setenv("PIP_NATIVE_LOCK_TIMEOUT", "soon")
    with pytest.raises(UsageError) as err, environment_lock("/venvs/d"):
        pass
    assert "PIP_NATIVE_LOCK_TIMEOUT='soon'" in err.value.message
