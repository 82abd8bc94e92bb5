"""Recorded apt/dpkg output (tests/data/apt/): the loader the apt tests use, and its checks."""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pip_native.errors import CommandFailed
from pip_native.native import apt_universe
from pip_native.native.apt_lists import APT_HELPER
from pip_native.subproc import CommandResult

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

DATA = Path(__file__).resolve().parent / "data" / "apt"


def read_meta(name: str) -> dict[str, str]:
    """The ``key: value`` lines of ``NAME.meta``."""
    meta: dict[str, str] = {}
    for line in (DATA / f"{name}.meta").read_text().splitlines():
        key, _, value = line.partition(": ")
        meta[key] = value
    return meta


def load_recording(name: str) -> CommandResult:
    """A recording as the CommandResult ``subproc.run`` returned when it was made."""
    meta = read_meta(name)
    stderr = DATA / f"{name}.stderr"
    return CommandResult(
        argv=tuple(shlex.split(meta["command"])),
        returncode=int(meta["returncode"]),
        stdout=(DATA / f"{name}.stdout").read_text(),
        stderr=stderr.read_text() if stderr.exists() else "",
    )


def all_recordings() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.meta"))


#: Dates of the recordings: all on the first; apt-config-shell was re-recorded on the
#: second when keys were added (its other lines unchanged, see its note).
RECORDING_DATES = ("2026-11-25", "2026-12-03")


GENCACHES = ("apt-cache", "-o", "Debug::NoLocking=1", "gencaches")


#: Options pip-native adds for its caches and its universe: apt answers the same without.
_IGNORED_OPTIONS = ("Dir::Cache::", "Dir::State::lists=")


def without_cache_options(argv: tuple[str, ...]) -> tuple[str, ...]:
    """``argv`` without the ``-o Dir::Cache::…`` options pip-native adds for its apt cache,
    nor the ``-o Dir::State::lists=…`` of a universe (its answers equal the full lists')."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "-o" and i + 1 < len(argv) and argv[i + 1].startswith(_IGNORED_OPTIONS):
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return tuple(out)


class FakeStarted:
    """What ``FakeApt.start`` returns, like ``subproc.Started``."""

    def __init__(
        self,
        result: CommandResult,
        hold: threading.Event,
        stdout: Path | None = None,
        what: str = "run it",
    ) -> None:
        self.result = result
        self.what = what
        self.killed = threading.Event()
        self._hold = hold.is_set()
        if stdout is not None and not self._hold:  # written as the command runs
            stdout.write_text(result.stdout)
            self.result = dataclasses.replace(result, stdout="")

    def wait(self, timeout: float | None = None, *, check: bool = False) -> CommandResult:
        if self._hold:
            assert self.killed.wait(timeout=30), "the command held running was never killed"
            return dataclasses.replace(self.result, returncode=-9)
        if check and not self.result.ok:
            raise CommandFailed(
                f"Could not {self.what}: exit status {self.result.returncode}.",
                command=self.result.argv,
                returncode=self.result.returncode,
            )
        return self.result

    pid = 4242
    """Named in the temporaries of a universe's process."""

    def ask(self, line: str, *, timeout: float) -> str | None:
        """No answer: the command has ended (as ``FakeApt`` runs it, before it is asked)."""
        return None

    def kill(self) -> None:
        self.killed.set()


