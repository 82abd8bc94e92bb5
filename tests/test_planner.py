"""The planner's start: inspecting the target and loading the name mapping."""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pip_native import environment, planner
from pip_native.environment import TargetEnvironment, probe
from pip_native.errors import MappingFileError, TargetEnvironmentError
from pip_native.index import PackageIndex
from pip_native.index.config import IndexConfig
from pip_native.mapping import MappingTable, load_mapping
from pip_native.native.registry import Choice
from pip_native.paths import cache_root

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytest_mock import MockerFixture

    from localindex import LocalIndex


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


def no_adapter(_backend: Choice) -> None:
    pass


def recording_mapping(calls: list[str]) -> Callable[[str, object], MappingTable]:
    """A stand-in for ``planner._mapping``: the bundled bookworm table, each load recorded."""

    def load(ecosystem: str, _request: object) -> MappingTable:
        calls.append(f"mapping {ecosystem}")
        return load_mapping(
            ecosystem, distro_id="debian", distro_release="bookworm", use_distro_data=False
        )

    return load


def target_and_mapping(
    req: planner.InstallRequest, started: Callable[[Choice], None] = no_adapter
) -> tuple[TargetEnvironment, Choice, MappingTable]:
    """``planner._target_and_mapping`` with an index of its own (closed afterwards)."""
    targeting = planner._TargetFiles()
    with PackageIndex(req.index, cache_dir=cache_root() / "http", file_filter=targeting) as index:
        return planner._target_and_mapping(req, index, targeting, started)


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

    mocker.patch.object(environment, "probe", side_effect=slow_probe)
    mocker.patch.object(planner, "_mapping", side_effect=load)
    env, backend, mapping = target_and_mapping(request(" APT "))
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
    again = mocker.patch.object(environment, "probe", side_effect=AssertionError("probed again"))
    mocker.patch.object(planner, "choose_backend", return_value=Choice("apt", "test"))
    req = dataclasses.replace(request(native_from), probing=started)
    env, backend, _ = target_and_mapping(req)
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

    mocker.patch.object(environment, "probe", side_effect=recording_probe)
    mocker.patch.object(planner, "choose_backend", side_effect=recording_choose)
    mocker.patch.object(planner, "_mapping", side_effect=recording_mapping(calls))
    target_and_mapping(request("auto"), lambda backend: calls.append(f"start {backend.name}"))
    assert calls == ["probe", "choose env=True", "start apt", "mapping apt"]


def test_a_named_backend_starts_its_adapter_before_the_target_answers(
    mocker: MockerFixture,
) -> None:
    """The adapter's work ahead (apt's binary cache) starts as soon as the backend is known,
    not after the probe and the mapping load."""
    adapter_started = threading.Event()
    calls: list[str] = []

    def slow_probe(python: str, **_kw: object) -> TargetEnvironment:
        calls.append(f"probe saw the adapter started: {adapter_started.wait(10)}")
        return probe(python)

    def start(backend: Choice) -> None:
        calls.append(f"start {backend.name}")
        adapter_started.set()

    mocker.patch.object(environment, "probe", side_effect=slow_probe)
    mocker.patch.object(planner, "_mapping", side_effect=recording_mapping(calls))
    target_and_mapping(request("apt"), start)
    assert calls[0] == "start apt"
    assert sorted(calls[1:]) == ["mapping apt", "probe saw the adapter started: True"]


def test_a_plan_failing_after_the_adapter_started_finishes_its_work_ahead(
    mocker: MockerFixture, tmp_path: Path
) -> None:
    """A target that cannot be probed fails the plan after apt's work ahead has started:
    that work is stopped (finish_ahead), not left running."""
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    prepared = mocker.patch("pip_native.native.apt.AptAdapter.prepare_ahead")
    finished = mocker.patch("pip_native.native.apt.AptAdapter.finish_ahead")
    with pytest.raises(TargetEnvironmentError):
        planner.make_plan(request("apt", python=str(broken)))
    assert prepared.call_count == 1
    assert finished.call_count == 1


def test_errors_of_either_half_reach_the_caller(tmp_path: Path) -> None:
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'no such module' >&2\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(TargetEnvironmentError, match=r"exited with status 3\. no such module"):
        target_and_mapping(request("apt", python=str(broken)))
    bad = tmp_path / "mapping.toml"
    bad.write_text("not [valid")
    with pytest.raises(MappingFileError):
        target_and_mapping(request("apt", mapping=bad))


