"""One lookup of a host name while the index fetches, however many connections it opens.

The index fetches pages and metadata in parallel, with up to eleven connections
to a host, and each new connection asks the system's resolver
(``socket.getaddrinfo``) again: 10 to 20 lookups of the same two names
(pypi.org, files.pythonhosted.org) in a cold plan, where pip makes two or three.
A resolver that loses a query now and then makes glibc wait out its timeout
(5 s) before it asks again. On the machine of this project's benchmarks 2 of
60 lookups in a row did (2026-12-07), and one cold plan in five stalled for 5 s;
resolvers behind Docker's and Kubernetes' address translation are known to lose
queries the same way.

While :func:`shared_lookups` is active, the first lookup of a (host, port,
family, type, protocol, flags) answers every later one; lookups of the same
key at the same time wait for the one in progress. A failure is not kept: each
waiter then asks the resolver itself. The answers last as long as the index
does (one plan), and are patched in process-wide because every HTTP stack
involved (requests' urllib3, pip's vendored copy) calls
``socket.getaddrinfo`` by name.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["shared_lookups"]


class _Answer:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.found: list[Any] | None = None


class _SharedLookups:
    """The process's state: how many are active, the resolver they replaced, the answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._original: Callable[..., Any] = socket.getaddrinfo
        self._answers: dict[tuple[Any, ...], _Answer] = {}
        self.patched: Callable[..., list[Any]] = self._getaddrinfo  # one bound method

    def _getaddrinfo(  # socket.getaddrinfo's parameters, names included (callers use keywords)
        self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[Any]:
        key = (host, port, family, type, proto, flags)
        with self._lock:
            original = self._original
            answer = self._answers.get(key)
            first = answer is None
            if answer is None:
                answer = self._answers[key] = _Answer()
        if first:
            try:
                answer.found = list(original(host, port, family, type, proto, flags))
            except BaseException:
                with self._lock:
                    if self._answers.get(key) is answer:
                        del self._answers[key]
                raise
            finally:
                answer.done.set()
            return list(answer.found)
        answer.done.wait()
        if answer.found is None:  # the first one failed: try for ourselves
            return list(original(host, port, family, type, proto, flags))
        return list(answer.found)

    def enter(self) -> None:
        with self._lock:
            if self._users == 0:
                # (still ours only if someone put back what they found while it was)
                if socket.getaddrinfo is not self.patched:
                    self._original = socket.getaddrinfo
                socket.getaddrinfo = self.patched
            self._users += 1

    def leave(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                if socket.getaddrinfo is self.patched:  # not replaced by someone since
                    socket.getaddrinfo = self._original
                self._answers.clear()


_SHARED = _SharedLookups()


@contextlib.contextmanager
def shared_lookups() -> Iterator[None]:
    """Share host name lookups within the process while active (nestable)."""
    _SHARED.enter()
    try:
        yield
    finally:
        _SHARED.leave()