def write_lists(directory: Path) -> Path:
    """A lists directory whose one list holds the recorded dumpavail excerpt (apt's
    candidates: one version of each package, so any universe's candidates are its stanzas)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
    (directory / name).write_text(load_recording("dumpavail-excerpt").stdout)
    (directory / "deb.debian.org_debian_dists_bookworm_InRelease").write_text("Origin: Debian\n")
    return directory


def _option(argv: tuple[str, ...], name: str) -> str | None:
    for option in argv:
        if option.startswith(f"{name}="):
            return option.partition("=")[2]
    return None


class FakeApt:
    """Stands in for ``pip_native.subproc.run`` and ``.stream``: answers recorded commands.

    Every call is logged as it was made; the answer is looked up without the
    ``-o Dir::Cache::…`` and ``-o Dir::State::lists=…`` options (see
    :func:`without_cache_options`). The universe's process
    (``python -m pip_native.native.apt_universe``) runs here, synchronously. With
    ``lists`` (see :func:`write_lists`),
    apt-config names it as apt's lists directory, ``apt-helper cat-file`` reads
    the file it is given, and ``apt-cache dumpavail`` on a universe's lists
    directory answers its stanzas. ``stream`` yields the recorded stdout in
    small chunks, to exercise parsing across chunk boundaries.
    """

    chunk_size = 4096

    def __init__(
        self,
        *names: str,
        extra: dict[tuple[str, ...], CommandResult] | None = None,
        lists: Path | None = None,
    ):
        self.results: dict[tuple[str, ...], CommandResult] = dict(extra or {})
        if lists is not None:
            config = load_recording("apt-config-shell")
            stdout = re.sub(r"(?m)^LISTS='[^']*'$", f"LISTS='{lists}/'", config.stdout)
            self.results.setdefault(config.argv, dataclasses.replace(config, stdout=stdout))
        # apt-cache gencaches only writes the binary cache file (and progress): no recording
        self.results.setdefault(
            GENCACHES, CommandResult(GENCACHES, 0, "Reading package lists...\n", "")
        )
        for name in names or tuple(all_recordings()):
            result = load_recording(name)
            self.results.setdefault(without_cache_options(result.argv), result)
        self.calls: list[tuple[str, ...]] = []
        self.envs: list[dict[str, str] | None] = []
        self.threads: list[threading.Thread] = []
        """The thread that made each call."""
        self.started: list[FakeStarted] = []
        self.hold = threading.Event()
        """While set, commands started in the background run until killed."""

    def __call__(
        self,
        argv: tuple[str, ...] | list[str],
        *,
        what: str,
        check: bool = True,
        env: dict[str, str] | None = None,
        **_: object,
    ) -> CommandResult:
        args = tuple(argv)
        self.calls.append(args)
        self.threads.append(threading.current_thread())
        self.envs.append(env)
        key = without_cache_options(args)
        universe = _option(args, "Dir::State::lists")
        if key in self.results:
            result = dataclasses.replace(self.results[key], argv=args)  # as run, like subproc.run
        elif args[1:3] == ("-m", apt_universe.__name__):  # the universe's own process
            # here, with this fake answering its apt (not while held: it runs until killed)
            returncode = 0 if self.hold.is_set() else self._universe_process(args[3:])
            result = CommandResult(args, returncode, "", "")
        elif args[:2] == (APT_HELPER, "cat-file"):
            result = CommandResult(args, 0, Path(args[2]).read_text(), "")
        elif args[0] == "apt-cache" and args[-1] == "dumpavail" and universe is not None:
            stanzas = "".join(p.read_text() for p in sorted(Path(universe).glob("*_Packages")))
            result = CommandResult(args, 0, stanzas, "")
        else:
            raise AssertionError(f"unexpected command: {shlex.join(args)}")
        if check and result.returncode != 0:
            raise CommandFailed(
                f"Could not {what}", command=args, returncode=result.returncode, output=""
            )
        return result

    @staticmethod
    def _universe_process(argv: tuple[str, ...]) -> int:
        """Its first universe, asked nothing (it has ended when the plan asks: the plan
        grows the universe itself)."""
        with open(os.devnull, "rb") as nothing:
            return apt_universe.main(argv, questions=nothing.fileno())

    def stream(
        self,
        argv: tuple[str, ...] | list[str],
        *,
        what: str,
        env: dict[str, str] | None = None,
        **_: object,
    ) -> Iterator[bytes]:
        result = self(argv, what=what, env=env)  # raises as subproc.stream does on failure
        data = result.stdout.encode()
        for start in range(0, len(data), self.chunk_size):
            yield data[start : start + self.chunk_size]

    def start(
        self,
        argv: tuple[str, ...] | list[str],
        *,
        what: str,
        env: dict[str, str] | None = None,
        stdout: Path | None = None,
        **_: object,
    ) -> FakeStarted:
        """Like ``subproc.start``: logged when started; ``wait`` blocks while ``hold`` is set
        (until ``kill``), then answers as ``subproc.run`` would; the output goes to the
        file ``stdout`` if given."""
        result = self(argv, what=what, check=False, env=env)
        started = FakeStarted(result, self.hold, stdout, what)
        self.started.append(started)
        return started

    def patch(self, mocker: MockerFixture) -> FakeApt:
        """Answer ``subproc.run``, ``.stream`` and ``.start`` with this fake."""
        mocker.patch("pip_native.subproc.run", side_effect=self)
        mocker.patch("pip_native.subproc.stream", side_effect=self.stream)
        mocker.patch("pip_native.subproc.start", side_effect=self.start)
        return self

    def count(self, program: str, *prefix: str) -> int:
        return sum(1 for c in self.calls if c[0] == program and c[1 : 1 + len(prefix)] == prefix)


@pytest.mark.parametrize("name", all_recordings())
def test_recording_has_header(name: str) -> None:
    meta = read_meta(name)
    assert meta["command"]
    assert "bookworm" in meta["distro"] and "Debian" in meta["distro"]
    assert meta["date"] in RECORDING_DATES
    assert meta["returncode"].isdigit()
    assert (DATA / f"{name}.stdout").exists()


def test_expected_recordings_exist() -> None:
    names = set(all_recordings())
    assert {
        "apt-config-shell",
        "dumpavail-excerpt",
        "dpkg-query-W",
        "dpkg-query-L",
        "apt-get-s-sklearn",
        "apt-get-s-upgrade",
        "apt-get-s-remove",
        "apt-get-s-unknown",
        "apt-get-s-unmet",
    } <= names
