"""Files from ``--find-links`` locations: local directories, local HTML files and http(s) pages."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from pip_native.errors import IndexFetchError
from pip_native.index.config import redact_url
from pip_native.index.files import DistFile, make_dist_file
from pip_native.index.pages import PageError, parse_page
from pip_native.index.transport import Transport, file_url_to_path

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

__all__ = ["FindLinks", "as_url", "local_path"]

_ACCEPT_HTML = "text/html"


def local_path(location: str) -> Path | None:
    """The local path a find-links location names (a path or ``file:`` URL), else None."""
    if location.startswith("file:"):
        return file_url_to_path(location)
    if "://" in location:
        return None
    return Path(location).expanduser().absolute()


def as_url(location: str) -> str:
    """A location as a URL: local paths (pip accepts them as index URLs too) become file: URLs."""
    path = None if "://" in location or location.startswith("file:") else local_path(location)
    return path.as_uri() if path is not None else location


class FindLinks:
    """Lists project files at find-links locations; directory listings are read once."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._lock = threading.Lock()
        self._listings: dict[Path, tuple[str, ...]] = {}

    def files(self, location: str, project: NormalizedName) -> list[DistFile]:
        """The files of ``project`` at ``location``; [] when the location does not exist."""
        path = local_path(location)
        origin = redact_url(location)
        if path is None:
            return self._remote_page(location, project, origin)
        if path.is_dir():
            names = self._listing(path)
            return [
                dist
                for name in names
                if (dist := self._local_file(path, name, names, project, origin)) is not None
            ]
        if path.is_file():  # a local HTML page of links
            fetched = self._transport.get(path.as_uri(), what="the find-links page")
            assert fetched is not None
            return self._parse(project, fetched.content, "text/html", fetched.url, origin)
        return []

    def _listing(self, path: Path) -> tuple[str, ...]:
        with self._lock:
            names = self._listings.get(path)
        if names is None:
            try:
                names = tuple(sorted(p.name for p in path.iterdir()))
            except OSError as exc:
                raise IndexFetchError(
                    f"Could not list the find-links directory {path}: {exc.strerror or exc}.",
                    hint="Check the --find-links path and its permissions.",
                ) from exc
            with self._lock:
                self._listings[path] = names
        return names

    @staticmethod
    def _local_file(
        directory: Path,
        name: str,
        names: tuple[str, ...],
        project: NormalizedName,
        origin: str,
    ) -> DistFile | None:
        return make_dist_file(
            project,
            name,
            (directory / name).as_uri(),
            origin=origin,
            metadata=f"{name}.metadata" in names,
        )

    def _remote_page(self, url: str, project: NormalizedName, origin: str) -> list[DistFile]:
        fetched = self._transport.get(
            url,
            what="the find-links page",
            accept=_ACCEPT_HTML,
            revalidate=True,
            missing_ok=True,
        )
        if fetched is None:
            return []
        return self._parse(project, fetched.content, fetched.content_type, fetched.url, origin)

    @staticmethod
    def _parse(
        project: NormalizedName, body: bytes, content_type: str, page_url: str, origin: str
    ) -> list[DistFile]:
        try:
            return parse_page(project, body, content_type, page_url, origin=origin)
        except PageError as exc:
            raise IndexFetchError(
                f"The find-links page {origin} cannot be read: {exc}.",
                hint="Point --find-links at a directory or an HTML page of links.",
            ) from exc
