"""Choosing files for a target: best pure wheel per version, newest-release classification."""

from __future__ import annotations

from packaging.tags import Tag, parse_tag
from packaging.utils import canonicalize_name
from packaging.version import Version

from pip_native.index.files import DistFile, make_dist_file
from pip_native.index.select import newest_release_is_pure, pure_wheels, target_files

PY = Version("3.11.4")
#: A CPython 3.11 manylinux target, most preferred first (as sys_tags() orders them).
TAGS = [
    Tag("cp311", "cp311", "manylinux_2_17_x86_64"),
    Tag("cp311", "abi3", "manylinux_2_17_x86_64"),
    Tag("cp311", "none", "manylinux_2_17_x86_64"),
    Tag("cp311", "none", "any"),
    Tag("py311", "none", "any"),
    Tag("py3", "none", "any"),
    Tag("py310", "none", "any"),
]


def dist(
    filename: str,
    *,
    requires_python: str | None = None,
    yanked: str | None = None,
    metadata: bool = False,
) -> DistFile:
    file = make_dist_file(
        canonicalize_name(filename.split("-")[0]),
        filename,
        f"https://files.example/{filename}",
        origin="https://idx.example/simple",
        requires_python=requires_python,
        yanked=yanked,
        metadata=metadata,
    )
    assert file is not None
    return file


def test_is_pure_requires_every_tag_to_be_none_any() -> None:
    assert dist("a-1-py2.py3-none-any.whl").is_pure
    assert dist("a-1-cp311-none-any.whl").is_pure
    assert not dist("a-1-py3-none-manylinux_2_17_x86_64.whl").is_pure
    assert not dist("a-1-cp311-abi3-any.whl").is_pure
    assert not dist("a-1.tar.gz").is_pure


def test_pure_wheels_best_file_per_version_newest_first() -> None:
    files = [
        dist("a-1.0-py3-none-any.whl"),
        dist("a-1.0-cp311-none-any.whl"),  # ranks above py3-none-any for this target
        dist("a-1.0-py2.py3-none-any.whl"),
        dist("a-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"),  # native: never chosen
        dist("a-2.0.tar.gz"),
        dist("a-1.5-py2-none-any.whl"),  # pure but not for this target
        dist("a-3.0-py310-none-any.whl"),
        dist("a-0.5-py3-none-any.whl"),
    ]
    chosen = pure_wheels(files, TAGS, PY)
    assert list(chosen) == [Version("3.0"), Version("1.0"), Version("0.5")]
    assert chosen[Version("1.0")].filename == "a-1.0-cp311-none-any.whl"
    assert chosen[Version("3.0")].filename == "a-3.0-py310-none-any.whl"


def test_pure_wheels_tie_keeps_the_first_listed_file() -> None:
    first = dist("a-1.0-py3-none-any.whl")
    mirror = make_dist_file(
        first.project, first.filename, "https://mirror.example/x.whl", origin="mirror"
    )
    assert mirror is not None
    assert pure_wheels([first, mirror], TAGS, PY)[Version("1.0")].origin == first.origin


def test_pure_wheels_requires_python_and_yanked() -> None:
    files = [
        dist("a-1.0-py3-none-any.whl", requires_python=">=3.12"),
        dist("a-1.1-py3-none-any.whl", requires_python=">=3.8,<3.12"),
        dist("a-1.2-py3-none-any.whl", yanked=""),
        dist("a-1.3-py3-none-any.whl", yanked="broken"),
        dist("a-1.4-py3-none-any.whl", requires_python="~= invalid"),  # ignored, as pip does
    ]
    assert list(pure_wheels(files, TAGS, PY)) == [Version("1.4"), Version("1.1")]
    with_yanked = pure_wheels(files, TAGS, PY, allow_yanked=True)
    assert list(with_yanked) == [Version("1.4"), Version("1.3"), Version("1.2"), Version("1.1")]
    assert list(pure_wheels(files, TAGS, Version("3.12.0"))) == [Version("1.4"), Version("1.0")]


def test_pure_wheels_prerelease_python_matches_requires_python() -> None:
    files = [dist("a-1.0-py3-none-any.whl", requires_python=">=3.11")]
    assert list(pure_wheels(files, TAGS, Version("3.11.0rc1"))) == []  # 3.11.0rc1 < 3.11
    assert list(pure_wheels(files, TAGS, Version("3.12.0b1"))) == [Version("1.0")]


