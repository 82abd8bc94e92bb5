"""The universe a plan asks apt about: its lists directory and index, kept between plans.

:mod:`~pip_native.native.apt_lists` explains the idea: apt answers on a lists
directory holding only the installed packages, the packages a plan asks about
and everything they reach. :class:`UniverseBuilder` reads the lists (once),
grows the universe as the plan asks about more names, and writes each universe's
lists directory and ``apt-cache dumpavail`` output (apt's candidates in it) into a
work directory of pip-native's cache, keyed by the apt state. :class:`Universe`
is what the adapter holds: the index of the current universe, from the builder,
or from what an earlier plan in the same apt state stored (then no list is
read at all).

The lists decompressed, one file each, and the tables of their scan
(:meth:`PackageLists.save`) are in ``apt-lists-<key of the lists>/``: a plan after
an install (a new dpkg status) reads no list again. Work directory layout
(``apt-universe-<apt state key>/``):

- ``u-<digest>/``: a universe's lists directory (its digest: the sorted names in it
  that apt knows), with ``u-<digest>.avail`` beside it, written once, when first needed;
- ``universe.json``: the names of the newest universe (every name reached, known to
  apt or not) and its digest, which the next plan starts from;
- ``.lock``: held (``flock``) while a universe is made or grown, by this process or
  another, so that plans running at once use each other's work.

Each is written under a temporary name and renamed, so plans running at once
share them safely; a universe only grows, and any closed universe gives apt's
answer, so whichever ``universe.json`` wins is right. The first universe is made
in a process of its own (:func:`main`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import secrets
import select
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pip_native import subproc
from pip_native.errors import PipNativeError
from pip_native.native import apt_early
from pip_native.native.apt_index import parse_dpkg_query
from pip_native.native.apt_lists import PackageLists, installed_dependencies, reduced_options
from pip_native.native.apt_stanzas import index_in_memory
from pip_native.paths import write_atomically

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence

    from pip_native.native.apt_index import AptIndex, Record

__all__ = ["UNIVERSE_PREFIX", "Covered", "Universe", "UniverseBuilder", "load_stored", "main"]

logger = logging.getLogger(__name__)

UNIVERSE_PREFIX = "apt-universe-"
"""Name prefix of the work directories in the adapter's cache directory (one per apt state)."""
LISTS_PREFIX = "apt-lists-"
"""Name prefix of the directories of decompressed lists and their tables (one per state of
the package lists, shared by the apt states that differ in dpkg's status only)."""
_FORMAT = 1
_STORED = "universe.json"
_LOCK = ".lock"
#: The processes :meth:`Universe.start` started, by work directory: a second adapter of the
#: same process (the planner's, after the command line's) waits for the first one's.
_STARTED: dict[Path, subproc.Started] = {}
_STARTED_LOCK = threading.Lock()
_STALE_SECONDS = 3600


def _bare(name: str) -> str:
    return name.partition(":")[0]


@dataclass(frozen=True)
class Covered:
    """A closed universe: every name in it, its lists directory and dumpavail output."""

    names: frozenset[str]
    directory: Path
    avail: Path


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}-{os.getpid()}-{secrets.token_hex(4)}")


def _move_into_place(built: Path, path: Path) -> None:
    """Rename ``built`` to ``path``, unless another plan put one there first (then keep that)."""
    try:
        built.rename(path)
    except OSError:
        if not path.exists():
            raise
        if built.is_dir():
            shutil.rmtree(built, ignore_errors=True)
        else:
            built.unlink(missing_ok=True)


def load_stored(workdir: Path) -> Covered | None:
    """The universe an earlier plan stored in ``workdir``, if whole; else None."""
    try:
        return _covered_of(workdir, (workdir / _STORED).read_bytes())
    except OSError:
        return None


def _entry(covered: Covered) -> bytes:
    """What :func:`load_stored` and :func:`_covered_of` read back (one line of JSON)."""
    digest = covered.directory.name[2:]
    entry = {"format": _FORMAT, "digest": digest, "names": sorted(covered.names)}
    return json.dumps(entry).encode()


def _covered_of(workdir: Path, data: bytes | str) -> Covered | None:
    """The universe of ``workdir`` an :func:`_entry` describes, if whole; else None."""
    try:
        entry = json.loads(data)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("format") != _FORMAT:
        return None
    digest, names = entry.get("digest"), entry.get("names")
    if not isinstance(digest, str) or not isinstance(names, list):
        return None
    covered = Covered(
        frozenset(n for n in names if isinstance(n, str)),
        workdir / f"u-{digest}",
        workdir / f"u-{digest}.avail",
    )
    if not covered.directory.is_dir():  # its avail may be missing: see UniverseBuilder.avail
        return None
    return covered


