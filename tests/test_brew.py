"""Tests for pip_native.native.brew.BrewAdapter against brew output built from recorded formula data.

brew cannot run here: every test answers ``subproc.run`` with :class:`FakeBrew`,
which serves ``brew info --json=v2`` JSON from tests/data/brew/ (formula
files of homebrew-core transcribed per Homebrew's ``Formula#to_hash``; see the
``.meta`` files). Nothing here has been checked against a running brew.
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.utils import NormalizedName
from packaging.version import Version

from pip_native.environment import TargetEnvironment
from pip_native.errors import (
    CommandFailed,
    InvalidIdentifierError,
    NoNativePackageError,
    PrivilegeError,
    TargetEnvironmentError,
)
from pip_native.native.base import NativeAdapter, SystemPackage
from pip_native.native.brew import BREW_ENV, BrewAdapter
from pip_native.native.brew_json import BrewHost
from test_brew_recordings import FakeBrew, universe

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_mock import MockerFixture

MAC = BrewHost("darwin", (15, 1))
LINUX = BrewHost("linux")
INSTALLED = ("brew", "info", "--json=v2", "--installed")
FORMULAE = ("brew", "formulae")
PREFIX = ("brew", "--prefix")
NUMPY_CLOSURE = {"numpy", "openblas", "gcc", "gmp", "isl", "libmpc", "mpfr", "zstd", "lz4", "xz"}


def info(*names: str) -> tuple[str, ...]:
    return ("brew", "info", "--json=v2", "--formula", *names)


@pytest.fixture(autouse=True)
def not_root(mocker: MockerFixture) -> None:
    """These tests may run as root; brew's refusal to is tested where it is patched back."""
    mocker.patch("pip_native.native.brew._is_root", return_value=False)


@pytest.fixture
def fake(mocker: MockerFixture) -> FakeBrew:
    brew = FakeBrew()
    mocker.patch("pip_native.subproc.run", side_effect=brew)
    return brew


def pkg(name: str, version: str | None, installed: str | None = None) -> SystemPackage:
    return SystemPackage("brew", name, version, installed)


def test_is_a_native_adapter() -> None:
    """No brew needed: the adapter satisfies the protocol."""
    adapter = BrewAdapter(host=MAC)
    assert isinstance(adapter, NativeAdapter)
    assert adapter.name == "brew"


# -- query ---------------------------------------------------------------------


def test_query_batches_unknown_names_into_one_info_call(fake: FakeBrew) -> None:
    """Recorded macOS data: 3 brew processes answer a query of installed, new and unknown names."""
    adapter = BrewAdapter(host=MAC)
    names = ["numpy", "python-numpy", "cffi", "xz", "scipy", "no-such-formula", "python-scipy"]
    found = adapter.query(names)
    assert fake.calls == [INSTALLED, FORMULAE, info("numpy", "scipy")]
    assert all(env is not None and env.items() >= BREW_ENV.items() for env in fake.envs)
    assert set(found) == {"numpy", "cffi", "xz", "scipy"}
    assert found["numpy"] == pkg("numpy", "2.3.3_1")
    assert found["cffi"] == pkg("cffi", "2.0.0", "2.0.0")  # installed, current
    assert found["xz"] == pkg("xz", "5.8.1", "5.8.0")  # installed, outdated: brew upgrades it
    assert adapter.query(names) == found
    assert len(fake.calls) == 3  # answers are kept for the adapter's lifetime


def test_query_of_installed_names_needs_no_name_list(fake: FakeBrew) -> None:
    """Recorded macOS data: installed formulae come from the one --installed call."""
    found = BrewAdapter(host=MAC).query(["python@3.13", "sqlite", "pycparser"])
    assert fake.calls == [INSTALLED]
    assert found["python@3.13"] == pkg("python@3.13", "3.13.7_1", "3.13.7_1")
    assert found["pycparser"].version == "2.23_1"


