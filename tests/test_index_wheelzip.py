"""Finding a wheel's METADATA by searching its zip directory (zipfile reads what it cannot)."""

from __future__ import annotations

import io
import zipfile

import pytest
from packaging.utils import canonicalize_name

from pip_native.errors import IndexFetchError
from pip_native.index import wheelzip
from pip_native.index.metadata import wheel_metadata_file

DEMO = canonicalize_name("demo")
METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: dep>=1\n"


def make_zip(
    members: dict[str, bytes],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    comment: bytes = b"",
    prefix: bytes = b"",
) -> bytes:
    """A zip of ``members``; ``prefix`` is put before it as is (its offsets then count
    from the zip's start, as in a self-extracting archive)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.comment = comment
    return prefix + buffer.getvalue()


def wheel(**kw: object) -> bytes:
    files = {f"demo/m{i}.py": b"x = %d\n" % i for i in range(300)}
    files["demo-1.0.dist-info/WHEEL"] = b"Wheel-Version: 1.0\n"
    files["demo-1.0.dist-info/METADATA"] = METADATA
    files["demo-1.0.dist-info/RECORD"] = b""
    return make_zip(files, **kw)  # type: ignore[arg-type]


def searched(data: bytes) -> list[tuple[str, bytes | None]] | None:
    members = wheelzip.metadata_members(io.BytesIO(data))
    if members is None:
        return None
    return [(m.name, wheelzip.read_member(io.BytesIO(data), m)) for m in members]


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_the_metadata_member_is_found_and_read(compression: int) -> None:
    data = wheel(compression=compression, comment=b"a zip comment")
    assert searched(data) == [("demo-1.0.dist-info/METADATA", METADATA)]
    assert wheel_metadata_file(data, DEMO, source="demo.whl") == (
        METADATA,
        "demo-1.0.dist-info/METADATA",
    )


def test_only_top_level_dist_info_members_count() -> None:
    data = make_zip(
        {
            "demo/_vendor/other-2.0.dist-info/METADATA": b"vendored",
            "demo-1.0.dist-info/METADATA": METADATA,
            "other-3.0.dist-info/METADATA": b"Name: other\n",
        }
    )
    assert [name for name, _ in searched(data) or []] == [
        "demo-1.0.dist-info/METADATA",
        "other-3.0.dist-info/METADATA",
    ]
    assert wheel_metadata_file(data, DEMO, source="demo.whl")[0] == METADATA


def test_what_the_search_does_not_handle_is_left_to_zipfile() -> None:
    # data before the zip (a self-extracting archive): offsets no longer match
    prefixed = wheel(prefix=b"#!/bin/sh\nexit 0\n")
    assert wheelzip.metadata_members(io.BytesIO(prefixed)) is None
    assert wheel_metadata_file(prefixed, DEMO, source="demo.whl")[0] == METADATA
    # METADATA inside a longer name
    odd = make_zip(
        {"demo-1.0.dist-info/METADATA.orig": b"old", "demo-1.0.dist-info/METADATA": b"x"}
    )
    assert wheelzip.metadata_members(io.BytesIO(odd)) is None
    # not a zip at all, or one cut short
    assert wheelzip.metadata_members(io.BytesIO(b"not a zip")) is None
    assert wheelzip.metadata_members(io.BytesIO(wheel()[:-30])) is None


def test_a_member_that_does_not_check_out_is_not_returned() -> None:
    data = bytearray(wheel(compression=zipfile.ZIP_STORED))
    members = wheelzip.metadata_members(io.BytesIO(bytes(data)))
    assert members is not None
    (member,) = members
    start = data.index(METADATA)
    data[start] ^= 0xFF  # one damaged byte: the CRC no longer matches
    assert wheelzip.read_member(io.BytesIO(bytes(data)), member) is None
    with pytest.raises(IndexFetchError, match=r"Bad CRC-32"):
        wheel_metadata_file(bytes(data), DEMO, source="demo.whl")
    encrypted = member._replace(flags=member.flags | 0x1)
    assert wheelzip.read_member(io.BytesIO(wheel()), encrypted) is None
    unknown = member._replace(method=12)  # bzip2
    assert wheelzip.read_member(io.BytesIO(wheel()), unknown) is None
