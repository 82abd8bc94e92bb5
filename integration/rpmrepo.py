"""Throwaway local RPM repositories of tiny noarch packages, and a dnf setup that sees only them.

Everything dnf and rpm do here happens in an installroot under a temporary
directory, never in the host's package database. On Debian, rpm's database path
is ``$HOME/.rpmdb`` (inside the installroot), so HOME must not change between
the commands of one test.
"""

from __future__ import annotations

import os
import platform
import re
import shlex
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pip_native import subproc

__all__ = [
    "PYTHON_XY",
    "DnfSandbox",
    "FakeRpm",
    "build_repo",
    "build_rpm",
    "dnf_unusable_reason",
    "install",
    "make_sandbox",
    "pntest_packages",
    "rpm_state",
    "shared_sandbox",
]


def _host_python_xy() -> str:
    name = Path(os.path.realpath("/usr/bin/python3")).name
    if re.fullmatch(r"python\d+\.\d+", name):
        return name.removeprefix("python")
    return "{}.{}".format(*platform.python_version_tuple()[:2])


#: The Python version the fake interpreter package claims (``python(abi)``): the host's
#: /usr/bin/python3's, so a venv of it can import what dnf puts in the installroot.
PYTHON_XY = _host_python_xy()
SITE = f"/usr/lib/python{PYTHON_XY}/site-packages"
RELEASEVER = "40"


@dataclass(frozen=True)
class FakeRpm:
    """One tiny package. ``dist`` set: it ships ``<dist>-<ver>.dist-info`` and a module.

    Dependencies are exactly those given (``AutoReqProv: no``), as RPM strings:
    ``python(abi) = 3.11``, ``(a or b)``, ``python3dist(x) >= 1``.
    """

    name: str
    version: str
    release: str = "1"
    epoch: int | None = None
    arch: str = "noarch"
    requires: Sequence[str] = ()
    provides: Sequence[str] = ()
    conflicts: Sequence[str] = ()
    recommends: Sequence[str] = ()
    dist: str | None = None
    """PyPI name (``pntest-core``); its module is ``pntest_core``."""
    dist_version: str | None = None
    """Version in METADATA and in ``python3dist(...)``; default: ``version``."""
    python_provide: str | None = None
    """The ``python3dist(...) = …`` version as Fedora's generator writes it (default: derived)."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Extra files: path inside the package -> content; a value starting with ``->`` is a symlink."""
    dirs: Sequence[str] = ()
    """Directories the package owns (created empty)."""

    @property
    def module(self) -> str | None:
        return self.dist.replace("-", "_").replace(".", "_") if self.dist else None

    @property
    def metadata_version(self) -> str:
        return self.dist_version or self.version.replace("~", "")

    @property
    def evr(self) -> str:
        epoch = f"{self.epoch}:" if self.epoch is not None else ""
        return f"{epoch}{self.version}-{self.release}"

    def all_provides(self) -> list[str]:
        found = list(self.provides)
        if self.dist is not None:
            version = self.python_provide or self.version
            found.append(f"python3dist({self.dist}) = {version}")
            found.append(f"python{PYTHON_XY}dist({self.dist}) = {version}")
        return found

    def spec(self, payload: Path) -> str:
        lines = [
            f"Name: {self.name}",
            f"Version: {self.version}",
            f"Release: {self.release}",
            "Summary: pip-native test package (throwaway)",
            "License: MIT",
            f"BuildArch: {self.arch}",
            "AutoReqProv: no",
        ]
        if self.epoch is not None:
            lines.append(f"Epoch: {self.epoch}")
        for label, values in (
            ("Requires", self.requires),
            ("Provides", self.all_provides()),
            ("Conflicts", self.conflicts),
            ("Recommends", self.recommends),
        ):
            lines += [f"{label}: {value}" for value in values]
        lines += [
            "%description",
            f"pip-native test package {self.name}.",
            "%install",
            f"cp -a {shlex.quote(str(payload))}/. %{{buildroot}}/",
            "%files",
        ]
        for path in sorted(self._tree()):
            lines.append(f"%dir {path}" if path in self.dirs else path)
        return "\n".join(lines) + "\n"

    def _tree(self) -> dict[str, str | None]:
        """Everything the package ships: path -> content (None for an owned directory)."""
        tree: dict[str, str | None] = dict(self.files)
        tree.update(dict.fromkeys(self.dirs))
        if self.dist is not None and self.module is not None:
            meta = f"{SITE}/{self.module}-{self.metadata_version}.dist-info/METADATA"
            tree[meta] = (
                f"Metadata-Version: 2.1\nName: {self.dist}\nVersion: {self.metadata_version}\n"
            )
            tree[f"{SITE}/{self.module}/__init__.py"] = (
                f'"""{self.name} {self.evr}."""\n\nVERSION = "{self.metadata_version}"\n'
            )
        if not tree:
            tree[f"/usr/share/doc/{self.name}/README"] = f"{self.name} ships no Python code.\n"
        return tree

    def write_payload(self, root: Path) -> None:
        for path, content in self._tree().items():
            target = root / path.lstrip("/")
            if content is None:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if content.startswith("->"):
                target.symlink_to(content[2:].strip())
            else:
                target.write_text(content)