def test_query_in_batches_of_200(mocker: MockerFixture) -> None:
    """Recorded numpy JSON under 450 names: three info calls, none over 200 names."""
    numpy = universe("macos-arm64")["numpy"]
    formulae = {}
    for i in range(450):
        copy_ = copy.deepcopy(numpy)
        copy_["name"] = copy_["full_name"] = f"lib{i:03d}"
        formulae[copy_["name"]] = copy_
    brew = FakeBrew(formulae=formulae)
    mocker.patch("pip_native.subproc.run", side_effect=brew)
    found = BrewAdapter(host=MAC).query([*formulae, "unknown-1", "unknown-2"])
    assert len(found) == 450
    assert [len(names) for names in brew.info_calls()] == [200, 200, 50]


def test_query_drops_names_brew_rejects(mocker: MockerFixture) -> None:
    """A stale `brew formulae` list: brew's own error names the missing formula; it is dropped."""
    brew = FakeBrew()
    brew.listed += "ghost\n"
    mocker.patch("pip_native.subproc.run", side_effect=brew)
    found = BrewAdapter(host=MAC).query(["ghost", "numpy"])
    assert brew.info_calls() == [("ghost", "numpy"), ("numpy",)]
    assert set(found) == {"numpy"}


def test_query_failure_names_the_command(mocker: MockerFixture) -> None:
    """brew failing for another reason is an error with the exact command."""
    brew = FakeBrew()
    mocker.patch.object(brew, "_info", return_value=(1, "", "Error: Homebrew is broken\n"))
    mocker.patch("pip_native.subproc.run", side_effect=brew)
    with pytest.raises(CommandFailed) as info_error:
        BrewAdapter(host=MAC).query(["numpy"])
    assert info_error.value.command == info("numpy")
    assert "Homebrew is broken" in info_error.value.render()


def test_unreadable_json_is_an_error(mocker: MockerFixture) -> None:
    brew = FakeBrew()
    mocker.patch.object(brew, "_info", return_value=(0, "{}", ""))
    mocker.patch("pip_native.subproc.run", side_effect=brew)
    with pytest.raises(CommandFailed, match="cannot read"):
        BrewAdapter(host=MAC).query(["numpy"])


# -- closure -------------------------------------------------------------------


def test_closure_one_info_call_per_dependency_level(fake: FakeBrew) -> None:
    """Recorded macOS data: numpy's 10-formula closure costs 5 info calls (its depth), not 10."""
    adapter = BrewAdapter(host=MAC)
    closure = adapter.closure("numpy")
    assert closure[0] == pkg("numpy", "2.3.3_1")
    assert {p.name for p in closure} == NUMPY_CLOSURE
    assert fake.info_calls() == [
        ("numpy",),
        ("openblas",),
        ("gcc",),
        ("gmp", "isl", "libmpc", "mpfr", "zstd"),
        ("lz4",),
    ]
    by_name = {p.name: p for p in closure}
    assert by_name["xz"] == pkg("xz", "5.8.1", "5.8.0")
    assert "zlib" not in by_name  # uses_from_macos: macOS provides it
    calls = len(fake.calls)
    assert adapter.closure("numpy") == closure
    assert {p.name for p in adapter.closure("gcc")} == NUMPY_CLOSURE - {"numpy", "openblas"}
    assert len(fake.calls) == calls


def test_closures_of_all_queried_roots_are_read_together(fake: FakeBrew) -> None:
    """Recorded macOS data: three roots, 17 formulae, 4 info calls in all (6 brew processes)."""
    adapter = BrewAdapter(host=MAC)
    adapter.query(["numpy", "scipy", "cryptography"])
    closures = {name: adapter.closure(name) for name in ("scipy", "numpy", "cryptography")}
    assert fake.info_calls() == [
        ("cryptography", "numpy", "scipy"),
        ("gcc", "openblas", "xsimd"),
        ("gmp", "isl", "libmpc", "mpfr", "zstd"),
        ("lz4",),
    ]
    assert len(fake.calls) == 6
    assert {p.name for p in closures["scipy"]} == NUMPY_CLOSURE | {"scipy", "xsimd"}
    assert len({p.name for c in closures.values() for p in c}) == 17
    assert {p.name: p.installed_version for p in closures["cryptography"]} == {
        "cryptography": None,
        "cffi": "2.0.0",
        "pycparser": "2.23_1",
        "openssl@3": "3.6.0",
        "ca-certificates": "2025-08-12",
    }


