"""PackageIndex against local indexes: HTTP (JSON/HTML), file://, find-links, cache, errors."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest
from packaging.tags import parse_tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from localindex import LocalIndex
from pip_native.errors import IndexFetchError
from pip_native.index import IndexConfig, PackageIndex, pure_wheels
from pip_native.index import client as client_module
from pip_native.index.client import METADATA_CACHE

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from pytest_mock import MockerFixture

    from pip_native.index.files import DistFile

DEMO = canonicalize_name("demo")
PY = Version("3.11.2")
PY3_TAGS = list(parse_tag("py3-none-any"))


def demo_index(index: LocalIndex) -> LocalIndex:
    index.add_wheel("demo", "1.0", requires=["dep>=1"], requires_python=">=3.8")
    index.add_wheel("demo", "1.1", requires_python=">=3.12")
    index.add_wheel("demo", "1.2", yanked="broken build")
    index.add_wheel("demo", "2.0", tag="cp311-cp311-manylinux_2_17_x86_64")
    index.add_sdist("demo", "2.0")
    index.add_wheel("dep", "1.5", requires=["extra-dep; extra == 'fast'"], extras=["fast"])
    index.build()
    return index


def fingerprint(files: list[DistFile] | tuple[DistFile, ...]) -> list[tuple[object, ...]]:
    """What must not depend on the transport (JSON, HTML, file://)."""
    return sorted(
        (f.filename, dict(f.hashes), str(f.requires_python), f.yanked, bool(f.metadata))
        for f in files
    )


def open_index(url: str, cache: Path, **config: object) -> PackageIndex:
    return PackageIndex(IndexConfig(index_url=url, **config), cache_dir=cache)  # type: ignore[arg-type]


# -- pages over HTTP and file:// ---------------------------------------------------------


def test_json_and_html_pages_give_the_same_files(local_index: LocalIndex, http_cache: Path) -> None:
    demo_index(local_index)
    results = {}
    for formats in (("json",), ("html",)):
        local_index.pages_served.clear()
        with (
            local_index.serve(formats=formats) as url,
            open_index(url, http_cache / formats[0]) as idx,
        ):
            files = idx.project_files(DEMO)
            results[formats[0]] = fingerprint(files)
            assert all(f.url.startswith(url.rsplit("/", 1)[0] + "/files/") for f in files)
            assert {f.origin for f in files} == {url}
        assert local_index.pages_served == {formats[0]: 1}
    assert results["json"] == results["html"]
    assert len(results["json"]) == 5
    with open_index(local_index.file_url, http_cache / "file") as idx:
        assert fingerprint(idx.project_files(DEMO)) == results["json"]


def test_json_is_preferred_when_the_server_offers_both(
    local_index: LocalIndex, http_cache: Path
) -> None:
    demo_index(local_index)
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        idx.project_files(DEMO)
    assert local_index.pages_served == {"json": 1}


def test_page_facts_reach_the_selection(local_index: LocalIndex, http_cache: Path) -> None:
    demo_index(local_index)
    tags = PY3_TAGS
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        files = idx.project_files(DEMO)
        yanked = {f.version: f.yanked for f in files if f.yanked is not None}
        assert yanked == {Version("1.2"): "broken build"}
        assert list(pure_wheels(files, tags, PY)) == [Version("1.0")]  # 1.1 needs 3.12, 1.2 yanked
        assert list(pure_wheels(files, tags, Version("3.12.1"))) == [Version("1.1"), Version("1.0")]
        assert list(pure_wheels(files, tags, PY, allow_yanked=True)) == [
            Version("1.2"),
            Version("1.0"),
        ]


def test_a_file_filter_sees_every_file_of_a_project_once(
    local_index: LocalIndex, http_cache: Path
) -> None:
    """Planning keeps only what its target can use (index.select.target_files)."""
    demo_index(local_index)
    seen: list[int] = []

    def pure_only(files: Sequence[DistFile]) -> list[DistFile]:
        seen.append(len(files))
        return [f for f in files if f.is_pure]

    with local_index.serve() as url:
        config = IndexConfig(index_url=url)
        with PackageIndex(config, cache_dir=http_cache, file_filter=pure_only) as idx:
            kept = idx.project_files(DEMO)
            assert idx.project_files(DEMO) is kept
    assert seen == [5]
    assert kept and all(f.is_pure for f in kept)


def test_a_closed_index_starts_no_fetch(local_index: LocalIndex, http_cache: Path) -> None:
    """The planner's fetches ahead may come after planning failed and closed the index."""
    demo_index(local_index)
    with local_index.serve() as url:
        idx = open_index(url, http_cache)
        idx.close()
        assert idx.closed
        idx.prefetch_projects([DEMO])
        assert idx._executor is None
    assert local_index.requests == {}


def test_unknown_project_is_absent_not_an_error(local_index: LocalIndex, http_cache: Path) -> None:
    demo_index(local_index)
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        assert idx.project_files(canonicalize_name("nope")) == ()
    assert ("/simple/nope/", 404) in local_index.responses
    with open_index(local_index.file_url, http_cache) as idx:
        assert idx.project_files(canonicalize_name("nope")) == ()


def test_indexes_are_merged_primary_first(tmp_path: Path, http_cache: Path) -> None:
    primary = LocalIndex(tmp_path / "primary")
    primary.add_wheel("demo", "1.0")
    primary.build()
    extra = LocalIndex(tmp_path / "extra")
    extra.add_wheel("demo", "1.0")
    extra.add_wheel("demo", "3.0")
    extra.add_wheel("only-extra", "1.0")
    extra.build()
    missing = (tmp_path / "missing" / "simple").as_uri()
    with extra.serve() as extra_url:
        config = IndexConfig(index_url=primary.file_url, extra_index_urls=(missing, extra_url))
        with PackageIndex(config, cache_dir=http_cache) as idx:
            files = idx.project_files(DEMO)
            assert [(f.version, f.origin) for f in files] == [
                (Version("1.0"), primary.file_url),
                (Version("1.0"), extra_url),
                (Version("3.0"), extra_url),
            ]
            assert pure_wheels(files, PY3_TAGS, PY)[Version("1.0")].origin == primary.file_url
            assert len(idx.project_files(canonicalize_name("Only_Extra"))) == 1


# -- the /opt/pypi layout and find-links -------------------------------------------------


def test_opt_pypi_layout(tmp_path: Path, http_cache: Path) -> None:
    """Same shape as /opt/pypi: simple/<name>/index.html linking ../../files/x.whl#sha256=…"""
    source = LocalIndex(tmp_path / "source")
    wheel = source.add_wheel("blinker", "1.9.0", requires_python=">=3.9")
    root = tmp_path / "pypi"
    (root / "files").mkdir(parents=True)
    (root / "files" / wheel.name).write_bytes(wheel.read_bytes())
    (root / "simple" / "blinker").mkdir(parents=True)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (root / "simple" / "blinker" / "index.html").write_text(
        "<!DOCTYPE html><html><body>\n"
        f'<a href="../../files/{wheel.name}#sha256={digest}">{wheel.name}</a>\n'
        "</body></html>\n"
    )
    config = IndexConfig(
        index_url=(root / "simple").as_uri(),
        extra_index_urls=((tmp_path / "pypi-more" / "simple").as_uri(),),  # does not exist
    )
    with PackageIndex(config, cache_dir=http_cache) as idx:
        (file,) = idx.project_files(canonicalize_name("blinker"))
        assert file.url == (root / "files" / wheel.name).as_uri()
        assert file.hashes == {"sha256": digest} and file.metadata is False
        meta = idx.metadata(file)  # no .metadata file: read from the wheel in place
        assert (meta.name, meta.version, str(meta.requires_python)) == (
            "blinker",
            Version("1.9.0"),
            ">=3.9",
        )
    (root / "files" / wheel.name).write_bytes(wheel.read_bytes() + b"tampered")
    with PackageIndex(config, cache_dir=http_cache) as idx:
        (file,) = idx.project_files(canonicalize_name("blinker"))
        with pytest.raises(IndexFetchError, match="does not match its sha256 hash"):
            idx.metadata(file)


def test_find_links_directory(tmp_path: Path, http_cache: Path) -> None:
    links = LocalIndex(tmp_path / "links")
    links.add_wheel("demo", "1.0", requires=["dep"])
    links.add_wheel("demo", "1.1", tag="cp311-cp311-manylinux_2_17_x86_64")
    links.add_sdist("demo", "1.2")
    links.add_wheel("other", "1.0")
    (links.files_dir / "README.txt").write_text("not a distribution")
    (links.files_dir / "demo-garbage.whl").write_text("unparsable name")
    for location in (str(links.files_dir), links.files_dir.as_uri()):
        config = IndexConfig(no_index=True, find_links=(location,))
        with PackageIndex(config, cache_dir=http_cache) as idx:
            files = idx.project_files(DEMO)
            assert sorted(f.filename for f in files) == [
                "demo-1.0-py3-none-any.whl",
                "demo-1.1-cp311-cp311-manylinux_2_17_x86_64.whl",
                "demo-1.2.tar.gz",
            ]
            assert all(f.hashes == {} and f.origin == location for f in files)
            wheel = next(f for f in files if f.version == Version("1.0"))
            assert [str(r) for r in idx.metadata(wheel).requires_dist] == ["dep"]
            sdist = next(f for f in files if not f.is_wheel)
            with pytest.raises(IndexFetchError, match="source distribution"):
                idx.metadata(sdist)
            assert idx.project_files(canonicalize_name("absent")) == ()


def test_find_links_http_page_and_missing_location(
    local_index: LocalIndex, tmp_path: Path, http_cache: Path
) -> None:
    demo_index(local_index)
    with local_index.serve() as url:
        config = IndexConfig(
            no_index=True, find_links=(f"{url}/demo/", str(tmp_path / "does-not-exist"))
        )
        with PackageIndex(config, cache_dir=http_cache) as idx:
            files = idx.project_files(DEMO)
            assert len(files) == 5
            assert local_index.requests["/simple/demo/"] == 1
            assert local_index.pages_served == {"html": 1}  # find-links pages are HTML


# -- metadata ----------------------------------------------------------------------------


def test_pep658_metadata_is_used_and_verified(local_index: LocalIndex, http_cache: Path) -> None:
    demo_index(local_index)
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        files = {f.version: f for f in idx.project_files(DEMO) if f.is_wheel}
        meta = idx.metadata(files[Version("1.0")])
        assert [str(r) for r in meta.requires_dist] == ["dep>=1"]
        assert idx.metadata(files[Version("1.0")]) is meta  # memoised
    assert local_index.requests["/files/demo-1.0-py3-none-any.whl.metadata"] == 1
    assert local_index.requests["/files/demo-1.0-py3-none-any.whl"] == 0


@pytest.mark.parametrize("over_http", [True, False])
def test_pep658_metadata_with_wrong_hash_is_refused(
    local_index: LocalIndex, http_cache: Path, over_http: bool
) -> None:
    demo_index(local_index)
    metadata_file = local_index.files_dir / "demo-1.0-py3-none-any.whl.metadata"
    metadata_file.write_bytes(metadata_file.read_bytes().replace(b"dep>=1", b"evil>=1"))
    with local_index.serve() as url:
        idx = open_index(url if over_http else local_index.file_url, http_cache)
        with idx, pytest.raises(IndexFetchError) as info:
            file = next(f for f in idx.project_files(DEMO) if f.version == Version("1.0"))
            idx.metadata(file)
    message = str(info.value)
    assert "does not match its sha256 hash" in message
    assert "demo-1.0-py3-none-any.whl.metadata" in message
    assert info.value.hint


def test_wheel_download_when_there_is_no_metadata_file(
    local_index: LocalIndex, http_cache: Path
) -> None:
    local_index.add_wheel("demo", "1.0", requires=["dep"], metadata_file=False)
    local_index.build()
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        (file,) = idx.project_files(DEMO)
        assert file.metadata is False
        assert [str(r) for r in idx.metadata(file).requires_dist] == ["dep"]
    assert local_index.requests["/files/demo-1.0-py3-none-any.whl"] == 1
    assert local_index.requests["/files/demo-1.0-py3-none-any.whl.metadata"] == 0


def test_metadata_read_out_of_a_wheel_is_kept_by_its_hash(
    local_index: LocalIndex, http_cache: Path, mocker: MockerFixture
) -> None:
    """Indexes without PEP 658 files: the next run reads the kept metadata, not the wheel.
    It is kept as JSON of the fields read, so reading it back needs no email parsing
    (packaging.metadata imports email.policy: 25 ms of a warm plan through the hook)."""
    local_index.add_wheel(
        "demo",
        "1.0",
        requires=["dep", 'extra-dep>=2; extra == "x"'],
        requires_python=">=3.8",
        extras=["x"],
        metadata_file=False,
    )
    local_index.build()
    with local_index.serve() as url:
        with open_index(url, http_cache) as idx:
            (file,) = idx.project_files(DEMO)
            first = idx.metadata(file)
        kept = list((http_cache / METADATA_CACHE).rglob("*.metadata"))
        assert [k.name for k in kept] == [f"{file.hashes['sha256']}.metadata"]
        assert json.loads(kept[0].read_bytes())["requires_dist"] == [
            "dep",
            'extra-dep>=2; extra == "x"',
        ]
        unzip = mocker.spy(client_module, "wheel_metadata_file")
        parse = mocker.spy(client_module, "parse_core_metadata")
        with open_index(url, http_cache) as idx:
            (file,) = idx.project_files(DEMO)
            assert idx.metadata(file) == first
        assert (unzip.call_count, parse.call_count) == (0, 0)
        assert first.requires_python is not None and first.provides_extra == ("x",)
        # METADATA itself, as earlier versions kept it, is read too
        kept[0].write_bytes(
            b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: dep\n"
        )
        with open_index(url, http_cache) as idx:
            (file,) = idx.project_files(DEMO)
            assert [str(r) for r in idx.metadata(file).requires_dist] == ["dep"]
        assert unzip.call_count == 0
        for damaged in (b"Metadata-Version: 2.1\nName: other\nVersion: 9\n", b'{"name": "demo"}'):
            kept[0].write_bytes(damaged)
            with open_index(url, http_cache) as idx:
                (file,) = idx.project_files(DEMO)
                assert idx.metadata(file) == first
            assert kept[0].read_bytes().startswith(b"{")  # read from the wheel, kept again
        assert unzip.call_count == 2


def test_a_local_wheel_changed_after_its_metadata_was_kept_is_checked_again(
    tmp_path: Path, http_cache: Path
) -> None:
    index = LocalIndex(tmp_path / "index")
    wheel = index.add_wheel("demo", "1.0", metadata_file=False)
    index.build()
    url = index.file_url
    with open_index(url, http_cache) as idx:
        (file,) = idx.project_files(DEMO)
        assert idx.metadata(file).version == Version("1.0")
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    with open_index(url, http_cache) as idx:
        (file,) = idx.project_files(DEMO)
        with pytest.raises(IndexFetchError, match="does not match"):
            idx.metadata(file)


def test_metadata_is_read_by_range_requests_when_the_server_serves_ranges(
    local_index: LocalIndex, http_cache: Path
) -> None:
    """No PEP 658 file, a large wheel: its zip directory and METADATA, not the whole file."""
    big = os.urandom(1 << 20).hex()  # 2 MB of text, about 1 MB compressed
    wheel = local_index.add_wheel(
        "demo", "1.0", requires=["dep"], metadata_file=False, files={"demo/big.txt": big}
    )
    local_index.build()
    local_index.ranges = True
    path = "/files/demo-1.0-py3-none-any.whl"
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        (file,) = idx.project_files(DEMO)
        assert [str(r) for r in idx.metadata(file).requires_dist] == ["dep"]
    assert wheel.stat().st_size > 900_000
    assert local_index.bytes_sent[path] <= 3 * 64 * 1024
    assert [status for p, status in local_index.responses if p == path] in ([206], [206, 206])
    # Kept by hash like a downloaded wheel's: the next run sends nothing for it.
    local_index.responses.clear()
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        (file,) = idx.project_files(DEMO)
        assert idx.metadata(file).version == Version("1.0")
    assert [p for p, _ in local_index.responses if p == path] == []


def test_a_projects_next_wheel_is_read_in_one_range_request(
    local_index: LocalIndex, http_cache: Path
) -> None:
    """Releases of a project are laid out alike: once one wheel's zip directory and RECORD
    needed more than the first 64 KiB (2-3 requests), the next wheel's first request asks
    for as much (and a quarter more), and that is all it needs."""
    many = {f"demo/module_{i:04d}.py": f"x = {i}\n" for i in range(1500)}
    for version in ("1.0", "2.0"):
        local_index.add_wheel("demo", version, metadata_file=False, files=many)
    local_index.build()
    local_index.ranges = True
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        files = {str(f.version): f for f in idx.project_files(DEMO)}
        assert idx.metadata(files["2.0"]).version == Version("2.0")
        assert idx.metadata(files["1.0"]).version == Version("1.0")
    first = [s for p, s in local_index.responses if p == "/files/demo-2.0-py3-none-any.whl"]
    then = [s for p, s in local_index.responses if p == "/files/demo-1.0-py3-none-any.whl"]
    assert first in ([206, 206], [206, 206, 206])
    assert then == [206]
    size = (local_index.files_dir / "demo-1.0-py3-none-any.whl").stat().st_size
    assert local_index.bytes_sent["/files/demo-1.0-py3-none-any.whl"] < size


def test_range_answers_bypass_the_http_cache(
    local_index: LocalIndex, http_cache: Path, mocker: MockerFixture
) -> None:
    """A 206 is never cached: cachecontrol does not look it up, nor copy it to a temporary
    file on the way (55 MB of them in a cold jupyterlab plan). Pages still go through it."""
    import cachecontrol.adapter

    big = os.urandom(1 << 20).hex()
    local_index.add_wheel("demo", "1.0", metadata_file=False, files={"demo/big.txt": big})
    local_index.build()
    local_index.ranges = True
    tee = mocker.spy(cachecontrol.adapter, "CallbackFileWrapper")
    lookup = mocker.spy(cachecontrol.adapter.CacheController, "cached_request")
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        (file,) = idx.project_files(DEMO)
        pages = tee.call_count
        assert pages >= 1 and lookup.call_count >= 1
        lookups = lookup.call_count
        assert idx.metadata(file).version == Version("1.0")
    ranges = [s for p, s in local_index.responses if p == "/files/demo-1.0-py3-none-any.whl"]
    assert ranges and set(ranges) == {206}
    assert (tee.call_count, lookup.call_count) == (pages, lookups)


def test_declared_but_missing_metadata_file_falls_back_to_the_wheel(
    local_index: LocalIndex, http_cache: Path
) -> None:
    demo_index(local_index)
    (local_index.files_dir / "demo-1.0-py3-none-any.whl.metadata").unlink()
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        file = next(f for f in idx.project_files(DEMO) if f.version == Version("1.0"))
        assert idx.metadata(file).version == Version("1.0")
    assert local_index.requests["/files/demo-1.0-py3-none-any.whl"] == 1


def test_downloaded_wheel_with_wrong_hash_is_refused(
    local_index: LocalIndex, http_cache: Path
) -> None:
    """This server ignores Range: the range request gets the whole wheel, checked like a
    download."""
    wheel = local_index.add_wheel("demo", "1.0", metadata_file=False)
    local_index.build()
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        (file,) = idx.project_files(DEMO)
        with pytest.raises(
            IndexFetchError, match=r"wheel demo-1\.0-py3-none-any\.whl .* does not match"
        ):
            idx.metadata(file)


def test_metadata_that_contradicts_the_file_name_is_refused(
    tmp_path: Path, http_cache: Path
) -> None:
    wheel = LocalIndex(tmp_path / "build").add_wheel("demo", "9.9")
    links = tmp_path / "links"
    links.mkdir()
    (links / "demo-1.0-py3-none-any.whl").write_bytes(wheel.read_bytes())
    config = IndexConfig(no_index=True, find_links=(str(links),))
    with PackageIndex(config, cache_dir=http_cache) as idx:
        (file,) = idx.project_files(DEMO)
        with pytest.raises(IndexFetchError, match=r"says demo 9\.9, not demo 1\.0"):
            idx.metadata(file)


# -- HTTP cache --------------------------------------------------------------------------


def _run_once(url: str, cache: Path) -> list[object]:
    with open_index(url, cache) as idx:
        files = idx.project_files(DEMO)
        idx.prefetch_metadata(files)
        return [idx.metadata(f) for f in files if f.is_wheel]


def test_second_run_revalidates_pages_and_reuses_metadata(
    local_index: LocalIndex, http_cache: Path
) -> None:
    demo_index(local_index)
    with local_index.serve() as url:
        first = _run_once(url, http_cache)
        assert ("/simple/demo/", 200) in local_index.responses
        assert sum(1 for p, _ in local_index.responses if p.endswith(".metadata")) == 4
        local_index.responses.clear()
        second = _run_once(url, http_cache)
    assert second == first
    assert local_index.responses == [("/simple/demo/", 304)]  # only the page, revalidated


def test_hash_checked_files_are_cached_without_caching_headers(
    local_index: LocalIndex, http_cache: Path
) -> None:
    demo_index(local_index)
    local_index.cache_headers = False  # a mirror that sends no Cache-Control and no ETag
    with local_index.serve() as url:
        first = _run_once(url, http_cache)
        local_index.responses.clear()
        assert _run_once(url, http_cache) == first
    assert local_index.responses == [("/simple/demo/", 200)]  # metadata came from the cache


def test_changed_page_is_seen_by_the_next_run(local_index: LocalIndex, http_cache: Path) -> None:
    local_index.add_wheel("demo", "1.0")
    local_index.build()
    with local_index.serve() as url:
        with open_index(url, http_cache) as idx:
            assert [f.version for f in idx.project_files(DEMO)] == [Version("1.0")]
        local_index.add_wheel("demo", "1.1")
        local_index.build()
        with open_index(url, http_cache) as idx:
            assert len(idx.project_files(DEMO)) == 2
    assert [s for p, s in local_index.responses if p == "/simple/demo/"] == [200, 200]


def test_corrupted_cache_entries_are_refetched(local_index: LocalIndex, http_cache: Path) -> None:
    demo_index(local_index)
    with local_index.serve() as url:
        first = _run_once(url, http_cache)
        bodies = list(http_cache.rglob("*.body"))
        assert len(bodies) == 5  # the page and four .metadata files
        for body in bodies:  # truncated bodies behind intact cache headers
            body.write_bytes(body.read_bytes()[:20])
        local_index.responses.clear()
        assert _run_once(url, http_cache) == first
        assert sorted(s for _, s in local_index.responses) == [200] * 5 + [304]
        entries = [
            p for p in http_cache.rglob("*") if p.is_file() and p.suffix not in (".body", ".lock")
        ]
        for entry in entries:  # undecodable cache headers
            entry.write_bytes(b"cc=4,\xc1garbage")
        local_index.responses.clear()
        assert _run_once(url, http_cache) == first
        assert sorted(s for _, s in local_index.responses) == [200] * 5


# -- errors and retries ------------------------------------------------------------------


def test_server_error_then_recovery_is_retried(local_index: LocalIndex, http_cache: Path) -> None:
    demo_index(local_index)
    local_index.fail["/simple/demo/"] = [500]
    with local_index.serve() as url, open_index(url, http_cache, retries=2) as idx:
        assert len(idx.project_files(DEMO)) == 5
    assert [s for p, s in local_index.responses if p == "/simple/demo/"] == [500, 200]


def test_persistent_server_error_raises_with_redacted_url(
    local_index: LocalIndex, http_cache: Path
) -> None:
    demo_index(local_index)
    local_index.fail["/simple/demo/"] = [500] * 5
    with local_index.serve(auth=("alice", "s3cret")) as url:
        secret_url = url.replace("http://", "http://alice:s3cret@")
        idx = open_index(secret_url, http_cache, retries=1)
        with idx, pytest.raises(IndexFetchError) as info:
            idx.project_files(DEMO)
    text = info.value.render()
    assert "s3cret" not in text
    assert "http://alice:****@127.0.0.1:" in text and "/simple/demo/" in text
    assert "500" in text and "Hint:" in text
    assert local_index.requests["/simple/demo/"] == 2  # first try + one retry


def test_credentials_in_the_index_url_are_used_and_never_shown(
    local_index: LocalIndex, http_cache: Path
) -> None:
    demo_index(local_index)
    with local_index.serve(auth=("alice", "s3cret")) as url:
        secret_url = url.replace("http://", "http://alice:s3cret@")
        with open_index(secret_url, http_cache) as idx:
            files = idx.project_files(DEMO)
            assert {f.origin for f in files} == {url.replace("http://", "http://alice:****@")}
            assert idx.metadata(files[0]).version == files[0].version
        with open_index(url, http_cache / "anonymous") as idx:
            with pytest.raises(IndexFetchError, match="HTTP 401") as info:
                idx.project_files(DEMO)
            assert "credentials" in (info.value.hint or "")


def test_connection_refused_raises_index_fetch_error(http_cache: Path) -> None:
    idx = open_index("http://127.0.0.1:9/simple", http_cache, retries=0, timeout=2.0)
    with idx, pytest.raises(IndexFetchError, match="could not connect") as info:
        idx.project_files(DEMO)
    assert "--index-url" in (info.value.hint or "")


class _VendoredErrors:
    """Error classes named like requests' but other classes, as in pip's vendored copy."""

    class RequestException(OSError):
        pass

    class ConnectionError(RequestException):
        pass

    class SSLError(ConnectionError):
        pass

    class Timeout(RequestException):
        pass

    class ReadTimeout(Timeout):
        pass


class _FailingSession:
    """Stands for pip's session in the hook: every request raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get(self, url: str, **kw: object) -> object:
        raise self.error

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("error", "problem", "hint"),
    [
        (
            _VendoredErrors.SSLError("certificate verify failed"),
            "TLS verification failed",
            "--cert",
        ),
        (_VendoredErrors.ReadTimeout("read timed out"), "no answer within 15 s", "--timeout"),
        (_VendoredErrors.ConnectionError("refused"), "could not connect", "--index-url"),
    ],
)
def test_a_foreign_sessions_errors_are_told_apart_by_their_classes_names(
    http_cache: Path, error: Exception, problem: str, hint: str
) -> None:
    """Through the pip hook, pip's session raises its vendored requests' errors: they get
    the same messages and hints as requests' own."""
    session = _FailingSession(error)
    with (
        PackageIndex(
            IndexConfig(index_url="https://pypi.invalid/simple"),
            cache_dir=http_cache,
            session=session,  # type: ignore[arg-type]
            session_errors=(_VendoredErrors.RequestException,),
        ) as idx,
        pytest.raises(IndexFetchError, match=problem) as info,
    ):
        idx.project_files(DEMO)
    assert hint in (info.value.hint or "")


def test_a_foreign_session_with_its_own_errors_loads_no_http_stack_of_ours(
    tmp_path: Path,
) -> None:
    """The pip hook passes pip's session: requests, urllib3 and cachecontrol stay unloaded."""
    script = (
        "import sys\n"
        "from pip_native.index import IndexConfig, PackageIndex\n"
        "from pathlib import Path\n"
        "idx = PackageIndex(IndexConfig(), cache_dir=Path(sys.argv[1]), session=object(),\n"
        "                   session_errors=(OSError,))\n"
        "loaded = {'requests', 'urllib3', 'cachecontrol'} & set(sys.modules)\n"
        "print(sorted(loaded))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert out.stdout.strip() == "[]"


def test_unreachable_index_plans_from_cached_pages_and_says_so(
    local_index: LocalIndex, http_cache: Path
) -> None:
    """Offline: pages fetched earlier are used however old, and recorded as stale."""
    demo_index(local_index)
    with local_index.serve() as url:
        first = _run_once(url, http_cache)
    # The server is gone now: revalidating the page cannot connect.
    with open_index(url, http_cache, retries=0, timeout=2.0) as idx:
        assert idx.stale_pages == {}
        files = idx.project_files(DEMO)
        assert [idx.metadata(f) for f in files if f.is_wheel] == first
        assert list(idx.stale_pages) == [f"{url}/demo/"]
        assert "GMT" in idx.stale_pages[f"{url}/demo/"]  # the cached copy's Date
        # A page never fetched before still fails clearly.
        with pytest.raises(IndexFetchError, match="could not connect"):
            idx.project_files(canonicalize_name("never-seen"))


def test_invalid_json_page_raises_index_fetch_error(
    local_index: LocalIndex, http_cache: Path
) -> None:
    demo_index(local_index)
    (local_index.simple_dir / "demo" / "index.json").write_text('{"files": 3}')
    with local_index.serve(formats=("json",)) as url:
        idx = open_index(url, http_cache)
        with idx, pytest.raises(IndexFetchError, match="not a valid Simple Repository API page"):
            idx.project_files(DEMO)


# -- memoisation and parallelism ---------------------------------------------------------


def test_prefetch_runs_in_parallel_and_fills_the_memo(
    local_index: LocalIndex, http_cache: Path
) -> None:
    names = [canonicalize_name(f"proj-{i}") for i in range(20)]
    for name in names:
        local_index.add_wheel(name, "1.0")
    local_index.build()
    local_index.delay = 0.05
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        start = time.monotonic()
        idx.prefetch_projects(names)
        files = {name: idx.project_files(name) for name in names}
        elapsed = time.monotonic() - start
        idx.prefetch_metadata(f for fs in files.values() for f in fs)
        metas = [idx.metadata(fs[0]) for fs in files.values()]
    assert all(len(fs) == 1 for fs in files.values())
    assert [m.version for m in metas] == [Version("1.0")] * 20
    assert local_index.max_in_flight > 1
    assert elapsed < 20 * 0.05  # faster than one request after the other
    assert all(local_index.requests[f"/simple/{n}/"] == 1 for n in names)


def test_a_caller_takes_over_a_queued_fetch_once_and_quietly(
    local_index: LocalIndex, http_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Pages queued behind slow ones: the caller that needs one now fetches it itself; the
    worker that reaches it later skips it (one request each, no 'unexpected state' log,
    no connection thrown away)."""
    names = [canonicalize_name(f"proj-{i}") for i in range(30)]
    for name in names:
        local_index.add_wheel(name, "1.0")
    local_index.build()
    local_index.delay = 0.1
    with (
        caplog.at_level("DEBUG"),
        local_index.serve() as url,
        open_index(url, http_cache) as idx,
    ):
        idx.prefetch_projects(names)  # 30 pages for 10 workers: the last ones wait
        start = time.monotonic()
        assert len(idx.project_files(names[-1])) == 1
        took = time.monotonic() - start
        assert all(len(idx.project_files(n)) == 1 for n in names)
    assert took < 0.25  # one request, not the queue ahead of it (3 rounds of 0.1 s)
    assert all(local_index.requests[f"/simple/{n}/"] == 1 for n in names)
    assert not [r for r in caplog.records if "unexpected state" in r.getMessage()]
    # 10 workers and the caller at once: the connection pool has room for all (urllib3
    # would otherwise warn "Connection pool is full, discarding connection" to the user).
    assert local_index.max_in_flight == 11
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_concurrent_calls_fetch_a_page_once(local_index: LocalIndex, http_cache: Path) -> None:
    demo_index(local_index)
    local_index.delay = 0.05
    results: list[int] = []
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        threads = [
            threading.Thread(target=lambda: results.append(len(idx.project_files(DEMO))))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == [5] * 8
    assert local_index.requests["/simple/demo/"] == 1


def test_prefetch_errors_surface_later_and_are_not_cached(
    local_index: LocalIndex, http_cache: Path
) -> None:
    demo_index(local_index)
    local_index.fail["/simple/demo/"] = [403]
    names: list[NormalizedName] = [DEMO, canonicalize_name("dep")]
    with local_index.serve() as url, open_index(url, http_cache) as idx:
        idx.prefetch_projects(names)  # does not raise
        assert len(idx.project_files(canonicalize_name("dep"))) == 1
        with pytest.raises(IndexFetchError, match="HTTP 403"):
            idx.project_files(DEMO)
        assert len(idx.project_files(DEMO)) == 5  # tried again, now succeeds


def test_close_drops_queued_prefetches(local_index: LocalIndex, http_cache: Path) -> None:
    names = [canonicalize_name(f"proj-{i}") for i in range(30)]
    for name in names:
        local_index.add_wheel(name, "1.0")
    local_index.build()
    local_index.delay = 0.1
    with local_index.serve() as url:
        idx = PackageIndex(IndexConfig(index_url=url), cache_dir=http_cache, max_workers=2)
        idx.prefetch_projects(names)
        start = time.monotonic()
        idx.close()
        assert time.monotonic() - start < 1.0  # not 30 * 0.1 / 2 s
        fetched = sum(local_index.requests.values())
        assert fetched < len(names)
        assert len(idx.project_files(names[-1])) == 1  # still usable, fetched inline


def test_local_paths_as_index_url_and_find_links_page(
    local_index: LocalIndex, tmp_path: Path, http_cache: Path
) -> None:
    demo_index(local_index)
    page = tmp_path / "links.html"
    page.write_text(f'<a href="{local_index.files_dir.as_uri()}/dep-1.5-py3-none-any.whl">dep</a>')
    config = IndexConfig(index_url=str(local_index.simple_dir), find_links=(str(page),))
    with PackageIndex(config, cache_dir=http_cache) as idx:
        assert len(idx.project_files(DEMO)) == 5
        origins = [f.origin for f in idx.project_files(canonicalize_name("dep"))]
        assert origins == [str(local_index.simple_dir), str(page)]


def test_prefetching_looks_for_kept_metadata_only_when_the_cache_held_some(
    local_index: LocalIndex, http_cache: Path, mocker: MockerFixture
) -> None:
    """Wheels without a PEP 658 file: on a cold cache the prefetch looks for no kept
    file (no ``stat`` on the resolver's thread) and the workers read the wheels; a later
    run finds what the first kept and reads those without a request."""
    names = [canonicalize_name(f"proj-{i}") for i in range(5)]
    for name in names:
        local_index.add_wheel(name, "1.0", metadata_file=False)
    local_index.build()
    looked: list[str] = []  # by the prefetching thread (the workers look for their own)
    real = PackageIndex._metadata_cache_path

    def recording(self: PackageIndex, file: DistFile) -> Path | None:
        if threading.current_thread() is threading.main_thread():
            looked.append(file.filename)
        return real(self, file)

    mocker.patch.object(PackageIndex, "_metadata_cache_path", recording)
    with local_index.serve() as url:
        with open_index(url, http_cache) as idx:
            files = [f for n in names for f in idx.project_files(n)]
            idx.prefetch_metadata(files)
            assert looked == []  # nothing was kept: nothing to look for
            assert [idx.metadata(f).name for f in files] == names
        wheel_reads = sum(n for p, n in local_index.requests.items() if p.endswith(".whl"))
        assert wheel_reads >= len(names)
        with open_index(url, http_cache) as idx:
            files = [f for n in names for f in idx.project_files(n)]
            idx.prefetch_metadata(files)
            # kept: looked for here, no worker started, read from disk when asked
            assert looked == [f.filename for f in files]
            assert [idx.metadata(f).name for f in files] == names
        again = sum(n for p, n in local_index.requests.items() if p.endswith(".whl"))
    assert again == wheel_reads
