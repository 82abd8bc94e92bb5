"""Tests for pip_native.index.rangefile.RangeFile over an in-memory "remote" file."""

from __future__ import annotations

import io
import os
import zipfile

from pip_native.index.rangefile import CHUNK, RangeFile


def remote(data: bytes, tail: int) -> tuple[RangeFile, list[tuple[int, int]]]:
    asked: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        asked.append((start, end))
        return data[start : end + 1]

    known_start = max(0, len(data) - tail)
    return RangeFile(fetch, len(data), known_start=known_start, known=data[known_start:]), asked


def test_reads_within_the_known_tail_fetch_nothing() -> None:
    data = os.urandom(3 * CHUNK)
    file, asked = remote(data, CHUNK)
    file.seek(-100, os.SEEK_END)
    assert file.read() == data[-100:]
    assert (asked, file.requests, file.lowest) == ([], 0, 2 * CHUNK)


def test_a_read_before_the_tail_fetches_at_least_a_chunk() -> None:
    data = os.urandom(3 * CHUNK)
    file, asked = remote(data, CHUNK)
    file.seek(10)
    assert file.read(5) == data[10:15]
    assert asked == [(10, 10 + CHUNK - 1)]
    assert (file.requests, file.lowest) == (1, 10)
    assert file.read(5) == data[15:20]  # inside the fetched chunk
    assert file.requests == 1


def test_zipfile_reads_a_member_through_it() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("demo-1.0.dist-info/METADATA", "Name: demo\n")
        zf.writestr("big.bin", os.urandom(4 * CHUNK))
    data = buffer.getvalue()
    file, _ = remote(data, 1024)
    with zipfile.ZipFile(file) as zf:  # type: ignore[arg-type]
        assert zf.read("demo-1.0.dist-info/METADATA") == b"Name: demo\n"
    assert file.requests == 1 and file.lowest == 0  # the member at the start
