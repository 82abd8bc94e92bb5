"""User requirement input: PEP 508 strings from the command line and requirements files."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from pip_native.errors import InvalidRequirementError

__all__ = [
    "Located",
    "parse_requirement",
    "read_input_files",
    "read_requirement_files",
]

_UNSUPPORTED_HINT = (
    "pip-native installs named requirements (PEP 508, e.g. 'scikit-learn>=1.2'); "
    "local paths, URLs and editables are not supported yet."
)


def parse_requirement(text: str, *, where: str = "the command line") -> Requirement:
    """Parse one PEP 508 requirement, with an error naming the input and where it came from."""
    stripped = text.strip()
    looks_like_path = stripped.startswith((".", "/", "~")) or stripped.endswith(
        (".whl", ".tar.gz", ".zip")
    )
    if looks_like_path or "://" in stripped.split("@", 1)[0]:
        raise InvalidRequirementError(
            f"Requirement {text!r} from {where} is a path or URL, not a project name.",
            hint=_UNSUPPORTED_HINT,
        )
    try:
        req = Requirement(stripped)
    except InvalidRequirement as exc:
        raise InvalidRequirementError(
            f"Requirement {text!r} from {where} is not valid PEP 508: {exc}",
            hint="Write it as NAME[EXTRAS]SPECIFIER; MARKER, for example "
            "'requests>=2.31' or 'numpy; python_version >= \"3.10\"' (quote it in the shell).",
        ) from exc
    if req.url:
        raise InvalidRequirementError(
            f"Requirement {text!r} from {where} points at a URL ({req.url}).",
            hint=_UNSUPPORTED_HINT,
        )
    return req


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw if raw.startswith("#") else raw.split(" #", 1)[0]
        line = "" if line.lstrip().startswith("#") else line
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1]
            continue
        buffer += line
        if buffer.strip():
            yield start, buffer.strip()
        buffer = ""
    if buffer.strip():
        yield start, buffer.strip()


Located = tuple[Requirement, str]
"""A requirement and where it was written (``FILE, line N``)."""


def read_requirement_files(paths: Sequence[str]) -> list[Requirement]:
    """Read requirements files (``-r``), following nested ``-r``; other options are refused.

    A ``-c`` inside them is refused too: :func:`read_input_files` reads both.
    """
    requirements, constraints = read_input_files(paths, ())
    if constraints:
        raise InvalidRequirementError(
            f"{constraints[0][1]} is a constraint; it cannot be read as a requirement here.",
            hint="Pass the file with -r/--requirement to pip-native install or plan.",
        )
    return [req for req, _ in requirements]


def read_input_files(
    requirement_files: Sequence[str], constraint_files: Sequence[str]
) -> tuple[list[Located], list[Located]]:
    """Requirements and constraints from ``-r`` and ``-c`` files, each line with where it is.

    As in pip, ``-r FILE`` inside any of them adds requirements and ``-c FILE``
    adds constraints. A constraint only limits versions: a name, a specifier and
    markers, no extras.
    """
    requirements: list[Located] = []
    constraints: list[Located] = []
    _read_files(requirement_files, False, frozenset(), requirements, constraints)
    _read_files(constraint_files, True, frozenset(), requirements, constraints)
    for req, where in constraints:
        if req.extras:
            raise InvalidRequirementError(
                f"Constraint {str(req)!r} in {where} has extras; constraints only limit versions.",
                hint=f"Write it without the extras: {req.name}{req.specifier}.",
            )
    return requirements, constraints


def _read_files(
    paths: Sequence[str],
    constraint: bool,
    seen: frozenset[Path],
    requirements: list[Located],
    constraints: list[Located],
) -> None:
    kind, flag = (
        ("constraints", "-c/--constraint") if constraint else ("requirements", "-r/--requirement")
    )
    for name in paths:
        path = Path(name).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidRequirementError(
                f"Cannot read {kind} file {name!r}: {exc.strerror or exc}.",
                hint=f"Check the path given to {flag} (or in pip's configuration).",
            ) from exc
        resolved = path.resolve()
        if resolved in seen:
            continue
        for number, line in _logical_lines(text):
            where = f"{name}, line {number}"
            if line.startswith("-"):
                words = shlex.split(line)
                if words[0] in _NESTED and len(words) == 2:
                    nested = str(path.parent / words[1])
                    _read_files(
                        [nested], _NESTED[words[0]], seen | {resolved}, requirements, constraints
                    )
                    continue
                raise InvalidRequirementError(
                    f"Option {words[0]!r} in {where} is not supported in {kind} files "
                    "given to pip-native.",
                    hint="Give index options on the command line (--index-url, --extra-index-url, "
                    "--find-links) or in pip's configuration; pip-native honours both.",
                )
            (constraints if constraint else requirements).append(
                (parse_requirement(line, where=where), where)
            )


#: Options that name another file inside a requirements or constraints file: is it constraints?
_NESTED = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}
