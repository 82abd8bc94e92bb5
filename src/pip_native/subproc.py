"""Every external command pip-native runs goes through :func:`run`.

One place for timeouts, environment, logging and turning failures into
:class:`~pip_native.errors.CommandFailed` with the exact command line.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pip_native.errors import CommandFailed, shown_command

__all__ = ["CommandResult", "run"]

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
    full_env = dict(os.environ)
    if parse_output:
        full_env.update(PARSE_ENV)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
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
        raise CommandFailed(
            f"Could not {what}: {args[0]!r} was not found.",
            command=args,
            returncode=None,
            hint=hint or f"Install the program that provides {args[0]!r}, or check PATH.",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        raise CommandFailed(
            f"Could not {what}: the command did not finish within {timeout:g} s.",
            command=args,
            returncode=None,
            output=out,
            hint=hint,
        ) from exc
    result = CommandResult(args, proc.returncode, proc.stdout or "", proc.stderr or "")
    if check and proc.returncode != 0:
        raise CommandFailed(
            f"Could not {what}: the command exited with status {proc.returncode}.",
            command=args,
            returncode=proc.returncode,
            output=(result.stderr or result.stdout) if capture else "(its output is shown above)",
            hint=hint,
        )
    return result
