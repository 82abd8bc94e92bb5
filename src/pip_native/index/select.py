"""Choosing files for a target: best pure wheel per version, pure-or-native classification."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from packaging.tags import Tag
    from packaging.version import Version

    from pip_native.index.files import DistFile

__all__ = ["newest_release_is_pure", "pure_wheels", "python_ok", "tag_rank", "target_files"]


def python_ok(file: DistFile, python_version: Version) -> bool:
    """Whether ``file``'s Requires-Python admits ``python_version``.

    Pre-release Pythons count (pip passes ``prereleases=True`` too); a missing
    or unparsable Requires-Python admits every Python, as in pip.
    """
    if file.requires_python is None:
        return True
    return file.requires_python.contains(python_version, prereleases=True)


def tag_rank(file: DistFile, ranks: dict[Tag, int]) -> int | None:
    """Position of the file's best tag in the target's tag list (0 = best); None if unsupported."""
    found = [ranks[t] for t in file.tags if t in ranks]
    return min(found) if found else None


def _ranks(tags: Sequence[Tag]) -> dict[Tag, int]:
    ranks: dict[Tag, int] = {}
    for i, tag in enumerate(tags):
        ranks.setdefault(tag, i)
    return ranks


def target_files(tags: Sequence[Tag]) -> Callable[[Sequence[DistFile]], tuple[DistFile, ...]]:
    """A filter of a project's files for a target with ``tags``: what planning can use.

    It keeps sdists, pure wheels and the platform wheels the target supports,
    and of the platform wheels it does not support only one per version that
    has no other wheel (one with a PEP 658 file if any): enough to read a
    native release's Requires-Dist and to describe the project. The rest can
    be in no plan, and most of a native project's files are such wheels
    (pyzmq lists 4,525 files; a jupyterlab plan reads 17,518 platform wheels
    among 29,120 files). The order of the files kept is unchanged.
    """
    ranks = _ranks(tags)

    def keep(files: Sequence[DistFile]) -> tuple[DistFile, ...]:
        usable = [not f.is_wheel or f.is_pure or tag_rank(f, ranks) is not None for f in files]
        with_wheel = {f.version for f, ok in zip(files, usable) if ok and f.is_wheel}
        stand_in: dict[Version, int] = {}
        for i, (f, ok) in enumerate(zip(files, usable)):
            if ok or f.version in with_wheel:
                continue
            current = stand_in.get(f.version)
            if current is None or (files[current].metadata is False and f.metadata is not False):
                stand_in[f.version] = i
        chosen = set(stand_in.values())
        return tuple(f for i, (f, ok) in enumerate(zip(files, usable)) if ok or i in chosen)

    return keep


def pure_wheels(
    files: Iterable[DistFile],
    tags: Sequence[Tag],
    python_version: Version,
    *,
    allow_yanked: bool = False,
) -> dict[Version, DistFile]:
    """The best pure wheel of each version that suits the target, newest version first.

    ``tags`` are the target's supported tags, most preferred first. Among
    several fitting wheels of a version the one whose best tag ranks highest
    wins; on a tie the one listed first (primary index before extra ones).
    """
    ranks = _ranks(tags)
    best: dict[Version, tuple[int, DistFile]] = {}
    for file in files:
        if not file.is_pure or (file.yanked is not None and not allow_yanked):
            continue
        if not python_ok(file, python_version):
            continue
        rank = tag_rank(file, ranks)
        if rank is None:
            continue
        current = best.get(file.version)
        if current is None or rank < current[0]:
            best[file.version] = (rank, file)
    return {v: best[v][1] for v in sorted(best, reverse=True)}


def newest_release_is_pure(
    files: Iterable[DistFile], tags: Sequence[Tag], python_version: Version
) -> bool | None:
    """Whether the newest usable release of a project has a compatible pure wheel.

    A release is usable when it has a non-yanked file whose Requires-Python
    admits ``python_version`` and that could be installed on the target: an
    sdist, or a wheel with a supported tag. Pre-releases are only considered
    when the project has no usable final release (pip's default). Returns
    None when no release is usable at all.
    """
    ranks = _ranks(tags)
    usable: dict[Version, bool] = {}  # version → has a compatible pure wheel
    for file in files:
        if file.yanked is not None or not python_ok(file, python_version):
            continue
        if file.is_wheel and tag_rank(file, ranks) is None:
            continue
        usable[file.version] = usable.get(file.version, False) or file.is_pure
    if not usable:
        return None
    finals = [v for v in usable if not v.is_prerelease]
    newest = max(finals or usable)
    return usable[newest]
