"""A throwaway package index for tests: real wheels, PEP 503/691/658 pages, file:// or HTTP.

Usage::

    index = LocalIndex(tmp_path / "index")
    index.add_wheel("attrs", "23.1.0", requires_python=">=3.7")
    index.add_wheel("demo", "1.0", requires=["attrs>=22", "rich; extra == 'cli'"], extras=["cli"])
    index.add_sdist("demo", "1.0")
    index.build()
    index.file_url                      # file:///…/simple, for --index-url
    with index.serve() as url:          # http://127.0.0.1:PORT/simple
        ...
        index.requests["/simple/demo/"]  # how often a path was requested

Wheels are tiny but real and pip-installable: METADATA, WHEEL, RECORD with
hashes and an importable module named after the project (``import demo``;
``demo.__version__`` is the version) unless ``files=`` replaces the contents.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import ssl
import tarfile
import threading
import time
import zipfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from packaging.tags import parse_tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

__all__ = ["LocalIndex"]

_JSON = "application/vnd.pypi.simple.v1+json"
_HTML = "text/html"
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


@dataclass
class _File:
    project: NormalizedName
    filename: str
    requires_python: str | None
    yanked: str | None
    metadata: bytes | None
    """Core metadata served as ``<file>.metadata`` (PEP 658), or None."""


class LocalIndex:
    """Wheels and sdists under ``<root>/files``, Simple API pages under ``<root>/simple``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.files_dir = self.root / "files"
        self.simple_dir = self.root / "simple"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, _File] = {}
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        """Requests per URL path while serving (``/simple/demo/``, ``/files/x.whl``)."""
        self.responses: list[tuple[str, int]] = []
        """``(path, status)`` of every answer, in order (304 = revalidated)."""
        self.fail: dict[str, list[int]] = {}
        """Path → statuses to answer (one per request) before answering normally."""
        self.pages_served: Counter[str] = Counter()
        """Project pages answered per format: ``"json"`` / ``"html"``."""
        self.cache_headers = True
        """False: answer without Cache-Control/ETag, like some mirrors do."""
        self.ranges = False
        """True: files honour ``Range: bytes=…`` (206), as PyPI's file host does."""
        self.bytes_sent: Counter[str] = Counter()
        """Body bytes sent per URL path."""
        self.delay = 0.0
        """Seconds every request waits before being answered (to observe parallelism)."""
        self.max_in_flight = 0
        """The most requests that were being answered at the same time."""
        self._in_flight = 0
        self.connections = 0
        """Connections accepted while serving (each is one TLS handshake over HTTPS)."""

    # -- building ------------------------------------------------------------------------

    def add_wheel(
        self,
        name: str,
        version: str,
        *,
        requires: Sequence[str] = (),
        requires_python: str | None = None,
        tag: str = "py3-none-any",
        extras: Sequence[str] = (),
        yanked: str | None = None,
        files: Mapping[str, str] | None = None,
        metadata_file: bool = True,
        metadata_headers: Sequence[str] = (),
    ) -> Path:
        """Write a wheel to ``<root>/files`` and return its path.

        ``metadata_headers`` are extra METADATA lines (``Requires-External-Dep: dep:…``).

        ``tag`` may be a compressed tag set (``py2.py3-none-any``). ``yanked``
        is the reason ("" = yanked without one). ``metadata_file=False`` leaves
        out the PEP 658 ``.metadata`` file (clients must read the wheel).
        """
        dist = canonicalize_name(name).replace("-", "_")
        ver = str(Version(version))
        dist_info = f"{dist}-{ver}.dist-info"
        tags = sorted(str(t) for t in parse_tag(tag))
        pure = all(t.endswith("-none-any") for t in tags)
        metadata = self._metadata(name, ver, requires, requires_python, extras, metadata_headers)
        wheel_meta = (
            "Wheel-Version: 1.0\nGenerator: localindex\n"
            f"Root-Is-Purelib: {'true' if pure else 'false'}\n"
            + "".join(f"Tag: {t}\n" for t in tags)
        )
        contents = (
            dict(files)
            if files is not None
            else {f"{dist}.py": f'"""Test module {name}."""\n__version__ = "{ver}"\n'}
        )
        entries: list[tuple[str, bytes]] = [(k, v.encode()) for k, v in contents.items()]
        entries += [
            (f"{dist_info}/METADATA", metadata),
            (f"{dist_info}/WHEEL", wheel_meta.encode()),
        ]
        record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in entries)
        record += f"{dist_info}/RECORD,,\n"
        entries.append((f"{dist_info}/RECORD", record.encode()))
        filename = f"{dist}-{ver}-{tag}.whl"
        path = self.files_dir / filename
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in entries:
                info = zipfile.ZipInfo(member, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        self._files[filename] = _File(
            project=canonicalize_name(name),
            filename=filename,
            requires_python=requires_python,
            yanked=yanked,
            metadata=metadata if metadata_file else None,
        )
        return path

    def add_sdist(
        self,
        name: str,
        version: str,
        *,
        requires_python: str | None = None,
        yanked: str | None = None,
    ) -> Path:
        """Write a minimal setuptools sdist (``.tar.gz``) and return its path."""
        dist = canonicalize_name(name).replace("-", "_")
        ver = str(Version(version))
        base = f"{dist}-{ver}"
        pkg_info = self._metadata(name, ver, (), requires_python, ())
        members = {
            "PKG-INFO": pkg_info,
            "pyproject.toml": (
                '[build-system]\nrequires = ["setuptools>=61"]\n'
                'build-backend = "setuptools.build_meta"\n\n'
                f'[project]\nname = "{name}"\nversion = "{ver}"\n'
            ).encode(),
            f"{dist}.py": f'__version__ = "{ver}"\n'.encode(),
        }
        filename = f"{base}.tar.gz"
        path = self.files_dir / filename
        with tarfile.open(path, "w:gz") as archive:
            for member, data in members.items():
                info = tarfile.TarInfo(f"{base}/{member}")
                info.size = len(data)
                info.mtime = 1577836800
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(data))
        self._files[filename] = _File(
            project=canonicalize_name(name),
            filename=filename,
            requires_python=requires_python,
            yanked=yanked,
            metadata=None,
        )
        return path

    @staticmethod
    def _metadata(
        name: str,
        version: str,
        requires: Sequence[str],
        requires_python: str | None,
        extras: Sequence[str],
        headers: Sequence[str] = (),
    ) -> bytes:
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        if requires_python:
            lines.append(f"Requires-Python: {requires_python}")
        lines += [f"Provides-Extra: {e}" for e in extras]
        lines += [f"Requires-Dist: {r}" for r in requires]
        lines += list(headers)
        return ("\n".join(lines) + "\n\n").encode()

    def build(self) -> None:
        """Write the project pages (HTML and JSON), the root page and the ``.metadata`` files."""
        projects: dict[NormalizedName, list[_File]] = {}
        for file in self._files.values():
            projects.setdefault(file.project, []).append(file)
        self.simple_dir.mkdir(parents=True, exist_ok=True)
        names = sorted(projects)
        (self.simple_dir / "index.html").write_text(
            "<!DOCTYPE html><html><body>\n"
            + "".join(f'<a href="{n}/">{n}</a>\n' for n in names)
            + "</body></html>\n"
        )
        (self.simple_dir / "index.json").write_text(
            json.dumps({"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in names]})
        )
        for project, files in projects.items():
            page_dir = self.simple_dir / project
            page_dir.mkdir(exist_ok=True)
            files.sort(key=lambda f: f.filename)
            (page_dir / "index.html").write_text(self._html_page(project, files))
            (page_dir / "index.json").write_text(self._json_page(project, files))

    def _file_facts(self, file: _File) -> tuple[str, str | None]:
        """The file's sha256 and its .metadata file's sha256 (written here), if any."""
        digest = _sha256((self.files_dir / file.filename).read_bytes())
        if file.metadata is None:
            return digest, None
        (self.files_dir / f"{file.filename}.metadata").write_bytes(file.metadata)
        return digest, _sha256(file.metadata)

    def _html_page(self, project: str, files: list[_File]) -> str:
        lines = ["<!DOCTYPE html>", "<html><head><title>Links for " + project + "</title></head>"]
        lines.append("<body>")
        for file in files:
            digest, meta_digest = self._file_facts(file)
            attrs = ""
            if file.requires_python:
                attrs += f' data-requires-python="{html.escape(file.requires_python)}"'
            if file.yanked is not None:
                attrs += f' data-yanked="{html.escape(file.yanked)}"'
            if meta_digest:
                attrs += f' data-core-metadata="sha256={meta_digest}"'
                attrs += f' data-dist-info-metadata="sha256={meta_digest}"'
            href = f"../../files/{quote(file.filename)}#sha256={digest}"
            lines.append(f'<a href="{href}"{attrs}>{html.escape(file.filename)}</a><br/>')
        lines.append("</body></html>")
        return "\n".join(lines) + "\n"

    def _json_page(self, project: str, files: list[_File]) -> str:
        entries = []
        for file in files:
            digest, meta_digest = self._file_facts(file)
            entry: dict[str, object] = {
                "filename": file.filename,
                "url": f"../../files/{quote(file.filename)}",
                "hashes": {"sha256": digest},
                "requires-python": file.requires_python,
                "yanked": file.yanked if file.yanked else file.yanked is not None,
                "size": (self.files_dir / file.filename).stat().st_size,
            }
            if meta_digest:
                entry["core-metadata"] = {"sha256": meta_digest}
                entry["dist-info-metadata"] = {"sha256": meta_digest}
            entries.append(entry)
        page = {"meta": {"api-version": "1.1"}, "name": project, "files": entries}
        return json.dumps(page, indent=1)

    @property
    def file_url(self) -> str:
        """The ``file://`` URL of the simple index, for ``--index-url``."""
        return self.simple_dir.as_uri()

    # -- serving -------------------------------------------------------------------------

    @contextmanager
    def serve(
        self,
        *,
        formats: Sequence[str] = ("json", "html"),
        auth: tuple[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> Iterator[str]:
        """Serve the index over HTTP on 127.0.0.1; yields ``http://127.0.0.1:PORT/simple``.

        With ``tls`` (a server context) it is HTTPS, and the URL ``https://…``.

        Project pages are negotiated by the Accept header among ``formats``,
        carry an ETag (``If-None-Match`` → 304) and ``Cache-Control: max-age=600``;
        files are ``immutable``. With ``auth=(user, password)`` every request
        needs that HTTP basic authentication (else 401).
        """
        handler = type(
            "Handler", (_Handler,), {"index": self, "formats": tuple(formats), "auth": auth}
        )
        server = _Server(("127.0.0.1", 0), handler)
        if tls is not None:  # the handshake happens in the request's thread
            server.socket = tls.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="localindex",
            daemon=True,
        )
        thread.start()
        try:
            scheme = "https" if tls is not None else "http"
            yield f"{scheme}://127.0.0.1:{server.server_address[1]}/simple"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    def _record(self, path: str, status: int) -> None:
        with self._lock:
            self.responses.append((path, status))

    def _count(self, path: str) -> int | None:
        """Count a request; return a status to fail it with, if one is queued."""
        with self._lock:
            self.requests[path] += 1
            queued = self.fail.get(path)
            return queued.pop(0) if queued else None

    @contextmanager
    def _in_request(self) -> Iterator[None]:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            yield
        finally:
            with self._lock:
                self._in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops SYNs under parallel clients: 1 s stalls


def _accept_q(accept: str, mime: str) -> float:
    best = 0.0
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if fields[0] not in (mime, "*/*"):
            continue
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        best = max(best, q if fields[0] == mime else q * 0.5)
    return best


class _Handler(BaseHTTPRequestHandler):
    index: LocalIndex
    formats: tuple[str, ...]
    auth: tuple[str, str] | None
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def setup(self) -> None:
        with self.index._lock:
            self.index.connections += 1
        super().setup()

    def do_GET(self) -> None:
        with self.index._in_request():
            self._get()

    def _get(self) -> None:
        path = unquote(urlsplit(self.path).path)
        failure = self.index._count(path)
        if self.auth is not None and not self._authorized():
            self._answer(path, 401, b"", {"WWW-Authenticate": 'Basic realm="localindex"'})
            return
        if failure is not None:
            self._answer(path, failure, b"injected failure\n", {"Content-Type": "text/plain"})
            return
        parts = [p for p in path.split("/") if p]
        if parts == ["simple"]:
            self._page(path, self.index.simple_dir)
        elif len(parts) == 2 and parts[0] == "simple":
            if not path.endswith("/"):
                self._answer(path, 301, b"", {"Location": path + "/"})
            else:
                self._page(path, self.index.simple_dir / parts[1])
        elif len(parts) == 2 and parts[0] == "files":
            self._file(path, self.index.files_dir / parts[1])
        else:
            self._answer(path, 404, b"not found\n", {"Content-Type": "text/plain"})

    def _authorized(self) -> bool:
        assert self.auth is not None
        expected = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
        return self.headers.get("Authorization", "") == f"Basic {expected}"

    def _page(self, path: str, directory: Path) -> None:
        accept = self.headers.get("Accept", "text/html")
        use_json = (
            "json" in self.formats
            and ("html" not in self.formats or _accept_q(accept, _JSON) >= _accept_q(accept, _HTML))
            and _accept_q(accept, _JSON) > 0
        )
        source = directory / ("index.json" if use_json else "index.html")
        if not source.is_file():
            self._answer(path, 404, b"not found\n", {"Content-Type": "text/plain"})
            return
        with self.index._lock:
            self.index.pages_served["json" if use_json else "html"] += 1
        headers = {
            "Content-Type": _JSON if use_json else "text/html; charset=utf-8",
            "Cache-Control": "max-age=600, public",
            "Vary": "Accept, Accept-Encoding",
        }
        self._cached(path, source.read_bytes(), headers)

    def _file(self, path: str, source: Path) -> None:
        if not source.is_file():
            self._answer(path, 404, b"not found\n", {"Content-Type": "text/plain"})
            return
        headers = {
            "Content-Type": "application/octet-stream",
            "Cache-Control": "max-age=365000000, immutable, public",
        }
        body = source.read_bytes()
        wanted = self.headers.get("Range", "")
        if self.index.ranges and wanted.startswith("bytes="):
            first, _, last = wanted[6:].partition("-")
            if not first:  # a suffix: the last N bytes
                start, end = max(0, len(body) - int(last)), len(body) - 1
            else:
                start, end = int(first), min(int(last or len(body) - 1), len(body) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
            self._answer(path, 206, body[start : end + 1], headers)
            return
        self._cached(path, body, headers)

    def _cached(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        if not self.index.cache_headers:
            headers.pop("Cache-Control", None)
            self._answer(path, 200, body, headers)
            return
        etag = '"' + _sha256(body)[:20] + '"'
        headers["ETag"] = etag
        if self.headers.get("If-None-Match") == etag:
            self._answer(path, 304, b"", headers, send_body=False)
        else:
            self._answer(path, 200, body, headers)

    def _answer(
        self,
        path: str,
        status: int,
        body: bytes,
        headers: Mapping[str, str],
        *,
        send_body: bool = True,
    ) -> None:
        self.index._record(path, status)
        if send_body:
            with self.index._lock:
                self.index.bytes_sent[path] += len(body)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if send_body:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
