"""Reads a PEP 804 document from a path or URL; URLs are cached on disk and work offline once cached."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from pip_native import __version__
from pip_native.errors import IndexFetchError, MappingFileError
from pip_native.paths import cache_root, write_atomically

if TYPE_CHECKING:
    from collections.abc import Callable

    import requests

__all__ = ["CACHE_MAX_AGE", "Fetched", "cache_dir_default", "cache_path", "fetch_document"]

#: A cached document younger than this is used without asking the network (seconds).
CACHE_MAX_AGE = 24 * 3600
_TIMEOUT = 15.0
_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    """A validated document and where it came from."""

    value: Any
    origin: str
    """The path, or the URL."""
    from_cache: bool = False
    note: str | None = None
    """Said when the copy is a cached one that could not be refreshed."""


def cache_dir_default() -> Path:
    """``<pip-native cache>/pep804``."""
    return cache_root() / "pep804"


def _is_url(source: str | Path) -> bool:
    return isinstance(source, str) and urlsplit(source).scheme in ("http", "https")


def cache_path(url: str, cache_dir: Path | None = None) -> Path:
    """Where the document fetched from ``url`` is cached."""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    base = re.sub(r"[^A-Za-z0-9.+_-]", "_", urlsplit(url).path.rsplit("/", 1)[-1]) or "document"
    return (cache_dir or cache_dir_default()) / f"{digest}-{base}"


def _read_local(source: str | Path, what: str) -> tuple[str, str]:
    if isinstance(source, str) and urlsplit(source).scheme == "file":
        path = Path(url2pathname(urlsplit(source).path))
    else:
        path = Path(source)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingFileError(
            f"{what} {path} cannot be read: {exc}.",
            hint="Check the path, or give the document's https:// URL instead.",
        ) from None


def _write_cache(path: Path, url: str, text: str) -> None:
    write_atomically(path, text.encode("utf-8"))
    meta = {"url": url, "fetched": time.time(), "pip_native": __version__}
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _cached(path: Path) -> tuple[str, float] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        meta = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
        fetched = float(meta["fetched"])
    except (OSError, ValueError, KeyError, TypeError):
        fetched = path.stat().st_mtime
    return text, fetched


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp))


def _download(url: str, session: requests.Session | None) -> str:
    """The body of ``url``; raises OSError-like ``_FetchFailed`` with the reason."""
    import requests

    own = session is None
    http = session or requests.Session()
    try:
        response = http.get(
            url,
            timeout=_TIMEOUT,
            headers={"User-Agent": f"pip-native/{__version__}", "Accept": "application/json"},
        )
        if response.status_code != 200:
            raise _FetchFailed(f"HTTP {response.status_code}")
        body = response.content
        if len(body) > _MAX_BYTES:
            raise _FetchFailed(f"the response is larger than {_MAX_BYTES} bytes")
        try:
            return bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _FetchFailed(f"the response is not UTF-8 ({exc})") from None
    except requests.RequestException as exc:
        raise _FetchFailed(f"{type(exc).__name__}: {exc}") from None
    finally:
        if own:
            http.close()


class _FetchFailed(Exception):
    pass


def fetch_document(
    source: str | Path,
    *,
    what: str,
    validate: Callable[[str, str], Any],
    session: requests.Session | None = None,
    offline: bool = False,
    refresh: bool = False,
    cache_dir: Path | None = None,
    max_age: float = CACHE_MAX_AGE,
) -> Fetched:
    """Read ``source`` (a path, ``file://`` or ``http(s)://`` URL) and return ``validate(text, origin)``.

    A URL is answered from the cache (``<cache>/pep804``) while the cached copy
    is younger than ``max_age`` seconds (``refresh`` skips that); otherwise it is
    downloaded with requests, validated, and only then cached. When the
    download fails (or ``offline``), a cached copy of any age is used and
    :attr:`Fetched.note` says so; with no cached copy the error names the URL,
    the reason and the cache file.
    """
    if not _is_url(source):
        text, origin = _read_local(source, what)
        return Fetched(validate(text, origin), origin)
    url = str(source)
    path = cache_path(url, cache_dir)
    cached = _cached(path)
    if cached is not None and not refresh and (offline or time.time() - cached[1] < max_age):
        note = f"offline: cached copy from {_when(cached[1])}" if offline else None
        return Fetched(validate(cached[0], url), url, from_cache=True, note=note)
    if offline:
        raise IndexFetchError(
            f"The {what} {url} is needed, pip-native is offline, and there is no cached copy "
            f"(it would be {path}).",
            hint="Run once with network access to cache it, or download the file and pass "
            "its path instead of the URL.",
        )
    try:
        text = _download(url, session)
    except _FetchFailed as exc:
        if cached is None:
            raise IndexFetchError(
                f"Cannot fetch the {what} {url}: {exc}; and there is no cached copy "
                f"(it would be {path}).",
                hint="Check the network connection and the URL, or download the file and pass "
                "its path instead of the URL.",
            ) from None
        note = f"could not refresh ({exc}); using the copy cached on {_when(cached[1])}"
        return Fetched(validate(cached[0], url), url, from_cache=True, note=note)
    value = validate(text, url)
    with contextlib.suppress(OSError):  # a read-only cache only costs the next run a download
        _write_cache(path, url, text)
    return Fetched(value, url)
