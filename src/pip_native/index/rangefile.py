"""A remote file read through HTTP range requests: only the parts a reader asks for.

Enough of a file object for :mod:`zipfile` (``read``, ``seek``, ``tell``), so the
METADATA of a wheel comes from its zip directory and one member instead of the whole
wheel (indexes without PEP 658 metadata files).
"""

from __future__ import annotations

import os
from collections.abc import Callable

__all__ = ["CHUNK", "MAX_TAIL", "RangeFile"]

#: The least one range request asks for: a zip directory usually fits in the first one.
CHUNK = 64 * 1024
#: The most a first request asks for at a wheel's end (a size learned from a project's
#: earlier wheels; see PackageIndex._learn_tail).
MAX_TAIL = 2 * 1024 * 1024


class RangeFile:
    """A read-only, seekable view of ``size`` bytes, fetched by ``fetch(start, end)`` (end
    inclusive) on demand. ``known`` is a part already fetched, at ``known_start``."""

    def __init__(
        self,
        fetch: Callable[[int, int], bytes],
        size: int,
        *,
        known_start: int,
        known: bytes,
    ) -> None:
        self._fetch = fetch
        self._size = size
        self._parts: list[tuple[int, bytes]] = [(known_start, known)] if known else []
        self._pos = 0
        self.requests = 0
        """Range requests made (the first, given part, not counted)."""

    @property
    def lowest(self) -> int:
        """The lowest offset fetched so far (``size`` when nothing is)."""
        return min((start for start, _ in self._parts), default=self._size)

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            pos = offset
        elif whence == os.SEEK_CUR:
            pos = self._pos + offset
        elif whence == os.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def read(self, n: int | None = -1) -> bytes:
        end = self._size if n is None or n < 0 else min(self._pos + n, self._size)
        if end <= self._pos:
            return b""
        data = self._slice(self._pos, end)
        self._pos = end
        return data

    def _slice(self, start: int, end: int) -> bytes:
        for part_start, part in self._parts:
            if part_start <= start and end <= part_start + len(part):
                return part[start - part_start : end - part_start]
        fetch_end = min(max(end, start + CHUNK), self._size)
        data = self._fetch(start, fetch_end - 1)
        self.requests += 1
        if len(data) != fetch_end - start:
            raise OSError(
                f"a range request for bytes {start}-{fetch_end - 1} returned {len(data)} bytes"
            )
        self._parts.append((start, data))
        return data[: end - start]
