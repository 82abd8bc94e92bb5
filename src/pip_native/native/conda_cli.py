"""The CLI engine: the user's conda, mamba or micromamba, read through ``install --dry-run --json``."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pip_native import subproc
from pip_native.native.conda_prefix import (
    CondaRecord,
    CondaSolveError,
    Transaction,
    dependency_name,
    record_from_json,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "CLI_TOOLS",
    "CliEngine",
    "CondaCli",
    "find_cli",
    "parse_failure",
    "parse_transaction",
]

#: Tried in this order on PATH (mamba and micromamba solve fastest), then $CONDA_EXE, $MAMBA_EXE.
CLI_TOOLS = ("mamba", "micromamba", "conda")

_MISSING_PATTERNS = (
    # libmamba (mamba 2, micromamba): "nothing provides requested foo", or the problem tree
    # "└─ foo does not exist (perhaps a typo or a missing channel)."
    re.compile(r"nothing provides requested (?P<spec>\S+)"),
    re.compile(r"(?P<spec>[^\s└─│├]+) does not exist \(perhaps a typo or a missing channel\)"),
)
# Words of solver failures (conda, conda-libmamba-solver, libmamba), unlike tool or network errors
_UNSATISFIABLE_RE = re.compile(
    r"unsatisfiable|could not solve|cannot solve|conflict|nothing provides|does not exist"
    r"|PackagesNotFound|ResolvePackageNotFound|SpecsConfigurationConflict",
    re.I,
)
# conda's text form of PackagesNotFoundError / ResolvePackageNotFound: an indented "  - foo" list
_CONDA_LIST_RE = re.compile(
    r"(?:not available from current channels|ResolvePackageNotFound):\s*\n(?P<items>(?:\s*\n|\s+- .*\n?)+)"
)


@dataclass(frozen=True)
class CondaCli:
    """A conda-like command found on this machine."""

    tool: str
    """``conda``, ``mamba`` or ``micromamba``."""
    path: str
    """Its absolute path (commands run with it, so sudo finds the same one)."""
    found: str
    """How it was found, for messages: ``on PATH``, ``from $CONDA_EXE``."""


def _tool_of(path: str) -> str | None:
    stem = Path(path).name.lower().removesuffix(".exe").removesuffix(".bat")
    return stem if stem in CLI_TOOLS else None


def find_cli(env: Mapping[str, str], wanted: str | None = None) -> CondaCli | None:
    """The first of mamba, micromamba, conda on PATH, then $CONDA_EXE and $MAMBA_EXE.

    ``wanted`` restricts the search to one tool.
    """
    search = env.get("PATH", os.defpath)
    for tool in (wanted,) if wanted else CLI_TOOLS:
        found = shutil.which(tool, path=search)
        if found:
            return CondaCli(tool, str(Path(found).absolute()), "on PATH")
    for var in ("CONDA_EXE", "MAMBA_EXE"):
        value = env.get(var)
        if not value or not Path(value).is_file() or not os.access(value, os.X_OK):
            continue
        kind = _tool_of(value)
        if kind is not None and (wanted is None or kind == wanted):
            return CondaCli(kind, str(Path(value).absolute()), f"from ${var}")
    return None


def _json_object(text: str) -> dict[str, Any] | None:
    """The JSON object a ``--json`` command printed (tolerating log lines before it)."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(text[start:])
    except json.JSONDecodeError:
        end = text.rfind("}")
        try:
            data = json.loads(text[start : end + 1])
        except json.JSONDecodeError:
            return None
    return data if isinstance(data, dict) else None


def _records(entries: object) -> tuple[CondaRecord, ...]:
    if not isinstance(entries, list):
        return ()
    out: list[CondaRecord] = []
    for entry in entries:
        if isinstance(entry, dict):
            out.append(record_from_json(entry))
        elif isinstance(entry, str):
            # conda < 4.6 printed "channel::name-version-build" strings
            dist = entry.rpartition("::")[2]
            name, _, rest = dist.rpartition("-")
            name, _, version = name.rpartition("-")
            if name and version:
                out.append(CondaRecord(name=name, version=version, build=rest))
    return tuple(out)


