"""The first universe's process: it grows the universe as the plan asks, keeps the lists'
tables when no question waits, and ends with its questions."""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pip_native.native import apt_early, apt_universe
from pip_native.native.apt_lists import APT_HELPER
from pip_native.native.apt_universe import Covered, Universe, UniverseBuilder, _Lines, _serve
from test_apt_recordings import load_recording, write_lists

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pytest_mock import MockerFixture


class Builder:
    """Records what :func:`_serve` asks of the builder."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.calls: list[object] = []

    def cover(self, names: Iterable[str]) -> Covered:
        wanted = sorted(names)
        self.calls.append(wanted)
        return Covered(frozenset(wanted), self.workdir / "u-abc", self.workdir / "u-abc.avail")

    def keep_tables(self) -> None:
        self.calls.append("keep")


def serve(builder: Builder, questions: int) -> tuple[int, list[dict[str, object]]]:
    answers = io.StringIO()
    status = _serve(builder, _Lines(questions), answers)  # type: ignore[arg-type]
    return status, [json.loads(line) for line in answers.getvalue().splitlines()]


def test_a_waiting_question_is_answered_before_the_tables_are_kept(tmp_path: Path) -> None:
    read, write = os.pipe()
    os.write(write, b'["python3-markupsafe"]\n["libc6", "python3"]\n')
    os.close(write)
    builder = Builder(tmp_path)
    status, answers = serve(builder, read)
    os.close(read)
    assert status == 0
    assert builder.calls == [["python3-markupsafe"], ["libc6", "python3"], "keep"]
    assert [a["names"] for a in answers] == [["python3-markupsafe"], ["libc6", "python3"]]
    assert {a["digest"] for a in answers} == {"abc"}


def test_with_no_question_waiting_the_tables_are_kept_first(tmp_path: Path) -> None:
    read, write = os.pipe()
    builder = Builder(tmp_path)
    outcome: list[tuple[int, list[dict[str, object]]]] = []
    serving = threading.Thread(target=lambda: outcome.append(serve(builder, read)))
    serving.start()
    deadline = time.monotonic() + 30
    while builder.calls != ["keep"]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.write(write, b'["python3-yaml"]\n')
    os.close(write)
    serving.join(timeout=30)
    os.close(read)
    assert builder.calls == ["keep", ["python3-yaml"]]  # kept once
    ((status, answers),) = outcome
    assert status == 0 and [a["names"] for a in answers] == [["python3-yaml"]]


def test_the_end_of_the_questions_keeps_the_tables_and_a_bad_one_ends_it(tmp_path: Path) -> None:
    with open(os.devnull, "rb") as nothing:
        builder = Builder(tmp_path)
        assert serve(builder, nothing.fileno()) == (0, [])
        assert builder.calls == ["keep"]
    read, write = os.pipe()
    os.write(write, b'{"not": "names"}\n')
    os.close(write)
    builder = Builder(tmp_path)
    assert serve(builder, read)[0] == 1
    os.close(read)
    assert builder.calls == []


@pytest.mark.skipif(
    not (Path(APT_HELPER).exists() and shutil.which("dpkg-query")),
    reason="the universe's process decompresses lists with apt-helper and asks dpkg-query",
)
def test_the_process_grows_the_universe_the_plan_asks_for(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    """A real process on the test's lists (apt-helper reads them; dpkg-query an empty
    status): the plan's question is answered by it, not grown here; its tables are kept
    and it ends when the plan is done."""
    lists = write_lists(tmp_path / "lists")
    status = tmp_path / "dpkg" / "status"
    status.parent.mkdir()
    status.write_text("")
    dpkg_query = (
        "dpkg-query",
        f"--admindir={status.parent}",
        *load_recording("dpkg-query-W").argv[1:],
    )
    workdir, copies = tmp_path / "work", tmp_path / "copies"
    builder = UniverseBuilder(
        lists_dir=lists, copies=copies, workdir=workdir, installed=dict, env={}, hint="h"
    )
    universe = Universe(
        builder, workdir=workdir, installed=dict, native_arch="amd64", dpkg_query=dpkg_query
    )
    here = mocker.spy(builder, "cover")
    universe.start()
    covered = universe.grow(["python3-sklearn"])
    assert {"python3-sklearn", "python3-numpy", "python3-scipy"} <= covered.names
    (listed,) = covered.directory.glob("*_Packages")
    assert "Package: python3-sklearn\n" in listed.read_text()
    assert universe.grow(["python3-numpy"]) == covered  # reached already: not asked again
    child = universe._child
    assert here.call_count == 0 and child is not None
    universe.finish()
    assert child.wait(timeout=60).ok
    assert {"tables.json", "stanzas", "provides"} <= {p.name for p in copies.iterdir()}
    assert apt_universe.load_stored(workdir) == covered


class Early:
    """Stands in for the process apt_early started: says a work directory, then waits."""

    def __init__(self, said: str | None) -> None:
        self.said = said
        self.ended = threading.Event()

    def read_line(self, *, timeout: float) -> str | None:
        return self.said

    def end_unwaited(self, *, timeout: float, name: str) -> None:
        self.ended.set()


def test_the_early_process_is_taken_for_its_own_work_directory_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert apt_early.take(tmp_path / "work") is None  # none started
    mine = Early(json.dumps({"workdir": str(tmp_path / "work")}))
    monkeypatch.setattr(apt_early, "_STARTED", [mine])
    assert apt_early.take(tmp_path / "work") is mine
    assert apt_early.take(tmp_path / "work") is None  # once
    for said in (
        json.dumps({"workdir": str(tmp_path / "other")}),
        json.dumps({"workdir": None}),
        "",
        None,
    ):
        other = Early(said)
        monkeypatch.setattr(apt_early, "_STARTED", [other])
        assert apt_early.take(tmp_path / "work") is None
        if said is not None:  # told its questions are over (it keeps what it made)
            assert other.ended.wait(timeout=10)


def test_the_early_process_starts_once_unless_a_universe_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture
) -> None:
    monkeypatch.setenv("PIP_NATIVE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(apt_early, "_STARTED", [])
    start = mocker.patch.object(apt_early.subproc, "start")
    apt_early.start()
    apt_early.start()
    ((argv,), options) = start.call_args
    assert start.call_count == 1
    assert argv[1:] == ["-m", apt_universe.__name__, "--ahead"] and options["talk"]
    monkeypatch.setattr(apt_early, "_STARTED", [])
    stored = tmp_path / "apt" / f"{apt_universe.UNIVERSE_PREFIX}key" / apt_universe._STORED
    stored.parent.mkdir(parents=True)
    stored.write_text("{}")
    apt_early.start()
    assert start.call_count == 1  # most likely this apt state's: nothing to make


def test_the_plan_takes_over_the_early_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture
) -> None:
    """The plan's universe asks the process started when pip started, not one of its own."""
    workdir = tmp_path / "work"
    (workdir / "u-abc").mkdir(parents=True)

    class Talking(Early):
        def ask(self, line: str, *, timeout: float) -> str:
            names = sorted(json.loads(line))
            return json.dumps({"format": 1, "digest": "abc", "names": names})

    early = Talking(json.dumps({"workdir": str(workdir)}))
    monkeypatch.setattr(apt_early, "_STARTED", [early])
    builder = UniverseBuilder(
        lists_dir=tmp_path / "lists",
        copies=tmp_path / "copies",
        workdir=workdir,
        installed=dict,
        env={},
        hint="h",
    )
    own = mocker.spy(builder, "start_first")
    universe = Universe(
        builder, workdir=workdir, installed=dict, native_arch="amd64", dpkg_query=("dpkg-query",)
    )
    universe.start()
    assert universe.grow(["python3-markupsafe"]).names == {"python3-markupsafe"}
    assert own.call_count == 0
    universe.finish()  # it answered: its questions end, and it is waited for
    assert early.ended.wait(timeout=10)