class UniverseBuilder:
    """Grows the universe and writes its files into ``workdir`` (see the module's text).

    ``installed`` gives dpkg's records (the universe starts from every
    installed package); ``lists_dir`` is apt's lists directory, decompressed
    into ``copies`` with the tables of their scan. With ``keep_one``, the
    builder removes the other work and copies directories beside them (other
    apt states') once unused for an hour. With ``tables_later``, the tables of
    lists it scans are kept when :meth:`keep_tables` says, not at once.
    Thread-safe: one universe per builder, grown under a lock.
    """

    def __init__(
        self,
        *,
        lists_dir: Path,
        copies: Path,
        workdir: Path,
        installed: Callable[[], Mapping[str, Record]],
        env: Mapping[str, str],
        hint: str,
        keep_one: bool = False,
        tables_later: bool = False,
    ) -> None:
        self._lists_dir = lists_dir
        self._tables_later = tables_later
        self._copies = copies
        self._keep_one = keep_one
        self._workdir = workdir
        self._installed = installed
        self._env = env
        self._hint = hint
        self._lock = threading.Lock()
        self._lists: PackageLists | None = None
        self._dependencies: dict[str, set[str]] = {}
        self._names: set[str] | None = None
        self._covered: Covered | None = None

    @property
    def kept(self) -> bool:
        """Whether its universes are kept for later plans (a shared work directory)."""
        return self._keep_one

    def start_first(self, dpkg_query: Sequence[str], native_arch: str) -> subproc.Started:
        """Start :func:`main` in a new interpreter: it makes the first universe into the
        work directory (the same as :meth:`cover` of nothing), where :func:`load_stored`
        then finds it."""
        return subproc.start(
            [sys.executable, "-m", __name__, json.dumps(self.request(dpkg_query, native_arch))],
            what="make apt's universe",
            env={**self._env, **subproc.own_module_env()},
            hint=self._hint,
            new_group=True,  # stopping it stops the apt-helper and apt-cache it runs
            talk=True,  # then it grows the universe as the plan asks (see main)
        )

    def request(self, dpkg_query: Sequence[str], native_arch: str) -> dict[str, object]:
        """What :func:`main` is given to make this builder's first universe."""
        return {
            "lists": str(self._lists_dir),
            "copies": str(self._copies),
            "workdir": str(self._workdir),
            "dpkg_query": list(dpkg_query),
            "arch": native_arch,
            "env": dict(self._env),
            "hint": self._hint,
            "keep_one": self._keep_one,
        }

    def cover(self, names: Iterable[str]) -> Covered:
        """The universe grown to hold ``names`` (and what they reach), its lists directory
        written (apt's candidates in it are read when asked: :meth:`avail`).

        Under the work directory's lock: another process making a universe of this apt
        state (the one :meth:`start_first` started, say) is waited for, and its work used.
        """
        with self._lock, self._locked():
            lists = self._read()
            if self._names is None:
                stored = load_stored(self._workdir)
                installed = self._installed()
                if stored is not None and all(_bare(key) in stored.names for key in installed):
                    # made from every installed package: their records lead nowhere new,
                    # and a name reached from now on is not installed
                    self._names = set(stored.names)
                else:
                    self._names = set(stored.names) if stored is not None else set()
                    self._dependencies = installed_dependencies(installed)
                    lists.reach(self._dependencies, self._dependencies, self._names)
            added = lists.reach(names, self._dependencies, self._names)
            if self._covered is None or any(lists.knows(name) for name in added):
                self._covered = self._write(lists, self._names)
            elif added:
                self._covered = Covered(
                    frozenset(self._names), self._covered.directory, self._covered.avail
                )
                self._store(self._covered)
            return self._covered

    def avail(self, covered: Covered) -> None:
        """Write the ``apt-cache dumpavail`` output of ``covered`` if it is missing.

        :meth:`cover` writes none: a plan that asks apt about something outside the
        first universe (made by :func:`main`) grows it first and reads that one's, a
        simulation needs only the lists, and a plan that asks apt nothing reads none
        (0.02 s of apt's time each).
        """
        if covered.avail.is_file():
            return
        with self._lock, self._locked():
            if covered.avail.is_file():  # another thread or process wrote it meanwhile
                return
            building = _temporary(covered.avail)
            try:
                command = subproc.start(
                    ["apt-cache", *reduced_options(covered.directory), "dumpavail"],
                    what="read apt's candidates",
                    env=self._env,
                    hint=self._hint,
                    stdout=building,
                )
                command.wait(timeout=600, check=True)
                _move_into_place(building, covered.avail)
            finally:
                building.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._workdir.mkdir(parents=True, exist_ok=True)
        _touch(self._workdir)  # in use: not stale for another hour
        with open(self._workdir / _LOCK, "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def busy(self) -> bool:
        """Whether another process holds the work directory's lock (making a universe)."""
        try:
            with open(self._workdir / _LOCK, "a") as lock:
                try:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        except OSError:  # no work directory yet
            return False
        return False

    def remove_temporaries(self, pid: int) -> None:
        """Remove what process ``pid`` (killed) was writing here: a universe or the lists'
        copies (``_temporary``'s names) or a file (``write_atomically``'s)."""
        for directory in (self._workdir, self._copies, self._copies.parent):
            for pattern in (f".*-{pid}-*", f".*.{pid}.*.tmp"):
                for path in directory.glob(pattern):
                    _remove(path)

    def keep_tables(self) -> None:
        """Keep the tables of the lists this builder scanned (see ``tables_later``)."""
        with self._lock:
            if self._lists is not None:
                self._lists.keep()

    def _read(self) -> PackageLists:
        if self._lists is None:
            self._lists = PackageLists.read(
                self._lists_dir,
                copies=self._copies,
                env=self._env,
                hint=self._hint,
                keep=not self._tables_later,
            )
            _touch(self._copies)
            if self._keep_one:  # other apt states' directories, unused for an hour, go
                _remove_stale_others(self._copies, LISTS_PREFIX)
                _remove_stale_others(self._workdir, UNIVERSE_PREFIX)
        return self._lists

    def _write(self, lists: PackageLists, names: set[str]) -> Covered:
        located = lists.locate(names)
        known = sorted(located)
        digest = hashlib.sha256("\n".join(known).encode()).hexdigest()[:24]
        covered = Covered(
            frozenset(names),
            self._workdir / f"u-{digest}",
            self._workdir / f"u-{digest}.avail",
        )
        if not covered.directory.is_dir():
            building = _temporary(covered.directory)
            try:
                lists.write(building, located)
                _move_into_place(building, covered.directory)
            finally:
                shutil.rmtree(building, ignore_errors=True)
        self._store(covered)
        return covered

    def _store(self, covered: Covered) -> None:
        try:
            write_atomically(self._workdir / _STORED, _entry(covered))
        except OSError as exc:
            logger.debug("could not store the apt universe: %s", exc)
        _remove_old(self._workdir, keep=covered.directory.name)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _remove_if_stale(path: Path) -> None:
    """Remove ``path`` (a file or a directory) if not changed for an hour: plans in
    progress may still read newer ones."""
    with contextlib.suppress(OSError):
        if path.lstat().st_mtime < time.time() - _STALE_SECONDS:
            _remove(path)


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)


