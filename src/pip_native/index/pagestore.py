"""The last good copy of each index page, for planning while the index cannot be reached."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import NamedTuple

from pip_native.paths import write_atomically

__all__ = ["PageStore", "StoredPage"]

logger = logging.getLogger(__name__)


class StoredPage(NamedTuple):
    url: str
    """The final URL the page was served from."""
    content_type: str
    content: bytes
    date: str
    """When the page was last confirmed current (an HTTP date)."""


class PageStore:
    """One file per page URL: a JSON header line (final URL, content type, date), then the body.

    Written atomically after every successful fetch; read only when the index
    cannot be reached. A damaged file is a miss.
    """

    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def _path(self, url: str) -> Path:
        return self._dir / f"{hashlib.sha256(url.encode()).hexdigest()}.page"

    def store(self, url: str, page: StoredPage) -> None:
        head = {"url": page.url, "content_type": page.content_type, "date": page.date}
        path = self._path(url)
        try:
            write_atomically(path, json.dumps(head).encode() + b"\n" + page.content)
        except OSError as exc:
            logger.debug("could not keep a copy of %s: %s", path, exc)

    def load(self, url: str) -> StoredPage | None:
        try:
            raw = self._path(url).read_bytes()
            line, _, body = raw.partition(b"\n")
            head = json.loads(line)
            return StoredPage(str(head["url"]), str(head["content_type"]), body, str(head["date"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
