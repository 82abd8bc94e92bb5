"""User requirement input: PEP 508 strings from the command line and requirements files."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from pip_native.errors import InvalidRequirementError

__all__ = ["parse_requirement", "read_requirement_files"]

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


def read_requirement_files(
    paths: Sequence[str], *, _seen: frozenset[Path] = frozenset()
) -> list[Requirement]:
    """Read requirements files (``-r``), following nested ``-r``; other options are refused."""
    out: list[Requirement] = []
    for name in paths:
        path = Path(name).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidRequirementError(
                f"Cannot read requirements file {name!r}: {exc.strerror or exc}.",
                hint="Check the path given to -r/--requirement.",
            ) from exc
        resolved = path.resolve()
        if resolved in _seen:
            continue
        for number, line in _logical_lines(text):
            where = f"{name}, line {number}"
            if line.startswith("-"):
                words = shlex.split(line)
                if words[0] in ("-r", "--requirement") and len(words) == 2:
                    nested = str(path.parent / words[1])
                    out.extend(read_requirement_files([nested], _seen=_seen | {resolved}))
                    continue
                raise InvalidRequirementError(
                    f"Option {words[0]!r} in {where} is not supported in requirements files "
                    "given to pip-native.",
                    hint="Give index options on the command line (--index-url, --extra-index-url, "
                    "--find-links) or in pip's configuration; pip-native honours both.",
                )
            out.append(parse_requirement(line, where=where))
    return out
