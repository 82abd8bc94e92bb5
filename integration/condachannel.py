"""A local conda channel of tiny ``pntc-*`` packages built with py-rattler-build, and prefixes to test in.

Usage::

    channel = CondaChannel(tmp_path / "channel")
    channel.add(FakeConda("pntc-core", "1.0", dist="pntc-core", depends=("python", "libpntc")))
    channel.add(FakeConda("libpntc", "2.0", files={"lib/libpntc.so.2": "..."}))
    channel.add(python_stub())          # a file-less "python" record for the prefix's interpreter
    channel.index()                     # rattler.index.index_fs -> noarch/ and <platform>/repodata.json
    prefix = make_prefix(tmp_path / "env", channel)   # conda-meta/ with the python stub installed

Packages are real ``.conda`` archives (``rattler_build.assemble_package``);
a ``noarch: python`` package ships ``site-packages/<dist>-<ver>.dist-info/``
(METADATA, INSTALLER) and an importable module ``<dist with _>`` whose
``__version__`` is the version. Nothing here touches the network.
"""

from __future__ import annotations

import asyncio
import datetime
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from localindex import LocalIndex

__all__ = [
    "CondaChannel",
    "FakeConda",
    "install_records",
    "make_prefix",
    "make_venv_prefix",
    "python_stub",
]

_TIMESTAMP = datetime.datetime(2026, 11, 25, tzinfo=datetime.timezone.utc)


def current_platform() -> str:
    import rattler

    return str(rattler.Subdir.current())


@dataclass(frozen=True)
class FakeConda:
    """One package of the test channel."""

    name: str
    version: str
    depends: tuple[str, ...] = ()
    dist: str | None = None
    """PyPI distribution the package ships (makes it ``noarch: python``)."""
    dist_version: str | None = None
    """The dist-info version, when it differs from the conda version."""
    requires_dist: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    """Extra files by path in the package (prefix-relative; ``site-packages/…`` for noarch: python)."""
    build: str | None = None


def python_stub(version: str | None = None) -> FakeConda:
    """A ``python`` package with no files, at the running interpreter's version.

    Installed into a venv-made prefix it registers the venv's own
    interpreter as conda's ``python`` (what a real conda environment has),
    so ``noarch: python`` packages go to ``lib/pythonX.Y/site-packages``.
    """
    return FakeConda(
        "python",
        version or platform.python_version(),
        files={
            "share/pntc-python-stub.txt": "the venv's interpreter stands in for conda's python\n"
        },
    )


