"""One verifying SSL context per CA bundle, for all the HTTPS connections of a run.

Without one, urllib3 builds a context for each new connection and loads the CA
bundle into it: about 30 ms of CPU each (Debian's bundle holds some 140
certificates). A cold plan opens about 20 connections, 10 workers' worth to the
index and as many to its file host, at the same moment on 2 CPUs; they took
3.5-4.3 s together in a cold jupyterlab or sphinx plan.

Used by pip-native's own session (:mod:`pip_native.index.session`) and by the pip
hook for pip's session; each passes the ``create_urllib3_context`` of the urllib3
it runs on (pip vendors its own), so the contexts carry that urllib3's defaults.
This module imports no HTTP library.
"""

from __future__ import annotations

import logging
import ssl
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["TLSContexts"]

logger = logging.getLogger(__name__)


class TLSContexts:
    """Contexts by CA bundle file or directory, made on first use and then shared.

    ``make_context`` returns a fresh context that verifies certificates and host
    names (urllib3's ``create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)``); the
    bundle is loaded into it once.
    """

    def __init__(self, make_context: Callable[[], ssl.SSLContext], default_bundle: str) -> None:
        self._make_context = make_context
        self._default_bundle = default_bundle
        self._lock = threading.Lock()
        self._contexts: dict[tuple[str | None, str | None], ssl.SSLContext | None] = {}

    def get(self, ca_certs: str | None, ca_cert_dir: str | None) -> ssl.SSLContext | None:
        """The context for a bundle file or directory (``default_bundle`` when neither is
        given), or None when it cannot be loaded: the HTTP library then reports it."""
        key = (ca_certs, ca_cert_dir)
        with self._lock:
            if key not in self._contexts:
                self._contexts[key] = self._load(ca_certs, ca_cert_dir)
            return self._contexts[key]

    def _load(self, ca_certs: str | None, ca_cert_dir: str | None) -> ssl.SSLContext | None:
        if ca_certs is None and ca_cert_dir is None:
            ca_certs = self._default_bundle
        try:
            context = self._make_context()
            context.load_verify_locations(cafile=ca_certs, capath=ca_cert_dir)
        except (OSError, ssl.SSLError, ValueError) as exc:
            logger.debug("not sharing a TLS context for %s: %s", ca_certs or ca_cert_dir, exc)
            return None
        return context

    def shares(self, context: object) -> bool:
        """Whether ``context`` is one of these (a pool using it needs no bundle of its own)."""
        with self._lock:
            return any(context is shared for shared in self._contexts.values())
