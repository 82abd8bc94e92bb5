"""Fetching URLs for the index client: cached HTTP(S) with TLS and retries, and file:// reads."""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

from pip_native.errors import IndexFetchError
from pip_native.index.config import IndexConfig, redact_url
from pip_native.index.dns import shared_lookups
from pip_native.index.pages import JSON_CONTENT_TYPE
from pip_native.index.pagestore import PageStore, StoredPage

if TYPE_CHECKING:
    import requests

__all__ = ["OFFLINE_HINT", "Fetched", "Transport", "file_url_to_path"]

logger = logging.getLogger(__name__)

OFFLINE_HINT = (
    "Check the network connection and the index settings (--index-url, --extra-index-url, "
    "pip's configuration); without network, use --no-index with --find-links pointing at "
    "a local directory of wheels."
)


@dataclass(frozen=True)
class Fetched:
    """A fetched document."""

    url: str
    """The final URL (after redirects; for a directory, its ``index.html``)."""
    content: bytes
    content_type: str
    from_cache: bool = False


def file_url_to_path(url: str) -> Path:
    """The local path of a ``file://`` URL."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise IndexFetchError(
            f"Cannot read {redact_url(url)}: file URLs with a host are not supported.",
            hint="Use file:///absolute/path or a plain local path.",
        )
    return Path(url2pathname(parts.path))


#: What a damaged cache entry can make any session raise while reading it.
_CACHE_READ_ERRORS: tuple[type[Exception], ...] = (
    AssertionError,
    ValueError,
    TypeError,
    KeyError,
    EOFError,
)


def _kinds(exc: BaseException) -> set[str]:
    """The class names of a request error and its bases (``SSLError``, ``ConnectionError``,
    ``Timeout``, ``RetryError``, …): the same in requests and in pip's vendored copy, whose
    classes are others."""
    return {cls.__name__ for cls in type(exc).__mro__}


def _scrub(text: str, url: str) -> str:
    """Remove the URL's password from an exception text, just in case."""
    password = urlsplit(url).password
    return text.replace(password, "****") if password else text


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
        self._own_session = session is None
        #: One lookup per host name while this transport lives (see pip_native.index.dns).
        self._lookups = contextlib.ExitStack()
        self._lookups.enter_context(shared_lookups())
        #: What a failed request raises: requests' errors, or those of a foreign session's
        #: own requests copy (pip's vendored one, from the pip hook).
        self._request_errors = session_errors
        #: What a damaged cache entry can make the session raise while reading it.
        self._cache_read_errors = _CACHE_READ_ERRORS
        if session is not None and session_errors:
            self.session = self._files_session = session  # requests is not even imported
        else:
            # Our own session, or a foreign one on the real requests (a debundled pip's).
            from pip_native.index import session as own

            self._request_errors = (*session_errors, own.REQUEST_ERROR)
            if session is not None:
                self.session = self._files_session = session
            else:
                self._cache_read_errors += own.CACHE_READ_ERRORS
                self.session = own.build_session(config, cache_dir, pool_size)
                #: For hash-checked files: same cache, but cached without caching headers.
                self._files_session = own.build_session(
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
        self._lookups.close()

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
        from pip_native.index.session import forget

        forget(self.session, self._with_credentials(url))

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
        except self._cache_read_errors as exc:
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
        kinds = _kinds(exc)
        unreachable = {"ConnectionError", "Timeout", "RetryError"}
        if self._pages is None or not kinds & unreachable or "SSLError" in kinds:
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
        elif self._own_session and self.config.cert:
            # per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a
            # session's verify (psf/requests#3829); an explicit --cert wins over those
            kwargs["verify"] = self.config.cert
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
        kinds = _kinds(exc)
        if "RetryError" in kinds:
            problem = f"the server kept failing after {self.config.retries} retries ({exc})"
            hint = "The index may be down; try again later. " + OFFLINE_HINT
        elif "SSLError" in kinds:
            problem = f"TLS verification failed ({exc})"
            hint = (
                "Pass --cert with the CA bundle that signs this server, or --trusted-host "
                f"{urlsplit(url).hostname} if you trust it without verification."
            )
        elif "Timeout" in kinds:
            problem = f"no answer within {self.config.timeout:g} s ({exc})"
            hint = "Raise --timeout, or check the network. " + OFFLINE_HINT
        elif "ConnectionError" in kinds:
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
