"""Parsers for dnf and rpm output: package records, the transaction table, error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from pip_native.native.dnf_version import EVR, Dep, DepExpr, parse_dep

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "DNF_QUERYFORMAT",
    "DNF_QUERYFORMAT_FILES",
    "RPM_QUERYFORMAT",
    "SYSTEM_REPO",
    "RpmPackage",
    "Transaction",
    "TransactionRow",
    "dnf_problems",
    "no_match_arguments",
    "parse_records",
    "parse_transaction",
]

#: dnf's name for the installed packages' "repository".
SYSTEM_REPO = "@System"
_HEAD = "@@pn"
#: ``dnf repoquery --queryformat``: one record per package, its provides and requires
#: one per line (dnf prints list tags that way) between marker lines.
DNF_QUERYFORMAT = (
    _HEAD + "\t%{name}\t%{epoch}\t%{version}\t%{release}\t%{arch}\t%{reponame}\n"
    "@@P\n%{provides}\n@@R\n%{requires}\n@@E"
)
#: The same with the file list, for the (rare) query that resolves file dependencies.
DNF_QUERYFORMAT_FILES = DNF_QUERYFORMAT + "\n@@F\n%{files}\n@@E"
#: ``rpm -qa --queryformat`` with the same layout (``rpmlib(...)`` requires included).
RPM_QUERYFORMAT = (
    _HEAD + "\t%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t" + SYSTEM_REPO + "\n"
    "@@P\n[%{PROVIDENEVRS}\n]@@R\n[%{REQUIRENEVRS}\n]@@E\n"
)


@dataclass(frozen=True, eq=False)
class RpmPackage:
    """One package as dnf (available) or rpm (installed, ``repo`` ``@System``) reported it."""

    name: str
    epoch: int
    version: str
    release: str
    arch: str
    repo: str
    provides: tuple[Dep, ...]
    requires_text: tuple[str, ...]
    files: frozenset[str] | None = field(default=None)
    """Only from the file-dependency query; None when not asked for."""

    @property
    def installed(self) -> bool:
        return self.repo == SYSTEM_REPO

    @cached_property
    def evr(self) -> EVR:
        return EVR(self.epoch or None, self.version, self.release)

    @property
    def evr_text(self) -> str:
        """``1:3.1-2.fc40`` (no epoch when it is 0), as dnf prints it."""
        return str(self.evr)

    @property
    def nevra(self) -> str:
        """``python3-pntest-impl-1:3.1-2.fc40.noarch``: what dnf accepts as an exact spec."""
        return f"{self.name}-{self.evr_text}.{self.arch}"

    @cached_property
    def requires(self) -> tuple[DepExpr, ...]:
        """Parsed requires; ``rpmlib(...)`` ones (rpm's own features) and unparsable ones dropped."""
        out: list[DepExpr] = []
        for text in self.requires_text:
            if text.startswith("rpmlib("):
                continue
            try:
                out.append(parse_dep(text))
            except ValueError:
                continue
        return tuple(out)

    def key(self) -> tuple[str, str, str, bool]:
        return (self.name, self.evr_text, self.arch, self.installed)

    def __repr__(self) -> str:
        where = "installed" if self.installed else self.repo
        return f"<RpmPackage {self.nevra} ({where})>"


def _provide(text: str) -> Dep | None:
    try:
        dep = parse_dep(text)
    except ValueError:
        return None
    return dep if isinstance(dep, Dep) else None


def parse_records(stdout: str) -> list[RpmPackage]:
    """Records printed with :data:`DNF_QUERYFORMAT`, :data:`DNF_QUERYFORMAT_FILES` or
    :data:`RPM_QUERYFORMAT`; other lines (dnf's progress and notes) are skipped."""
    return list(_iter_records(stdout.splitlines()))


def _iter_records(lines: list[str]) -> Iterator[RpmPackage]:
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.startswith(_HEAD + "\t"):
            continue
        fields = line.split("\t")
        if len(fields) != 7:
            continue
        _, name, epoch, version, release, arch, repo = fields
        sections: dict[str, list[str]] = {"P": [], "R": [], "F": []}
        current: str | None = None
        has_files = False
        while i < len(lines) and not lines[i].startswith(_HEAD + "\t"):
            text = lines[i]
            i += 1
            if text in ("@@P", "@@R", "@@F"):
                current = text[2:]
                has_files = has_files or current == "F"
            elif text == "@@E":
                current = None
            elif current is not None and text.strip():
                sections[current].append(text.strip())
        provides = tuple(p for p in (_provide(t) for t in sections["P"]) if p is not None)
        yield RpmPackage(
            name=name,
            epoch=int(epoch) if epoch.isdigit() else 0,
            version=version,
            release=release,
            arch=arch,
            repo=repo,
            provides=provides,
            requires_text=tuple(sections["R"]),
            files=frozenset(sections["F"]) if has_files else None,
        )


@dataclass(frozen=True)
class TransactionRow:
    """One package row of dnf's transaction table."""

    section: str
    """The table heading it is listed under (``Installing dependencies``)."""
    name: str
    arch: str
    evr: str
    repo: str


@dataclass(frozen=True)
class Transaction:
    """What ``dnf install --assumeno`` printed it would do."""

    changes: tuple[TransactionRow, ...]
    """Packages installed, upgraded, downgraded or reinstalled."""
    removals: tuple[TransactionRow, ...]
    """Packages the transaction would remove (``Removing…`` headings)."""
    nothing_to_do: bool


_CHANGE_HEADINGS = ("Installing", "Upgrading", "Downgrading", "Reinstalling")
_REMOVAL_HEADINGS = ("Removing", "Erasing")


def parse_transaction(stdout: str) -> Transaction:
    """Read dnf 4's transaction table (C locale).

    Rows start with one space; a value wider than its column pushes the rest
    of the row to the next line (indented to the next column), so a row is
    the whitespace-separated words up to the next row: name, arch,
    ``[epoch:]version-release``, repository, size. ``replacing`` lines
    (obsoleted packages) are skipped: the new package takes over.
    """
    changes: list[TransactionRow] = []
    removals: list[TransactionRow] = []
    section: str | None = None
    in_table = False
    rows: list[tuple[str, list[str]]] = []
    for line in stdout.splitlines():
        if line.startswith("Transaction Summary"):
            break
        if line.startswith(" Package") and not in_table:
            in_table = True
            continue
        if not in_table or not line.strip() or line.startswith("==="):
            continue
        if not line.startswith(" "):
            heading = line.strip().rstrip(":")
            section = heading if line.rstrip().endswith(":") else None
            continue
        if section is None:
            continue
        words = line.split()
        if words[0] == "replacing":
            continue
        if line[1] != " ":
            rows.append((section, words))
        elif rows:
            rows[-1][1].extend(words)
    for heading, words in rows:
        if len(words) < 4:
            continue
        row = TransactionRow(heading, words[0], words[1], words[2], words[3])
        if heading.startswith(_REMOVAL_HEADINGS):
            removals.append(row)
        elif heading.startswith(_CHANGE_HEADINGS):
            changes.append(row)
    nothing = not changes and not removals and "Nothing to do." in stdout
    return Transaction(tuple(changes), tuple(removals), nothing)


_NO_MATCH = re.compile(r"^No match for argument: (?P<arg>.+)$")
_UNABLE = re.compile(r"^Error: Unable to find a match: (?P<args>.+)$")


def no_match_arguments(stdout: str, stderr: str) -> list[str]:
    """The command-line arguments dnf found no package for, in order, without repeats."""
    found: list[str] = []
    for line in (stdout + "\n" + stderr).splitlines():
        match = _NO_MATCH.match(line.strip())
        if match is not None:
            args = [match.group("arg").strip()]
        else:
            unable = _UNABLE.match(line.strip())
            args = unable.group("args").split() if unable is not None else []
        for arg in args:
            if arg not in found:
                found.append(arg)
    return found


def dnf_problems(stderr: str) -> list[str]:
    """dnf's ``Problem:`` lines and their ``- …`` details, or its other ``Error:`` lines."""
    problems: list[str] = []
    errors: list[str] = []
    for raw in stderr.splitlines():
        line = raw.strip()
        if line.startswith("Problem") or (line.startswith("- ") and problems):
            problems.append(line)
        elif line.startswith("Error:") and line[len("Error:") :].strip():
            errors.append(line[len("Error:") :].strip())
    return problems or errors