def test_installed_closure_comes_from_the_install_receipt(fake: FakeBrew) -> None:
    """Recorded macOS data: python@3.13's receipt lists its runtime closure; no info call."""
    closure = BrewAdapter(host=MAC).closure("python@3.13")
    assert fake.calls == [INSTALLED]
    assert [p.name for p in closure] == [
        "python@3.13",
        "mpdecimal",
        "openssl@3",
        "sqlite",
        "xz",
        "ca-certificates",
        "readline",
    ]


def test_linux_closure_includes_uses_from_macos(mocker: MockerFixture) -> None:
    """Recorded Linux data: cffi's `uses_from_macos "libffi"` is a real dependency on Linux."""
    brew = FakeBrew("linux-x86_64")
    mocker.patch("pip_native.subproc.run", side_effect=brew)
    closure = BrewAdapter(host=LINUX).closure("cffi")
    assert [p.name for p in closure] == ["cffi", "pycparser", "libffi"]
    assert brew.info_calls() == [("cffi",), ("libffi", "pycparser")]


def test_macos_closure_leaves_out_uses_from_macos(mocker: MockerFixture) -> None:
    """The same recorded Linux JSON read as if on macOS: libffi comes from the system."""
    mocker.patch("pip_native.subproc.run", side_effect=FakeBrew("linux-x86_64"))
    assert [p.name for p in BrewAdapter(host=MAC).closure("cffi")] == ["cffi", "pycparser"]


def test_closure_errors_name_the_formula(fake: FakeBrew) -> None:
    """Recorded macOS data, whose excerpt lacks python-matplotlib's freetype, pillow, qhull."""
    adapter = BrewAdapter(host=MAC)
    with pytest.raises(NoNativePackageError, match="'no-such-formula'") as unknown:
        adapter.closure("no-such-formula")
    assert unknown.value.hint and "brew search no-such-formula" in unknown.value.hint
    with pytest.raises(NoNativePackageError, match="depends on freetype, which brew does not know"):
        adapter.closure("python-matplotlib")


# -- provided_distributions ----------------------------------------------------


def make_prefix(root: Path) -> Path:
    """A Homebrew prefix with python@3.13 and its site-packages (directories only)."""
    python = root / "opt" / "python@3.13" / "bin" / "python3.13"
    python.parent.mkdir(parents=True)
    python.write_text("")
    (root / "lib" / "python3.13" / "site-packages").mkdir(parents=True)
    (root / "bin").mkdir()
    return root


def target(home: Path, **overrides: object) -> TargetEnvironment:
    """A venv on Homebrew's python@3.13 under the Homebrew prefix ``home``."""
    prefix = home
    base = str(prefix / "opt" / "python@3.13" / "bin" / "python3.13")
    values: dict[str, object] = {
        "executable": "/Users/u/.venvs/p/bin/python",
        "base_executable": base,
        "version": Version("3.13.7"),
        "implementation": "cpython",
        "prefix": "/Users/u/.venvs/p",
        "base_prefix": str(prefix / "opt" / "python@3.13"),
        "is_venv": True,
        "system_site_packages": True,
        "purelib": "/Users/u/.venvs/p/lib/python3.13/site-packages",
        "platlib": "/Users/u/.venvs/p/lib/python3.13/site-packages",
        "sys_path": (
            "/Users/u/.venvs/p/lib/python3.13/site-packages",
            str(prefix / "lib" / "python3.13" / "site-packages"),
        ),
        "externally_managed": None,
        "markers": {},
        "tags": (),
        "distributions": (),
    }
    values.update(overrides)
    return TargetEnvironment(**values)  # type: ignore[arg-type]