def build_rpm(pkg: FakeRpm, workdir: Path, outdir: Path) -> Path:
    """Build ``pkg`` with ``rpmbuild -bb`` into ``outdir``; return the .rpm path."""
    base = workdir / f"{pkg.name}-{pkg.version}-{pkg.release}"
    payload = base / "payload"
    payload.mkdir(parents=True)
    pkg.write_payload(payload)
    spec = base / f"{pkg.name}.spec"
    spec.write_text(pkg.spec(payload))
    subproc.run(
        [
            "rpmbuild",
            "-bb",
            "--nodeps",
            "--quiet",
            "--define",
            f"_topdir {base / 'top'}",
            "--define",
            f"_rpmdir {outdir}",
            "--define",
            "_build_id_links none",
            "--define",
            "__os_install_post %{nil}",
            str(spec),
        ],
        what=f"build the test package {pkg.name}",
        timeout=120,
    )
    return next(outdir.rglob(f"{pkg.name}-{pkg.version}-{pkg.release}.*.rpm"))


def build_repo(packages: Sequence[FakeRpm], repo: Path) -> Path:
    """A repository (``createrepo_c``) holding ``packages``."""
    repo.mkdir(parents=True, exist_ok=True)
    work = repo.parent / f"{repo.name}-build"
    work.mkdir(exist_ok=True)
    for pkg in packages:
        build_rpm(pkg, work, repo)
    subproc.run(["createrepo_c", "--quiet", str(repo)], what="index the test repository")
    return repo


@dataclass(frozen=True)
class DnfSandbox:
    """A local repository, an installroot and the dnf options that see only them."""

    repo: Path
    root: Path
    config: Path
    reposdir: Path
    packages: tuple[FakeRpm, ...] = ()

    @property
    def options(self) -> tuple[str, ...]:
        return (
            f"--config={self.config}",
            f"--setopt=reposdir={self.reposdir}",
            f"--releasever={RELEASEVER}",
        )

    @property
    def env(self) -> dict[str, str]:
        """The environment variables that point pip-native's dnf adapter at the sandbox."""
        return {
            "PIP_NATIVE_DNF_INSTALLROOT": str(self.root),
            "PIP_NATIVE_DNF_OPTIONS": shlex.join(self.options),
        }

    @property
    def dnf(self) -> list[str]:
        """``dnf`` with the sandbox's options (for setting up and checking, not under test)."""
        return ["dnf", "-q", f"--installroot={self.root}", *self.options]

    def site_packages(self) -> Path:
        return self.root / SITE.lstrip("/")

    def package(self, name: str, version: str | None = None) -> FakeRpm:
        return next(p for p in self.packages if p.name == name and version in (None, p.version))

    def with_root(self, root: Path) -> DnfSandbox:
        """The same repository and configuration with another (new, empty) installroot."""
        root.mkdir(parents=True, exist_ok=True)
        return replace(self, root=root)


def write_dnf_config(directory: Path, repo: Path) -> tuple[Path, Path]:
    """A dnf.conf and a repos directory whose only repository is ``repo`` (no gpg checks)."""
    reposdir = directory / "repos.d"
    reposdir.mkdir(parents=True, exist_ok=True)
    (reposdir / "pntest.repo").write_text(
        f"[pntest]\nname=pip-native tests\nbaseurl=file://{repo}\ngpgcheck=0\n"
        "repo_gpgcheck=0\nenabled=1\nmetadata_expire=never\n"
    )
    config = directory / "dnf.conf"
    config.write_text(
        "[main]\ngpgcheck=0\ninstall_weak_deps=False\nbest=False\nskip_if_unavailable=False\n"
        "keepcache=False\nplugins=False\n"
    )
    return config, reposdir


def make_sandbox(packages: Sequence[FakeRpm], directory: Path) -> DnfSandbox:
    """Build the repository, write the dnf configuration, make an empty installroot."""
    repo = build_repo(packages, directory / "repo")
    config, reposdir = write_dnf_config(directory / "dnf-conf", repo)
    root = directory / "root"
    root.mkdir()
    return DnfSandbox(
        repo=repo, root=root, config=config, reposdir=reposdir, packages=tuple(packages)
    )


