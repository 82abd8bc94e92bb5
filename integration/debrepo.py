"""Throwaway local apt repositories of tiny .deb packages, and an APT_CONFIG that sees only them."""

from __future__ import annotations

import contextlib
import email.utils
import fcntl
import hashlib
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pip_native import subproc
from pip_native.native.debversion import deb_to_pep440

__all__ = [
    "AptSandbox",
    "FakeDeb",
    "apt_update",
    "build_deb",
    "build_repo",
    "exclusive_system_lock",
    "make_sandbox",
    "native_arch",
    "write_apt_config",
]

SITE = "usr/lib/python3/dist-packages"
#: Held by every test session that may install pntest packages on this machine.
LOCK_FILE = Path("/var/lock/pip-native-integration.lock")


@dataclass(frozen=True)
class FakeDeb:
    """One tiny package. ``dist`` set: it ships ``<dist>-<ver>.dist-info`` and a module."""

    name: str
    version: str
    arch: str = "all"
    depends: Sequence[str] = ()
    pre_depends: Sequence[str] = ()
    provides: Sequence[str] = ()
    conflicts: Sequence[str] = ()
    dist: str | None = None
    """PyPI name (``pntest-core``); its module is ``pntest_core``."""
    dist_version: str | None = None
    """Version in the metadata; default: the upstream part of ``version``."""
    requires_dist: Sequence[str] = ()
    unversioned_egg_info: bool = False
    """Ship ``<module>.egg-info/PKG-INFO`` (no version in the name) instead of a dist-info."""

    @property
    def module(self) -> str | None:
        return self.dist.replace("-", "_").replace(".", "_") if self.dist else None

    @property
    def metadata_version(self) -> str:
        if self.dist_version is not None:
            return self.dist_version
        upstream = deb_to_pep440(self.version)
        if upstream is None:
            raise ValueError(f"no PEP 440 version in {self.version!r}; pass dist_version")
        return str(upstream)

    @property
    def metadata_dir(self) -> str | None:
        """Path of the metadata directory inside the package (``usr/lib/…/x-1.0.dist-info``)."""
        if self.module is None:
            return None
        if self.unversioned_egg_info:
            return f"{SITE}/{self.module}.egg-info"
        return f"{SITE}/{self.module}-{self.metadata_version}.dist-info"

    def control(self) -> str:
        lines = [
            f"Package: {self.name}",
            f"Version: {self.version}",
            f"Architecture: {self.arch}",
            "Maintainer: pip-native tests <pntest@example.invalid>",
            "Section: python",
            "Priority: optional",
        ]
        for label, values in (
            ("Pre-Depends", self.pre_depends),
            ("Depends", self.depends),
            ("Provides", self.provides),
            ("Conflicts", self.conflicts),
        ):
            if values:
                lines.append(f"{label}: {', '.join(values)}")
        lines += [f"Description: pip-native test package {self.name}", " Throwaway; safe to purge."]
        return "\n".join(lines) + "\n"

    def metadata(self) -> str:
        lines = ["Metadata-Version: 2.1", f"Name: {self.dist}", f"Version: {self.metadata_version}"]
        lines += [f"Requires-Dist: {req}" for req in self.requires_dist]
        return "\n".join(lines) + "\n"


def build_deb(pkg: FakeDeb, workdir: Path, outdir: Path) -> Path:
    """Build ``pkg`` with ``dpkg-deb --build`` into ``outdir``; return the .deb path."""
    root = workdir / f"{pkg.name}_{pkg.version.replace(':', '%3a')}"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(pkg.control())
    if pkg.module is not None and pkg.metadata_dir is not None:
        meta = root / pkg.metadata_dir
        meta.mkdir(parents=True)
        (meta / ("PKG-INFO" if pkg.unversioned_egg_info else "METADATA")).write_text(pkg.metadata())
        module = root / SITE / pkg.module
        module.mkdir(parents=True)
        (module / "__init__.py").write_text(
            f'"""{pkg.name} {pkg.version}."""\n\nVERSION = "{pkg.version}"\n'
        )
    else:
        doc = root / "usr" / "share" / "doc" / pkg.name
        doc.mkdir(parents=True)
        (doc / "README").write_text(f"{pkg.name} ships no Python distribution.\n")
    upstream = pkg.version.split(":", 1)[-1]
    deb = outdir / f"{pkg.name}_{upstream}_{pkg.arch}.deb"
    subproc.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)],
        what=f"build the test package {pkg.name}",
    )
    return deb