@pytest.fixture
def homebrew(tmp_path: Path, mocker: MockerFixture) -> tuple[FakeBrew, Path]:
    """Recorded macOS data served with `brew --prefix` pointing at a prefix under tmp_path."""
    prefix = make_prefix(tmp_path / "homebrew")
    brew = FakeBrew(prefix=str(prefix))
    mocker.patch("pip_native.subproc.run", side_effect=brew)
    mocker.patch("pip_native.native.brew.shutil.which", return_value=str(prefix / "bin" / "brew"))
    return brew, prefix


def checked(prefix: Path, xy: str = "3.13", **kw: Any) -> BrewAdapter:
    """An adapter whose target (Python ``xy``) passed check_target."""
    adapter = BrewAdapter(host=MAC, **kw)
    env = target(prefix) if xy == "3.13" else None
    if env is None:
        python = prefix / "opt" / f"python@{xy}" / "bin" / f"python{xy}"
        python.parent.mkdir(parents=True)
        python.write_text("")
        (prefix / "lib" / f"python{xy}" / "site-packages").mkdir(parents=True)
        env = target(
            prefix,
            version=Version(f"{xy}.0"),
            base_executable=str(python),
            sys_path=(str(prefix / "lib" / f"python{xy}" / "site-packages"),),
        )
    adapter.check_target(env)
    return adapter


def summary(provided: Any) -> dict[str, list[tuple[str, str]]]:
    return {p: [(str(d.name), str(d.version)) for d in ds] for p, ds in provided.items()}


def test_new_formulae_provide_their_pypi_sdist(homebrew: tuple[FakeBrew, Path]) -> None:
    """Recorded macOS data, target Python 3.13: the sdist in urls.stable names the project."""
    brew, prefix = homebrew
    adapter = checked(prefix)
    closure = adapter.closure("scipy")
    provided = adapter.provided_distributions(closure)
    assert summary(provided) == {
        "scipy": [("scipy", "1.16.2")],
        "numpy": [("numpy", "2.3.3")],
        **{name: [] for name in NUMPY_CLOSURE - {"numpy"} | {"xsimd"}},
    }
    assert provided["scipy"][0].package == closure[0]
    matplotlib = adapter.query(["python-matplotlib"])["python-matplotlib"]
    assert summary(adapter.provided_distributions([matplotlib])) == {
        "python-matplotlib": [("matplotlib", "3.10.6")]
    }
    calls = len(brew.calls)
    adapter.provided_distributions(closure)
    assert len(brew.calls) == calls


def test_formulae_not_built_for_the_target_python_provide_nothing(
    homebrew: tuple[FakeBrew, Path],
) -> None:
    """Recorded macOS data, target Python 3.12: numpy builds for it, scipy and matplotlib do not."""
    _, prefix = homebrew
    adapter = checked(prefix, "3.12")
    found = adapter.query(["numpy", "scipy", "python-matplotlib"])
    assert summary(adapter.provided_distributions(found.values())) == {
        "numpy": [("numpy", "2.3.3")],
        "scipy": [],
        "python-matplotlib": [],
    }


def test_installed_keg_is_read_from_disk(homebrew: tuple[FakeBrew, Path]) -> None:
    """Recorded macOS data (cffi installed, linked) with a keg laid out under tmp_path;
    the keg's .pth file adds a vendored directory, as Homebrew's library guide describes."""
    brew, prefix = homebrew
    site = prefix / "opt" / "cffi" / "lib" / "python3.13" / "site-packages"
    (site / "cffi-2.0.0.dist-info").mkdir(parents=True)
    (site / "cffi").mkdir()
    vendored = prefix / "opt" / "cffi" / "libexec" / "vendor"
    (vendored / "Helper_Lib-1.2.dist-info").mkdir(parents=True)
    (site / "homebrew-cffi-dependencies.pth").write_text(f"import os\n{vendored}\n/no/such/dir\n")
    (prefix / "opt" / "cffi" / "lib" / "python3.12" / "site-packages" / "other-9.dist-info").mkdir(
        parents=True
    )
    adapter = checked(prefix)
    cffi = adapter.query(["cffi"])["cffi"]
    assert summary(adapter.provided_distributions([cffi])) == {
        "cffi": [("cffi", "2.0.0"), ("helper-lib", "1.2")]
    }
    assert PREFIX in brew.calls


