"""The planner's start: inspecting the target and loading the name mapping."""

from __future__ import annotations

import dataclasses
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pip_native import planner
from pip_native.environment import TargetEnvironment, probe
from pip_native.errors import MappingFileError, TargetEnvironmentError
from pip_native.index.config import IndexConfig
from pip_native.mapping import MappingTable, load_mapping
from pip_native.native.registry import Choice

if TYPE_CHECKING:
    from pytest_mock import MockerFixture


def request(
    native_from: str, *, python: str = sys.executable, mapping: Path | None = None
) -> planner.InstallRequest:
    return planner.InstallRequest(
        requirements=[],
        native_from=native_from,
        python=python,
        index=IndexConfig(index_url="https://pypi.invalid/simple"),
        mapping_files=[mapping] if mapping else [],
    )


def test_a_named_backend_loads_the_mapping_while_the_target_is_inspected(
    mocker: MockerFixture,
) -> None:
    mapping_loaded = threading.Event()
    overlapped: list[bool] = []

    def slow_probe(python: str, **_kw: object) -> TargetEnvironment:
        overlapped.append(mapping_loaded.wait(10))  # the mapping loads meanwhile
        return probe(python)

    def load(ecosystem: str, _request: object) -> MappingTable:
        table = load_mapping(
            ecosystem, distro_id="debian", distro_release="bookworm", use_distro_data=False
        )
        mapping_loaded.set()
        return table

    mocker.patch.object(planner, "probe", side_effect=slow_probe)
    mocker.patch.object(planner, "_mapping", side_effect=load)
    env, backend, mapping = planner._target_and_mapping(request(" APT "))
    assert overlapped == [True]
    assert backend.name == "apt"
    assert env.executable and env.version.major == 3
    assert mapping.lookup("numpy") is not None


@pytest.mark.parametrize("native_from", ["apt", "auto"])
def test_a_probe_started_earlier_is_used_not_run_again(
    mocker: MockerFixture, native_from: str
) -> None:
    """The pip hook starts probing its own interpreter before its imports: the plan takes
    that answer, whether the backend is named or chosen from the target."""
    from concurrent.futures import Future

    started: Future[TargetEnvironment] = Future()
    started.set_result(probe(sys.executable))
    again = mocker.patch.object(planner, "probe", side_effect=AssertionError("probed again"))
    mocker.patch.object(planner, "choose_backend", return_value=Choice("apt", "test"))
    req = dataclasses.replace(request(native_from), probing=started)
    env, backend, _ = planner._target_and_mapping(req)
    assert env is started.result() and backend.name == "apt"
    assert again.call_count == 0


def test_auto_inspects_the_target_before_choosing(mocker: MockerFixture) -> None:
    calls: list[str] = []
    real_probe = probe

    def recording_probe(python: str, **_kw: object) -> TargetEnvironment:
        calls.append("probe")
        return real_probe(python)

    def recording_choose(value: str, **kw: object) -> Choice:
        calls.append(f"choose env={kw.get('env') is not None}")
        return Choice("apt", "auto: test")

    def recording_load(ecosystem: str, _request: object) -> MappingTable:
        calls.append(f"mapping {ecosystem}")
        return load_mapping(
            ecosystem, distro_id="debian", distro_release="bookworm", use_distro_data=False
        )

    mocker.patch.object(planner, "probe", side_effect=recording_probe)
    mocker.patch.object(planner, "choose_backend", side_effect=recording_choose)
    mocker.patch.object(planner, "_mapping", side_effect=recording_load)
    planner._target_and_mapping(request("auto"))
    assert calls == ["probe", "choose env=True", "mapping apt"]


def test_errors_of_either_half_reach_the_caller(tmp_path: Path) -> None:
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'no such module' >&2\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(TargetEnvironmentError, match=r"exited with status 3\. no such module"):
        planner._target_and_mapping(request("apt", python=str(broken)))
    bad = tmp_path / "mapping.toml"
    bad.write_text("not [valid")
    with pytest.raises(MappingFileError):
        planner._target_and_mapping(request("apt", mapping=bad))