class CondaChannel:
    """``<root>/noarch`` and ``<root>/<platform>`` with ``.conda`` files and repodata.json."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.platform = current_platform()
        for subdir in ("noarch", self.platform):
            (self.root / subdir).mkdir(parents=True, exist_ok=True)
        self._stage = self.root.parent / f".{self.root.name}-stage"
        self.packages: list[FakeConda] = []

    @property
    def url(self) -> str:
        return self.root.as_uri()

    def add(self, pkg: FakeConda) -> Path:
        """Build ``pkg`` into the channel (call :meth:`index` afterwards)."""
        import rattler_build

        stage = self._stage / f"{pkg.name}-{pkg.version}"
        stage.mkdir(parents=True, exist_ok=True)
        noarch = "python" if pkg.dist else None
        if pkg.dist:
            module = pkg.dist.replace("-", "_")
            version = pkg.dist_version or pkg.version
            meta = stage / "site-packages" / f"{module}-{version}.dist-info"
            meta.mkdir(parents=True, exist_ok=True)
            lines = ["Metadata-Version: 2.1", f"Name: {pkg.dist}", f"Version: {version}"]
            lines += [f"Requires-Dist: {r}" for r in pkg.requires_dist]
            (meta / "METADATA").write_text("\n".join(lines) + "\n")
            (meta / "INSTALLER").write_text("conda\n")
            package_dir = stage / "site-packages" / module
            package_dir.mkdir(parents=True, exist_ok=True)
            (package_dir / "__init__.py").write_text(f"__version__ = {version!r}\n")
        for rel, text in pkg.files.items():
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        subdir = "noarch" if noarch else self.platform
        build = pkg.build or ("pyh0_0" if noarch else "h0_0")
        out = rattler_build.assemble_package(
            pkg.name,
            pkg.version,
            subdir,
            build,
            self.root / subdir,
            files_dir=stage,
            depends=list(pkg.depends),
            noarch=noarch,
            timestamp=_TIMESTAMP,
        )
        self.packages.append(pkg)
        return Path(out.path)

    def index(self) -> None:
        """Write repodata.json for every subdir (``rattler.index.index_fs``)."""
        import rattler.index

        asyncio.run(rattler.index.index_fs(self.root, write_zst=False, write_shards=False))


def install_records(prefix: Path, channel: CondaChannel, specs: Sequence[str], cache: Path) -> None:
    """Solve ``specs`` (keeping what is installed) and install them with py-rattler (test setup)."""
    import rattler

    async def run() -> None:
        installed = (
            [
                rattler.PrefixRecord.from_path(p)
                for p in sorted((prefix / "conda-meta").glob("*.json"))
            ]
            if (prefix / "conda-meta").is_dir()
            else []
        )
        keep = [r.name.normalized for r in installed]
        records = await rattler.solve(
            sources=[rattler.Channel(channel.url)],
            specs=[*specs, *keep],
            gateway=rattler.Gateway(cache_dir=cache / "repodata"),
            platforms=[rattler.Subdir.current(), rattler.Subdir("noarch")],
            locked_packages=installed,
            virtual_packages=[],
        )
        await rattler.install(
            records,
            prefix,
            cache_dir=cache / "pkgs",
            installed_packages=installed,
            show_progress=False,
        )

    asyncio.run(run())


def make_prefix(path: Path, channel: CondaChannel, cache: Path) -> Path:
    """A fresh conda prefix holding only the python stub (``conda-meta/python-*.json``)."""
    install_records(path, channel, ["python"], cache)
    return path


def make_venv_prefix(path: Path, channel: CondaChannel, cache: Path) -> Path:
    """``python -m venv PATH`` registered as a conda environment: the python stub in ``conda-meta/``.

    A venv has the site-packages layout of conda's noarch:python
    (``lib/pythonX.Y/site-packages``) and a working interpreter with pip;
    the stub record makes its ``sys.prefix`` a conda prefix whose ``python``
    is that interpreter.
    """
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True)
    return make_prefix(path, channel, cache)


def pntc_packages() -> list[FakeConda]:
    """The packages of the test channel (all named *pntc*), with the running Python's stub."""
    return [
        python_stub(),
        # a non-Python shared library
        FakeConda("libpntc", "2.0", files={"lib/libpntc.so.2": "not really a library\n"}),
        # a Python leaf on the library, in two versions: 1.0 is the newest
        FakeConda("pntc-core", "1.0", depends=("python", "libpntc >=2"), dist="pntc-core"),
        FakeConda("pntc-core", "0.9", depends=("python", "libpntc >=2"), dist="pntc-core"),
        FakeConda("pntc-helper", "0.5", depends=("python",), dist="pntc-helper"),
        FakeConda(
            "pntc-app",
            "2.0",
            depends=("python", "pntc-core >=1.0", "pntc-helper"),
            dist="pntc-app",
            requires_dist=("pntc-core>=1.0", "pntc-helper"),
        ),
        # unrelated: must survive later installs (rattler.install is a full transaction)
        FakeConda("pntc-other", "1.0", depends=("python",), dist="pntc-other"),
        # needs the old core: conflicts with an installed pntc-app
        FakeConda("pntc-old", "0.1", depends=("python", "pntc-core <1.0"), dist="pntc-old"),
        # needs a newer C library than any machine has, unless CONDA_OVERRIDE_GLIBC says so
        FakeConda("pntc-newglibc", "1.0", depends=("python", "__glibc >=99")),
        # conda name differs from the PyPI name (like pytorch/torch): only a mapping knows
        FakeConda("py-pntc-renamed", "3.1", depends=("python",), dist="pntc-renamed"),
    ]


def build_test_channel(root: Path) -> CondaChannel:
    """:func:`pntc_packages` built and indexed in ``root``."""
    channel = CondaChannel(root)
    for pkg in pntc_packages():
        channel.add(pkg)
    channel.index()
    return channel


def build_pntc_index(root: Path) -> LocalIndex:
    """Wheels matching the test channel's pntc-* packages (native ones with a platform tag)."""
    from localindex import LocalIndex

    tag = "cp311-cp311-manylinux_2_17_x86_64"
    idx = LocalIndex(root)
    idx.add_wheel("pntc-core", "1.0", tag=tag)
    idx.add_wheel("pntc-app", "2.0", tag=tag)
    idx.add_wheel("pntc-helper", "0.7")
    idx.add_wheel("pntc-helper", "0.5")
    idx.add_wheel("pntc-purelib", "1.0", requires=["pntc-core>=1.0"])
    idx.build()
    return idx
