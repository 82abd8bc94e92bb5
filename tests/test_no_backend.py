"""``pip-native`` with no native backend: pure wheels only, native projects refused with the fix.

Real planning (the target is this interpreter, probed for real) against the
scenario's local index; nothing asks a package manager.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator

import pytest
from pytest_mock import MockerFixture

from localindex import LocalIndex
from pip_native import cli, planner
from pip_native.environment import probe
from pip_native.errors import NoNativePackageError
from pip_native.external.requirements import parse_core_metadata
from pip_native.index.config import IndexConfig
from pip_native.native.nobackend import NO_BACKEND_HINT, NoBackend


@pytest.fixture(autouse=True)
def no_backend_set(monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture) -> Iterator[None]:
    """No backend named anywhere; afterwards, check that only the no-backend adapter was made."""
    monkeypatch.setenv("PIP_NATIVE_FROM", "")  # empty counts as unset
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # this machine's extra indexes stay out
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    made = mocker.spy(planner, "create_adapter")
    yield
    assert {call.args[0] for call in made.call_args_list} <= {NoBackend.name}


def plan(capsys: pytest.CaptureFixture[str], index: LocalIndex, *args: str) -> tuple[int, str, str]:
    code = cli.main(["plan", "--index-url", index.file_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_plan_takes_pure_wheels_and_releases_that_need_nothing_native(
    index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    # needs-compiled 2.0 needs compiledonly (platform wheels only): 1.0 does without.
    code, out, err = plan(capsys, index, "needs-compiled", "joblib<1.3", "--report", "-")
    assert code == 0, err
    assert planner.create_adapter.call_args.args[0] == "none"  # type: ignore[attr-defined]
    assert (
        "native backend: none (neither --native-from nor PIP_NATIVE_FROM is set): pure wheels only\n"
        in err
    )
    report = json.loads(out)
    assert report["native"] is None
    assert report["pip_native"]["native_from"] == "none"
    assert {(e["metadata"]["name"], e["metadata"]["version"]) for e in report["install"]} == {
        ("needs-compiled", "1.0"),
        ("joblib", "1.2.0"),
    }


def test_a_project_with_no_pure_wheel_is_refused_with_the_fix(
    index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = plan(capsys, index, "scikit-learn")
    assert code == 1 and out == ""
    assert (
        "scikit-learn: scikit-learn (required by you). Available: PyPI has no pure wheel for it "
        "(newest release 1.5.2: platform wheels or sdist only), and no native backend was chosen."
    ) in err
    assert err.count("Hint: ") == 1 and f"Hint: {NO_BACKEND_HINT}\n" in err


def test_a_project_no_index_has_is_refused_with_a_spelling_hint(
    index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = plan(capsys, index, "reqeusts")
    assert code == 1 and out == ""
    assert "reqeusts (required by you). Available: no configured index has it" in err
    assert (
        "Hint: No configured index knows reqeusts: check its spelling (the name on PyPI), "
        "and the --index-url/--extra-index-url in use.\n"
    ) in err


def test_mapping_files_without_a_backend_are_refused(
    index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = plan(capsys, index, "--mapping", "map.toml", "joblib")
    assert code == 2
    assert "--mapping map.toml: mapping files name a package manager's packages" in err


def test_external_dependencies_without_a_backend_are_refused() -> None:
    needs = parse_core_metadata("Requires-External-Dep: dep:generic/openblas\n", "x METADATA")
    request = planner.InstallRequest(
        requirements=[], native_from=None, python=sys.executable, index=IndexConfig()
    )
    with pytest.raises(NoNativePackageError) as err:
        planner._external_items(
            [("blaslib 1.0", req) for req in needs.dependencies],
            NoBackend.name,
            probe(sys.executable),
            request,
        )
    assert (
        "no native backend was chosen: blaslib 1.0 needs dep:generic/openblas" in err.value.message
    )
    assert err.value.hint == NO_BACKEND_HINT


def test_the_adapter_offers_nothing_and_refuses_to_install() -> None:
    adapter = NoBackend()
    assert adapter.query(["python3-numpy"]) == {} and adapter.closure("python3-numpy") == ()
    with pytest.raises(NoNativePackageError, match="python3-numpy cannot be installed"):
        adapter.plan_install(["python3-numpy"])


def test_native_from_none_overrides_the_environment_variable(
    index: LocalIndex, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_NATIVE_FROM", "apt")
    code, out, err = plan(capsys, index, "--native-from=none", "joblib")
    assert code == 0, err
    assert "native backend: --native-from=none: pure wheels only\n" in out
    assert re.search(r"^joblib +1\.4\.2 +PyPI +requested; pure wheel$", out, re.MULTILINE)
