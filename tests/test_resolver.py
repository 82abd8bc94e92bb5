"""The joint resolution over a local index (tiny real wheels) and an in-memory system universe."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging import tags
from packaging.requirements import Requirement

from fakes import FakeAdapter, FakePackage, installed, make_env
from localindex import LocalIndex
from pip_native.environment import TargetEnvironment
from pip_native.errors import ResolutionConflictError
from pip_native.index.client import PackageIndex
from pip_native.index.config import IndexConfig
from pip_native.mapping import load_mapping
from pip_native.resolver import Resolution, Source, resolve
from pip_native.resolver.model import USER, SpecRequirement
from pip_native.resolver.provider import SplitProvider
from pip_native.resolver.sources import NativeSource, PyPISource

PLATFORM_TAG = str(next(iter(tags.sys_tags())))
"""The running interpreter's most specific tag: a wheel built for it is *not* pure."""


def system_universe() -> dict[str, FakePackage]:
    """Debian bookworm's shape: sklearn brings numpy, scipy, joblib, threadpoolctl."""
    pkgs = [
        FakePackage(
            "python3-sklearn",
            "1.2.1+dfsg-1",
            [("scikit-learn", "1.2.1")],
            ["python3-numpy", "python3-scipy", "python3-joblib", "python3-threadpoolctl"],
        ),
        FakePackage("python3-numpy", "1:1.24.2-1+deb12u1", [("numpy", "1.24.2")], ["libblas3"]),
        FakePackage("python3-scipy", "1.10.1-2", [("scipy", "1.10.1")], ["python3-numpy"]),
        FakePackage("python3-joblib", "1.2.0-4", [("joblib", "1.2.0")]),
        FakePackage("python3-threadpoolctl", "3.1.0-1", [("threadpoolctl", "3.1.0")]),
        FakePackage("python3-yaml", "6.0-3", [("PyYAML", "6.0")], ["libyaml-0-2"]),
        FakePackage("libblas3", "3.11.0-2"),
        FakePackage("libyaml-0-2", "0.2.5-1"),
        FakePackage("python3-requests", "2.28.1+dfsg-1", [("requests", "2.28.1")]),
    ]
    return {p.name: p for p in pkgs}


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    idx = LocalIndex(tmp_path / "index")
    idx.add_wheel(
        "requests",
        "2.32.3",
        requires=[
            "urllib3>=1.21.1,<3",
            "idna>=2.5,<4",
            "certifi>=2017.4.17",
            "charset-normalizer>=2,<4",
            'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
        ],
        extras=["socks"],
    )
    idx.add_wheel(
        "requests", "2.31.0", requires=["urllib3", "idna", "certifi", "charset-normalizer"]
    )
    idx.add_wheel("urllib3", "2.2.3")
    idx.add_wheel("urllib3", "1.26.20")
    idx.add_wheel("idna", "3.10")
    idx.add_wheel("certifi", "2024.8.30")
    idx.add_wheel("charset-normalizer", "3.4.0")
    idx.add_wheel("charset-normalizer", "3.4.0", tag=PLATFORM_TAG)
    idx.add_wheel("pysocks", "1.7.1")
    for v in ("1.26.4", "2.1.0"):
        idx.add_wheel("numpy", v, tag=PLATFORM_TAG)
    idx.add_wheel("scipy", "1.14.1", tag=PLATFORM_TAG, requires=["numpy>=1.23.5"])
    idx.add_wheel(
        "scikit-learn",
        "1.5.2",
        tag=PLATFORM_TAG,
        requires=["numpy>=1.19.5", "scipy>=1.6.0", "joblib>=1.2.0", "threadpoolctl>=3.1.0"],
    )
    idx.add_sdist("scikit-learn", "1.5.2")
    idx.add_wheel("joblib", "1.4.2")
    idx.add_wheel("joblib", "1.2.0")
    idx.add_wheel("threadpoolctl", "3.5.0")
    idx.add_wheel("pyyaml", "6.0.2", tag=PLATFORM_TAG)
    idx.add_wheel("plotlib", "2.0", requires=["numpy>=2"])
    idx.add_wheel("plotlib", "1.0", requires=["numpy>=1.20"])
    idx.add_wheel("needs-new-joblib", "1.0", requires=["joblib>=1.4"])
    idx.add_wheel("compiledonly", "1.0", tag=PLATFORM_TAG)
    idx.add_wheel("future-only", "1.0", requires_python=">=3.99")
    idx.add_wheel("future-only", "0.9")
    idx.build()
    return idx


@pytest.fixture
def mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(
        "[apt]\n"
        'scikit-learn = ["python3-sklearn"]\n'
        'numpy = ["python3-numpy"]\n'
        'scipy = ["python3-scipy"]\n'
        'joblib = ["python3-joblib"]\n'
        'threadpoolctl = ["python3-threadpoolctl"]\n'
        'pyyaml = ["python3-yaml"]\n'
        'requests = ["python3-requests"]\n',
        encoding="utf-8",
    )
    return path


