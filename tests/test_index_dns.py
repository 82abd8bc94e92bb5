"""Tests for pip_native.index.dns: one lookup of a host name while the index fetches."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from packaging.utils import NormalizedName

from pip_native.index.client import PackageIndex
from pip_native.index.config import IndexConfig
from pip_native.index.dns import shared_lookups

if TYPE_CHECKING:
    from pathlib import Path

    from localindex import LocalIndex


class Resolver:
    """A stand-in for the system's resolver: counts lookups, answers slowly, fails on demand."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.failures = 0
        self._lock = threading.Lock()

    def __call__(
        self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[Any]:
        with self._lock:
            self.calls.append((host, port, family, type, proto, flags))
            failing = self.failures > 0
            self.failures -= failing
        time.sleep(0.05)  # every thread asks while the first lookup is in progress
        if failing:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.7", port))]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def lookups(n: int, host: str = "pypi.org", port: int = 443) -> list[list[Any]]:
    with ThreadPoolExecutor(n) as pool:
        return list(
            pool.map(lambda _: socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM), range(n))
        )


def test_lookups_at_once_make_one(resolver: Resolver) -> None:
    with shared_lookups():
        answers = lookups(12)
        assert len(resolver.calls) == 1
        assert all(a == answers[0] for a in answers) and answers[0][0][4] == ("192.0.2.7", 443)
        answers[0].clear()  # each caller gets a list of its own
        assert lookups(3) == answers[1:4]
        assert len(resolver.calls) == 1
        lookups(2, port=80)  # another key: its own lookup
        socket.getaddrinfo(host="pypi.org", port=443, type=socket.SOCK_STREAM)  # keywords
        assert len(resolver.calls) == 2
    assert socket.getaddrinfo is resolver  # given back
    lookups(2)
    assert len(resolver.calls) == 4  # nothing kept once inactive


def test_a_failed_lookup_is_not_kept(resolver: Resolver) -> None:
    resolver.failures = 1
    with shared_lookups():
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("pypi.org", 443)
        assert socket.getaddrinfo("pypi.org", 443)[0][4] == ("192.0.2.7", 443)
        assert len(resolver.calls) == 2
        resolver.failures = 1  # now the first of several at once fails: the others ask again
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(socket.getaddrinfo, "files.example", 443) for _ in range(4)]
            outcomes = [f.exception() or f.result() for f in futures]
        assert sum(isinstance(o, socket.gaierror) for o in outcomes) == 1
        assert len(resolver.calls) >= 4  # the failed one, then the waiters' own


def test_nested_uses_share_and_the_last_one_out_restores(resolver: Resolver) -> None:
    with shared_lookups():
        with shared_lookups():
            socket.getaddrinfo("pypi.org", 443)
        assert socket.getaddrinfo is not resolver  # the outer one is still active
        socket.getaddrinfo("pypi.org", 443)
        assert len(resolver.calls) == 1
    assert socket.getaddrinfo is resolver


def test_a_patch_put_back_by_someone_else_is_not_its_own_original(
    resolver: Resolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test's monkeypatch made while active, undone after: the function it puts back
    is the shared one, which must not then call itself."""
    with shared_lookups():
        shared = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [])
    assert socket.getaddrinfo is not shared  # left as the other patch made it
    monkeypatch.setattr(socket, "getaddrinfo", shared)  # put back, as an undo does
    found: list[Any] = []
    with shared_lookups():
        # in a thread of its own: calling itself, the lookup would wait for itself forever
        lookup = threading.Thread(
            target=lambda: found.extend(socket.getaddrinfo("pypi.org", 443)), daemon=True
        )
        lookup.start()
        lookup.join(timeout=10)
    assert not lookup.is_alive()
    assert found[0][4] == ("192.0.2.7", 443)
    assert len(resolver.calls) == 1


def test_the_index_looks_a_host_up_once_for_parallel_fetches(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cold-plan case: parallel page fetches, each on a new connection of the pool."""
    names = [f"project{n}" for n in range(12)]
    for name in names:
        local_index.add_wheel(name, "1.0")
    local_index.build()
    real = socket.getaddrinfo
    hosts: list[Any] = []

    def counting(host: Any, *args: Any, **kwargs: Any) -> Any:
        hosts.append(host)
        time.sleep(0.02)  # as a real resolver does: the fetches overlap their lookups
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    with local_index.serve() as url:
        config = IndexConfig(index_url=url.replace("127.0.0.1", "localhost"))
        with PackageIndex(config, cache_dir=tmp_path / "http") as idx:
            idx.prefetch_projects(NormalizedName(n) for n in names)
            assert all(idx.project_files(NormalizedName(n)) for n in names)
        assert sum(local_index.requests[f"/simple/{n}/"] for n in names) == len(names)
    assert hosts.count("localhost") == 1
    assert socket.getaddrinfo is counting