def _remove_stale_others(path: Path, prefix: str) -> None:
    """Remove the directories named ``prefix…`` beside ``path`` unused for an hour."""
    for other in path.parent.glob(f"{prefix}*"):
        if other != path:
            _remove_if_stale(other)


def _remove_old(workdir: Path, keep: str) -> None:
    """Remove other universes' files (and temporaries of killed plans) an hour old."""
    for path in [*workdir.glob("u-*"), *workdir.glob(".*-*")]:
        if path.name not in (keep, f"{keep}.avail"):
            _remove_if_stale(path)


class Universe:
    """The adapter's view: the index of the current universe, grown on demand.

    :meth:`start` loads a stored universe, else starts making the first one in
    a process of its own (:func:`main`): reading the lists is 0.2 s of Python
    work, which in a thread would hold the interpreter lock the resolver needs.
    While that process runs, it grows the universe as :meth:`grow` asks (from
    the lists it has read); once it has ended, this process grows it (from the
    tables it kept: a few hundredths of a second).
    """

    def __init__(
        self,
        builder: UniverseBuilder,
        *,
        workdir: Path,
        installed: Callable[[], Mapping[str, Record]],
        native_arch: str,
        dpkg_query: Sequence[str],
    ) -> None:
        self._builder = builder
        self._workdir = workdir
        self._installed = installed
        self._native_arch = native_arch
        self._dpkg_query = tuple(dpkg_query)
        self._lock = threading.Lock()
        self._covered: Covered | None = None
        self._index: AptIndex | None = None
        self._index_of: Path | None = None
        """The lists directory of the universe whose candidates ``_index`` holds."""
        self._child: subproc.Started | None = None
        self._used = False

    def start(self) -> None:
        """Begin making the first universe in the background (unless one is stored, or
        this process started it already: see :func:`~pip_native.native.registry.start_ahead`
        and :mod:`~pip_native.native.apt_early`)."""
        with self._lock:
            if self._covered is not None or self._child is not None or self._used:
                return
            with _STARTED_LOCK:
                # a process already started answers the plan's questions, stored universe
                # or not; otherwise one starts unless a universe is stored
                child = _STARTED.get(self._workdir) or apt_early.take(self._workdir)
                if child is None:
                    self._covered = load_stored(self._workdir)
                    if self._covered is not None:
                        return
                    if self._builder.busy():
                        return  # another process is making it: cover() waits for its lock
                    child = self._builder.start_first(self._dpkg_query, self._native_arch)
                _STARTED[self._workdir] = child
            self._child = child

    def finish(self) -> None:
        """End the background work: stop it if no question used it (its finished files
        stay); else end its questions, and let it keep the lists' tables if it has not
        yet (0.02-0.03 s, which the plan does not wait for) and end."""
        with self._lock:
            child, self._child = self._child, None
            used = self._used
        if child is None:
            return
        if used:
            child.end_unwaited(timeout=60, name="pip-native apt universe end")
        else:
            child.kill()
            if not child.wait(timeout=60).ok:  # killed while writing: its temporaries go
                self._builder.remove_temporaries(child.pid)
        self._forget(child)

    def _forget(self, child: subproc.Started) -> None:
        with _STARTED_LOCK:
            if _STARTED.get(self._workdir) is child:
                del _STARTED[self._workdir]

    def _wait_for_child(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            result = child.wait(timeout=600)
            self._forget(child)
            if not result.ok:  # this process tries again, and reports what fails
                logger.debug("making the first apt universe failed: %s", result.stderr.strip())

    def grow(self, names: Collection[str]) -> Covered:
        """A universe holding ``names``, its lists directory written: what a simulation
        needs (:meth:`cover` reads apt's candidates in it too)."""
        with self._lock:
            self._used = True
            wanted = {_bare(name) for name in names}
            if self._covered is not None and wanted <= self._covered.names:
                return self._covered
            if self._child is not None:
                answered = self._ask_child(self._child, wanted)
                if answered is not None:
                    self._covered = answered
                    return answered
            self._wait_for_child()
            if self._covered is None:
                self._covered = load_stored(self._workdir)
            if self._covered is None or not wanted <= self._covered.names:
                self._covered = self._builder.cover(wanted)
            return self._covered

    def _ask_child(self, child: subproc.Started, wanted: set[str]) -> Covered | None:
        """The universe the first universe's process grew to hold ``wanted``; None if it
        could not say (it failed, or ended: then this process grows it)."""
        try:
            answer = child.ask(json.dumps(sorted(wanted)), timeout=600)
        except PipNativeError as exc:  # no answer in time: it was stopped
            logger.debug("the apt universe's process did not answer: %s", exc)
            return None
        covered = _covered_of(self._workdir, answer) if answer is not None else None
        if covered is None or not wanted <= covered.names:
            return None
        return covered

    def cover(self, names: Collection[str]) -> AptIndex:
        """The index of a universe holding ``names``.

        apt's candidates are read (``dumpavail``) outside this object's lock, so that
        a simulation on the same universe (:meth:`grow`) runs meanwhile.
        """
        covered = self.grow(names)
        with self._lock:
            if self._index is not None and self._index_of == covered.directory:
                return self._index
        self._builder.avail(covered)
        index = index_in_memory(covered.avail.read_bytes(), self._installed(), self._native_arch)
        with self._lock:
            self._index, self._index_of = index, covered.directory
        return index

    @property
    def workdir(self) -> Path:
        return self._workdir

    def first_request(self) -> dict[str, object] | None:
        """What the process that makes the first universe of this apt state is given (see
        :func:`main`); None when one is stored, or when nothing is kept for later plans."""
        if not self._builder.kept or load_stored(self._workdir) is not None:
            return None
        return self._builder.request(self._dpkg_query, self._native_arch)


def main(argv: Sequence[str] | None = None, *, questions: int | None = None) -> int:
    """``python -m pip_native.native.apt_universe REQUEST``: make the first universe of a
    plan (:meth:`UniverseBuilder.start_first` writes the JSON ``REQUEST``), then grow it
    as the plan asks on stdin (or the descriptor ``questions``; see :func:`_serve`).

    With ``--ahead`` instead of a request (:mod:`~pip_native.native.apt_early`), the
    request is made here, as the plan's apt adapter would, and its work directory
    written to stdout first (``null``, and nothing made, when there is nothing to make).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--ahead"]:
        ahead = _request_ahead()
        if ahead is None:
            return 0
        request = ahead
    else:
        request = json.loads(args[0])
    # At the plan's own priority. A nice value never counted: this process has a session of
    # its own (killed with the commands it runs), so on Linux a scheduling autogroup of its
    # own, whose share of the CPUs nice does not lower. In the plan's process group
    # instead, nice 19 did count, and cost more than it gave on 2 CPUs (9 alternating cold
    # runs each): django 0.381 -> 0.361 s, flask 0.538 -> 0.563 s, through the hook flask
    # 0.621 -> 0.674 s: a plan that needs apt waits for this process.
    env = dict(request["env"])
    # dpkg's records are read while the lists are decompressed and scanned
    query = subproc.start(request["dpkg_query"], what="list installed packages", env=env)

    def installed() -> Mapping[str, Record]:
        return parse_dpkg_query(query.wait(timeout=120, check=True).stdout, request["arch"])

    builder = UniverseBuilder(
        lists_dir=Path(request["lists"]),
        copies=Path(request["copies"]),
        workdir=Path(request["workdir"]),
        installed=installed,
        env=env,
        hint=request["hint"],
        keep_one=request["keep_one"],
        tables_later=True,
    )
    try:
        builder.cover(())
        asked = _Lines(sys.stdin.fileno() if questions is None else questions)
        return _serve(builder, asked, sys.stdout)
    except PipNativeError as exc:
        sys.stderr.write(exc.render() + "\n")  # the parent logs it, then tries itself
        return 1


def _request_ahead() -> dict[str, Any] | None:
    """The request the plan's apt adapter would give :func:`main`, said on stdout."""
    from pip_native.native.apt import AptAdapter  # apt imports this module
    from pip_native.paths import cache_root

    try:
        request = AptAdapter(cache_dir=cache_root() / "apt").first_universe_request()
    except PipNativeError as exc:  # the plan's adapter meets it again and says so
        sys.stderr.write(exc.render() + "\n")
        request = None
    workdir = request["workdir"] if request is not None else None
    sys.stdout.write(json.dumps({"workdir": workdir}) + "\n")
    sys.stdout.flush()
    return request


def _serve(builder: UniverseBuilder, questions: _Lines, answers: IO[str]) -> int:
    """Grow the universe as the plan asks, until its questions end.

    Each question is a line of JSON, the names the universe must hold; each answer a
    line, the universe grown to hold them (what :func:`load_stored` reads). The
    lists are in this process's memory, so growing takes it a few milliseconds,
    where the plan's process would first wait for this one to keep the lists'
    tables (0.02-0.03 s) and end, then read them. The tables are kept as soon as
    no question waits (for later plans, and for the plan's process should this
    one fail), and at the end of the questions at the latest.
    """
    kept = False
    while True:
        if not kept and not questions.waiting():
            builder.keep_tables()
            kept = True
        line = questions.next()
        if line is None:
            break
        try:
            names = json.loads(line)
        except ValueError:
            names = None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            sys.stderr.write(f"not a list of package names: {line[:200]!r}\n")
            return 1
        covered = builder.cover(names)
        answers.write(_entry(covered).decode() + "\n")
        answers.flush()
    if not kept:
        builder.keep_tables()
    return 0


class _Lines:
    """Lines read from the file descriptor ``fd`` as they come."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""
        self._ended = False

    def waiting(self) -> bool:
        """Whether a line (or the end) can be read now without waiting."""
        if b"\n" in self._buffer or self._ended:
            return True
        return bool(select.select([self._fd], [], [], 0)[0])

    def next(self) -> str | None:
        """The next line (without its newline); None at the end."""
        while b"\n" not in self._buffer:
            chunk = b"" if self._ended else os.read(self._fd, 65536)
            if not chunk:
                self._ended = True
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace")


if __name__ == "__main__":
    sys.exit(main())