def test_installed_but_unlinked_or_keg_only_provides_nothing(
    homebrew: tuple[FakeBrew, Path],
) -> None:
    """Recorded macOS data: sqlite is installed keg-only, openblas would be keg-only."""
    _, prefix = homebrew
    adapter = checked(prefix)
    found = adapter.query(["sqlite", "openblas"])
    assert summary(adapter.provided_distributions(found.values())) == {
        "sqlite": [],
        "openblas": [],
    }


def test_upgrade_moves_keg_distributions_to_the_new_version(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    """Recorded macOS data, with cffi's keg changed to an older 1.17.1 (outdated)."""
    prefix = make_prefix(tmp_path / "homebrew")
    formulae = universe("macos-arm64")
    formulae["cffi"]["installed"][0]["version"] = "1.17.1"
    formulae["cffi"]["linked_keg"] = "1.17.1"
    formulae["cffi"]["outdated"] = True
    brew = FakeBrew(prefix=str(prefix), formulae=formulae)
    mocker.patch("pip_native.subproc.run", side_effect=brew)
    mocker.patch("pip_native.native.brew.shutil.which", return_value="/x/brew")
    site = prefix / "opt" / "cffi" / "lib" / "python3.13" / "site-packages"
    (site / "cffi-1.17.1.dist-info").mkdir(parents=True)
    adapter = checked(prefix)
    cffi = adapter.query(["cffi"])["cffi"]
    assert cffi == pkg("cffi", "2.0.0", "1.17.1")
    assert summary(adapter.provided_distributions([cffi])) == {
        "cffi": [("cffi", "2.0.0")]  # the sdist's version, not the keg's 1.17.1
    }


def test_non_pypi_python_formula_uses_the_mapping(tmp_path: Path, mocker: MockerFixture) -> None:
    """Recorded py3cairo-like case: the numpy JSON renamed 'py3cairo' with a GitHub source URL.
    A formula built for Python but not from a PyPI sdist gets the mapping's names;
    one not built for Python at all (gcc) gets none, whatever the mapping says."""
    prefix = make_prefix(tmp_path / "homebrew")
    formulae = universe("macos-arm64")
    cairo = copy.deepcopy(formulae["numpy"])
    cairo["name"] = cairo["full_name"] = "py3cairo"
    cairo["urls"]["stable"]["url"] = (
        "https://github.com/pygobject/pycairo/releases/download/v1.27.0/pycairo-1.27.0.tar.gz"
    )
    cairo["versions"]["stable"] = "1.27.0"
    formulae["py3cairo"] = cairo
    mocker.patch(
        "pip_native.subproc.run", side_effect=FakeBrew(prefix=str(prefix), formulae=formulae)
    )
    mocker.patch("pip_native.native.brew.shutil.which", return_value="/x/brew")
    mapping = {"py3cairo": ["pycairo"], "gcc": ["gcc-python"]}
    adapter = checked(prefix, dists_for_package=lambda p: mapping.get(p, []))
    found = adapter.query(["py3cairo", "gcc"])
    assert summary(adapter.provided_distributions(found.values())) == {
        "py3cairo": [("pycairo", "1.27.0")],
        "gcc": [],
    }


def test_without_a_checked_target_every_python_counts(fake: FakeBrew) -> None:
    """Recorded macOS data: before check_target, scipy's sdist counts for whatever Python."""
    adapter = BrewAdapter(host=MAC)
    scipy = adapter.query(["scipy"])["scipy"]
    assert summary(adapter.provided_distributions([scipy])) == {"scipy": [("scipy", "1.16.2")]}


# -- plan_install --------------------------------------------------------------


def test_plan_install(fake: FakeBrew) -> None:
    """Recorded macOS data: the step lists every formula brew would install or upgrade."""
    step = BrewAdapter(host=MAC).plan_install(["numpy", "cryptography"])
    assert step.command == ("brew", "install", "--formula", "numpy", "cryptography")
    assert step.requested == ("numpy", "cryptography")
    assert not step.needs_root
    assert step.env is not None and step.env["HOMEBREW_NO_AUTO_UPDATE"] == "1"
    new = {p.name: (p.version, p.installed_version) for p in step.new_packages}
    assert set(new) == NUMPY_CLOSURE | {"cryptography"}
    assert new["xz"] == ("5.8.1", "5.8.0")
    assert new["cryptography"] == ("46.0.0", None)
    assert all(c[1] != "install" for c in fake.calls)  # planning runs no install


def test_plan_install_of_installed_formula_brings_nothing(fake: FakeBrew) -> None:
    step = BrewAdapter(host=MAC).plan_install(["cffi"])
    assert step.new_packages == ()
    assert step.command == ("brew", "install", "--formula", "cffi")


def test_plan_install_unknown_formula(fake: FakeBrew) -> None:
    with pytest.raises(NoNativePackageError) as err:
        BrewAdapter(host=MAC).plan_install(["numpy", "no-such-formula"])
    assert "no-such-formula" in err.value.message
    assert err.value.command == ("brew", "install", "--formula", "numpy", "no-such-formula")
    assert err.value.hint and "brew search no-such-formula" in err.value.hint


def test_plan_install_disabled_formula(mocker: MockerFixture) -> None:
    """Recorded macOS data with numpy marked disabled, as brew reports a disabled formula."""
    formulae = universe("macos-arm64")
    formulae["numpy"]["disabled"] = True
    mocker.patch("pip_native.subproc.run", side_effect=FakeBrew(formulae=formulae))
    adapter = BrewAdapter(host=MAC)
    assert adapter.query(["numpy"])["numpy"].version is None
    with pytest.raises(NoNativePackageError, match="cannot install numpy: it is disabled"):
        adapter.plan_install(["numpy"])
    with pytest.raises(NoNativePackageError, match="it needs numpy, but it is disabled"):
        adapter.plan_install(["scipy"])


@pytest.mark.parametrize("names", [[], ["-v"], ["a b"], ["--cask"], ["numpy;rm"]])
def test_plan_install_rejects_bad_names(fake: FakeBrew, names: list[str]) -> None:
    with pytest.raises(InvalidIdentifierError):
        BrewAdapter(host=MAC).plan_install(names)
    assert fake.calls == []


def test_plan_install_as_root(fake: FakeBrew, mocker: MockerFixture) -> None:
    mocker.patch("pip_native.native.brew._is_root", return_value=True)
    with pytest.raises(PrivilegeError, match="brew refuses to run as root") as err:
        BrewAdapter(host=MAC).plan_install(["numpy"])
    assert err.value.hint and "without sudo" in err.value.hint
    assert fake.calls == []


# -- check_target --------------------------------------------------------------


def test_check_target_accepts_homebrew_python_and_its_venvs(
    homebrew: tuple[FakeBrew, Path],
) -> None:
    brew, prefix = homebrew
    adapter = BrewAdapter(host=MAC)
    adapter.check_target(target(prefix))
    python = str(prefix / "opt" / "python@3.13" / "bin" / "python3.13")
    adapter.check_target(
        target(
            prefix,
            executable=python,
            prefix=str(prefix / "opt" / "python@3.13"),
            is_venv=False,
            system_site_packages=False,
        )
    )
    assert brew.calls == [PREFIX]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"implementation": "pypy"}, "it is pypy"),
        ({"base_executable": "/usr/bin/python3"}, "not based on Homebrew's python@3.13"),
        ({"system_site_packages": False}, "does not include the system site-packages"),
        ({"sys_path": ("/Users/u/.venvs/p/lib/python3.13/site-packages",)}, "not on its sys.path"),
        ({"version": Version("3.11.9")}, "Homebrew's python@3.11 is not installed"),
    ],
)
def test_check_target_refuses(
    homebrew: tuple[FakeBrew, Path], overrides: dict[str, object], reason: str
) -> None:
    _, prefix = homebrew
    env = target(prefix, **overrides)
    with pytest.raises(TargetEnvironmentError) as err:
        BrewAdapter(host=MAC).check_target(env)
    assert reason in err.value.message
    assert env.executable in err.value.message
    assert err.value.hint is not None
    assert " -m venv --system-site-packages " in err.value.hint
    assert err.value.hint.startswith((f"{prefix}/", "brew install python@3.11, then: "))


