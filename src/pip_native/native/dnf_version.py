"""RPM versions and dependencies: rpmvercmp, EVR ranges and rich (boolean) dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

__all__ = [
    "EVR",
    "Dep",
    "DepExpr",
    "Rich",
    "compare_evr",
    "leaf_deps",
    "parse_dep",
    "rpmvercmp",
]

_OPERATORS = ("<=", ">=", "==", "=", "<", ">")
_RICH_OPERATORS = frozenset({"and", "or", "if", "else", "unless", "with", "without"})


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _is_alpha(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def rpmvercmp(a: str, b: str) -> int:
    """Compare two version (or release) strings exactly as rpm's ``rpmvercmp`` does.

    Alphanumeric segments compare piecewise (numbers numerically, letters by
    ASCII, a number beats letters); ``~`` sorts before everything, even the
    end of the string (``1.0~rc1 < 1.0``); ``^`` sorts after the end but
    before any further segment (``1.0 < 1.0^git1 < 1.0.1``).
    """
    if a == b:
        return 0
    i = j = 0
    la, lb = len(a), len(b)
    while i < la or j < lb:
        while i < la and not (a[i].isascii() and (a[i].isalnum() or a[i] in "~^")):
            i += 1
        while j < lb and not (b[j].isascii() and (b[j].isalnum() or b[j] in "~^")):
            j += 1
        ca = a[i] if i < la else ""
        cb = b[j] if j < lb else ""
        if ca == "~" or cb == "~":
            if ca != "~":
                return 1
            if cb != "~":
                return -1
            i += 1
            j += 1
            continue
        if ca == "^" or cb == "^":
            if not ca:
                return -1
            if not cb:
                return 1
            if ca != "^":
                return 1
            if cb != "^":
                return -1
            i += 1
            j += 1
            continue
        if not (ca and cb):
            break
        si, sj = i, j
        if _is_digit(ca):
            while i < la and _is_digit(a[i]):
                i += 1
            while j < lb and _is_digit(b[j]):
                j += 1
            numeric = True
        else:
            while i < la and _is_alpha(a[i]):
                i += 1
            while j < lb and _is_alpha(b[j]):
                j += 1
            numeric = False
        seg_a, seg_b = a[si:i], b[sj:j]
        if not seg_b:
            return 1 if numeric else -1
        if numeric:
            seg_a = seg_a.lstrip("0")
            seg_b = seg_b.lstrip("0")
            if len(seg_a) != len(seg_b):
                return 1 if len(seg_a) > len(seg_b) else -1
        if seg_a != seg_b:
            return 1 if seg_a > seg_b else -1
    if i >= la and j >= lb:
        return 0
    return -1 if i >= la else 1


@dataclass(frozen=True)
class EVR:
    """``[epoch:]version[-release]``; ``epoch`` None when not written (it counts as 0)."""

    epoch: int | None
    version: str
    release: str | None

    @classmethod
    def parse(cls, text: str) -> EVR:
        text = text.strip()
        epoch: int | None = None
        head, sep, rest = text.partition(":")
        if sep and head.isdigit():
            epoch, text = int(head), rest
        version, sep, release = text.rpartition("-")
        if not sep:
            return cls(epoch, text, None)
        return cls(epoch, version, release or None)

    def __str__(self) -> str:
        """dnf's spelling: the epoch only when not 0 (``1:3.1-2.fc40``, ``1.0-1``)."""
        text = self.version if self.release is None else f"{self.version}-{self.release}"
        return f"{self.epoch}:{text}" if self.epoch else text


def compare_evr(a: EVR, b: EVR, *, releases: bool = True) -> int:
    """rpm's EVR order; releases compare only when both sides have one (and ``releases``)."""
    sense = (a.epoch or 0) - (b.epoch or 0)
    if sense:
        return 1 if sense > 0 else -1
    sense = rpmvercmp(a.version, b.version)
    if sense or not releases or a.release is None or b.release is None:
        return sense
    return rpmvercmp(a.release, b.release)