class World:
    def __init__(
        self,
        index: LocalIndex,
        mapping_file: Path,
        tmp_path: Path,
        env: TargetEnvironment | None = None,
    ) -> None:
        self.adapter = FakeAdapter(system_universe())
        table = load_mapping(
            "apt",
            user_files=[mapping_file],
            distro_id="none",
            distro_release="none",
            use_distro_data=False,
        )
        self.native = NativeSource(self.adapter, table)
        self.env = env or make_env()
        self.index = PackageIndex(
            IndexConfig(index_url=index.file_url), cache_dir=tmp_path / "cache"
        )

    def provider(self, *, upgrade: bool = False) -> SplitProvider:
        return SplitProvider(
            env=self.env,
            pypi=PyPISource(self.index, self.env),
            native=self.native,
            upgrade=lambda _n: upgrade,
        )

    def resolve(self, *reqs: str, upgrade: bool = False) -> Resolution:
        wanted = [SpecRequirement.from_requirement(Requirement(r), USER) for r in reqs]
        return resolve(wanted, self.provider(upgrade=upgrade))


@pytest.fixture
def world(index: LocalIndex, mapping_file: Path, tmp_path: Path) -> World:
    return World(index, mapping_file, tmp_path)


def sources(res: Resolution) -> dict[str, tuple[str, str]]:
    return {n: (str(c.version), c.source.value) for n, c in res.candidates.items()}


def test_sklearn_and_requests_split_between_apt_and_pypi(world: World) -> None:
    res = world.resolve("scikit-learn", "requests")
    assert sources(res) == {
        "scikit-learn": ("1.2.1", "native"),
        "numpy": ("1.24.2", "native"),
        "scipy": ("1.10.1", "native"),
        # pure projects, but python3-sklearn brings them: the system copies count as provided
        "joblib": ("1.2.0", "native"),
        "threadpoolctl": ("3.1.0", "native"),
        "requests": ("2.32.3", "pypi"),
        "urllib3": ("2.2.3", "pypi"),
        "idna": ("3.10", "pypi"),
        "certifi": ("2024.8.30", "pypi"),
        "charset-normalizer": ("3.4.0", "pypi"),
    }
    wheel = res.candidates["charset-normalizer"].file
    assert wheel is not None and wheel.is_pure  # the pure wheel, not the platform one
    assert res.required_by["joblib"] == ("scikit-learn 1.2.1",)
    assert res.required_by["requests"] == ("you",)


def test_pure_requirement_conflicting_with_apt_version_names_both_sides(world: World) -> None:
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("scikit-learn", "numpy>=2")
    text = err.value.render()
    assert "numpy>=2 (required by you)" in text
    assert "no pure wheel" in text
    assert "apt offers 1.24.2 (python3-numpy 1:1.24.2-1+deb12u1)" in text


def test_pure_dependency_cannot_shadow_a_system_provided_copy(world: World) -> None:
    # needs-new-joblib wants joblib>=1.4; python3-sklearn brings joblib 1.2.0 from apt.
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("scikit-learn", "needs-new-joblib")
    text = err.value.render()
    assert "joblib>=1.4 (required by needs-new-joblib 1.0)" in text
    assert "joblib==1.2.0 from apt" in text


def test_backtracks_to_an_older_pure_release_that_fits_the_system(world: World) -> None:
    res = world.resolve("plotlib")
    assert sources(res)["plotlib"] == ("1.0", "pypi")
    assert sources(res)["numpy"] == ("1.24.2", "native")


def test_native_project_without_system_package_is_a_clear_error(world: World) -> None:
    with pytest.raises(ResolutionConflictError) as err:
        world.resolve("compiledonly")
    text = err.value.render()
    assert "compiledonly" in text
    assert "no pure wheel" in text.lower()
    assert "no apt package is known for compiledonly" in text
    assert "--mapping FILE" in text  # the hint says how to map it


def test_requires_python_filters_pure_wheels(world: World) -> None:
    assert sources(world.resolve("future-only"))["future-only"] == ("0.9", "pypi")


def test_extras_pull_in_their_dependencies(world: World) -> None:
    res = world.resolve("requests[socks]")
    assert sources(res)["pysocks"] == ("1.7.1", "pypi")
    assert res.extras["requests"] == frozenset({"socks"})


def test_installed_distribution_is_kept_unless_upgrading(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    env = make_env(
        installed(
            "requests", "2.31.0", requires=["urllib3", "idna", "certifi", "charset-normalizer"]
        )
    )
    w = World(index, mapping_file, tmp_path, env=env)
    assert sources(w.resolve("requests"))["requests"] == ("2.31.0", "installed")
    assert sources(w.resolve("requests", upgrade=True))["requests"] == ("2.32.3", "pypi")


def test_system_installed_copy_satisfies_the_native_pin(
    index: LocalIndex, mapping_file: Path, tmp_path: Path
) -> None:
    env = make_env(
        installed("numpy", "1.24.2", in_target=False, location="/usr/lib/python3/dist-packages")
    )
    w = World(index, mapping_file, tmp_path, env=env)
    w.adapter.packages["python3-numpy"].installed = True
    res = w.resolve("scikit-learn")
    assert res.candidates["numpy"].source is Source.INSTALLED
    assert res.candidates["numpy"].is_system_provided


def test_native_lookups_are_batched(world: World) -> None:
    world.resolve("scikit-learn", "requests", "pyyaml")
    queries = [args for kind, args in world.adapter.calls if kind == "query"]
    # the first query covers every direct requirement's mapped package at once
    assert {"python3-sklearn", "python3-yaml"} <= set(queries[0])
