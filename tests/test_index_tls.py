"""HTTPS to a local index: certificates are checked, and connections share one TLS context.

The server runs on 127.0.0.1 with a certificate from a throwaway CA (``tlscerts``).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from packaging.utils import canonicalize_name

from pip_native.errors import IndexFetchError
from pip_native.index import IndexConfig, PackageIndex
from tlscerts import LocalCA, make_ca, openssl_missing

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

    from localindex import LocalIndex

pytestmark = pytest.mark.skipif(
    openssl_missing(), reason="the openssl command makes the test CA, and it is not installed"
)

NAMES = [canonicalize_name(f"proj-{i}") for i in range(12)]


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def projects(local_index: LocalIndex) -> LocalIndex:
    for name in NAMES:
        local_index.add_wheel(name, "1.0")
    local_index.build()
    local_index.delay = 0.05  # the workers overlap: each opens a connection of its own
    return local_index


def read_all(url: str, cache: Path, **config: object) -> dict[str, int]:
    with PackageIndex(IndexConfig(index_url=url, **config), cache_dir=cache) as index:  # type: ignore[arg-type]
        index.prefetch_projects(NAMES)
        return {name: len(index.project_files(name)) for name in NAMES}


def test_connections_share_one_context_per_ca_bundle(
    projects: LocalIndex, http_cache: Path, ca: LocalCA, mocker: MockerFixture
) -> None:
    """urllib3 would build a context and load the bundle for every new connection (about
    30 ms of CPU each); the session loads it once."""
    loads: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def recording(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loads.append(kwargs.get("cafile", args[0] if args else None))
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    mocker.patch.object(ssl.SSLContext, "load_verify_locations", recording)
    with projects.serve(tls=ca.server_context()) as url:
        assert url.startswith("https://")
        assert read_all(url, http_cache, cert=str(ca.bundle)) == dict.fromkeys(NAMES, 1)
    assert projects.connections > 1
    assert loads == [str(ca.bundle)]


def test_a_server_the_bundle_does_not_sign_is_refused(
    projects: LocalIndex, http_cache: Path, ca: LocalCA, tmp_path: Path
) -> None:
    other = make_ca(tmp_path / "other")
    with projects.serve(tls=other.server_context()) as url, pytest.raises(IndexFetchError) as info:
        read_all(url, http_cache, cert=str(ca.bundle), retries=0)
    assert "TLS verification failed" in info.value.message
    assert info.value.hint is not None and "--cert" in info.value.hint


def test_a_certificate_for_another_host_is_refused(
    projects: LocalIndex, http_cache: Path, tmp_path: Path
) -> None:
    """The shared context checks host names: a certificate the bundle signs, but for
    127.0.0.2, does not do for 127.0.0.1."""
    elsewhere = make_ca(tmp_path / "elsewhere", host_ip="127.0.0.2")
    with (
        projects.serve(tls=elsewhere.server_context()) as url,
        pytest.raises(IndexFetchError, match="TLS verification failed"),
    ):
        read_all(url, http_cache, cert=str(elsewhere.bundle), retries=0)


def test_a_trusted_host_is_read_without_verification(
    projects: LocalIndex, http_cache: Path, tmp_path: Path
) -> None:
    unknown = make_ca(tmp_path / "unknown")
    with projects.serve(tls=unknown.server_context()) as url:
        assert read_all(url, http_cache, trusted_hosts=("127.0.0.1",)) == dict.fromkeys(NAMES, 1)


def test_cert_wins_over_requests_ca_bundle(
    projects: LocalIndex,
    http_cache: Path,
    ca: LocalCA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """requests lets REQUESTS_CA_BUNDLE override a session's CA bundle; --cert is the
    user's explicit choice, so it is passed with every request."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(make_ca(tmp_path / "ambient").bundle))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(make_ca(tmp_path / "curl").bundle))
    with projects.serve(tls=ca.server_context()) as url:
        assert read_all(url, http_cache, cert=str(ca.bundle)) == dict.fromkeys(NAMES, 1)
