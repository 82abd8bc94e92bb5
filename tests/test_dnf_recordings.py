"""Recorded dnf/rpm output (tests/data/dnf/): the loader the dnf tests use, and its checks."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from pip_native.errors import CommandFailed
from pip_native.subproc import CommandResult

DATA = Path(__file__).resolve().parent / "data" / "dnf"
#: The installroot and dnf options the recordings were made with (tests/data/dnf/record.py).
RECORDED_ROOT = "/tmp/pip-native-dnf-recording/root"
RECORDED_OPTIONS = (
    "--config=/tmp/pip-native-dnf-recording/dnf-conf/dnf.conf",
    "--setopt=reposdir=/tmp/pip-native-dnf-recording/dnf-conf/repos.d",
    "--releasever=40",
)


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
        argv=tuple(json.loads(meta["command"])),
        returncode=int(meta["returncode"]),
        stdout=(DATA / f"{name}.stdout").read_text(),
        stderr=stderr.read_text() if stderr.exists() else "",
    )


def all_recordings() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.meta"))


class FakeDnf:
    """Stands in for ``pip_native.subproc.run``: answers recorded commands, logs every call."""

    def __init__(self, *names: str, extra: dict[tuple[str, ...], CommandResult] | None = None):
        self.results: dict[tuple[str, ...], CommandResult] = dict(extra or {})
        for name in names or tuple(all_recordings()):
            result = load_recording(name)
            self.results.setdefault(result.argv, result)
        self.calls: list[tuple[str, ...]] = []

    def __call__(
        self, argv: tuple[str, ...] | list[str], *, what: str, check: bool = True, **_: object
    ) -> CommandResult:
        args = tuple(argv)
        self.calls.append(args)
        if args not in self.results:
            raise AssertionError(f"unexpected command: {shlex.join(args)}")
        result = self.results[args]
        if check and result.returncode != 0:
            raise CommandFailed(
                f"Could not {what}", command=args, returncode=result.returncode, output=""
            )
        return result

    def count(self, program: str, *words: str) -> int:
        """How many calls ran ``program`` with all of ``words`` among their arguments."""
        return sum(1 for c in self.calls if c[0] == program and all(w in c for w in words))


@pytest.mark.parametrize("name", all_recordings())
def test_recording_has_header(name: str) -> None:
    meta = read_meta(name)
    argv = json.loads(meta["command"])
    assert isinstance(argv, list) and argv
    assert meta["distro"] and meta["dnf"].startswith("4.")
    assert meta["date"] == "2026-11-25"
    assert int(meta["returncode"]) in (0, 1)


@pytest.mark.parametrize("name", all_recordings())
def test_recorded_dnf_commands_use_the_recorded_sandbox(name: str) -> None:
    argv = load_recording(name).argv
    if argv[0] == "dnf" and "--installroot=" + RECORDED_ROOT in argv:
        start = argv.index("--installroot=" + RECORDED_ROOT) + 1
        assert argv[start : start + len(RECORDED_OPTIONS)] == RECORDED_OPTIONS
    elif argv[0] == "rpm" and "-qa" in argv:
        assert argv[1] == f"--root={RECORDED_ROOT}"


def test_fake_dnf_refuses_unrecorded_commands() -> None:
    fake = FakeDnf("rpm-vercmp")
    with pytest.raises(AssertionError, match="unexpected command: dnf --bogus"):
        fake(["dnf", "--bogus"], what="x")
    assert fake.calls == [("dnf", "--bogus")]
