"""HTTPS to a local index: certificates are checked, and connections share one TLS context.

The server runs on 127.0.0.1 with a certificate from a throwaway CA (``tlscerts``).
"""

from __future__ import annotations

import ssl
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.utils import canonicalize_name

from pip_native import pip_hook
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


def record_loads(mocker: MockerFixture) -> list[object]:
    """The CA bundle of every ``load_verify_locations`` call from now on."""
    loads: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def recording(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loads.append(kwargs.get("cafile", args[0] if args else None))
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    mocker.patch.object(ssl.SSLContext, "load_verify_locations", recording)
    return loads


def test_connections_share_one_context_per_ca_bundle(
    projects: LocalIndex, http_cache: Path, ca: LocalCA, mocker: MockerFixture
) -> None:
    """urllib3 would build a context and load the bundle for every new connection (about
    30 ms of CPU each); the session loads it once."""
    loads = record_loads(mocker)
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


# -- pip's own session, as the pip hook passes it ----------------------------------------


def read_with_pip_session(session: Any, url: str, cache: Path) -> dict[str, int]:
    from pip._vendor.requests.exceptions import RequestException

    config = IndexConfig(index_url=url, retries=0)
    with PackageIndex(
        config, cache_dir=cache, session=session, session_errors=(RequestException,)
    ) as index:
        index.prefetch_projects(NAMES)
        return {name: len(index.project_files(name)) for name in NAMES}


@pytest.fixture
def no_ambient_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip's session is pip's: REQUESTS_CA_BUNDLE overrides its --cert (set on some CI)."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.mark.usefixtures("no_ambient_bundle")
def test_the_hook_makes_pips_session_share_one_context(
    projects: LocalIndex, http_cache: Path, ca: LocalCA, mocker: MockerFixture
) -> None:
    """A PipSession without a context of its own (pip before 24.2): after the hook's
    wrapping, its connections load the bundle once; without it, once each."""
    from pip._internal.network.session import PipSession

    loads = record_loads(mocker)
    with projects.serve(tls=ca.server_context()) as url:
        session = PipSession(retries=0)
        session.verify = str(ca.bundle)  # what pip does with --cert
        pip_hook._share_tls_contexts(session)
        assert read_with_pip_session(session, url, http_cache) == dict.fromkeys(NAMES, 1)
        assert loads == [str(ca.bundle)]
        connections = projects.connections
        assert connections > 1
        loads.clear()
        plain = PipSession(retries=0)
        plain.verify = str(ca.bundle)
        read_with_pip_session(plain, url, http_cache / "plain")
    assert len(loads) == projects.connections - connections > 1  # one load per connection


@pytest.mark.usefixtures("no_ambient_bundle")
@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")  # the trusted host, on purpose
def test_the_hook_leaves_verification_on_and_trusted_hosts_alone(
    projects: LocalIndex, http_cache: Path, ca: LocalCA, tmp_path: Path
) -> None:
    from pip._internal.network.session import PipSession

    unknown = make_ca(tmp_path / "unknown")
    with projects.serve(tls=unknown.server_context()) as url:
        session = PipSession(retries=0)
        session.verify = str(ca.bundle)
        pip_hook._share_tls_contexts(session)
        # pip-native's error, or pip's own (pip 25+ wraps TLS failures in SSLVerificationError)
        with pytest.raises(Exception) as info:
            read_with_pip_session(session, url, http_cache)
        chain = traceback.format_exception(type(info.value), info.value, info.tb)
        assert "CERTIFICATE_VERIFY_FAILED" in "".join(chain)
        port = url.split(":")[2].split("/")[0]
        trusting = PipSession(retries=0, trusted_hosts=[f"127.0.0.1:{port}"])
        trusting.verify = str(ca.bundle)
        pip_hook._share_tls_contexts(trusting)
        assert read_with_pip_session(trusting, url, http_cache / "t") == dict.fromkeys(NAMES, 1)


def test_the_hook_leaves_a_context_pip_chose_alone() -> None:
    """pip 24.2 and later give their adapters a truststore context: not replaced."""
    from pip._internal.network.session import PipSession

    session = PipSession(retries=0, ssl_context=ssl.create_default_context())
    pip_hook._share_tls_contexts(session)
    assert "cert_verify" not in vars(session.adapters["https://"])
    bare = PipSession(retries=0)
    pip_hook._share_tls_contexts(bare)
    assert "cert_verify" in vars(bare.adapters["https://"])
