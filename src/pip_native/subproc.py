"""Every external command pip-native runs goes through :func:`run`.

One place for timeouts, environment, logging and turning failures into
:class:`~pip_native.errors.CommandFailed` with the exact command line.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pip_native.errors import CommandFailed, shown_command

__all__ = ["CommandResult", "Started", "own_module_env", "run", "start", "stream"]

logger = logging.getLogger(__name__)

#: Locale for commands whose output we parse: stable, untranslated text.
PARSE_ENV = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "LANGUAGE": ""}


@dataclass(frozen=True)
class CommandResult:
    """What a finished command returned."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def own_module_env() -> dict[str, str]:
    """The environment that lets a new interpreter import this pip_native (``python -m
    pip_native...``): none where it is installed (its site-packages), else ``PYTHONPATH``
    with its source directory first (a checkout, tests). Never site-packages on
    ``PYTHONPATH``, where it would come before the standard library."""
    source = Path(__file__).resolve().parents[1]
    installed = {Path(sysconfig.get_path(key)).resolve() for key in ("purelib", "platlib")}
    if source in installed:
        return {}
    path = os.pathsep.join(p for p in (str(source), os.environ.get("PYTHONPATH")) if p)
    return {"PYTHONPATH": path}


def _environment(env: Mapping[str, str | None] | None, parse_output: bool) -> dict[str, str]:
    full_env = dict(os.environ)
    if parse_output:
        full_env.update(PARSE_ENV)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return full_env


def _timed_out(
    args: tuple[str, ...], what: str, timeout: float | None, hint: str | None, output: str = ""
) -> CommandFailed:
    return CommandFailed(
        f"Could not {what}: the command did not finish within {timeout:g} s.",
        command=args,
        returncode=None,
        output=output,
        hint=hint,
    )


def _exited(
    args: tuple[str, ...], what: str, returncode: int, output: str, hint: str | None
) -> CommandFailed:
    return CommandFailed(
        f"Could not {what}: the command exited with status {returncode}.",
        command=args,
        returncode=returncode,
        output=output,
        hint=hint,
    )


def _not_found(args: tuple[str, ...], what: str, hint: str | None) -> CommandFailed:
    return CommandFailed(
        f"Could not {what}: {args[0]!r} was not found.",
        command=args,
        returncode=None,
        hint=hint or f"Install the program that provides {args[0]!r}, or check PATH.",
    )


def _popen(
    args: tuple[str, ...],
    what: str,
    hint: str | None,
    *,
    env: dict[str, str],
    stderr: int | IO[bytes],
    text: bool,
    stdout: int | IO[bytes] = subprocess.PIPE,
    new_group: bool = False,
    stdin: int = subprocess.DEVNULL,
) -> subprocess.Popen[Any]:
    """Start ``args`` with stdout piped (or to ``stdout``) and no stdin unless piped
    (in a session and process group of its own with ``new_group``); a missing
    executable raises :class:`CommandFailed` (see :func:`stream` and :func:`start`)."""
    try:
        return subprocess.Popen(
            args,
            env=env,
            stdout=stdout,
            stderr=stderr,
            stdin=stdin,
            text=text,
            start_new_session=new_group,
        )
    except FileNotFoundError as exc:
        raise _not_found(args, what, hint) from exc


