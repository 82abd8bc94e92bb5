"""The shared test scenario: a local index of tiny real wheels, an in-memory
system universe shaped like Debian bookworm's, and a mapping file linking them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from packaging import tags
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from fakes import FakeAdapter, FakePackage, make_env
from localindex import LocalIndex
from pip_native.environment import TargetEnvironment
from pip_native.index.client import PackageIndex
from pip_native.index.config import IndexConfig
from pip_native.mapping import load_mapping
from pip_native.resolver import Resolution, resolve
from pip_native.resolver.model import USER, Constraint, SpecRequirement
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
        # argon2-cffi's shape: older releases held the C code; PyPI's pure ones need a
        # bindings project the system lacks
        FakePackage("python3-argonish", "1.0-2", [("argonish", "1.0")], ["libblas3"]),
    ]
    return {p.name: p for p in pkgs}


def build_index(tmp_path: Path) -> LocalIndex:
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
    idx.add_wheel("needs-compiled", "2.0", requires=["compiledonly"])
    idx.add_wheel("needs-compiled", "1.0")
    # Every "mid" needs the unavailable native project; only top 1.0 does without mid.
    for v in ("1.0", "2.0", "3.0", "4.0", "5.0"):
        idx.add_wheel("mid", v, requires=["compiledonly"])
    for v in ("2.0", "3.0", "4.0", "5.0"):
        idx.add_wheel("top", v, requires=["mid>=1"])
    idx.add_wheel("top", "1.0")
    # pip's pre-release rule: a final release that fits (2.0, dead) keeps 3.0a1 out.
    idx.add_wheel("pre-top", "1.0")
    idx.add_wheel("pre-top", "2.0", requires=["compiledonly"])
    idx.add_wheel("pre-top", "3.0a1")
    for v in ("2.0", "3.0"):
        idx.add_wheel("argonish", v, requires=["compiledonly"])
    idx.add_wheel("argonish", "1.0", tag=PLATFORM_TAG)
    idx.add_wheel("argonish-server", "2.0", requires=["argonish>=1.0"])
    idx.add_wheel("future-only", "1.0", requires_python=">=3.99")
    idx.add_wheel("future-only", "0.9")
    idx.build()
    return idx


def write_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(
        "[apt]\n"
        'scikit-learn = ["python3-sklearn"]\n'
        'numpy = ["python3-numpy"]\n'
        'scipy = ["python3-scipy"]\n'
        'joblib = ["python3-joblib"]\n'
        'threadpoolctl = ["python3-threadpoolctl"]\n'
        'pyyaml = ["python3-yaml"]\n'
        'requests = ["python3-requests"]\n'
        'argonish = ["python3-argonish"]\n',
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
        self.config = IndexConfig(index_url=index.file_url)
        self.index = PackageIndex(self.config, cache_dir=tmp_path / "cache")

    def provider(self, *, upgrade: bool = False, constraints: Sequence[str] = ()) -> SplitProvider:
        return SplitProvider(
            env=self.env,
            pypi=PyPISource(self.index, self.env),
            native=self.native,
            upgrade=lambda _n: upgrade,
            constraints={
                canonicalize_name(Requirement(c).name): Constraint.of(
                    Requirement(c), "c.txt, line 1"
                )
                for c in constraints
            },
        )

    def resolve(
        self, *reqs: str, upgrade: bool = False, constraints: Sequence[str] = ()
    ) -> Resolution:
        wanted = [SpecRequirement.from_requirement(Requirement(r), USER) for r in reqs]
        return resolve(wanted, self.provider(upgrade=upgrade, constraints=constraints))
