"""The target interpreter: its tags, markers, paths and installed distributions.

The target is the Python whose environment pip-native installs into. It is
described by running :mod:`pip_native._probe` with that interpreter, so the
answer is the interpreter's own view (``sys.path``, ``sys_tags()``, markers),
whichever Python runs pip-native; in pip's hook, where the target is the
interpreter running pip, by the same code in pip's process.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import packaging
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, parse_tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pip_native import subproc
from pip_native.errors import TargetEnvironmentError
from pip_native.probe_store import default_dir, load_or_probe

__all__ = [
    "InstalledDistribution",
    "TargetEnvironment",
    "probe",
    "probe_this_process",
    "start_probe",
]


@dataclass(frozen=True)
class InstalledDistribution:
    """One ``*.dist-info`` / ``*.egg-info`` found on the target's ``sys.path``."""

    name: NormalizedName
    display_name: str
    version: Version
    location: str
    metadata_dir: str | None
    installer: str
    requires: tuple[Requirement, ...]
    requires_python: SpecifierSet | None
    in_target: bool
    """True when it lives in the target's own site-packages (not a base or system dir)."""
    pure: bool | None = None
    """True for a pure (``*-none-any``) wheel install, False for one with native code,
    None when unknown (no WHEEL file, e.g. an egg-info from a system package)."""

    @classmethod
    def from_probe(
        cls, raw: Mapping[str, object], target_dirs: frozenset[str]
    ) -> InstalledDistribution:
        reqs: list[Requirement] = []
        for text in raw.get("requires") or []:  # type: ignore[attr-defined]
            try:
                reqs.append(Requirement(str(text)))
            except InvalidRequirement:
                continue  # pip also ignores unparsable Requires-Dist of installed dists
        rp: SpecifierSet | None = None
        if raw.get("requires_python"):
            try:
                rp = SpecifierSet(str(raw["requires_python"]))
            except InvalidSpecifier:
                rp = None
        location = str(raw["location"])
        return cls(
            name=canonicalize_name(str(raw["name"])),
            display_name=str(raw["name"]),
            version=Version(str(raw["version"])),
            location=location,
            metadata_dir=str(raw["metadata_dir"]) if raw.get("metadata_dir") else None,
            installer=str(raw.get("installer") or ""),
            requires=tuple(reqs),
            requires_python=rp,
            in_target=location in target_dirs,
            pure=raw.get("pure") if isinstance(raw.get("pure"), bool) else None,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class TargetEnvironment:
    """Facts about the interpreter pip-native installs for."""

    executable: str
    base_executable: str
    version: Version
    implementation: str
    prefix: str
    base_prefix: str
    is_venv: bool
    system_site_packages: bool
    purelib: str
    platlib: str
    sys_path: tuple[str, ...]
    externally_managed: str | None
    markers: Mapping[str, str]
    tags: tuple[Tag, ...]
    """Supported tags, most preferred first (``packaging.tags.sys_tags()`` of the target)."""
    distributions: tuple[InstalledDistribution, ...] = field(repr=False)

    @classmethod
    def from_probe_json(cls, text: str) -> TargetEnvironment:
        raw = json.loads(text)
        target_dirs = frozenset(os.path.realpath(p) for p in (raw["purelib"], raw["platlib"]) if p)
        dists = []
        for item in raw["distributions"]:
            try:
                dists.append(InstalledDistribution.from_probe(item, target_dirs))
            except InvalidVersion:
                continue  # like pip: a distribution with an invalid version is ignored
        tags: list[Tag] = []
        for text_tag in raw["tags"]:
            tags.extend(parse_tag(text_tag))
        return cls(
            executable=raw["executable"],
            base_executable=raw["base_executable"],
            version=Version(raw["version"]),
            implementation=raw["implementation"],
            prefix=raw["prefix"],
            base_prefix=raw["base_prefix"],
            is_venv=bool(raw["is_venv"]),
            system_site_packages=bool(raw["system_site_packages"]),
            purelib=raw["purelib"],
            platlib=raw["platlib"],
            sys_path=tuple(raw["sys_path"]),
            externally_managed=raw["externally_managed"],
            markers=dict(raw["markers"]),
            tags=tuple(tags),
            distributions=tuple(dists),
        )

    @cached_property
    def installed(self) -> Mapping[NormalizedName, InstalledDistribution]:
        """The distribution import would find for each name (first on ``sys.path``)."""
        order = {os.path.realpath(p): i for i, p in enumerate(self.sys_path)}
        best: dict[NormalizedName, InstalledDistribution] = {}
        for dist in self.distributions:
            current = best.get(dist.name)
            rank = order.get(dist.location, len(order))
            if current is None or rank < order.get(current.location, len(order)):
                best[dist.name] = dist
        return best

    @cached_property
    def duplicates(self) -> Mapping[NormalizedName, tuple[InstalledDistribution, ...]]:
        """Names installed more than once on ``sys.path`` (e.g. venv copy shadowing a system one)."""
        seen: dict[NormalizedName, list[InstalledDistribution]] = {}
        for dist in self.distributions:
            seen.setdefault(dist.name, []).append(dist)
        return {name: tuple(ds) for name, ds in seen.items() if len(ds) > 1}

    @property
    def python_version(self) -> Version:
        return self.version


def _packaging_parent() -> str:
    return str(Path(packaging.__file__).resolve().parent.parent)


def start_probe(python: str, *, this_process: bool = False) -> Future[TargetEnvironment]:
    """:func:`probe` ``python`` in a thread of its own, with the answers kept in the cache
    directory: the probe is a process (about 0.1 s cold), so the caller goes on
    (importing the planner, reading pip's configuration) while it runs.

    ``this_process`` says that the target is the interpreter running this code, with
    this process's view of it: pip's hook, where pip itself installs with that view.
    The description is then made here (:func:`probe_this_process`), without a process.
    """
    if this_process and python != sys.executable:
        raise ValueError(f"{python!r} is not this process's interpreter {sys.executable!r}")
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pip-native-probe")
    try:
        if this_process:
            return pool.submit(probe_this_process, cache_dir=default_dir())
        return pool.submit(probe, python, cache_dir=default_dir())
    finally:
        pool.shutdown(wait=False)


def probe_this_process(*, cache_dir: Path | None = None) -> TargetEnvironment:
    """Describe the interpreter running this process as it is set up here: distributions
    on this process's ``sys.path``, whose first entry (the running program's directory,
    or the working directory) pip removes before it installs anything.

    What :func:`probe` starts a process for (0.07 s of CPU, with the interpreter's
    start), for a fraction of it. The answer is stored apart from :func:`probe`'s
    (it depends on this process's path and flags, not only on the interpreter).
    """
    from pip_native import _probe

    paths = [p for p in sys.path if p]
    script = Path(_probe.__file__)

    def describe(_python: str) -> str:
        return json.dumps(_probe.describe(paths))

    if cache_dir is None:
        text = describe(sys.executable)
    else:
        this = ["this process", paths, sys.flags.no_user_site, sys.flags.isolated]
        text = load_or_probe(sys.executable, cache_dir, script, describe, variant=this)
    return TargetEnvironment.from_probe_json(text)


def probe(python: str, *, cache_dir: Path | None = None) -> TargetEnvironment:
    """Describe the interpreter ``python`` (a path or a command on PATH).

    With ``cache_dir``, an answer stored there is used while nothing it was
    read from changed (see :mod:`pip_native.probe_store`).
    """
    script = Path(__file__).with_name("_probe.py")
    argv = [python, str(script), _packaging_parent()]
    if cache_dir is None:
        text = _run_probe(argv)
    else:
        text = load_or_probe(python, cache_dir, script, lambda _python: _run_probe(argv))
    try:
        return TargetEnvironment.from_probe_json(text)
    except (ValueError, KeyError) as exc:
        raise TargetEnvironmentError(
            f"The target interpreter {python!r} gave an unreadable description ({exc}).",
            command=tuple(argv),
            hint="Check that the interpreter starts cleanly (no output from sitecustomize or .pth files).",
        ) from exc


def _run_probe(argv: list[str]) -> str:
    python = argv[0]
    result = subproc.run(
        argv,
        what=f"inspect the target interpreter {python}",
        parse_output=False,
        timeout=120,
        check=False,
    )
    if not result.ok:
        raise TargetEnvironmentError(
            f"Could not inspect the target interpreter {python!r}: it exited with status "
            f"{result.returncode}. {result.stderr.strip()[-500:]}",
            command=result.argv,
            hint="Pass --python with the path of a working Python 3.8+ interpreter.",
        )
    return result.stdout
