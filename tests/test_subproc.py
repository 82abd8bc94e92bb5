"""The one place commands run: environment handling, failures with the exact command."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pip_native import subproc
from pip_native.errors import CommandFailed

if TYPE_CHECKING:
    from pathlib import Path


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


# -- stream --------------------------------------------------------------------


def test_stream_yields_stdout_bytes_in_chunks() -> None:
    code = "import sys; sys.stdout.buffer.write(b'x' * 10000 + b'\\xff end')"
    chunks = list(subproc.stream([sys.executable, "-c", code], what="print", chunk_size=4096))
    assert b"".join(chunks) == b"x" * 10000 + b"\xff end"
    assert all(len(c) <= 4096 for c in chunks)
    assert len(chunks) >= 3


def test_stream_environment_like_run() -> None:
    code = "import os; print(os.environ['LC_ALL'], os.environ.get('PN_NEW'))"
    out = b"".join(subproc.stream([sys.executable, "-c", code], what="print", env={"PN_NEW": "n"}))
    assert out.split() == [b"C.UTF-8", b"n"]


def test_stream_failure_after_output_carries_stderr() -> None:
    code = "import sys; print('partial'); sys.stderr.write('E: broken\\n'); sys.exit(3)"
    received: list[bytes] = []
    with pytest.raises(CommandFailed) as err:
        for chunk in subproc.stream([sys.executable, "-c", code], what="dump", hint="fix it"):
            received.append(chunk)
    assert b"".join(received) == b"partial\n"
    assert err.value.returncode == 3
    text = err.value.render()
    assert "Could not dump: the command exited with status 3" in text
    assert "E: broken" in text and "Hint: fix it" in text


def test_stream_missing_program() -> None:
    with pytest.raises(CommandFailed, match="was not found"):
        list(subproc.stream(["pip-native-no-such-program"], what="run it"))


def test_stream_timeout_kills_the_command() -> None:
    code = "import sys, time; print('start', flush=True); time.sleep(30)"
    with pytest.raises(CommandFailed, match=r"did not finish within 0\.5 s") as err:
        list(subproc.stream([sys.executable, "-c", code], what="wait", timeout=0.5))
    assert err.value.returncode is None


def test_stream_closed_early_kills_the_command(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    code = (
        "import sys, time, pathlib\n"
        "sys.stdout.write('x' * 100000); sys.stdout.flush(); time.sleep(30)\n"
        f"pathlib.Path({str(marker)!r}).write_text('done')\n"
    )
    chunks = subproc.stream([sys.executable, "-c", code], what="wait", chunk_size=1000)
    start = time.monotonic()
    with contextlib.closing(chunks):
        assert next(chunks) == b"x" * 1000
    assert time.monotonic() - start < 10
    assert not marker.exists()


def test_started_command_returns_its_result_when_waited_for() -> None:
    code = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"
    started = subproc.start([sys.executable, "-c", code], what="run it")
    result = started.wait(timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert result.argv == (sys.executable, "-c", code)


def test_started_command_can_be_killed(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    code = f"import time, pathlib; time.sleep(30); pathlib.Path({str(marker)!r}).write_text('x')"
    started = subproc.start([sys.executable, "-c", code], what="wait")
    begin = time.monotonic()
    started.kill()
    result = started.wait(timeout=60)
    assert time.monotonic() - begin < 10
    assert result.returncode < 0 and not result.ok
    assert not marker.exists()
    started.kill()  # a second time: nothing to stop


def test_a_started_group_is_killed_with_the_commands_it_started(tmp_path: Path) -> None:
    """apt's universe process runs apt-helper and apt-cache: stopping it stops them too."""
    pidfile = tmp_path / "grandchild"
    code = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pidfile)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    for group in (True, False):
        pidfile.unlink(missing_ok=True)
        started = subproc.start([sys.executable, "-c", code], what="wait", new_group=group)
        deadline = time.monotonic() + 30
        while not pidfile.exists() or not pidfile.read_text():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        grandchild = int(pidfile.read_text())
        started.kill()
        if not group:  # it runs on (and holds the output pipes open, so wait would too)
            time.sleep(0.2)
            assert _running(grandchild)
            os.kill(grandchild, signal.SIGKILL)
        assert started.wait(timeout=60).returncode < 0
        deadline = time.monotonic() + 10
        while _running(grandchild) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not _running(grandchild)


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (not a zombie waiting for its reaper)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_started_command_waited_for_from_two_threads() -> None:
    started = subproc.start([sys.executable, "-c", "print('once')"], what="run it")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: started.wait(timeout=60), range(2)))
    assert results[0] is results[1]
    assert results[0].stdout == "once\n"
    with pytest.raises(CommandFailed, match="exited with status 3"):
        subproc.start([sys.executable, "-c", "raise SystemExit(3)"], what="fail").wait(
            timeout=60, check=True
        )