def test_pure_wheels_with_a_different_target_tag_list() -> None:
    files = [dist("a-1.0-py3-none-any.whl"), dist("a-1.0-cp39-none-any.whl")]
    py39 = list(parse_tag("cp39-none-any")) + list(parse_tag("py3-none-any"))
    assert pure_wheels(files, py39, Version("3.9.1"))[Version("1.0")].filename == (
        "a-1.0-cp39-none-any.whl"
    )
    assert pure_wheels(files, TAGS, PY)[Version("1.0")].filename == "a-1.0-py3-none-any.whl"
    assert pure_wheels(files, [], PY) == {}


def test_newest_release_pure() -> None:
    files = [dist("a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"), dist("a-2.0-py3-none-any.whl")]
    assert newest_release_is_pure(files, TAGS, PY) is True


def test_newest_release_native_even_if_older_ones_were_pure() -> None:
    files = [
        dist("a-1.0-py3-none-any.whl"),
        dist("a-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        dist("a-2.0.tar.gz"),
    ]
    assert newest_release_is_pure(files, TAGS, PY) is False


def test_newest_release_only_sdist_is_not_pure() -> None:
    assert newest_release_is_pure(
        [dist("a-1.0-py3-none-any.whl"), dist("a-2.0.zip")], TAGS, PY
    ) is (False)


def test_newest_release_skips_unusable_releases() -> None:
    files = [
        dist("a-1.0-py3-none-any.whl"),
        dist("a-2.0-cp311-cp311-manylinux_2_17_x86_64.whl", yanked=""),
        dist("a-3.0.tar.gz", requires_python=">=3.13"),
        dist("a-4.0-cp311-cp311-win_amd64.whl"),  # no wheel for this platform, no sdist
        dist("a-5.0b1-cp311-cp311-manylinux_2_17_x86_64.whl"),  # pre-release
    ]
    assert newest_release_is_pure(files, TAGS, PY) is True


def test_newest_release_prereleases_count_when_nothing_else_exists() -> None:
    files = [
        dist("a-1.0b1-cp311-cp311-manylinux_2_17_x86_64.whl"),
        dist("a-0.9a1-py3-none-any.whl"),
    ]
    assert newest_release_is_pure(files, TAGS, PY) is False


def test_newest_release_none_when_nothing_is_usable() -> None:
    assert newest_release_is_pure([], TAGS, PY) is None
    files = [dist("a-1.0-py3-none-any.whl", yanked=""), dist("a-1.1.tar.gz", requires_python="<3")]
    assert newest_release_is_pure(files, TAGS, PY) is None


def test_target_files_keep_what_the_target_can_use_in_order() -> None:
    files = [
        dist("a-2.0-cp311-cp311-win_amd64.whl"),
        dist("a-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        dist("a-2.0.tar.gz"),
        dist("a-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        dist("a-1.0-py3-none-any.whl"),
        dist("a-1.0-cp39-cp39-macosx_11_0_arm64.whl"),
        dist("a-1.0.tar.gz"),
    ]
    kept = target_files(TAGS)(files)
    # 2.0 has a wheel this target installs, 1.0 a pure one: the other wheels go
    assert [f.filename for f in kept] == [
        "a-2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        "a-2.0.tar.gz",
        "a-1.0-py3-none-any.whl",
        "a-1.0.tar.gz",
    ]


def test_target_files_keep_one_wheel_of_a_release_with_none_for_the_target() -> None:
    """Enough to read the release's Requires-Dist (extras of a native candidate): one
    wheel, preferably one with a PEP 658 metadata file."""
    files = [
        dist("b-3.0-cp311-cp311-win_amd64.whl"),
        dist("b-3.0-cp311-cp311-macosx_11_0_arm64.whl", metadata=True),
        dist("b-3.0-cp311-cp311-musllinux_1_1_aarch64.whl", metadata=True),
        dist("b-2.0-cp310-cp310-win32.whl"),
        dist("b-2.0-cp310-cp310-win_amd64.whl"),
    ]
    kept = target_files(TAGS)(files)
    assert [f.filename for f in kept] == [
        "b-3.0-cp311-cp311-macosx_11_0_arm64.whl",
        "b-2.0-cp310-cp310-win32.whl",
    ]


def test_target_files_change_no_classification_or_selection() -> None:
    files = [
        dist("c-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        dist("c-2.0-cp311-cp311-win_amd64.whl"),
        dist("c-1.5-cp39-cp39-win_amd64.whl"),
        dist("c-1.0-py3-none-any.whl"),
        dist("c-1.0-cp311-cp311-win_amd64.whl"),
    ]
    kept = target_files(TAGS)(files)
    assert len(kept) < len(files)
    assert newest_release_is_pure(kept, TAGS, PY) is newest_release_is_pure(files, TAGS, PY)
    assert pure_wheels(kept, TAGS, PY) == pure_wheels(files, TAGS, PY)
