"""The planner's start: inspecting the target, creating the adapter, loading the name mapping."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
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
    from collections.abc import Sequence

    from pytest_mock import MockerFixture


@dataclass
class AheadRecorder:
    """Stands for the adapter (the real one would run apt): records its work ahead."""

    calls: list[str] = field(default_factory=list)

    def prepare_ahead(self) -> None:
        self.calls.append("prepare_ahead")

    def simulate_ahead(self, names: Sequence[str]) -> None:
        self.calls.append("simulate_ahead")

    def finish_ahead(self) -> None:
        self.calls.append("finish_ahead")


@pytest.fixture(autouse=True)
def adapter(mocker: MockerFixture) -> AheadRecorder:
    recorder = AheadRecorder()

    def create(name: str, **kw: object) -> AheadRecorder:
        recorder.calls.append(f"create {name}")
        return recorder

    mocker.patch.object(planner, "create_adapter", side_effect=create)
    return recorder


def setup(request: planner.InstallRequest) -> tuple[object, ...]:
    return planner._setup(request, lambda package: [])


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

    def slow_probe(python: str) -> TargetEnvironment:
        overlapped.append(mapping_loaded.wait(10))  # the mapping loads meanwhile
        return probe(python)

    def load(ecosystem: str, **kw: object) -> MappingTable:
        table = load_mapping(
            ecosystem, distro_id="debian", distro_release="bookworm", use_distro_data=False
        )
        mapping_loaded.set()
        return table

    mocker.patch.object(planner, "probe", side_effect=slow_probe)
    mocker.patch.object(planner, "load_mapping", side_effect=load)
    env, backend, mapping, _ = setup(request(" APT "))
    assert overlapped == [True]
    assert backend.name == "apt"
    assert isinstance(env, TargetEnvironment) and env.version.major == 3
    assert isinstance(mapping, MappingTable) and mapping.lookup("numpy") is not None


def test_the_adapter_starts_its_work_ahead_before_the_target_is_inspected(
    mocker: MockerFixture, adapter: AheadRecorder
) -> None:
    def recording_probe(python: str) -> TargetEnvironment:
        adapter.calls.append("probe")
        return probe(python)

    mocker.patch.object(planner, "probe", side_effect=recording_probe)
    _, _, _, made = setup(request("apt"))
    assert made is adapter
    assert adapter.calls == ["create apt", "prepare_ahead", "probe"]


def test_auto_inspects_the_target_before_choosing(
    mocker: MockerFixture, adapter: AheadRecorder
) -> None:
    calls = adapter.calls
    real_probe = probe

    def recording_probe(python: str) -> TargetEnvironment:
        calls.append("probe")
        return real_probe(python)

    def recording_choose(value: str, **kw: object) -> Choice:
        calls.append(f"choose env={kw.get('env') is not None}")
        return Choice("apt", "auto: test")

    def recording_load(ecosystem: str, **kw: object) -> MappingTable:
        calls.append(f"mapping {ecosystem}")
        return load_mapping(
            ecosystem, distro_id="debian", distro_release="bookworm", use_distro_data=False
        )

    mocker.patch.object(planner, "probe", side_effect=recording_probe)
    mocker.patch.object(planner, "choose_backend", side_effect=recording_choose)
    mocker.patch.object(planner, "load_mapping", side_effect=recording_load)
    setup(request("auto"))
    assert calls == ["probe", "choose env=True", "create apt", "prepare_ahead", "mapping apt"]


def test_errors_of_either_half_reach_the_caller(tmp_path: Path, adapter: AheadRecorder) -> None:
    """... after the work the adapter started ahead has ended."""
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'no such module' >&2\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(TargetEnvironmentError, match=r"exited with status 3\. no such module"):
        setup(request("apt", python=str(broken)))
    assert adapter.calls[-1] == "finish_ahead"
    bad = tmp_path / "mapping.toml"
    bad.write_text("not [valid")
    adapter.calls.clear()
    with pytest.raises(MappingFileError):
        setup(request("apt", mapping=bad))
    assert adapter.calls == ["create apt", "prepare_ahead", "finish_ahead"]