def test_the_requested_projects_are_read_while_the_target_is_inspected(
    mocker: MockerFixture, local_index: LocalIndex, http_cache: Path
) -> None:
    """The page first (it needs nothing of the target), then, once the probe has answered,
    the metadata of the two newest pure wheels the requirement admits: what the resolver
    asks for first. The index keeps only the files the target can use."""
    for version in ("1.0", "1.1", "2.0", "2.1"):
        local_index.add_wheel("demo", version)
    for tag in ("cp311-cp311-win_amd64", "cp311-cp311-macosx_11_0_arm64"):
        local_index.add_wheel("demo", "3.0", tag=tag)  # not for this (Linux) target
    local_index.add_wheel("demo", "2.2", tag="cp311-cp311-win_amd64")
    local_index.add_sdist("demo", "2.2")
    local_index.build()
    page_read = threading.Event()

    def slow_probe(python: str, **_kw: object) -> TargetEnvironment:
        deadline = time.monotonic() + 10
        while not local_index.requests["/simple/demo/"] and time.monotonic() < deadline:
            time.sleep(0.01)
        if local_index.requests["/simple/demo/"]:
            page_read.set()  # before the target was known
        return probe(python)

    mocker.patch.object(environment, "probe", side_effect=slow_probe)
    with local_index.serve() as url:
        req = dataclasses.replace(
            request("apt"),
            requirements=[Requirement("demo<2.1")],
            index=IndexConfig(index_url=url),
        )
        targeting = planner._TargetFiles()
        with PackageIndex(req.index, cache_dir=http_cache, file_filter=targeting) as index:
            env, _, _ = planner._target_and_mapping(req, index, targeting, no_adapter)
            assert page_read.is_set()
            wanted = [f"/files/demo-{v}-py3-none-any.whl.metadata" for v in ("2.0", "1.1")]
            deadline = time.monotonic() + 10
            while not all(local_index.requests[w] for w in wanted):
                assert time.monotonic() < deadline, dict(local_index.requests)
                time.sleep(0.01)
            files = index.project_files(canonicalize_name("demo"))
    assert not local_index.requests["/files/demo-1.0-py3-none-any.whl.metadata"]
    assert env.tags and sys.platform == "linux"
    # of the platform wheels only one stand-in per release stays (3.0 had two)
    assert sorted(str(f.version) for f in files if f.is_wheel and not f.is_pure) == ["2.2", "3.0"]
    assert any(f.filename == "demo-2.2.tar.gz" for f in files)


def test_fetching_ahead_goes_one_level_down_and_skips_kept_projects(
    mocker: MockerFixture, local_index: LocalIndex, http_cache: Path
) -> None:
    """The dependencies of the newest wheel are read ahead too, except that an installed
    project the requirement admits is kept by the resolver: no wheel of it is read, and
    its installed Requires-Dist stand in for its wheel's (pytest, installed here,
    requires pluggy). Two levels: not the dependencies of dep."""
    local_index.add_wheel("demo", "2.0", requires=["dep>=1.1"])
    for version in ("1.0", "1.1", "1.2"):
        local_index.add_wheel("dep", version, requires=["deeper"])
    local_index.add_wheel("pytest", "99.0")
    local_index.build()
    mocker.patch.object(environment, "probe", side_effect=lambda python, **_kw: probe(python))
    with local_index.serve() as url:
        req = dataclasses.replace(
            request("apt"),
            requirements=[Requirement("demo"), Requirement("pytest")],
            index=IndexConfig(index_url=url),
        )
        targeting = planner._TargetFiles()
        with PackageIndex(req.index, cache_dir=http_cache, file_filter=targeting) as index:
            env, _, _ = planner._target_and_mapping(req, index, targeting, no_adapter)
            assert "pytest" in env.installed
            wanted = [
                "/files/dep-1.2-py3-none-any.whl.metadata",
                "/files/dep-1.1-py3-none-any.whl.metadata",
                "/simple/pluggy/",
            ]
            deadline = time.monotonic() + 10
            while not all(local_index.requests[w] for w in wanted):
                assert time.monotonic() < deadline, dict(local_index.requests)
                time.sleep(0.01)
    assert not local_index.requests["/files/dep-1.0-py3-none-any.whl.metadata"]
    assert not local_index.requests["/files/pytest-99.0-py3-none-any.whl.metadata"]
    assert not local_index.requests["/simple/deeper/"]


def test_fetching_ahead_reads_what_upgrade_names(
    mocker: MockerFixture, local_index: LocalIndex, http_cache: Path
) -> None:
    """With --upgrade a requested project is not kept installed: its newest wheel is read."""
    local_index.add_wheel("pytest", "99.0")
    local_index.build()
    mocker.patch.object(environment, "probe", side_effect=lambda python, **_kw: probe(python))
    with local_index.serve() as url:
        req = dataclasses.replace(
            request("apt"),
            requirements=[Requirement("pytest")],
            index=IndexConfig(index_url=url),
            upgrade=True,
        )
        targeting = planner._TargetFiles()
        with PackageIndex(req.index, cache_dir=http_cache, file_filter=targeting) as index:
            planner._target_and_mapping(req, index, targeting, no_adapter)
            wanted = "/files/pytest-99.0-py3-none-any.whl.metadata"
            deadline = time.monotonic() + 10
            while not local_index.requests[wanted]:
                assert time.monotonic() < deadline, dict(local_index.requests)
                time.sleep(0.01)