def run(
    argv: Sequence[str],
    *,
    what: str,
    check: bool = True,
    env: Mapping[str, str | None] | None = None,
    parse_output: bool = True,
    capture: bool = True,
    timeout: float | None = None,
    hint: str | None = None,
    stdin: str | None = None,
) -> CommandResult:
    """Run ``argv`` and return its result.

    ``what`` names the step for messages ("query apt for available packages").
    ``env`` entries override the inherited environment; a ``None`` value
    removes the variable. ``parse_output`` forces a C locale so output can be
    parsed. With ``capture=False`` the command's output goes straight to our
    stderr (long installs the user should watch, while our stdout stays free
    for a JSON report); ``stdout``/``stderr`` are then empty.
    A missing executable, a timeout or (with ``check``) a non-zero exit raise
    :class:`CommandFailed`.
    """
    full_env = _environment(env, parse_output)
    args = tuple(argv)
    logger.debug("running: %s", shown_command(args))
    try:
        proc = subprocess.run(
            args,
            env=full_env,
            input=stdin,
            stdout=subprocess.PIPE if capture else sys.stderr.fileno(),
            stderr=subprocess.PIPE if capture else None,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise _not_found(args, what, hint) from exc
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        raise _timed_out(args, what, timeout, hint, out) from exc
    result = CommandResult(args, proc.returncode, proc.stdout or "", proc.stderr or "")
    if check and proc.returncode != 0:
        output = (result.stderr or result.stdout) if capture else "(its output is shown above)"
        raise _exited(args, what, proc.returncode, output, hint)
    return result


def stream(
    argv: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str | None] | None = None,
    parse_output: bool = True,
    timeout: float | None = None,
    hint: str | None = None,
    chunk_size: int = 1 << 20,
) -> Generator[bytes, None, None]:
    """Run ``argv`` and yield its standard output as it comes, in chunks of bytes.

    For output too large to hold (and decode) at once: nothing is buffered
    beyond one chunk, and nothing is decoded. ``what``, ``env``,
    ``parse_output``, ``timeout`` (for the whole command) and ``hint`` work as
    in :func:`run`; stderr is kept in a temporary file for the error message.
    A missing executable, a timeout or a non-zero exit raise
    :class:`CommandFailed`, the last two after the chunks read so far.
    Closing the generator early (``contextlib.closing``) kills the command.
    """
    full_env = _environment(env, parse_output)
    args = tuple(argv)
    logger.debug("running (streamed): %s", shown_command(args))
    with tempfile.TemporaryFile() as errfile:
        proc = _popen(args, what, hint, env=full_env, stderr=errfile, text=False)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(timeout, expire) if timeout is not None else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(chunk_size):
                yield chunk
            returncode = proc.wait()
        finally:
            if timer is not None:
                timer.cancel()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if expired.is_set():
            raise _timed_out(args, what, timeout, hint)
        if returncode != 0:
            errfile.seek(0)
            raise _exited(args, what, returncode, errfile.read().decode(errors="replace"), hint)