def parse_transaction(stdout: str) -> Transaction:
    """The LINK/UNLINK actions of a successful ``install --dry-run --json``.

    conda prints ``{"actions": {"LINK": [...], "UNLINK": [...], "FETCH": [...],
    "PREFIX": ...}, "dry_run": true, "success": true}`` with LINK/UNLINK entries
    in its short form (name, version, build_string, channel, platform; no
    depends); mamba 2 and micromamba print full records (with depends). A
    request with nothing to do has no actions (conda: ``{"message": "All
    requested packages already installed.", "success": true}``).
    Raises ValueError when the output is not such JSON.
    """
    data = _json_object(stdout)
    if data is None:
        raise ValueError("no JSON object in the output")
    if data.get("success") is False:
        raise ValueError("the command reported success: false")
    actions = data.get("actions", {})
    if isinstance(actions, list):  # conda < 4.4: one group per prefix
        actions = actions[0] if actions else {}
    if not isinstance(actions, dict):
        raise ValueError("'actions' is not an object")
    try:
        return Transaction(_records(actions.get("LINK")), _records(actions.get("UNLINK")))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"a LINK/UNLINK record is incomplete ({exc})") from None


def parse_failure(result: subproc.CommandResult) -> CondaSolveError:
    """Why a dry run failed, with the requested names no channel has (if that is why)."""
    data = _json_object(result.stdout) or {}
    name = str(data.get("exception_name") or "")
    message = str(data.get("message") or data.get("error") or "").strip()
    text = "\n".join(
        part for part in (message, result.stderr, result.stdout if not data else "") if part
    )
    missing: list[str] = []
    packages = data.get("packages")
    if name in ("PackagesNotFoundError", "ResolvePackageNotFound") and isinstance(packages, list):
        missing.extend(str(p) for p in packages)
    for pattern in _MISSING_PATTERNS:
        missing.extend(m.group("spec") for m in pattern.finditer(text))
    for block in _CONDA_LIST_RE.finditer(text):
        missing.extend(
            line.strip()[2:].strip()
            for line in block.group("items").splitlines()
            if line.strip().startswith("- ")
        )
    names: list[str] = []
    for spec in missing:
        found = dependency_name(spec)
        if found is not None and found not in names:
            names.append(found)
    if not message:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        message = " ".join(line.strip() for line in tail) or f"exit status {result.returncode}"
    if name and not message.startswith(name):
        message = f"{name}: {message}"
    return CondaSolveError(
        " ".join(message.split()),
        missing=names,
        command=result.argv,
        output=result.stdout + result.stderr,
        unsatisfiable=bool(_UNSATISFIABLE_RE.search(f"{name} {text}")),
    )


class CliEngine:
    """Solves and installs with the user's conda-like command, its channels and settings."""

    kind = "cli"

    def __init__(self, cli: CondaCli, *, env: Mapping[str, str] | None = None) -> None:
        self.cli = cli
        self._env: dict[str, str] = dict(env or {})

    def describe(self) -> str:
        return f"the {self.cli.tool} command {self.cli.path} ({self.cli.found})"

    def dry_run_argv(self, prefix: Path | None, specs: Sequence[str]) -> tuple[str, ...]:
        """``<tool> install --dry-run --json --prefix PREFIX SPEC...``.

        Without a target prefix (``pip-native map``), a fresh environment is
        solved instead: ``create --dry-run`` for a path that does not exist.
        """
        if prefix is None:
            fresh = Path(tempfile.gettempdir()) / f"pip-native-no-such-env-{os.getpid()}"
            return (self.cli.path, "create", "--dry-run", "--json", "--prefix", str(fresh), *specs)
        return (self.cli.path, "install", "--dry-run", "--json", "--prefix", str(prefix), *specs)

    def install_command(
        self, prefix: Path, specs: Sequence[str], transaction: Transaction
    ) -> tuple[str, ...]:
        """The command that really installs what the dry run showed (the same request)."""
        return (self.cli.path, "install", "--yes", "--prefix", str(prefix), *specs)

    def exists(self, names: Sequence[str]) -> set[str] | None:
        """No cheap existence check through the CLI: the dry run tells (None)."""
        return None

    def solve(
        self, prefix: Path | None, specs: Sequence[str], installed: Mapping[str, CondaRecord]
    ) -> Transaction:
        argv = self.dry_run_argv(prefix, specs)
        result = subproc.run(
            argv,
            what=f"ask {self.cli.tool} what installing {' '.join(specs)} would do",
            check=False,
            env=self._env,
            parse_output=True,
            timeout=1800,
        )
        if not result.ok:
            raise parse_failure(result)
        try:
            return parse_transaction(result.stdout)
        except ValueError as exc:
            raise CondaSolveError(
                f"{self.cli.tool} printed output pip-native cannot read ({exc})",
                command=argv,
                output=result.stdout + result.stderr,
            ) from None
