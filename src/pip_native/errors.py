"""The one error hierarchy of pip-native.

Every error raised on purpose derives from :class:`PipNativeError`. It carries
what failed, the command that failed (if any) and a hint telling the user how
to fix it. Library code raises these; only the CLI and the pip hook turn them
into messages and exit codes (see :meth:`PipNativeError.render`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

__all__ = [
    "CommandFailed",
    "ConfigError",
    "ExecutionError",
    "ExternallyManagedError",
    "IndexFetchError",
    "InvalidIdentifierError",
    "InvalidRequirementError",
    "LockedError",
    "MappingFileError",
    "NoNativePackageError",
    "PipNativeError",
    "PrivilegeError",
    "ResolutionConflictError",
    "TargetEnvironmentError",
    "UnsupportedBackendError",
    "UsageError",
    "redact",
    "shown_command",
]


_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<info>[^/@\s]+)@")


def redact(text: str) -> str:
    """Hide credentials in URLs wherever they appear in ``text``: ``https://user:****@host/``,
    and a lone token (``https://TOKEN@host/``) as ``https://****@host/``, as pip does."""

    def hide(m: re.Match[str]) -> str:
        user, colon, _secret = m["info"].partition(":")
        return f"{m['scheme']}{user}:****@" if colon else f"{m['scheme']}****@"

    return _USERINFO.sub(hide, text)


def shown_command(argv: Sequence[str]) -> str:
    """A command line for people: shell-quoted, passwords in URLs hidden."""
    return redact(shlex.join(argv))


EXIT_INTERRUPTED = 130
"""The exit status after Ctrl-C (128 + SIGINT), as shells report it."""


class PipNativeError(Exception):
    """All errors raised on purpose by pip-native.

    ``message`` says what failed and names the input; ``command`` is the argv
    of the external command involved, if any; ``hint`` says how to fix it.
    """

    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        command: Sequence[str] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.command: tuple[str, ...] | None = tuple(command) if command is not None else None
        self.hint = hint

    def render(self) -> str:
        """The one-paragraph text shown to the user."""
        parts = [redact(self.message.rstrip())]
        if self.command:
            parts.append(f"Command: {shown_command(self.command)}")
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.render()


class UsageError(PipNativeError):
    """Bad input from the user: an option value, a requirement, a file."""

    exit_code = 2


class InvalidRequirementError(UsageError):
    """A requirement string that is not valid PEP 508."""


class InvalidIdentifierError(UsageError):
    """A PyPI name, purl or DepURL that cannot be parsed or is not allowed."""


class UnsupportedBackendError(UsageError):
    """An unknown or not yet supported ``--native-from`` value."""


class ConfigError(UsageError):
    """Invalid pip or pip-native configuration."""


class MappingFileError(UsageError):
    """A mapping file that cannot be read or does not follow its schema."""


class TargetEnvironmentError(PipNativeError):
    """The target interpreter does not fit the chosen native backend."""

    exit_code = 2


class ExternallyManagedError(PipNativeError):
    """PEP 668: the target environment is managed by the system."""

    exit_code = 2


class PrivilegeError(PipNativeError):
    """A step needs root and neither root nor ``--use-sudo`` is available."""

    exit_code = 2


class IndexFetchError(PipNativeError):
    """A package index or file could not be fetched or read."""


class NoNativePackageError(PipNativeError):
    """A project needs a native package and the backend has none for it."""


class ResolutionConflictError(PipNativeError):
    """The joint resolution found no consistent set of candidates."""


class CommandFailed(PipNativeError):
    """An external command exited non-zero (or could not be started)."""

    def __init__(
        self,
        message: str,
        *,
        command: Sequence[str],
        returncode: int | None,
        output: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, command=command, hint=hint)
        self.returncode = returncode
        self.output = output

    def render(self) -> str:
        text = super().render()
        tail = self.output.strip().splitlines()[-15:]
        if tail:
            text += "\nLast output:\n" + "\n".join("    " + redact(line) for line in tail)
        return text


class LockedError(PipNativeError):
    """Another pip-native run holds the target environment's lock."""


class ExecutionError(PipNativeError):
    """An install step failed; says exactly what was and was not installed."""

    def __init__(
        self,
        message: str,
        *,
        installed: Sequence[str],
        not_installed: Sequence[str],
        command: Sequence[str] | None = None,
        hint: str | None = None,
        cause: PipNativeError | None = None,
    ) -> None:
        super().__init__(message, command=command, hint=hint)
        self.installed = tuple(installed)
        self.not_installed = tuple(not_installed)
        self.cause = cause

    def render(self) -> str:
        lines = [self.message.rstrip()]
        if self.cause is not None:
            lines.append(self.cause.render())
        lines.append("Installed: " + (", ".join(self.installed) or "nothing"))
        lines.append("Not installed: " + (", ".join(self.not_installed) or "nothing"))
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)