def test_check_target_default_hint_uses_the_prefix(homebrew: tuple[FakeBrew, Path]) -> None:
    _, prefix = homebrew
    with pytest.raises(TargetEnvironmentError) as err:
        BrewAdapter(host=MAC).check_target(target(prefix, base_executable="/usr/bin/python3"))
    assert err.value.hint == (
        f"{prefix}/bin/python3 -m venv --system-site-packages ~/.venvs/myproject && "
        ". ~/.venvs/myproject/bin/activate"
    )


def test_check_target_repairs_an_existing_venv(homebrew: tuple[FakeBrew, Path]) -> None:
    _, prefix = homebrew
    with pytest.raises(TargetEnvironmentError) as err:
        BrewAdapter(host=MAC).check_target(target(prefix, system_site_packages=False))
    python = f"{prefix}/opt/python@3.13/bin/python3.13"
    assert err.value.hint == (
        f"{python} -m venv --system-site-packages /Users/u/.venvs/p && . /Users/u/.venvs/p/bin/activate"
    )


def test_check_target_as_root(homebrew: tuple[FakeBrew, Path], mocker: MockerFixture) -> None:
    brew, prefix = homebrew
    mocker.patch("pip_native.native.brew._is_root", return_value=True)
    with pytest.raises(TargetEnvironmentError, match="brew refuses to run as root"):
        BrewAdapter(host=LINUX).check_target(target(prefix))
    assert brew.calls == []


