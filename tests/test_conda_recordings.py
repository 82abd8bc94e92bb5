"""Conda CLI output under tests/data/conda/: the loader the conda tests use, and its parsing.

No conda, mamba or micromamba binary can be installed in this sandbox, so
the ``*.stdout``/``*.stderr`` files of conda and micromamba are constructed
by hand from the tools' documented JSON formats (their ``.meta`` files name
the source files the shapes were read from and say so in a ``note``). Only
``rattler-conda-meta-*.json`` is real output, written by py-rattler here.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from pip_native.native.conda_cli import parse_failure, parse_transaction
from pip_native.native.conda_prefix import record_from_json
from pip_native.subproc import CommandResult

DATA = Path(__file__).resolve().parent / "data" / "conda"
#: The prefix the recordings were made for; tests map their own prefix onto it.
RECORDED_PREFIX = "/home/user/miniforge3/envs/work"
CONDA_EXE = "/home/user/miniforge3/bin/conda"
MICROMAMBA_EXE = "/home/user/.local/bin/micromamba"


def read_meta(name: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in (DATA / f"{name}.meta").read_text().splitlines():
        key, _, value = line.partition(": ")
        meta[key] = value
    return meta


def all_recordings() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.meta"))


def cli_recordings() -> list[str]:
    return [n for n in all_recordings() if (DATA / f"{n}.stdout").exists()]


def load_recording(name: str) -> CommandResult:
    meta = read_meta(name)
    stderr = DATA / f"{name}.stderr"
    return CommandResult(
        argv=tuple(shlex.split(meta["command"])),
        returncode=int(meta["returncode"]),
        stdout=(DATA / f"{name}.stdout").read_text(),
        stderr=stderr.read_text() if stderr.exists() else "",
    )


def _normalized(argv: tuple[str, ...]) -> tuple[str, ...]:
    out = list(argv)
    if "--prefix" in out:
        out[out.index("--prefix") + 1] = "PREFIX"
    return tuple(out)


class FakeCondaCli:
    """Stands in for ``pip_native.subproc.run``: answers recorded commands (any --prefix)."""

    def __init__(self, *names: str) -> None:
        self.results: dict[tuple[str, ...], CommandResult] = {}
        for name in names or tuple(cli_recordings()):
            result = load_recording(name)
            self.results[_normalized(result.argv)] = result
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, argv: tuple[str, ...] | list[str], **_: object) -> CommandResult:
        args = tuple(argv)
        self.calls.append(args)
        key = _normalized(args)
        if key not in self.results:
            raise AssertionError(f"unexpected command: {shlex.join(args)}")
        recorded = self.results[key]
        return CommandResult(args, recorded.returncode, recorded.stdout, recorded.stderr)


@pytest.mark.parametrize("name", all_recordings())
def test_recording_header_says_what_it_is(name: str) -> None:
    meta = read_meta(name)
    assert meta["command"]
    assert meta["date"] == "2026-11-25"
    assert meta["tool"]
    assert meta["returncode"].isdigit()
    # every recording says plainly whether it is real or constructed
    assert "constructed by hand" in meta["note"] or "real output" in meta["note"]


@pytest.mark.parametrize("name", [n for n in cli_recordings() if read_meta(n)["returncode"] == "0"])
def test_successful_dry_runs_parse(name: str) -> None:
    transaction = parse_transaction(load_recording(name).stdout)
    assert all(r.name and r.version and r.build for r in transaction.link + transaction.unlink)


def test_conda_link_records_have_no_depends_and_micromamba_ones_do() -> None:
    conda = parse_transaction(load_recording("conda-install-sklearn").stdout)
    micro = parse_transaction(load_recording("micromamba-install-sklearn").stdout)
    assert [r.name for r in conda.link] == [r.name for r in micro.link]
    assert all(r.depends is None for r in conda.link)
    sklearn = micro.linked("scikit-learn")
    assert sklearn is not None and sklearn.dependency_names() is not None
    assert "threadpoolctl" in sklearn.dependency_names()  # type: ignore[operator]
    assert (sklearn.version, sklearn.build, sklearn.subdir) == (
        "1.5.2",
        "py311h57cc02b_1",
        "linux-64",
    )
    joblib = micro.linked("joblib")
    assert joblib is not None and joblib.noarch == "python"


def test_an_upgrade_is_unlink_plus_link_and_removes_nothing() -> None:
    transaction = parse_transaction(load_recording("conda-install-pandas-upgrade").stdout)
    assert [r.label for r in transaction.unlink] == ["numpy 1.26.4 py311h64a7726_0"]
    new_numpy = transaction.linked("numpy")
    assert new_numpy is not None and new_numpy.version == "2.1.3"
    assert transaction.removals() == []


def test_nothing_to_do_is_an_empty_transaction() -> None:
    transaction = parse_transaction(load_recording("conda-install-installed").stdout)
    assert transaction.link == () and transaction.unlink == ()


def test_conda_packages_not_found_names_the_missing_package() -> None:
    error = parse_failure(load_recording("conda-install-missing"))
    assert error.missing == ("pntest-nonexistent",)
    assert error.unsatisfiable
    assert error.message.startswith(
        "PackagesNotFoundError: The following packages are not available"
    )
    assert error.command is not None and error.command[:3] == (CONDA_EXE, "install", "--dry-run")


def test_micromamba_missing_package_from_the_problem_text() -> None:
    error = parse_failure(load_recording("micromamba-install-missing"))
    assert error.missing == ("pntest-nonexistent",)
    assert "Could not solve for environment specs" in error.message


def test_a_conflict_is_unsatisfiable_with_no_missing_names() -> None:
    error = parse_failure(load_recording("conda-install-unsatisfiable"))
    assert error.missing == ()
    assert error.unsatisfiable
    assert "LibMambaUnsatisfiableError" in error.message
    assert "pntest-py312only" in error.message


def test_a_tool_failure_is_not_unsatisfiable() -> None:
    result = CommandResult(
        (CONDA_EXE, "install"),
        1,
        '{"exception_name": "CondaHTTPError", "message": "HTTP 000 CONNECTION FAILED for url '
        '<https://conda.anaconda.org/conda-forge/linux-64/repodata.json>"}',
        "",
    )
    error = parse_failure(result)
    assert not error.unsatisfiable
    assert error.message.startswith("CondaHTTPError: HTTP 000 CONNECTION FAILED")


def test_unreadable_output_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no JSON object"):
        parse_transaction("Collecting package metadata: done\n")
    with pytest.raises(ValueError, match="success: false"):
        parse_transaction('{"success": false}')


def test_old_conda_string_actions_are_read() -> None:
    transaction = parse_transaction(
        '{"actions": [{"LINK": ["conda-forge::six-1.16.0-pyh6c4a22f_0"], "PREFIX": "/x"}], '
        '"success": true}'
    )
    assert [r.label for r in transaction.link] == ["six 1.16.0 pyh6c4a22f_0"]


def test_rattler_conda_meta_is_read() -> None:
    import json

    record = record_from_json(json.loads((DATA / "rattler-conda-meta-pntc-core.json").read_text()))
    assert (record.name, record.version, record.build, record.noarch) == (
        "pntc-core",
        "1.0",
        "pyh0_0",
        "python",
    )
    assert record.dependency_names() == ("python", "libpntc")
    assert "lib/python3.11/site-packages/pntc_core-1.0.dist-info/METADATA" in record.files
