"""The package index client: project files and core metadata, memoised, fetched in parallel."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from packaging.utils import NormalizedName, canonicalize_name

from pip_native.errors import IndexFetchError
from pip_native.index.config import IndexConfig, redact_url
from pip_native.index.files import SUPPORTED_HASHES, DistFile, check_hash
from pip_native.index.findlinks import FindLinks, as_url
from pip_native.index.metadata import (
    CoreMetadata,
    metadata_from_json,
    metadata_to_json,
    parse_core_metadata,
    wheel_metadata_file,
)
from pip_native.index.pages import ACCEPT_SIMPLE, PageError, parse_page
from pip_native.index.rangefile import CHUNK, MAX_TAIL, RangeFile
from pip_native.index.transport import Fetched, Transport, file_url_to_path
from pip_native.paths import write_atomically

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
    from types import TracebackType

    import requests

__all__ = ["PackageIndex", "default_cache_dir"]

logger = logging.getLogger(__name__)

_DAMAGED_HINT = (
    "The index, a proxy or the local cache serves damaged or tampered files. Retry; if it "
    "persists, report it to the index operator."
)


_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: Under the HTTP cache: METADATA read out of whole wheels, by the wheel's sha256.
METADATA_CACHE = "wheel-metadata"


def default_cache_dir() -> Path:
    """``~/.cache/pip-native/http`` (platformdirs' user cache dir)."""
    return Path(platformdirs.user_cache_dir("pip-native")) / "http"


class _Memo:
    """Results (or errors) per key, each computed once even when asked from many threads.

    A failed computation is reported to the callers waiting for it and then
    forgotten, so a later call tries again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[object]] = {}

    def claim(self, key: Hashable) -> tuple[Future[object], bool]:
        """The future for ``key`` and whether the caller must compute it."""
        with self._lock:
            future = self._futures.get(key)
            if future is not None:
                return future, False
            future = Future()
            self._futures[key] = future
            return future, True

    def cancel_pending(self) -> None:
        """Forget every computation that has not started (it will never run now)."""
        with self._lock:
            for key, future in list(self._futures.items()):
                if future.cancel():  # False for running or finished ones
                    del self._futures[key]

    def result(self, key: Hashable, future: Future[object]) -> object:
        try:
            return future.result()
        except BaseException:
            with self._lock:
                if self._futures.get(key) is future:
                    del self._futures[key]
            raise


_START = threading.Lock()


def _compute(future: Future[object], fn: Callable[[], object]) -> None:
    """Compute ``future`` unless someone else started it: a caller that needs a result still
    queued for the worker threads computes it itself (``_compute`` from both sides, one wins)."""
    with _START:  # check and start at once (starting a running future logs CRITICAL)
        if future.running() or future.done() or not future.set_running_or_notify_cancel():
            return  # started by the other side, or cancelled
    try:
        future.set_result(fn())
    except BaseException as exc:  # handed to whoever asks for the result
        future.set_exception(exc)


class PackageIndex:
    """Files and metadata from the configured indexes and find-links locations.

    Thread-safe. Index pages are revalidated against the HTTP cache on every
    new ``PackageIndex`` (ETag); ``.metadata`` files and wheels are immutable
    and served from the cache when present.
    """

    def __init__(
        self,
        config: IndexConfig,
        *,
        cache_dir: Path | None = None,
        session: requests.Session | None = None,
        session_errors: tuple[type[Exception], ...] = (),
        max_workers: int = 10,
        file_filter: Callable[[Sequence[DistFile]], Sequence[DistFile]] | None = None,
    ) -> None:
        """``file_filter`` keeps what a project's files are needed for (all of them by
        default): planning keeps only what its target can use (see
        :func:`~pip_native.index.select.target_files`)."""
        self.config = config
        self._file_filter = file_filter
        cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        self._metadata_dir = cache_dir / METADATA_CACHE
        #: whether any metadata was kept there when this run first looked (None: not yet)
        self._kept_before: bool | None = None
        self._transport = Transport(
            config,
            cache_dir=cache_dir,
            session=session,
            session_errors=session_errors,
            # the workers plus the resolver's thread, which fetches what it needs right now
            pool_size=max_workers + 1,
        )
        self._find_links = FindLinks(self._transport)
        self._max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()
        self._closed = False
        self._projects = _Memo()
        self._metadata = _Memo()
        #: Bytes at the end of a project's wheels its last range read needed (see
        #: _ranged_metadata), where that was more than one CHUNK.
        self._tails: dict[NormalizedName, int] = {}

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Stop the worker threads and close the HTTP session we created."""
        with self._executor_lock:
            executor, self._executor = self._executor, None
            self._closed = True
        if executor is not None:
            # Running fetches finish; queued ones are dropped and their memo entries
            # cancelled, so nobody can wait on them forever.
            executor.shutdown(wait=True, cancel_futures=True)
            self._projects.cancel_pending()
            self._metadata.cancel_pending()
        self._transport.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> PackageIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _submit(self, future: Future[object], fn: Callable[[], object]) -> None:
        with self._executor_lock:
            if self._closed:  # a prefetch after close: nobody waits for it
                future.cancel()
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self._max_workers, thread_name_prefix="pip-native-index"
                )
            self._executor.submit(_compute, future, fn)

    # -- project pages -------------------------------------------------------------------

    def project_files(self, name: NormalizedName) -> Sequence[DistFile]:
        """Every file of ``name`` over the index URLs, then find-links ([] if none has it)."""
        key = canonicalize_name(name)
        future, mine = self._projects.claim(key)
        if mine or not (future.running() or future.done()):  # still queued: do it now
            _compute(future, lambda: self._fetch_project(key))
        files = self._projects.result(key, future)
        assert isinstance(files, tuple)
        return files

    def prefetch_projects(self, names: Iterable[NormalizedName]) -> None:
        """Start fetching the pages of ``names`` in the background (errors show up later)."""
        for name in names:
            key = canonicalize_name(name)
            future, mine = self._projects.claim(key)
            if mine:
                self._submit(future, functools.partial(self._fetch_project, key))

    def _fetch_project(self, name: NormalizedName) -> tuple[DistFile, ...]:
        files: list[DistFile] = []
        for index_url in self.config.sources():
            files.extend(self._index_files(index_url, name))
        for location in self.config.find_links:
            files.extend(self._find_links.files(location, name))
        logger.debug("%s: %d files", name, len(files))
        return tuple(self._file_filter(files) if self._file_filter is not None else files)

    def _index_files(self, index_url: str, name: NormalizedName) -> list[DistFile]:
        page_url = f"{as_url(index_url).rstrip('/')}/{name}/"
        origin = redact_url(index_url)
        what = f"the index page of {name}"
        for last_try in (False, True):
            fetched = self._transport.get(
                page_url, what=what, accept=ACCEPT_SIMPLE, revalidate=True, missing_ok=True
            )
            if fetched is None:
                return []
            try:
                return self._parse_page(name, fetched, origin)
            except PageError:
                if last_try or not fetched.from_cache:
                    raise self._bad_page(name, page_url, fetched) from None
            self._transport.forget(page_url)  # a damaged cached copy: fetch it again
        raise AssertionError("unreachable: the last try returns or raises")

    @staticmethod
    def _parse_page(name: NormalizedName, fetched: Fetched, origin: str) -> list[DistFile]:
        return parse_page(name, fetched.content, fetched.content_type, fetched.url, origin=origin)

    @staticmethod
    def _bad_page(name: NormalizedName, page_url: str, fetched: Fetched) -> IndexFetchError:
        try:
            parse_page(name, fetched.content, fetched.content_type, fetched.url, origin="")
        except PageError as exc:
            problem = str(exc)
        else:  # pragma: no cover - only called after a PageError
            problem = "unknown"
        return IndexFetchError(
            f"The index page of {name} at {redact_url(page_url)} is not a valid "
            f"Simple Repository API page: {problem}.",
            hint="Check that --index-url/--extra-index-url point at a PEP 503/691 'simple' index.",
        )

    # -- metadata ------------------------------------------------------------------------

    @property
    def stale_pages(self) -> dict[str, str]:
        """Index pages planned from the cache because the index could not be reached
        (redacted URL -> the cached copy's date)."""
        return {redact_url(url): date for url, date in self._transport.stale.items()}

    def metadata(self, file: DistFile) -> CoreMetadata:
        """The core metadata of a wheel: its PEP 658 ``.metadata`` file, else from the wheel."""
        future, mine = self._metadata.claim(file.url)
        if mine or not (future.running() or future.done()):  # still queued: do it now
            _compute(future, lambda: self._fetch_metadata(file))
        result = self._metadata.result(file.url, future)
        assert isinstance(result, CoreMetadata)
        return result

    def prefetch_metadata(self, files: Iterable[DistFile]) -> None:
        """Start fetching the metadata of ``files`` (wheels only) in the background."""
        for file in files:
            if not file.is_wheel:
                continue
            if file.metadata is False and self._metadata_kept_before():
                kept = self._metadata_cache_path(file)
                if kept is not None and kept.is_file():
                    continue  # read from disk when asked for: faster than a worker thread
            future, mine = self._metadata.claim(file.url)
            if mine:
                self._submit(future, functools.partial(self._fetch_metadata, file))

    def _metadata_kept_before(self) -> bool:
        """Whether the metadata cache held anything when first asked (one listing per run).

        When it did not (a cold cache), :meth:`prefetch_metadata` skips looking for
        each wheel's kept file: two ``stat`` calls on the resolver's thread, each
        waiting for the GIL while the workers hold it (about 0.5 s over a cold
        jupyterlab plan). What this run keeps itself is found by the worker that
        fetches it, which looks there first.
        """
        if self._kept_before is None:
            try:
                with os.scandir(self._metadata_dir) as entries:
                    self._kept_before = any(True for _ in entries)
            except OSError:
                self._kept_before = False
        return self._kept_before

    def _fetch_metadata(self, file: DistFile) -> CoreMetadata:
        if not file.is_wheel:
            raise IndexFetchError(
                f"Cannot read the metadata of {file.filename}: it is a source distribution "
                "and pip-native never builds sdists.",
                hint="Only wheels can be used; pick a version that has a wheel.",
            )
        result: CoreMetadata | None = None
        if file.metadata is not False:
            hashes = file.metadata if not isinstance(file.metadata, bool) else {}
            data = self._verified(
                file.metadata_url, hashes, what=f"the metadata of {file.filename}", missing_ok=True
            )
            if data is not None:
                result = parse_core_metadata(data, source=redact_url(file.metadata_url))
        if result is None:
            result = self._wheel_metadata(file)
        if canonicalize_name(result.name) != file.project or result.version != file.version:
            raise IndexFetchError(
                f"The metadata of {file.filename} from {redact_url(file.url)} says "
                f"{result.name} {result.version}, not {file.project} {file.version}.",
                hint="The distribution is broken on the index; pin another version of it.",
            )
        return result

    def _wheel_metadata(self, file: DistFile) -> CoreMetadata:
        """METADATA out of the whole wheel (no PEP 658 file): kept by the wheel's sha256, so
        a later run reads a few kilobytes instead of the wheel (indexes without PEP 658)."""
        source = redact_url(file.url)
        cached = self._metadata_cache_path(file)
        if cached is not None:
            kept = self._cached_metadata(cached, file, source)
            if kept is not None:
                return kept
        if file.url.startswith("file:"):  # read in place: local wheels can be huge
            path = file_url_to_path(file.url)
            self._check_local_hash(path, file)
            try:
                with path.open("rb") as fh:
                    data, member = wheel_metadata_file(fh, file.project, source=source)
            except OSError as exc:
                raise IndexFetchError(
                    f"Could not read the wheel {path}: {exc.strerror or exc}.",
                    hint="Check the --find-links/--index-url path and its permissions.",
                ) from exc
        else:
            found = self._ranged_metadata(file, source)
            if found is None:
                wheel = self._verified(file.url, file.hashes, what=f"the wheel {file.filename}")
                assert wheel is not None
                found = wheel_metadata_file(wheel, file.project, source=source)
            data, member = found
        result = parse_core_metadata(data, source=f"{source} ({member})")
        if cached is not None:
            self._store_metadata(cached, metadata_to_json(result))
        return result

    def _ranged_metadata(self, file: DistFile, source: str) -> tuple[bytes, str] | None:
        """METADATA through range requests: the zip directory at the wheel's end, then the
        member (2-3 requests of 64 KiB instead of the whole wheel). None when the server
        does not serve ranges or anything is off; the caller then downloads the wheel.

        A server that answers with the whole file gets it checked against its hash and
        used as is. Read by ranges, METADATA cannot be checked against the wheel's hash;
        pip checks the wheel itself when it installs it (``--require-hashes``).
        """
        what = f"the wheel {file.filename}"
        first = self._tails.get(file.project, CHUNK)
        try:
            status, tail, total = self._transport.get_range(file.url, f"-{first}", what=what)
        except IndexFetchError as exc:
            logger.debug("no range request for %s: %s", source, exc.message)
            return None
        if status == 200:  # the whole wheel: check it like a download
            mismatch = check_hash(tail, file.hashes)
            if mismatch:
                name, expected, actual = mismatch
                raise IndexFetchError(
                    f"The wheel {file.filename} from {source} does not match its {name} hash: "
                    f"expected {expected}, got {actual}.",
                    hint=_DAMAGED_HINT,
                )
            return wheel_metadata_file(tail, file.project, source=source)
        if total is None or len(tail) > total:
            return None

        def fetch(start: int, end: int) -> bytes:
            status, data, _ = self._transport.get_range(file.url, f"{start}-{end}", what=what)
            if status != 206:
                raise OSError(f"the server answered a range request with HTTP {status}")
            return data

        remote = RangeFile(fetch, total, known_start=total - len(tail), known=tail)
        try:
            found = wheel_metadata_file(remote, file.project, source=source)  # type: ignore[arg-type]
        except IndexFetchError as exc:
            logger.debug("range reads of %s failed (%s); downloading it", source, exc.message)
            return None
        if remote.requests:
            self._learn_tail(file.project, total - remote.lowest)
        return found

    def _learn_tail(self, project: NormalizedName, needed: int) -> None:
        """Ask for ``needed`` bytes (and a quarter more) in the first range request of the
        project's next wheels. Its releases are laid out alike: a wheel whose zip directory
        or RECORD is larger than one CHUNK took 2-3 requests, its next release then takes 1
        (a cold jupyterlab plan with apt reads 539 wheels: 162 took 2-3 requests; 256 KiB
        would have done for 535)."""
        self._tails[project] = min(MAX_TAIL, max(CHUNK, needed + needed // 4))

    def _metadata_cache_path(self, file: DistFile) -> Path | None:
        """Where METADATA of ``file`` is kept: by its index sha256 (a local file's size and
        mtime too, so a wheel changed on disk is read and hash-checked again)."""
        digest = file.hashes.get("sha256", "").lower()
        if not _SHA256.match(digest):  # the index's text becomes a file name: hex only
            return None
        if file.url.startswith("file:"):
            try:
                st = file_url_to_path(file.url).stat()
            except OSError:
                return None
            digest = hashlib.sha256(
                f"{digest}\0{st.st_size}\0{st.st_mtime_ns}".encode()
            ).hexdigest()
        return self._metadata_dir / digest[:2] / f"{digest}.metadata"

    @staticmethod
    def _cached_metadata(path: Path, file: DistFile, source: str) -> CoreMetadata | None:
        """The metadata kept for ``file``: its fields as JSON (METADATA itself, as earlier
        versions kept it, is read too)."""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            if data.startswith(b"{"):
                found = metadata_from_json(data, source=f"{source} (cached metadata)")
            else:
                found = parse_core_metadata(data, source=f"{source} (cached METADATA)")
        except IndexFetchError:
            found = None
        if found is None or (
            canonicalize_name(found.name) != file.project or found.version != file.version
        ):
            logger.debug("ignoring damaged cached metadata %s", path)
            path.unlink(missing_ok=True)
            return None
        return found

    @staticmethod
    def _store_metadata(path: Path, data: bytes) -> None:
        try:
            write_atomically(path, data)
        except OSError as exc:
            logger.debug("could not keep metadata in %s: %s", path, exc)

    @staticmethod
    def _check_local_hash(path: Path, file: DistFile) -> None:
        name = next((n for n in SUPPORTED_HASHES if file.hashes.get(n)), None)
        if name is None:
            return
        digest = hashlib.new(name)
        try:
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise IndexFetchError(
                f"Could not read the wheel {path}: {exc.strerror or exc}.",
                hint="Check the --find-links/--index-url path and its permissions.",
            ) from exc
        if digest.hexdigest() != file.hashes[name].lower():
            raise IndexFetchError(
                f"The wheel {path} does not match its {name} hash from the index: expected "
                f"{file.hashes[name]}, got {digest.hexdigest()}.",
                hint=_DAMAGED_HINT,
            )

    def _verified(
        self, url: str, known: Mapping[str, str], *, what: str, missing_ok: bool = False
    ) -> bytes | None:
        """``url``'s content checked against ``known`` hashes; refetch a bad cached copy."""
        checked = any(known.get(name) for name in SUPPORTED_HASHES)
        fetched = self._transport.get(url, what=what, missing_ok=missing_ok, hash_checked=checked)
        if fetched is None:
            return None
        mismatch = check_hash(fetched.content, known)
        if mismatch and fetched.from_cache:
            self._transport.forget(url)
            fetched = self._transport.get(
                url, what=what, missing_ok=missing_ok, hash_checked=checked
            )
            if fetched is None:
                return None
            mismatch = check_hash(fetched.content, known)
        if mismatch:
            name, expected, actual = mismatch
            raise IndexFetchError(
                f"{what[0].upper()}{what[1:]} from {redact_url(url)} does not match its "
                f"{name} hash: expected {expected}, got {actual}.",
                hint=_DAMAGED_HINT,
            )
        return fetched.content