def test_check_target_without_brew(mocker: MockerFixture, tmp_path: Path) -> None:
    mocker.patch("pip_native.native.brew.shutil.which", return_value=None)
    with pytest.raises(TargetEnvironmentError, match="brew is not on PATH") as err:
        BrewAdapter(host=MAC).check_target(target(tmp_path))
    assert err.value.hint and "https://brew.sh" in err.value.hint


def test_homebrew_python_resolves_symlinks(tmp_path: Path) -> None:
    """opt/python@3.13 is a symlink into the Cellar; the real path is compared."""
    keg = tmp_path / "Cellar" / "python@3.13" / "3.13.7_1"
    (keg / "bin").mkdir(parents=True)
    (keg / "bin" / "python3.13").write_text("")
    (tmp_path / "opt").mkdir()
    (tmp_path / "opt" / "python@3.13").symlink_to(keg)
    found = BrewAdapter._homebrew_python(str(tmp_path), "3.13")
    assert found == os.path.realpath(keg / "bin" / "python3.13")
    assert BrewAdapter._homebrew_python(str(tmp_path), "3.12") is None


def test_prefix_is_asked_once(fake: FakeBrew) -> None:
    adapter = BrewAdapter(host=MAC)
    assert adapter.prefix() == "/opt/homebrew"
    assert adapter.prefix() == "/opt/homebrew"
    assert fake.calls == [PREFIX]


def test_distribution_names_are_normalized(homebrew: tuple[FakeBrew, Path]) -> None:
    """Recorded macOS data: the project is the canonical name of the sdist's."""
    _, prefix = homebrew
    adapter = checked(prefix)
    numpy = adapter.query(["numpy"])["numpy"]
    (dist,) = adapter.provided_distributions([numpy])["numpy"]
    assert dist.name == NormalizedName("numpy")
    assert dist.version == Version("2.3.3")


# -- with the mapping and the resolver's native source -------------------------


