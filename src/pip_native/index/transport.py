"""Fetching URLs for the index client: cached HTTP(S) with TLS and retries, and file:// reads."""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
import warnings
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

import requests
import urllib3
from cachecontrol.adapter import CacheControlAdapter
from cachecontrol.caches import SeparateBodyFileCache
from cachecontrol.controller import CacheController
from cachecontrol.heuristics import BaseHeuristic
from cachecontrol.serialize import Serializer
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pip_native import __version__
from pip_native.errors import IndexFetchError
from pip_native.index.config import IndexConfig, redact_url
from pip_native.index.pages import JSON_CONTENT_TYPE
from pip_native.index.pagestore import PageStore, StoredPage

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["OFFLINE_HINT", "Fetched", "Transport", "file_url_to_path"]

logger = logging.getLogger(__name__)

OFFLINE_HINT = (
    "Check the network connection and the index settings (--index-url, --extra-index-url, "
    "pip's configuration); without network, use --no-index with --find-links pointing at "
    "a local directory of wheels."
)


#: Statuses worth retrying (pip retries the same ones).
_RETRY_STATUSES = (500, 502, 503, 504, 520, 527)

#: What a damaged cache entry can make cachecontrol/requests raise while reading it
#: (a truncated body file reads as a broken connection).
_CACHE_READ_ERRORS = (
    AssertionError,
    ValueError,
    TypeError,
    KeyError,
    EOFError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class Fetched:
    """A fetched document."""

    url: str
    """The final URL (after redirects; for a directory, its ``index.html``)."""
    content: bytes
    content_type: str
    from_cache: bool = False


class _SafeSerializer(Serializer):
    """A cache entry that cannot be decoded is a cache miss, never an error."""

    def loads(self, request: Any, data: bytes, body_file: IO[bytes] | None = None) -> Any:
        try:
            return super().loads(request, data, body_file)
        except Exception:  # any damage to the entry: refetch instead
            logger.debug("ignoring unreadable HTTP cache entry for %s", redact_url(request.url))
            if body_file is not None:
                body_file.close()
            return None


class _SafeFileCache(SeparateBodyFileCache):
    """An unreadable or unwritable cache directory degrades to no caching (like pip)."""

    def get(self, key: str) -> bytes | None:
        try:
            return super().get(key)
        except OSError:
            return None

    def get_body(self, key: str) -> IO[bytes] | None:
        try:
            return super().get_body(key)
        except OSError:
            return None

    def set(self, key: str, value: bytes, expires: Any = None) -> None:
        try:
            super().set(key, value, expires)
        except OSError as exc:
            logger.debug("cannot write the HTTP cache: %s", exc)

    def set_body(self, key: str, body: bytes) -> None:
        try:
            super().set_body(key, body)
        except OSError as exc:
            logger.debug("cannot write the HTTP cache: %s", exc)

    def delete(self, key: str) -> None:
        with contextlib.suppress(OSError):
            super().delete(key)


class _ImmutableHeuristic(BaseHeuristic):
    """Cache hash-checked files even when the server sends no caching headers.

    Used only for files whose hash we know and verify (a changed file is then
    detected, dropped from the cache and fetched again), so a mirror without
    ``Cache-Control`` still serves repeated runs from the cache.
    """

    def update_headers(self, response: Any) -> dict[str, str]:
        headers = response.headers
        if response.status != 200 or "cache-control" in headers or "expires" in headers:
            return {}
        updated = {"cache-control": "max-age=31536000"}
        if "date" not in headers:
            updated["date"] = formatdate(usegmt=True)
        return updated

    def warning(self, response: Any) -> str | None:
        return None


class _CacheAdapter(CacheControlAdapter):
    """cachecontrol's adapter, except for range requests, which it leaves to requests.

    A partial answer (206) is never cached, yet cachecontrol looks the URL up
    in the cache first and copies every byte of the answer into a temporary
    file on the way, to cache it once read: for the wheel metadata of a cold
    jupyterlab plan that was 55 MB written to /tmp for nothing.
    """

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
        cacheable_methods: Collection[str] | None = None,
    ) -> requests.Response:
        if "Range" in request.headers:
            return HTTPAdapter.send(self, request, stream, timeout, verify, cert, proxies)
        return super().send(request, stream, timeout, verify, cert, proxies, cacheable_methods)

    def build_response(
        self,
        request: requests.PreparedRequest,
        response: Any,
        from_cache: bool = False,
        cacheable_methods: Collection[str] | None = None,
    ) -> requests.Response:
        if "Range" in request.headers:
            built = HTTPAdapter.build_response(self, request, response)
            built.from_cache = False  # type: ignore[attr-defined]  # as cachecontrol sets it
            return built
        return super().build_response(request, response, from_cache, cacheable_methods)