def build_repo(packages: Sequence[FakeDeb], repo: Path) -> Path:
    """A flat repository (``deb [trusted=yes] file:REPO ./``) holding ``packages``."""
    repo.mkdir(parents=True, exist_ok=True)
    work = repo.parent / f"{repo.name}-build"
    work.mkdir(exist_ok=True)
    for pkg in packages:
        build_deb(pkg, work, repo)
    scan = subproc.run(
        ["dpkg-scanpackages", "--multiversion", str(repo), "/dev/null"],
        what="index the test repository",
    )
    # dpkg-scanpackages names files as found; the flat repository wants ./name.deb
    index = scan.stdout.replace(f"Filename: {repo}/", "Filename: ./")
    (repo / "Packages").write_text(index)
    data = index.encode()
    release = [
        "Origin: pip-native-tests",
        "Label: pntest",
        "Suite: pntest",
        "Codename: pntest",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        "Architectures: all " + native_arch(),
        "Description: pip-native integration test packages",
        "MD5Sum:",
        f" {hashlib.md5(data).hexdigest()} {len(data)} Packages",
        "SHA256:",
        f" {hashlib.sha256(data).hexdigest()} {len(data)} Packages",
    ]
    (repo / "Release").write_text("\n".join(release) + "\n")
    return repo


def native_arch() -> str:
    """dpkg's native architecture (``amd64``)."""
    result = subproc.run(["dpkg", "--print-architecture"], what="ask dpkg for the architecture")
    return result.stdout.strip()


@dataclass(frozen=True)
class AptSandbox:
    """A local repository plus the APT_CONFIG that makes apt see only it."""

    repo: Path
    state: Path
    config: Path
    packages: tuple[FakeDeb, ...] = field(default=())

    @property
    def env(self) -> dict[str, str]:
        return {"APT_CONFIG": str(self.config)}

    def dists_for_package(self, package: str) -> list[str]:
        """The mapping module's reverse lookup, for the sandbox's packages."""
        return [p.dist for p in self.packages if p.name == package and p.dist]

    def package(self, name: str) -> FakeDeb:
        return next(p for p in self.packages if p.name == name)


def write_apt_config(repo: Path, state: Path, extra: Mapping[str, str] | None = None) -> Path:
    """An APT_CONFIG file whose only source is ``repo`` and whose lists/cache live in ``state``.

    The system's sources.list(.d) are not read (SourceParts is an empty
    directory), so nothing touches the network or the system's apt state;
    dpkg's status (what is installed) stays the system's.
    """
    for sub in ("lists/partial", "cache/archives/partial", "sources.list.d"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    (state / "sources.list").write_text(f"deb [trusted=yes] file:{repo} ./\n")
    settings = {
        "Dir::Etc::SourceList": str(state / "sources.list"),
        "Dir::Etc::SourceParts": str(state / "sources.list.d"),
        "Dir::State::Lists": str(state / "lists"),
        "Dir::Cache": str(state / "cache"),
        "Dir::Cache::pkgcache": "",
        "Dir::Cache::srcpkgcache": "",
        "APT::Sandbox::User": "root",
        "Acquire::Languages": "none",
        "DPkg::Lock::Timeout": "300",
        **(extra or {}),
    }
    config = state / "apt.conf"
    config.write_text("".join(f'{key} "{value}";\n' for key, value in settings.items()))
    return config


def apt_update(config: Path) -> None:
    """``apt-get update`` with ``config`` only (reads the local repository)."""
    subproc.run(
        ["apt-get", "update"],
        what="read the test repository",
        env={"APT_CONFIG": str(config)},
        timeout=300,
    )


def make_sandbox(packages: Sequence[FakeDeb], directory: Path) -> AptSandbox:
    """Build the repository, write the config and run ``apt-get update`` for it."""
    repo = build_repo(packages, directory / "repo")
    state = directory / "apt-state"
    config = write_apt_config(repo, state)
    apt_update(config)
    return AptSandbox(repo=repo, state=state, config=config, packages=tuple(packages))


@contextlib.contextmanager
def exclusive_system_lock(timeout: float = 900, path: Path = LOCK_FILE) -> Iterator[None]:
    """Serialise test sessions that install packages on this machine (an ``flock``).

    Two sessions sharing dpkg would see each other's pntest packages appear
    and disappear; whoever comes second waits up to ``timeout`` seconds.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"another test session held {path} for more than {timeout:g} s"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
