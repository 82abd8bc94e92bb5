"""pip-native's own HTTP session: requests and cachecontrol, with TLS and retries.

Imported only when a :class:`~pip_native.index.transport.Transport` builds its own
session: the pip hook passes pip's session, and then pip-native does not load a
second HTTP stack (requests, urllib3, cachecontrol: about 45 ms of imports).
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import warnings
from email.utils import formatdate
from typing import IO, TYPE_CHECKING, Any

import requests
import urllib3
from cachecontrol.adapter import CacheControlAdapter
from cachecontrol.caches import SeparateBodyFileCache
from cachecontrol.controller import CacheController
from cachecontrol.heuristics import BaseHeuristic
from cachecontrol.serialize import Serializer
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry
from urllib3.util.ssl_ import create_urllib3_context

from pip_native import __version__
from pip_native.index.config import IndexConfig, redact_url
from pip_native.index.tls import TLSContexts

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from requests.adapters import _HostParams, _PoolKwargs

__all__ = ["CACHE_READ_ERRORS", "REQUEST_ERROR", "build_session", "forget"]

logger = logging.getLogger(__name__)

#: What a failed request of this session raises (all of requests' errors).
REQUEST_ERROR = requests.exceptions.RequestException

#: What a damaged cache entry can make cachecontrol/requests raise while reading it
#: (a truncated body file reads as a broken connection).
CACHE_READ_ERRORS: tuple[type[Exception], ...] = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

#: Statuses worth retrying (pip retries the same ones).
_RETRY_STATUSES = (500, 502, 503, 504, 520, 527)


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

    Verified HTTPS connections without a client certificate share one SSL context
    per CA bundle (:class:`~pip_native.index.tls.TLSContexts`), given in the pool
    key. That needs requests 2.32.2 or later (``build_connection_pool_key_attributes``);
    older ones build a context per connection, as before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tls = TLSContexts(
            lambda: create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED),
            requests.utils.DEFAULT_CA_BUNDLE_PATH,
        )

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if host_params.get("scheme") == "https" and verify is not False and not cert:
            context = self._tls.get(pool_kwargs.get("ca_certs"), pool_kwargs.get("ca_cert_dir"))
            if context is not None:
                pool_kwargs.pop("ca_certs", None)
                pool_kwargs.pop("ca_cert_dir", None)
                pool_kwargs["ssl_context"] = context
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: bool | str, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
        if self._tls.shares(getattr(conn, "conn_kw", {}).get("ssl_context")):
            # the shared context holds the bundle: urllib3 would load it again per connection
            conn.ca_certs = None
            conn.ca_cert_dir = None

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


def build_session(
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


def forget(session: requests.Session, url: str) -> None:
    """Drop ``url`` from the session's HTTP cache (its cached copy turned out damaged)."""
    adapter = session.get_adapter(url)
    if isinstance(adapter, CacheControlAdapter):
        adapter.cache.delete(CacheController.cache_url(url))