def file_url_to_path(url: str) -> Path:
    """The local path of a ``file://`` URL."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise IndexFetchError(
            f"Cannot read {redact_url(url)}: file URLs with a host are not supported.",
            hint="Use file:///absolute/path or a plain local path.",
        )
    return Path(url2pathname(parts.path))


def _scrub(text: str, url: str) -> str:
    """Remove the URL's password from an exception text, just in case."""
    password = urlsplit(url).password
    return text.replace(password, "****") if password else text


def _build_session(
    config: IndexConfig, cache_dir: Path, pool_size: int, *, immutable: bool = False
) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = (
        f"pip-native/{__version__} {requests.utils.default_user_agent()}"
    )
    retry = Retry(
        total=config.retries,
        backoff_factor=0.25,
        status_forcelist=_RETRY_STATUSES,
        allowed_methods=("GET", "HEAD"),
    )
    adapter = _CacheAdapter(
        _SafeFileCache(cache_dir),
        serializer=_SafeSerializer(),
        heuristic=_ImmutableHeuristic() if immutable else None,
        max_retries=retry,
        pool_connections=pool_size,
        pool_maxsize=pool_size,
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if config.cert:
        session.verify = config.cert
    if config.client_cert:
        session.cert = config.client_cert
    if config.trusted_hosts:
        # Trusted hosts are fetched with verify=False on purpose; don't warn about it.
        warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    return session


class Transport:
    """GET for ``http(s)://`` (through an on-disk HTTP cache) and ``file://`` URLs.

    With ``session`` given (pip's own, from the pip hook) it is used as is:
    its retries, certificates, trusted hosts, authentication and cache apply.
    Otherwise a session is built from ``config``: CA bundle ``cert``, client
    certificate, ``retries`` with backoff for connection errors and 5xx
    answers, and ``verify=False`` for requests to a ``trusted_hosts`` host.
    """

    def __init__(
        self,
        config: IndexConfig,
        *,
        cache_dir: Path,
        session: requests.Session | None = None,
        session_errors: tuple[type[Exception], ...] = (),
        pool_size: int = 10,
    ) -> None:
        self.config = config
        #: What a failed request raises: requests' errors, plus those of a foreign
        #: session's own requests copy (pip's vendored one, from the pip hook).
        self._request_errors: tuple[type[Exception], ...] = (
            requests.exceptions.RequestException,
            *session_errors,
        )
        self._own_session = session is None
        self.session = session or _build_session(config, cache_dir, pool_size)
        #: For hash-checked files: same cache, but cached even without caching headers.
        self._files_session = session or _build_session(
            config, cache_dir, pool_size, immutable=True
        )
        #: The last good copy of every index page, for when the index cannot be reached
        #: (cachecontrol keeps none of a page served without caching headers).
        self._pages = PageStore(cache_dir / "pages") if self._own_session else None
        self.stale: dict[str, str] = {}
        """Pages served from the cache because the index could not be reached: URL -> the
        cached copy's Date header."""
        self._credentials = {
            parts.hostname: parts.netloc.rpartition("@")[0]
            for parts in map(urlsplit, (*config.sources(), *config.find_links))
            if parts.hostname and "@" in parts.netloc
        }

    def close(self) -> None:
        if self._own_session:
            self.session.close()
            self._files_session.close()

    def _with_credentials(self, url: str) -> str:
        """Reuse an index URL's ``user:password`` for other URLs on the same host (as pip does)."""
        parts = urlsplit(url)
        userinfo = self._credentials.get(parts.hostname or "")
        if not userinfo or "@" in parts.netloc:
            return url
        return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))

    def forget(self, url: str) -> None:
        """Drop ``url`` from our HTTP cache (after its cached copy turned out damaged)."""
        if not self._own_session:
            return
        adapter = self.session.get_adapter(url)
        if isinstance(adapter, CacheControlAdapter):
            adapter.cache.delete(CacheController.cache_url(self._with_credentials(url)))

    def get(
        self,
        url: str,
        *,
        what: str,
        accept: str | None = None,
        revalidate: bool = False,
        missing_ok: bool = False,
        hash_checked: bool = False,
    ) -> Fetched | None:
        """Fetch ``url``; None if it does not exist and ``missing_ok`` (HTTP 404/410, no file).

        ``revalidate`` asks caches to check freshness (index pages); without it
        a cached copy that is still fresh is used (immutable files).
        ``what`` names the document in error messages ("the index page of numpy").
        ``hash_checked`` promises that the caller verifies the content against a
        known hash: the file is then cached even without caching headers.
        """
        if url.startswith("file:"):
            return self._read_file(url, what=what, missing_ok=missing_ok)
        headers = {}
        if accept:
            headers["Accept"] = accept
        if revalidate:
            headers["Cache-Control"] = "max-age=0"
        try:
            response = self._send(url, headers, hash_checked)
        except _CACHE_READ_ERRORS as exc:
            logger.debug("damaged HTTP cache entry for %s (%r); refetching", redact_url(url), exc)
            self.forget(url)
            response = self._request(url, headers, hash_checked, what=what)
        except self._request_errors as exc:
            copy = self._offline_copy(url, exc, what=what) if revalidate else None
            if copy is None:
                raise self._request_error(url, exc, what) from exc
            return copy
        if response.status_code in (404, 410) and missing_ok:
            return None
        if response.status_code >= 400:
            raise self._http_error(url, response, what)
        fetched = Fetched(
            url=response.url or url,
            content=response.content,
            content_type=response.headers.get("Content-Type", ""),
            from_cache=bool(getattr(response, "from_cache", False)),
        )
        if revalidate and self._pages is not None:  # fetched or revalidated: current now
            self._pages.store(
                url,
                StoredPage(
                    fetched.url, fetched.content_type, fetched.content, formatdate(usegmt=True)
                ),
            )
        return fetched

    def _offline_copy(self, url: str, exc: Exception, *, what: str) -> Fetched | None:
        """The last copy of a page however old, when the index cannot be reached (no
        connection, no answer in time, or 5xx after every retry): plan offline, and say so.

        Never after a TLS failure (a setting to fix, not an outage). Nothing is sent.
        """
        unreachable = (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.RetryError,
        )
        if (
            self._pages is None
            or not isinstance(exc, unreachable)
            or isinstance(exc, requests.exceptions.SSLError)
        ):
            return None
        page = self._pages.load(url)
        if page is None:
            return None
        self.stale[url] = page.date
        logger.info("could not fetch %s; using the copy from %s", what, page.date)
        return Fetched(page.url, page.content, page.content_type, from_cache=True)

    def get_range(self, url: str, byte_range: str, *, what: str) -> tuple[int, bytes, int | None]:
        """GET ``url`` with ``Range: bytes=<byte_range>`` (``-65536`` is the last 64 KiB).

        Returns the status (206, or 200 when the server sends the whole file), the body,
        and the file's total size from ``Content-Range``. Never read from or kept in the
        HTTP cache (pip-native's own session leaves range requests out of cachecontrol).
        """
        headers = {"Range": f"bytes={byte_range}", "Accept-Encoding": "identity"}
        try:
            response = self._send(url, headers, hash_checked=False)
        except self._request_errors as exc:
            raise self._request_error(url, exc, what) from exc
        if response.status_code not in (200, 206):
            raise self._http_error(url, response, what)
        total: int | None = None
        content_range = response.headers.get("Content-Range", "")
        _, _, size = content_range.rpartition("/")
        if response.status_code == 206 and size.isdigit():
            total = int(size)
        return response.status_code, response.content, total

    def _send(self, url: str, headers: dict[str, str], hash_checked: bool) -> requests.Response:
        kwargs: dict[str, Any] = {"headers": headers, "timeout": self.config.timeout}
        if self._own_session and self.config.is_trusted(url):
            kwargs["verify"] = False
        session = self._files_session if hash_checked else self.session
        return session.get(self._with_credentials(url), **kwargs)

    def _request(
        self, url: str, headers: dict[str, str], hash_checked: bool, *, what: str
    ) -> requests.Response:
        try:
            return self._send(url, headers, hash_checked)
        except self._request_errors as exc:
            raise self._request_error(url, exc, what) from exc

    def _request_error(self, url: str, exc: Exception, what: str) -> IndexFetchError:
        if isinstance(exc, requests.exceptions.RetryError):
            problem = f"the server kept failing after {self.config.retries} retries ({exc})"
            hint = "The index may be down; try again later. " + OFFLINE_HINT
        elif isinstance(exc, requests.exceptions.SSLError):
            problem = f"TLS verification failed ({exc})"
            hint = (
                "Pass --cert with the CA bundle that signs this server, or --trusted-host "
                f"{urlsplit(url).hostname} if you trust it without verification."
            )
        elif isinstance(exc, requests.exceptions.Timeout):
            problem = f"no answer within {self.config.timeout:g} s ({exc})"
            hint = "Raise --timeout, or check the network. " + OFFLINE_HINT
        elif isinstance(exc, requests.exceptions.ConnectionError):
            problem = f"could not connect ({exc})"
            hint = OFFLINE_HINT
        else:
            problem = f"the request failed ({exc})"
            hint = OFFLINE_HINT
        return IndexFetchError(
            f"Could not fetch {what} from {redact_url(url)}: {_scrub(problem, url)}.", hint=hint
        )

    def _http_error(self, url: str, response: requests.Response, what: str) -> IndexFetchError:
        status = f"HTTP {response.status_code} {response.reason or ''}".strip()
        if response.status_code in (401, 403):
            hint = (
                "The index needs credentials: put them in the index URL "
                "(https://user:password@host/simple) or in ~/.netrc."
            )
        elif response.status_code in (404, 410):
            hint = (
                "The index lists a file it does not serve; try again later or pin another version."
            )
        else:
            hint = OFFLINE_HINT
        return IndexFetchError(
            f"Could not fetch {what} from {redact_url(url)}: {status}.", hint=hint
        )

    def _read_file(self, url: str, *, what: str, missing_ok: bool) -> Fetched | None:
        path = file_url_to_path(url)
        if path.is_dir():  # pip reads a directory's index.html
            path = path / "index.html"
        try:
            content = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            if missing_ok:
                return None
            raise IndexFetchError(
                f"Could not read {what}: {path} does not exist.",
                hint="Check the --index-url/--find-links path.",
            ) from None
        except OSError as exc:
            raise IndexFetchError(
                f"Could not read {what} from {path}: {exc.strerror or exc}.",
                hint="Check the file's permissions.",
            ) from exc
        if path.suffix == ".json":
            content_type = JSON_CONTENT_TYPE
        else:
            content_type = mimetypes.guess_type(os.fspath(path))[0] or ""
        return Fetched(url=path.as_uri(), content=content, content_type=content_type)
