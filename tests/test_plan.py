"""Plans built from resolutions: steps, items, hashes, provided packages, and their reports."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from fakes import FakePackage, installed, make_env
from localindex import LocalIndex
from pip_native.errors import ResolutionConflictError, TargetEnvironmentError
from pip_native.plan import Action, Plan, build_plan
from pip_native.report import dump, plan_json, plan_table
from scenario import World


def make_plan(world: World, *reqs: str) -> Plan:
    return build_plan(
        world.resolve(*reqs), env=world.env, adapter=world.adapter, index=world.config
    )


def test_native_step_names_only_root_packages(world: World) -> None:
    plan = make_plan(world, "scikit-learn", "requests")
    step = plan.native_step
    assert step is not None
    # python3-sklearn brings numpy, scipy, joblib, threadpoolctl itself: naming only the root
    # keeps them marked "automatically installed" for apt.
    assert step.command == (
        "apt-get",
        "install",
        "-y",
        "--no-install-recommends",
        "python3-sklearn",
    )
    assert step.needs_root and plan.needs_root
    assert {p.name for p in step.new_packages} >= {"python3-sklearn", "python3-numpy", "libblas3"}


def test_pure_wheels_are_pinned_by_exact_sha256(world: World, index_root: Path) -> None:
    plan = make_plan(world, "scikit-learn", "requests")
    assert plan.pip_step is not None
    lines = dict(line.split(" --hash=sha256:") for line in plan.pip_step.requirement_lines)
    assert set(lines) == {
        "requests==2.32.3",
        "urllib3==2.2.3",
        "idna==3.10",
        "certifi==2024.8.30",
        "charset-normalizer==3.4.0",
    }
    wheel = next(index_root.rglob("idna-3.10-py3-none-any.whl"))
    assert lines["idna==3.10"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert "--no-deps" in plan.pip_step.command("r.txt")
    assert "--require-hashes" in plan.pip_step.command("r.txt")


def test_items_say_where_each_project_comes_from_and_why(world: World) -> None:
    plan = make_plan(world, "scikit-learn", "requests")
    items = {i.name: i for i in plan.items}
    assert (items["numpy"].source, items["numpy"].action) == ("apt", Action.INSTALL)
    assert "no pure wheel on PyPI" in items["numpy"].why
    assert "a PyPI copy would duplicate it" in items["joblib"].why
    assert items["requests"].source == "pypi" and items["requests"].requested
    assert items["urllib3"].why.startswith("required by requests 2.32.3")


def test_a_pure_project_no_pure_release_fits_comes_from_the_system(world: World) -> None:
    """argonish's pure releases all need compiledonly (no pure wheel, no system package);
    its system package (1.0, an older release that held the C code) stands in, and the
    plan says why (not "the apt packages bring it": none does)."""
    plan = make_plan(world, "argonish-server")
    items = {i.name: i for i in plan.items}
    assert (items["argonish"].source, str(items["argonish"].version)) == ("apt", "1.0")
    assert items["argonish"].why == (
        "required by argonish-server 2.0; no pure release fits; user mapping"
    )
    assert items["argonish-server"].source == "pypi"
    assert plan.native_step is not None
    assert "python3-argonish" in plan.native_step.command


def test_nothing_to_do_when_everything_is_installed(world: World) -> None:
    world.adapter.packages["python3-yaml"].installed = True
    plan = make_plan(world, "pyyaml")
    assert plan.is_empty
    assert [(i.name, i.action) for i in plan.items] == [("pyyaml", Action.KEEP)]
    assert "Nothing to install" in plan_table(plan)


def test_packages_the_simulation_adds_are_listed_as_provided(world: World) -> None:
    world.adapter.packages["python3-extra"] = FakePackage(
        "python3-extra", "1.0-1", [("extra", "1.0")]
    )
    world.adapter.extra_new = ["python3-extra"]
    plan = make_plan(world, "pyyaml")
    provided = plan.by_action(Action.PROVIDED)
    assert [(i.name, str(i.version)) for i in provided] == [("extra", "1.0")]
    assert "brought in by apt with python3-yaml" in provided[0].why


def test_a_simulated_dependency_that_the_plan_takes_from_pypi_is_refused(world: World) -> None:
    # apt would bring idna 2.0 although the plan installs idna 3.10 from PyPI: two copies.
    world.adapter.packages["python3-idna"] = FakePackage("python3-idna", "2.0-1", [("idna", "2.0")])
    world.adapter.extra_new = ["python3-idna"]
    with pytest.raises(ResolutionConflictError) as err:
        make_plan(world, "pyyaml", "requests")
    assert "apt would install idna 2.0 (python3-idna 2.0-1)" in err.value.render()
    assert "installed twice" in err.value.render()


def test_report_has_pip_keys_and_the_native_section(world: World) -> None:
    plan = make_plan(world, "scikit-learn", "requests[socks]")
    report = json.loads(dump(plan_json(plan, metadata=world.index.metadata)))
    assert report["version"] == "1"
    assert report["environment"]["python_version"] == world.env.markers["python_version"]
    by_name = {e["metadata"]["name"]: e for e in report["install"]}
    assert set(by_name) == {
        "requests",
        "urllib3",
        "idna",
        "certifi",
        "charset-normalizer",
        "pysocks",
    }
    req = by_name["requests"]
    assert req["requested"] is True and req["requested_extras"] == ["socks"]
    assert req["download_info"]["archive_info"]["hashes"]["sha256"]
    assert "urllib3<3,>=1.21.1" in req["metadata"]["requires_dist"]
    native = report["native"]
    assert native["command"][:2] == ["apt-get", "install"]
    assert native["command_line"].endswith("python3-sklearn")
    assert native["needs_root"] is True
    sk = next(p for p in native["packages"] if p["name"] == "python3-sklearn")
    assert sk["purl"].startswith("pkg:deb/") and "python3-sklearn@1.2.1%2Bdfsg-1" in sk["purl"]
    assert sk["provides"] == [{"name": "scikit-learn", "version": "1.2.1"}]
    rows = {r["name"]: r for r in report["pip_native"]["plan"]}
    assert (
        rows["numpy"]["source"] == "apt"
        and rows["numpy"]["system_package"]["name"] == "python3-numpy"
    )


def test_table_lists_rows_and_exact_commands(world: World) -> None:
    text = plan_table(make_plan(world, "scikit-learn", "requests"))
    assert "apt: python3-sklearn" in text
    assert "apt step (needs root)" in text
    assert "apt-get install -y --no-install-recommends python3-sklearn" in text
    assert "pip step, 5 pure wheel(s) by exact hash" in text


def test_a_target_without_pip_is_refused_before_anything_runs(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    w = World(index, mapping_file, tmp_path, env=make_env(with_pip=False))
    with pytest.raises(TargetEnvironmentError) as err:
        make_plan(w, "scikit-learn", "requests")
    assert "has no pip" in err.value.message
    assert "-m ensurepip" in (err.value.hint or "")


def test_shadowing_a_system_copy_is_warned(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    system = installed("idna", "3.3", in_target=False, location="/usr/lib/python3/dist-packages")
    w = World(index, mapping_file, tmp_path, env=make_env(system))
    plan = build_plan(w.resolve("idna>=3.10"), env=w.env, adapter=w.adapter, index=w.config)
    assert plan.warnings == (
        "idna 3.10 from PyPI will shadow idna 3.3 in /usr/lib/python3/dist-packages for this environment.",
    )
    assert "Warning: idna 3.10 from PyPI will shadow" in plan_table(plan)


def test_pip_step_passes_break_system_packages_and_drops_pip_index_variables(world: World) -> None:
    plan = build_plan(
        world.resolve("requests"),
        env=world.env,
        adapter=world.adapter,
        index=world.config,
        break_system_packages=True,
    )
    assert plan.pip_step is not None
    assert "--break-system-packages" in plan.pip_step.command("r.txt")
    assert (
        plan.pip_step.env["PIP_FIND_LINKS"] is None
        and plan.pip_step.env["PIP_EXTRA_INDEX_URL"] is None
    )
    assert "--break-system-packages" not in make_plan(world, "requests").pip_step.command("r.txt")  # type: ignore[union-attr]
    assert plan_json(plan)["pip_version"] == "23.0.1"


def test_index_passwords_never_reach_the_table_the_report_or_errors(world: World) -> None:
    from dataclasses import replace as dc_replace

    from pip_native.errors import CommandFailed, ExecutionError

    secret = dc_replace(
        world.config, extra_index_urls=("https://alice:s3cret@mirror.example/simple",)
    )
    plan = build_plan(world.resolve("requests"), env=world.env, adapter=world.adapter, index=secret)
    assert plan.pip_step is not None and any(
        "s3cret" in a for a in plan.pip_step.index_args
    )  # pip needs it
    shown = plan_table(plan) + dump(plan_json(plan))
    assert "s3cret" not in shown
    assert "https://alice:****@mirror.example/simple" in shown
    failure = ExecutionError(
        "pip failed",
        installed=[],
        not_installed=["requests 2.32.3"],
        command=plan.pip_step.command("r.txt"),
        cause=CommandFailed(
            "boom",
            command=plan.pip_step.command("r.txt"),
            returncode=1,
            output="GET https://alice:s3cret@mirror.example/simple/requests/ 500",
        ),
    )
    assert "s3cret" not in failure.render()


def test_roots_are_found_when_the_mapping_names_a_provide(world: World) -> None:
    """dnf maps numpy to python3dist(numpy); closures list the real python3-numpy."""
    from dataclasses import replace as dc_replace

    from pip_native.plan import _minimal_requests

    res = world.resolve("scikit-learn")
    natives = []
    for cand in res.candidates.values():
        if cand.native is not None and cand.native.install:
            provide = f"python3dist({cand.name})"
            natives.append(dc_replace(cand, native=dc_replace(cand.native, install=(provide,))))
    assert _minimal_requests(natives) == ["python3dist(scikit-learn)"]


def test_token_credentials_and_report_urls_are_redacted(world: World) -> None:
    from dataclasses import replace as dc_replace

    from pip_native.errors import redact

    assert redact("https://tok3n@host/simple") == "https://****@host/simple"
    assert (
        redact("see http://u:p@h/x and https://t@h2/y")
        == "see http://u:****@h/x and https://****@h2/y"
    )
    plan = make_plan(world, "requests")
    pypi = next(i for i in plan.items if i.file is not None)
    assert pypi.file is not None
    leaky = dc_replace(pypi, file=dc_replace(pypi.file, url="https://bob:pw@files.example/r.whl"))
    plan = dc_replace(plan, items=tuple(leaky if i is pypi else i for i in plan.items))
    text = dump(plan_json(plan))
    assert "bob:pw" not in text and "https://bob:****@files.example/r.whl" in text


def test_offline_warning_names_the_pages_and_the_age_of_the_copies() -> None:
    """The plan says when it was made from cached pages because the index was unreachable."""
    from types import SimpleNamespace

    from pip_native.planner import _offline_warning

    index = SimpleNamespace(
        stale_pages={
            "https://pypi.org/simple/b/": "Tue, 01 Dec 2026 10:00:00 GMT",
            "https://pypi.org/simple/a/": "Mon, 30 Nov 2026 09:00:00 GMT",
            "https://pypi.org/simple/c/": "Tue, 01 Dec 2026 10:00:00 GMT",
            "https://pypi.org/simple/d/": "Wed, 02 Dec 2026 08:00:00 GMT",
        }
    )
    text = _offline_warning(index)  # type: ignore[arg-type]
    assert text.startswith("The index could not be reached for 4 page(s) (")
    assert "https://pypi.org/simple/a/, https://pypi.org/simple/b/, " in text
    assert "and 1 more" in text
    assert "fetched Mon, 30 Nov 2026 09:00:00 GMT to Wed, 02 Dec 2026 08:00:00 GMT" in text


def test_install_summary_says_what_the_steps_did() -> None:
    from pip_native.executor import ExecutionResult
    from pip_native.report import install_summary

    result = ExecutionResult()
    assert install_summary(result) == "\nNothing to do.\n"
    result.native_packages.extend(["python3-numpy", "libblas3"])
    result.pip_installed.append("requests==2.32.3")
    result.native_upgraded.append("libc6")
    assert install_summary(result) == (
        "\nInstalled 2 system package(s) and 1 pure wheel(s): requests==2.32.3.\n"
        "Upgraded 1 system package(s): libc6.\n"
    )