@dataclass(frozen=True)
class Dep:
    """A simple dependency or provide: ``name``, ``name >= 1.0``, ``/usr/bin/sh``."""

    name: str
    op: str | None = None
    """One of ``<``, ``<=``, ``=``, ``>=``, ``>``; None for a bare name."""
    evr: EVR | None = None

    def __str__(self) -> str:
        if self.op is None or self.evr is None:
            return self.name
        return f"{self.name} {self.op} {self.evr}"

    @property
    def is_file(self) -> bool:
        return self.name.startswith("/")

    def overlaps(self, other: Dep) -> bool:
        """True when the ranges of two same-named deps meet (rpm's ``rpmdsCompare``).

        A provide ``foo = 1.0-1`` satisfies ``foo >= 1.0``; a bare name on either
        side matches every version; a side without a release compares versions only.
        """
        if self.name != other.name:
            return False
        if self.op is None or other.op is None or self.evr is None or other.evr is None:
            return True
        a, b = self.evr, other.evr
        sense = compare_evr(a, b, releases=False)
        if sense == 0 and a.release is not None and b.release is not None:
            sense = rpmvercmp(a.release, b.release)
        elif sense == 0 and (
            (a.release is not None and "=" in other.op)
            or (b.release is not None and "=" in self.op)
        ):
            return True
        f1, f2 = self.op, other.op
        if sense < 0:
            return ">" in f1 or "<" in f2
        if sense > 0:
            return "<" in f1 or ">" in f2
        return ("=" in f1 and "=" in f2) or ("<" in f1 and "<" in f2) or (">" in f1 and ">" in f2)


@dataclass(frozen=True)
class Rich:
    """A boolean dependency: ``(a or b)``, ``(x >= 1 with x < 2)``, ``(a if b else c)``."""

    op: str
    """``and``, ``or``, ``with``, ``without``, ``if`` or ``unless``."""
    args: tuple[DepExpr, ...]
    """Operands; for ``if``/``unless``: (then, condition) or (then, condition, else)."""

    def __str__(self) -> str:
        if self.op in ("if", "unless"):
            text = f"{self.args[0]} {self.op} {self.args[1]}"
            if len(self.args) == 3:
                text += f" else {self.args[2]}"
            return f"({text})"
        return "(" + f" {self.op} ".join(str(a) for a in self.args) + ")"


DepExpr = Union[Dep, Rich]


def _parse_simple(text: str) -> Dep:
    parts = text.split()
    if len(parts) == 3 and parts[1] in _OPERATORS:
        op = "=" if parts[1] == "==" else parts[1]
        return Dep(parts[0], op, EVR.parse(parts[2]))
    if len(parts) != 1:
        raise ValueError(f"not an RPM dependency: {text!r}")
    return Dep(parts[0])


def parse_dep(text: str) -> DepExpr:
    """Parse one dependency as dnf and rpm print it (``%{requires}``, ``REQUIRENEVRS``).

    Raises ValueError for text that is neither a simple nor a rich dependency.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty dependency")
    if not text.startswith("("):
        return _parse_simple(text)
    tokens = _rich_tokens(text)
    expr, pos = _parse_rich(tokens, 0)
    if pos != len(tokens):
        raise ValueError(f"trailing text in rich dependency {text!r}")
    return expr


def _rich_tokens(text: str) -> list[str]:
    """Split a rich dependency into ``(``, ``)`` and words (names keep their own parentheses)."""
    tokens: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(ch)
            i += 1
        else:
            start = i
            depth = 0
            while i < len(text):
                c = text[i]
                if c == "(":
                    depth += 1
                elif c == ")":
                    if depth == 0:
                        break
                    depth -= 1
                elif c.isspace() and depth == 0:
                    break
                i += 1
            tokens.append(text[start:i])
    return tokens


def _parse_rich(tokens: list[str], pos: int) -> tuple[DepExpr, int]:
    if pos >= len(tokens) or tokens[pos] != "(":
        raise ValueError("a rich dependency starts with '('")
    pos += 1
    operands: list[DepExpr] = []
    ops: list[str] = []
    words: list[str] = []

    def flush() -> None:
        if words:
            operands.append(_parse_simple(" ".join(words)))
            words.clear()

    while pos < len(tokens):
        tok = tokens[pos]
        if tok == "(":
            flush()
            sub, pos = _parse_rich(tokens, pos)
            operands.append(sub)
            continue
        if tok == ")":
            flush()
            pos += 1
            break
        if tok in _RICH_OPERATORS:
            flush()
            ops.append(tok)
        else:
            words.append(tok)
        pos += 1
    else:
        raise ValueError("unbalanced parentheses in rich dependency")
    if not operands:
        raise ValueError("empty rich dependency")
    if not ops:
        if len(operands) != 1:
            raise ValueError("operands without an operator")
        return operands[0], pos
    if len(operands) != len(ops) + 1:
        raise ValueError("operator without operands")
    first = ops[0]
    if first in ("if", "unless"):
        if ops not in ([first], [first, "else"]):
            raise ValueError(f"bad {first} dependency")
        return Rich(first, tuple(operands)), pos
    if any(op != first for op in ops):
        raise ValueError("mixed operators need parentheses")
    return Rich(first, tuple(operands)), pos


def leaf_deps(expr: DepExpr) -> list[Dep]:
    """Every simple dependency inside ``expr`` (itself for a simple one)."""
    if isinstance(expr, Dep):
        return [expr]
    out: list[Dep] = []
    for arg in expr.args:
        out.extend(leaf_deps(arg))
    return out
