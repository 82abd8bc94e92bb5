"""CondaAdapter with the py-rattler engine, for real: a local channel, real solves, real installs.

The channel (integration/condachannel.py) holds tiny ``.conda`` packages
built with py-rattler-build and indexed with ``rattler.index.index_fs``;
prefixes are fresh directories whose conda ``python`` is a file-less stub
of the running interpreter's version. Solves and installs are py-rattler's
own (``rattler.solve``, ``rattler.install``); nothing touches the network.
Not exercised here: the conda/mamba/micromamba CLI engine (no binary can be
installed in this sandbox; see tests/test_conda.py for it against recorded
output), post-link scripts, and packages with compiled code.
"""

from __future__ import annotations

import json
import platform
from typing import TYPE_CHECKING

import pytest
from packaging.version import Version

pytest.importorskip("rattler", reason="needs py-rattler (pip install 'pip-native[conda]')")
pytest.importorskip("rattler_build", reason="needs py-rattler-build to build the test channel")

from condachannel import (
    CondaChannel,
    build_test_channel,
    install_records,
    make_prefix,
    make_venv_prefix,
)
from pip_native import subproc
from pip_native.environment import probe
from pip_native.errors import (
    NoNativePackageError,
    ResolutionConflictError,
    TargetEnvironmentError,
)
from pip_native.native.base import SystemPackage
from pip_native.native.conda import CondaAdapter
from pip_native.native.conda_rattler import RattlerEngine

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

PY_XY = "python{}.{}".format(*platform.python_version_tuple()[:2])


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> CondaChannel:
    return build_test_channel(tmp_path_factory.mktemp("conda") / "channel")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def prefix(tmp_path: Path, channel: CondaChannel, cache: Path) -> Path:
    return make_prefix(tmp_path / "env", channel, cache)


def adapter_for(prefix: Path, channel: CondaChannel, cache: Path, **kw: object) -> CondaAdapter:
    engine = RattlerEngine([channel.url], cache)
    return CondaAdapter(prefix=prefix, engine=engine, cache_dir=cache, **kw)  # type: ignore[arg-type]


def conda_meta(prefix: Path) -> dict[str, str]:
    """name -> version of every record in conda-meta."""
    out = {}
    for path in (prefix / "conda-meta").glob("*.json"):
        data = json.loads(path.read_text())
        out[data["name"]] = data["version"]
    return out


def site(prefix: Path) -> Path:
    return prefix / "lib" / PY_XY / "site-packages"


def run_step(command: tuple[str, ...]) -> subproc.CommandResult:
    return subproc.run(command, what="run the planned conda step", check=False, timeout=300)


def test_query_and_closure(prefix: Path, channel: CondaChannel, cache: Path) -> None:
    adapter = adapter_for(prefix, channel, cache)
    found = adapter.query(["pntc-app", "python", "pntc-nonexistent", "pntc-core"])
    assert found["pntc-app"] == SystemPackage("conda", "pntc-app", "2.0", None, "noarch")
    assert found["pntc-core"].version == "1.0"
    assert found["python"].installed_version == platform.python_version()
    assert "pntc-nonexistent" not in found
    closure = {p.name: p for p in adapter.closure("pntc-app")}
    assert set(closure) == {"pntc-app", "pntc-core", "pntc-helper", "libpntc", "python"}
    assert closure["python"].is_installed and not closure["libpntc"].is_installed
    provided = adapter.provided_distributions(list(closure.values()))
    assert [(d.name, d.version) for d in provided["pntc-helper"]] == [
        ("pntc-helper", Version("0.5"))
    ]
    assert provided["libpntc"] == () and provided["python"] == ()


