"""Local project directories as requirements: static metadata, [external], clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pip_native.errors import InvalidRequirementError
from pip_native.localproject import is_local_project, read_local_project
from pip_native.plan import ExternalItem, build_plan
from pip_native.report import dump, plan_json, plan_table
from scenario import World


def project(tmp_path: Path, body: str) -> Path:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text(body)
    return tmp_path / "proj"


SAMPLE = """
[project]
name = "My_Sample"
version = "1.0"
dependencies = ["requests>=2", "numpy; python_version < '3'"]

[external]
build-requires = ["dep:virtual/compiler/c"]
dependencies = ["dep:generic/openblas"]
"""


def test_reads_static_metadata_and_external_table(tmp_path: Path) -> None:
    path = project(tmp_path, SAMPLE)
    assert is_local_project(str(path)) and not is_local_project(str(tmp_path))
    lp = read_local_project(str(path))
    assert (lp.name, str(lp.version)) == ("my-sample", "1.0")
    assert [str(r) for r in lp.dependencies] == ["requests>=2", 'numpy; python_version < "3"']
    assert [r.raw for r in lp.external.dependencies] == ["dep:generic/openblas"]
    assert [r.raw for r in lp.external.build_requires] == ["dep:virtual/compiler/c"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("[tool.x]\na = 1\n", "no [project] table with a name"),
        ('[project]\nname = "p"\ndynamic = ["version"]\n', "its version is dynamic"),
        (
            '[project]\nname = "p"\nversion = "1.0"\ndependencies = ["not a req!"]\n',
            "dependencies[0]",
        ),
        ("[project\n", "cannot read pyproject.toml"),
    ],
)
def test_bad_projects_are_one_clear_error(tmp_path: Path, body: str, says: str) -> None:
    with pytest.raises(InvalidRequirementError) as err:
        read_local_project(str(project(tmp_path, body)))
    assert says in err.value.message and "Local project" in err.value.message
    assert err.value.hint


def test_plan_puts_external_packages_in_the_native_step_and_builds_the_project(
    world: World, tmp_path: Path
) -> None:
    lp = read_local_project(str(project(tmp_path, SAMPLE)))
    world.adapter.packages["libopenblas0"] = type(world.adapter.packages["libblas3"])(
        "libopenblas0", "0.3.21+ds-4"
    )
    externals = [
        ExternalItem("dep:generic/openblas", "run", ("libopenblas0",), "My_Sample", "test")
    ]
    plan = build_plan(
        world.resolve("requests"),
        env=world.env,
        adapter=world.adapter,
        index=world.config,
        externals=externals,
        local_projects=[lp],
    )
    assert plan.native_step is not None and plan.native_step.requested == ("libopenblas0",)
    assert plan.pip_step is not None and plan.pip_step.local_paths == (str(lp.path),)
    local = plan.pip_step.local_command()
    assert "--no-deps" in local and local[-1] == str(lp.path) and "--require-hashes" not in local
    text = plan_table(plan)
    assert "dep:generic/openblas (run, My_Sample): libopenblas0" in text
    assert "pip builds 1 local project(s)" in text
    report = plan_json(plan)
    assert report["pip_native"]["external"][0]["packages"] == ["libopenblas0"]
    assert report["pip_native"]["pip_step"]["local_projects"] == [str(lp.path)]
    assert "my-sample" in dump(report)


def test_run_time_externals_of_a_chosen_wheel_are_mapped(tmp_path: Path) -> None:
    """PEP 725 Requires-External-Dep in a pure wheel's metadata: its library joins the plan."""
    from localindex import LocalIndex
    from pip_native.index.config import IndexConfig
    from pip_native.planner import InstallRequest, _external_items, _wheel_externals
    from scenario import write_mapping

    idx = LocalIndex(tmp_path / "idx")
    idx.add_wheel(
        "blaswrap",
        "1.0",
        metadata_headers=[
            "Requires-External-Dep: dep:generic/openblas",
            "Requires-External-Dep: dep:generic/zlib; sys_platform == 'win32'",
        ],
    )
    idx.build()
    w = World(idx, write_mapping(tmp_path), tmp_path)
    res = w.resolve("blaswrap")
    entries = _wheel_externals(res, w.index)
    assert {label for label, _ in entries} == {"blaswrap 1.0"}
    assert [req.raw.split(";")[0].strip() for _, req in entries] == [
        "dep:generic/openblas",
        "dep:generic/zlib",
    ]
    request = InstallRequest(
        requirements=[], native_from="apt", python="python", index=IndexConfig()
    )
    items = _external_items(entries, "apt", w.env, request)
    assert [(i.identifier, i.packages) for i in items] == [
        ("dep:generic/openblas", ("libopenblas0",))
    ]