def test_started_command_timeout_kills_it() -> None:
    started = subproc.start([sys.executable, "-c", "import time; time.sleep(30)"], what="wait")
    with pytest.raises(CommandFailed, match=r"Could not wait: the command did not finish"):
        started.wait(timeout=0.5)


def test_start_missing_program() -> None:
    with pytest.raises(CommandFailed, match="was not found"):
        subproc.start(["pip-native-no-such-program"], what="run it")


ECHO = (
    "import sys\n"
    "for line in sys.stdin:\n"
    "    if line.strip() == 'quit':\n"
    "        sys.exit(4)\n"
    "    print(line.strip().upper(), flush=True)\n"
    "print('input ended', file=sys.stderr)\n"
)


def test_a_started_command_answers_questions_until_its_input_ends() -> None:
    started = subproc.start([sys.executable, "-c", ECHO], what="answer", talk=True)
    assert started.ask("numpy", timeout=60) == "NUMPY"
    assert started.ask("scipy", timeout=60) == "SCIPY"
    result = started.wait(timeout=60)  # the end of its input: it ends
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "input ended\n")
    assert started.ask("more", timeout=60) is None  # ended: no answer


def test_a_command_that_ends_instead_of_answering_gives_none() -> None:
    started = subproc.start([sys.executable, "-c", ECHO], what="answer", talk=True)
    assert started.ask("quit", timeout=60) is None
    assert started.wait(timeout=60).returncode == 4
    silent = subproc.start([sys.executable, "-c", "pass"], what="answer", talk=True)
    assert silent.wait(timeout=60).ok
    assert silent.ask("anyone?", timeout=60) is None  # its input is closed


def test_a_question_not_answered_in_time_stops_the_command() -> None:
    code = "import sys, time\nsys.stdin.readline()\ntime.sleep(30)\n"
    started = subproc.start([sys.executable, "-c", code], what="think", talk=True)
    begin = time.monotonic()
    with pytest.raises(CommandFailed, match=r"Could not think: the command did not finish"):
        started.ask("why", timeout=0.5)
    assert started.wait(timeout=60).returncode < 0
    assert time.monotonic() - begin < 10


def test_a_command_that_writes_much_to_stderr_before_answering_is_not_stuck() -> None:
    """Its stderr is read while a question waits (a full pipe would block it), and kept."""
    code = (
        "import sys\n"
        "line = sys.stdin.readline()\n"
        "sys.stderr.write('x' * 200_000 + '\\n'); sys.stderr.flush()\n"
        "print(line.strip()[::-1], flush=True)\n"
        "sys.stdin.readline()\n"
        "sys.stderr.write('bye\\n')\n"
    )
    started = subproc.start([sys.executable, "-c", code], what="answer", talk=True)
    assert started.ask("abc", timeout=60) == "cba"
    result = started.wait(timeout=60)
    assert result.ok and result.stderr == "x" * 200_000 + "\nbye\n"


def test_a_command_ended_unwaited_sees_its_input_end_and_is_reaped(tmp_path: Path) -> None:
    """Its input ends now, and a thread of its own waits for it while the caller goes on."""
    marker = tmp_path / "ended"
    code = f"import sys, pathlib; sys.stdin.read(); pathlib.Path({str(marker)!r}).write_text('x')"
    started = subproc.start([sys.executable, "-c", code], what="wait", talk=True)
    started.end_unwaited(timeout=60, name="test end")
    deadline = time.monotonic() + 30
    while started._result is None:  # waited for by that thread
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert started.wait(timeout=1).ok and marker.read_text() == "x"