def test_plan_install_command_really_installs(
    prefix: Path, channel: CondaChannel, cache: Path
) -> None:
    adapter = adapter_for(prefix, channel, cache)
    before = conda_meta(prefix)
    step = adapter.plan_install(["pntc-app"])
    assert conda_meta(prefix) == before  # planning changes nothing
    assert step.command[1:3] == ("-m", "pip_native.native.conda_install")
    assert "pntc-app ==2.0 pyh0_0" in step.command
    assert {p.name for p in step.new_packages} == {
        "pntc-app",
        "pntc-core",
        "pntc-helper",
        "libpntc",
    }

    result = run_step(step.command)
    assert result.ok, result.stderr
    assert "installed pntc-app 2.0 pyh0_0" in result.stdout
    assert conda_meta(prefix) == {
        **before,
        "pntc-app": "2.0",
        "pntc-core": "1.0",
        "pntc-helper": "0.5",
        "libpntc": "2.0",
    }
    assert (site(prefix) / "pntc_app-2.0.dist-info" / "METADATA").is_file()
    assert (site(prefix) / "pntc_core" / "__init__.py").read_text() == "__version__ = '1.0'\n"
    assert (prefix / "lib" / "libpntc.so.2").is_file()

    # a new adapter reads what is installed from conda-meta: exact dist-info, no solve needed
    fresh = adapter_for(prefix, channel, cache)
    installed = fresh.query(["pntc-app", "pntc-core", "libpntc"])
    assert all(p.installed_version == p.version for p in installed.values())
    provided = fresh.provided_distributions(list(installed.values()))
    assert {n: [(d.name, str(d.version)) for d in ds] for n, ds in provided.items()} == {
        "pntc-app": [("pntc-app", "2.0")],
        "pntc-core": [("pntc-core", "1.0")],
        "libpntc": [],
    }


def test_installing_keeps_installed_packages(
    prefix: Path, channel: CondaChannel, cache: Path
) -> None:
    """rattler.install is a full transaction: the installer must pass the complete set."""
    install_records(prefix, channel, ["pntc-other"], cache)
    other_files = sorted(p.name for p in site(prefix).iterdir())
    step = adapter_for(prefix, channel, cache).plan_install(["pntc-core"])
    assert not any("pntc-other" in arg for arg in step.command)  # not planned: only kept
    assert run_step(step.command).ok
    meta = conda_meta(prefix)
    assert meta["pntc-other"] == "1.0" and meta["pntc-core"] == "1.0"
    assert set(other_files) <= {p.name for p in site(prefix).iterdir()}
    assert (site(prefix) / "pntc_other" / "__init__.py").is_file()


def test_an_upgrade_is_planned_and_carried_out(
    prefix: Path, channel: CondaChannel, cache: Path
) -> None:
    install_records(prefix, channel, ["pntc-core ==0.9"], cache)
    adapter = adapter_for(prefix, channel, cache)
    assert adapter.query(["pntc-core"])["pntc-core"].installed_version == "0.9"
    step = adapter.plan_install(["pntc-app"])
    core = next(p for p in step.new_packages if p.name == "pntc-core")
    assert (core.version, core.installed_version) == ("1.0", "0.9")
    provided = adapter.provided_distributions([core])["pntc-core"]
    assert [(d.name, str(d.version)) for d in provided] == [("pntc-core", "1.0")]
    assert run_step(step.command).ok
    assert conda_meta(prefix)["pntc-core"] == "1.0"
    assert not (site(prefix) / "pntc_core-0.9.dist-info").exists()


def test_a_conflict_with_installed_packages_is_refused(
    prefix: Path, channel: CondaChannel, cache: Path
) -> None:
    install_records(prefix, channel, ["pntc-app"], cache)
    adapter = adapter_for(prefix, channel, cache)
    before = conda_meta(prefix)
    with pytest.raises(ResolutionConflictError, match="conda cannot install pntc-old") as info:
        adapter.plan_install(["pntc-old"])
    assert "pntc-core" in info.value.message
    assert adapter.query(["pntc-old"])["pntc-old"].version is None  # known, not installable here
    assert conda_meta(prefix) == before