def test_native_source_takes_numpy_from_brew(homebrew: tuple[FakeBrew, Path]) -> None:
    """Recorded macOS data through load_mapping("brew") and NativeSource, as the planner wires
    them: the name guesses find numpy (new; its sdist names it) and cffi (installed; its keg
    has the metadata), and nothing for wget (not in this excerpt of brew's formulae)."""
    from pip_native.mapping import load_mapping
    from pip_native.resolver.sources import NativeSource

    brew, prefix = homebrew
    keg = prefix / "opt" / "cffi" / "lib" / "python3.13" / "site-packages"
    (keg / "cffi-2.0.0.dist-info").mkdir(parents=True)
    mapping = load_mapping("brew")
    source: NativeSource | None = None

    def dists_for_package(package: str) -> Sequence[str]:
        # late-bound, as in the planner: the adapter needs this, the source needs the adapter
        assert source is not None
        return source.dists_for_package(package)

    adapter = BrewAdapter(host=MAC, dists_for_package=dists_for_package)
    source = NativeSource(adapter, mapping)
    adapter.check_target(target(prefix))
    source.prefetch([NormalizedName("numpy"), NormalizedName("cffi"), NormalizedName("wget")])
    numpy = source.candidate(NormalizedName("numpy"))
    assert numpy is not None and numpy.version == Version("2.3.3")
    assert numpy.native is not None and numpy.native.package == pkg("numpy", "2.3.3_1")
    cffi = source.candidate(NormalizedName("cffi"))
    assert cffi is not None and cffi.version == Version("2.0.0")
    assert source.candidate(NormalizedName("wget")) is None
    assert "no brew package is known for wget" in source.reason(NormalizedName("wget"))
    assert len(brew.info_calls()) <= 5  # guesses in one call, then numpy's closure by level


def test_pinned_formula_is_not_upgraded(mocker: MockerFixture) -> None:
    """Recorded macOS data with xz pinned (`brew pin xz`): brew install leaves it at 5.8.0."""
    formulae = universe("macos-arm64")
    formulae["xz"]["pinned"] = True
    mocker.patch("pip_native.subproc.run", side_effect=FakeBrew(formulae=formulae))
    adapter = BrewAdapter(host=MAC)
    assert adapter.query(["xz"])["xz"] == pkg("xz", "5.8.0", "5.8.0")
    step = adapter.plan_install(["numpy"])
    assert {p.name for p in step.new_packages} == NUMPY_CLOSURE - {"xz"}


def test_commands_reach_a_brew_executable(tmp_path: Path) -> None:
    """A stand-in `brew` program (serving the recorded macOS data) run through the real
    subproc.run: argv, the HOMEBREW_* environment and stdout make the round trip."""
    data = Path(__file__).resolve().parent / "data" / "brew"
    log = tmp_path / "calls.log"
    script = tmp_path / "brew"
    script.write_text(
        f"""#!{sys.executable}
import json, os, sys
with open({str(log)!r}, "a") as fh:
    fh.write(" ".join(sys.argv[1:]) + " | " + os.environ.get("HOMEBREW_NO_AUTO_UPDATE", "-") + "\\n")
universe = json.load(open({str(data / "macos-arm64.universe.json")!r}))
args = sys.argv[1:]
if args == ["formulae"]:
    print("\\n".join(sorted(universe)))
elif args[:3] == ["info", "--json=v2", "--installed"]:
    print(json.dumps({{"formulae": [f for f in universe.values() if f["installed"]], "casks": []}}))
else:
    print(json.dumps({{"formulae": [universe[n] for n in args[3:]], "casks": []}}))
"""
    )
    script.chmod(0o755)
    adapter = BrewAdapter(host=MAC, brew=str(script))
    assert [p.name for p in adapter.closure("cryptography")] == [
        "cryptography",
        "cffi",
        "openssl@3",
        "pycparser",
        "ca-certificates",
    ]
    assert log.read_text().splitlines() == [
        "info --json=v2 --installed | 1",
        "formulae | 1",
        "info --json=v2 --formula cryptography | 1",
    ]
