"""The brew test data (tests/data/brew/): FakeBrew, which answers brew commands from it, and its checks.

brew cannot run here. ``wget-real.stdout`` is a published capture of real
``brew info --json=v2`` output; the ``*.universe.json`` files are built by
``build_recordings.py`` from homebrew-core formula files (see each ``.meta``).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pip_native.errors import CommandFailed
from pip_native.native.brew_json import parse_info
from pip_native.subproc import CommandResult

DATA = Path(__file__).resolve().parent / "data" / "brew"
HOSTS = ("macos-arm64", "linux-x86_64")


def read_meta(name: str) -> dict[str, str]:
    """The ``key: value`` lines of ``NAME.meta`` (later keys of the same name win)."""
    meta: dict[str, str] = {}
    for line in (DATA / f"{name}.meta").read_text().splitlines():
        key, _, value = line.partition(": ")
        meta[key] = value
    return meta


def universe(host: str) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((DATA / f"{host}.universe.json").read_text())
    return data


class FakeBrew:
    """Stands in for ``pip_native.subproc.run``: answers brew commands from a universe, logs calls.

    ``prefix`` replaces the recorded ``brew --prefix`` answer (tests point it at
    a temporary directory holding kegs).
    """

    def __init__(
        self,
        host: str = "macos-arm64",
        *,
        prefix: str | None = None,
        formulae: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.formulae = dict(universe(host) if formulae is None else formulae)
        self.listed = (
            (DATA / f"{host}.formulae.stdout").read_text()
            if formulae is None
            else "".join(f"{n}\n" for n in sorted(self.formulae))
        )
        self.prefix = prefix if prefix is not None else read_meta(host)["prefix"]
        self.calls: list[tuple[str, ...]] = []
        self.envs: list[dict[str, str] | None] = []

    def _info(self, names: list[str]) -> tuple[int, str, str]:
        for name in names:
            if name not in self.formulae:
                return 1, "", f'Error: No available formula with the name "{name}".\n'
        unique = list(dict.fromkeys(names))
        return 0, self._json([self.formulae[n] for n in unique]), ""

    @staticmethod
    def _json(formulae: list[dict[str, Any]]) -> str:
        return json.dumps({"formulae": formulae, "casks": []}, indent=2) + "\n"

    def answer(self, args: tuple[str, ...]) -> tuple[int, str, str]:
        if args == ("--prefix",):
            return 0, self.prefix + "\n", ""
        if args == ("formulae",):
            return 0, self.listed, ""
        if args == ("info", "--json=v2", "--installed"):
            installed = [f for _, f in sorted(self.formulae.items()) if f["installed"]]
            return 0, self._json(installed), ""
        if args[:3] == ("info", "--json=v2", "--formula") and len(args) > 3:
            return self._info(list(args[3:]))
        raise AssertionError(f"unexpected brew command: brew {shlex.join(args)}")

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
        assert args[0] == "brew", args
        self.calls.append(args)
        self.envs.append(env)
        code, out, err = self.answer(args[1:])
        result = CommandResult(args, code, out, err)
        if check and code != 0:
            raise CommandFailed(f"Could not {what}", command=args, returncode=code, output=err)
        return result

    def info_calls(self) -> list[tuple[str, ...]]:
        """The ``brew info --json=v2 --formula`` calls, as their name lists."""
        return [c[4:] for c in self.calls if c[1:4] == ("info", "--json=v2", "--formula")]


# -- the recordings themselves -------------------------------------------------


@pytest.mark.parametrize("name", [*HOSTS, "wget-real"])
def test_recording_has_header(name: str) -> None:
    """Every recording says where it came from, when, and whether brew printed it."""
    meta = read_meta(name)
    assert meta["date"] == "2026-11-25"
    assert meta["recorded"].startswith("yes" if name == "wget-real" else "no")
    assert meta.get("source") or any(key.startswith("source.") for key in meta)


def test_real_capture_parses() -> None:
    """wget-real.stdout was printed by a real brew; the parser reads it as brew meant it."""
    (wget,) = parse_info((DATA / "wget-real.stdout").read_text())
    assert (wget.name, wget.stable, wget.pkg_version) == ("wget", "1.25.0", "1.25.0")
    assert wget.dependencies == ("libidn2", "openssl@3", "gettext", "libunistring")
    assert wget.uses_from_macos == (("zlib", (), None),)
    assert wget.installed_version == wget.linked_keg == "1.25.0"
    keg = wget.installed_keg
    assert keg is not None and keg.installed_on_request
    assert keg.runtime_dependencies == (
        "libunistring",
        "gettext",
        "libidn2",
        "ca-certificates",
        "openssl@3",
    )
    assert wget.python_versions() == frozenset()


@pytest.mark.parametrize("host", HOSTS)
def test_built_recordings_have_the_real_shape(host: str) -> None:
    """Each built formula has every key the real capture has (bar the ones Homebrew/brew's
    to_hash at the cited commit no longer prints), and nothing else."""
    (real,) = json.loads((DATA / "wget-real.stdout").read_text())["formulae"]
    dropped = {"deprecation_replacement", "disable_replacement"}  # renamed since the capture
    for name, formula in universe(host).items():
        keys = set(formula) - {"head_dependencies"}
        assert keys == set(real) - dropped - {"head_dependencies"}, name
        assert formula["name"] == name
        for keg in formula["installed"]:
            assert set(keg) == set(real["installed"][0])


@pytest.mark.parametrize("host", HOSTS)
def test_formulae_list_matches_universe(host: str) -> None:
    listed = (DATA / f"{host}.formulae.stdout").read_text().split()
    assert listed == sorted(universe(host))


def test_build_script_reproduces_the_data(tmp_path: Path) -> None:
    """build_recordings.py, run again, writes exactly the files in tests/data/brew/."""
    script = tmp_path / "build_recordings.py"
    script.write_text((DATA / "build_recordings.py").read_text())
    subprocess.run([sys.executable, str(script)], check=True, cwd=tmp_path, timeout=60)
    for host in HOSTS:
        for suffix in ("universe.json", "formulae.stdout"):
            assert (tmp_path / f"{host}.{suffix}").read_text() == (
                DATA / f"{host}.{suffix}"
            ).read_text()


def test_fake_brew_answers_like_brew() -> None:
    fake = FakeBrew()
    ok = fake(["brew", "info", "--json=v2", "--formula", "numpy", "cffi"], what="x")
    assert [f.name for f in parse_info(ok.stdout)] == ["numpy", "cffi"]
    bad = fake(["brew", "info", "--json=v2", "--formula", "numpy", "nope"], what="x", check=False)
    assert bad.returncode == 1
    assert bad.stderr == 'Error: No available formula with the name "nope".\n'
    with pytest.raises(AssertionError, match="unexpected brew command"):
        fake(["brew", "install", "numpy"], what="x")