def pntest_packages() -> list[FakeRpm]:
    """The packages of the test repository (all but the interpreter named *pntest*)."""
    abi = f"python(abi) = {PYTHON_XY}"
    return [
        # the root's interpreter, as far as dnf is concerned: python(abi) and the site dirs
        FakeRpm(
            "python3",
            f"{PYTHON_XY}.99",
            provides=(abi, f"python{PYTHON_XY}"),
            dirs=(SITE, f"/usr/lib64/python{PYTHON_XY}/site-packages"),
            files={"/usr/bin/python3": f"-> python{PYTHON_XY}"},
        ),
        # a leaf in two versions: 1.0 is the candidate
        FakeRpm("python3-pntest-core", "1.0", requires=(abi,), dist="pntest-core"),
        FakeRpm("python3-pntest-core", "0.9", requires=(abi,), dist="pntest-core"),
        # a library without Python code, found through a soname provide
        FakeRpm("libpntest", "1.2", arch="noarch", provides=("libpntest.so.0()(64bit)",)),
        FakeRpm(
            "python3-pntest-helper",
            "0.5",
            requires=(abi, "libpntest.so.0()(64bit)"),
            dist="pntest-helper",
        ),
        # found through a virtual provide; epoch in the version
        FakeRpm(
            "python3-pntest-impl",
            "3.1",
            release="2.fc40",
            epoch=1,
            requires=(abi,),
            provides=("pntest-virtual",),
            dist="pntest-impl",
        ),
        FakeRpm(
            "python3-pntest-app",
            "2.0",
            requires=(
                abi,
                "python3dist(pntest-core) >= 1.0",
                "(python3-pntest-missing or python3dist(pntest-helper) >= 0.5)",
                "pntest-virtual",
            ),
            recommends=("python3-pntest-extra",),
            dist="pntest-app",
        ),
        # a weak dependency only: never installed (install_weak_deps=False)
        FakeRpm("python3-pntest-extra", "1.0", requires=(abi,), dist="pntest-extra"),
        # needs the older core: dnf picks core 0.9 for it
        FakeRpm(
            "python3-pntest-old",
            "0.1",
            requires=(abi, "python3-pntest-core < 1.0"),
            dist="pntest-old",
        ),
        # conflicts with core: dnf refuses (it never removes without --allowerasing)
        FakeRpm(
            "python3-pntest-core2",
            "1.0",
            requires=(abi,),
            conflicts=("python3-pntest-core",),
            dist="pntest-core2",
        ),
        # needs something nobody provides
        FakeRpm(
            "python3-pntest-broken",
            "1.0",
            requires=(abi, "libpntest-gone.so.1()(64bit)"),
            dist="pntest-broken",
        ),
        # a pre-release, as Fedora's generator writes it (1.0rc1 -> 1~rc1)
        FakeRpm(
            "python3-pntest-pre",
            "1.0~rc1",
            requires=(abi,),
            dist="pntest-pre",
            dist_version="1.0rc1",
            python_provide="1~rc1",
        ),
        # a name too long for dnf's table column: the row wraps
        FakeRpm(
            "python3-pntest-with-a-name-long-enough-to-wrap-the-table",
            "1.0",
            requires=(abi,),
            dist="pntest-with-a-name-long-enough-to-wrap-the-table",
        ),
        # one package, two distributions
        FakeRpm(
            "python3-pntest-multi",
            "1.0",
            requires=(abi,),
            provides=("python3dist(pntest-multi-plugin) = 2.0",),
            files={
                f"{SITE}/pntest_multi_plugin-2.0.dist-info/METADATA": (
                    "Metadata-Version: 2.1\nName: pntest-multi-plugin\nVersion: 2.0\n"
                ),
            },
            dist="pntest-multi",
        ),
    ]


_SHARED: dict[Path, DnfSandbox] = {}


def shared_sandbox(base: Path) -> DnfSandbox:
    """The pntest repository, built once per test session (``base``: the session's temp dir)."""
    if base not in _SHARED:
        directory = base / "dnf-pntest"
        directory.mkdir()
        _SHARED[base] = make_sandbox(pntest_packages(), directory)
    return _SHARED[base]


def install(sandbox: DnfSandbox, *specs: str) -> None:
    """``dnf install -y SPEC…`` into the sandbox's root (test setup, not the code under test)."""
    subproc.run(
        [*sandbox.dnf, "install", "-y", *specs],
        what=f"install {' '.join(specs)} into the test root",
        timeout=300,
    )


def rpm_state(root: Path) -> set[str]:
    """``name-evr.arch`` of everything installed in ``root`` (empty when nothing is)."""
    result = subproc.run(
        ["rpm", f"--root={root}", "-qa", "--qf", "%{NAME}-%{EVR}.%{ARCH}\\n"],
        what="list the installroot's packages",
        check=False,
    )
    return set(result.stdout.split())


def dnf_unusable_reason() -> str | None:
    """Why real dnf/rpm integration tests cannot run here, or None."""
    for tool in ("dnf", "rpm", "rpmbuild", "createrepo_c"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (apt-get install dnf rpm createrepo-c)"
    if os.geteuid() != 0:
        return "needs root: dnf installs into an installroot and chroots into it for scriptlets"
    return None