class Started:
    """A command running in the background (see :func:`start`)."""

    def __init__(
        self,
        proc: subprocess.Popen[str],
        args: tuple[str, ...],
        what: str,
        hint: str | None,
        group: bool = False,
    ) -> None:
        self._proc = proc
        self._group = group
        self._args = args
        self._what = what
        self._hint = hint
        self._lock = threading.Lock()
        self._result: CommandResult | None = None
        self._unread = b""
        self._errors = b""
        """What it wrote to stderr while :meth:`ask` waited (read so that it never blocks)."""

    def ask(self, line: str, *, timeout: float) -> str | None:
        """Send ``line`` to a command started with ``talk`` and return the line it answers
        (both without the newline); None if it ends, or stops reading or writing, first.
        A timeout kills it and raises :class:`CommandFailed`. One question at a time;
        not while another thread waits for it."""
        stdin = self._proc.stdin
        with self._lock:
            if stdin is None or self._result is not None:
                return None
            try:
                stdin.write(line + "\n")
                stdin.flush()
            except (BrokenPipeError, ValueError):  # it ended, or its input was closed
                return None
            return self._read_line(timeout)

    def read_line(self, *, timeout: float) -> str | None:
        """The next line the command writes (without the newline); None if it ends
        first. A timeout kills it and raises :class:`CommandFailed`."""
        with self._lock:
            if self._result is not None:
                return None
            return self._read_line(timeout)

    def _read_line(self, timeout: float) -> str | None:
        stdout, stderr = self._proc.stdout, self._proc.stderr
        if stdout is None:
            return None
        watched = [stdout.fileno(), *([stderr.fileno()] if stderr is not None else [])]
        deadline = time.monotonic() + timeout
        # from its descriptor: the text wrapper stays empty for wait()'s communicate
        while b"\n" not in self._unread:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise _timed_out(self._args, self._what, timeout, self._hint)
            ready = select.select(watched, [], [], remaining)[0]
            if stderr is not None and stderr.fileno() in ready:
                error = os.read(stderr.fileno(), 65536)
                self._errors += error
                if not error:  # closed: not watched again
                    watched.remove(stderr.fileno())
            if stdout.fileno() not in ready:
                continue
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                return None
            self._unread += chunk
        answer, _, self._unread = self._unread.partition(b"\n")
        return answer.decode("utf-8", "replace")

    def wait(self, timeout: float | None = None, *, check: bool = False) -> CommandResult:
        """Its result, once it ends (any thread may wait; a command started with ``talk``
        first sees the end of its input); a timeout kills it and raises
        :class:`CommandFailed`, and so does (with ``check``) a non-zero exit."""
        with self._lock:
            if self._result is None:
                try:
                    stdout, stderr = self._proc.communicate(timeout=timeout)
                except subprocess.TimeoutExpired as exc:
                    self.kill()
                    self._proc.communicate()
                    raise _timed_out(self._args, self._what, timeout, self._hint) from exc
                returncode = self._proc.returncode
                stderr = self._errors.decode(errors="replace") + (stderr or "")
                self._result = CommandResult(self._args, returncode, stdout or "", stderr)
            result = self._result
        if check and not result.ok:
            output = result.stderr or result.stdout
            raise _exited(self._args, self._what, result.returncode, output, self._hint)
        return result

    def end_unwaited(self, *, timeout: float, name: str) -> None:
        """End its input (a command started with ``talk``) and let a daemon thread ``name``
        wait for it to end, up to ``timeout`` (then it is killed); the caller goes on."""
        threading.Thread(target=self._end, args=(timeout,), name=name, daemon=True).start()

    def _end(self, timeout: float) -> None:
        try:
            self.wait(timeout=timeout)
        except CommandFailed as exc:
            logger.debug("%s", exc)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def kill(self) -> None:
        """Stop it now (SIGKILL; with its process group, if it has one of its own);
        :meth:`wait` then returns its negative status."""
        if self._proc.poll() is None:
            if self._group:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
            else:
                self._proc.kill()


def start(
    argv: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str | None] | None = None,
    parse_output: bool = True,
    hint: str | None = None,
    stdout: Path | None = None,
    new_group: bool = False,
    talk: bool = False,
) -> Started:
    """Start ``argv`` in the background, its output captured (or written to the file
    ``stdout``); :meth:`Started.wait` ends it. With ``talk``, its input is a pipe, and
    :meth:`Started.ask` sends it lines and reads its answers.

    For work a plan may turn out not to need (apt's universe made ahead):
    :meth:`Started.kill` stops it, with the commands it started if ``new_group``
    put it in a process group of its own. ``what``, ``env``, ``parse_output``
    and ``hint`` work as in :func:`run`; a missing executable raises
    :class:`CommandFailed` here, the result's status is not checked.
    """
    full_env = _environment(env, parse_output)
    args = tuple(argv)
    logger.debug("starting: %s", shown_command(args))
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(open(stdout, "wb")) if stdout is not None else None
        proc = _popen(  # the child keeps its own descriptor of the file
            args,
            what,
            hint,
            env=full_env,
            stderr=subprocess.PIPE,
            text=True,
            stdout=sink if sink is not None else subprocess.PIPE,
            new_group=new_group,
            stdin=subprocess.PIPE if talk else subprocess.DEVNULL,
        )
    return Started(proc, args, what, hint, group=new_group)