def test_a_missing_package_names_the_channels(
    prefix: Path, channel: CondaChannel, cache: Path
) -> None:
    adapter = adapter_for(prefix, channel, cache)
    assert adapter.query(["pntc-nonexistent"]) == {}
    with pytest.raises(NoNativePackageError, match="conda cannot install pntc-nonexistent") as info:
        adapter.plan_install(["pntc-nonexistent"])
    assert info.value.hint is not None and "PIP_NATIVE_CONDA_CHANNELS" in info.value.hint
    assert channel.url in info.value.hint


def test_the_installer_changes_nothing_when_the_channel_moved(tmp_path: Path, cache: Path) -> None:
    moving = CondaChannel(tmp_path / "moving")
    for pkg in build_test_channel(tmp_path / "reference").packages:
        moving.add(pkg)
    moving.index()
    prefix = make_prefix(tmp_path / "env", moving, cache)
    step = adapter_for(prefix, moving, cache).plan_install(["pntc-app"])
    for path in (moving.root / "noarch").glob("pntc-helper-*.conda"):
        path.unlink()
    moving.index()
    before = conda_meta(prefix)
    result = run_step(step.command)
    assert result.returncode == 1
    assert "nothing was changed" in result.stderr and "pntc-helper" in result.stderr
    assert conda_meta(prefix) == before


def test_check_target_on_real_interpreters(
    tmp_path: Path, channel: CondaChannel, cache: Path
) -> None:
    conda_venv = make_venv_prefix(tmp_path / "cvenv", channel, cache)
    adapter = CondaAdapter(engine=RattlerEngine([channel.url], cache), cache_dir=cache)
    adapter.check_target(probe(str(conda_venv / "bin" / "python")))
    assert adapter.prefix == conda_venv
    plain = tmp_path / "plain"
    subproc.run(
        [str(conda_venv / "bin" / "python"), "-m", "venv", "--without-pip", str(plain)],
        what="make a plain venv",
    )
    with pytest.raises(TargetEnvironmentError, match="no conda-meta directory"):
        CondaAdapter(engine=RattlerEngine([channel.url], cache)).check_target(
            probe(str(plain / "bin" / "python"))
        )


def test_a_renamed_package_provides_its_mapped_distribution(
    prefix: Path, channel: CondaChannel, cache: Path
) -> None:
    """Like pytorch/torch: the conda name is not the PyPI name; the mapping's reverse lookup says."""
    adapter = adapter_for(
        prefix,
        channel,
        cache,
        dists_for_package=lambda p: ["pntc-renamed"] if p == "py-pntc-renamed" else [],
    )
    package = adapter.query(["py-pntc-renamed"])["py-pntc-renamed"]
    provided = adapter.provided_distributions([package])["py-pntc-renamed"]
    assert [(d.name, str(d.version)) for d in provided] == [("pntc-renamed", "3.1")]
    step = adapter.plan_install(["py-pntc-renamed"])
    assert run_step(step.command).ok
    assert (site(prefix) / "pntc_renamed-3.1.dist-info").is_dir()


def test_virtual_packages_follow_conda_overrides(
    prefix: Path, channel: CondaChannel, cache: Path
) -> None:
    """``__glibc >=99``: not installable here, unless CONDA_OVERRIDE_GLIBC says otherwise."""
    plain = adapter_for(prefix, channel, cache).query(["pntc-newglibc"])
    assert plain["pntc-newglibc"].version is None
    engine = RattlerEngine([channel.url], cache, env={"CONDA_OVERRIDE_GLIBC": "99.0"})
    overridden = CondaAdapter(prefix=prefix, engine=engine, cache_dir=cache)
    assert overridden.query(["pntc-newglibc"])["pntc-newglibc"].version == "1.0"


def test_channel_stub_packages_are_noarch_python(channel: CondaChannel) -> None:
    repodata = json.loads((channel.root / "noarch" / "repodata.json").read_text())
    records = {**repodata.get("packages", {}), **repodata.get("packages.conda", {})}
    app = next(r for r in records.values() if r["name"] == "pntc-app")
    assert app["noarch"] == "python" and "pntc-helper" in app["depends"]
