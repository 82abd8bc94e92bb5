"""Parsing Simple Repository API project pages (PEP 691 JSON, PEP 503 HTML) into DistFiles."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Union
from urllib.parse import unquote, urljoin, urlsplit

from pip_native.index.files import DistFile, make_dist_file, parse_hash_fragment

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

__all__ = [
    "ACCEPT_SIMPLE",
    "JSON_CONTENT_TYPE",
    "PageError",
    "files_from_html",
    "files_from_json",
    "parse_anchors",
    "parse_page",
]

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
_HTML_CONTENT_TYPES = ("application/vnd.pypi.simple.v1+html", "text/html")

#: The Accept header pip sends for index pages (PEP 691 content negotiation).
ACCEPT_SIMPLE = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)

MetadataInfo = Union[Mapping[str, str], bool]


class PageError(ValueError):
    """A page that is not a valid Simple API page (the caller adds the URL)."""


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base_href: str | None = None
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # html.parser has already lower-cased names and unescaped attribute values.
        if tag == "base" and self.base_href is None:
            href = dict(attrs).get("href")
            if href:
                self.base_href = href
        elif tag == "a":
            attributes = dict(attrs)
            if attributes.get("href"):
                self.anchors.append(attributes)


def parse_anchors(text: str, page_url: str) -> list[dict[str, str | None]]:
    """Every ``<a href>`` of an HTML page, ``href`` made absolute (``<base href>`` honoured)."""
    parser = _AnchorParser()
    parser.feed(text)
    parser.close()
    base = urljoin(page_url, parser.base_href) if parser.base_href else page_url
    for anchor in parser.anchors:
        anchor["href"] = urljoin(base, str(anchor["href"]).strip())
    return parser.anchors


def _url_filename(url: str) -> str:
    return posixpath.basename(unquote(urlsplit(url).path))


def _html_metadata(anchor: Mapping[str, str | None]) -> MetadataInfo:
    """PEP 714 ``data-core-metadata`` (preferred) or PEP 658 ``data-dist-info-metadata``."""
    for attr in ("data-core-metadata", "data-dist-info-metadata"):
        if attr not in anchor:
            continue
        value = anchor[attr]
        if value is None or value.strip().lower() == "true":
            return True
        hashes = parse_hash_fragment(value.strip())
        return hashes if hashes else False
    return False


def files_from_html(
    project: NormalizedName, text: str, page_url: str, *, origin: str
) -> list[DistFile]:
    """The files of ``project`` linked from a PEP 503 page (or a find-links page)."""
    files = []
    for anchor in parse_anchors(text, page_url):
        url = str(anchor["href"])
        yanked: str | None = None
        if "data-yanked" in anchor:  # PEP 592: presence marks the file yanked
            yanked = anchor["data-yanked"] or ""
        dist = make_dist_file(
            project,
            _url_filename(url),
            url,
            origin=origin,
            requires_python=anchor.get("data-requires-python"),
            yanked=yanked,
            metadata=_html_metadata(anchor),
        )
        if dist is not None:
            files.append(dist)
    return files


def _absolute(page_url: str, url: str) -> str:
    """``url`` resolved against the page (PyPI's are absolute already: skip the costly join)."""
    return url if url.startswith(("https://", "http://")) else urljoin(page_url, url)


def _json_metadata(entry: Mapping[str, object]) -> MetadataInfo:
    for key in ("core-metadata", "dist-info-metadata"):
        if key not in entry:
            continue
        value = entry[key]
        if isinstance(value, Mapping):
            hashes = {str(k).lower(): str(v).lower() for k, v in value.items()}
            return hashes or True
        return bool(value)
    return False


def _json_yanked(value: object) -> str | None:
    if isinstance(value, str):
        return value or None
    return "" if value is True else None


def files_from_json(
    project: NormalizedName, data: bytes, page_url: str, *, origin: str
) -> list[DistFile]:
    """The files of ``project`` on a PEP 691 JSON page."""
    try:
        page = json.loads(data)
    except ValueError as exc:
        raise PageError(f"not valid JSON ({exc})") from exc
    if not isinstance(page, dict) or not isinstance(page.get("files"), list):
        raise PageError("the JSON has no 'files' list")
    api_version = str((page.get("meta") or {}).get("api-version", "1.0"))
    if api_version.split(".")[0] != "1":
        raise PageError(f"unsupported Simple API version {api_version}")
    files = []
    for entry in page["files"]:
        if not isinstance(entry, dict) or "filename" not in entry or "url" not in entry:
            raise PageError("a file entry lacks 'filename' or 'url'")
        hashes = entry.get("hashes") or {}
        rp = entry.get("requires-python")
        dist = make_dist_file(
            project,
            str(entry["filename"]),
            _absolute(page_url, str(entry["url"])),
            origin=origin,
            hashes={str(k): str(v) for k, v in hashes.items()} if isinstance(hashes, dict) else {},
            requires_python=rp if isinstance(rp, str) else None,
            yanked=_json_yanked(entry.get("yanked")),
            metadata=_json_metadata(entry),
        )
        if dist is not None:
            files.append(dist)
    return files


def _charset(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return "utf-8"


def parse_page(
    project: NormalizedName,
    body: bytes,
    content_type: str,
    page_url: str,
    *,
    origin: str,
) -> list[DistFile]:
    """Files of ``project`` on a page, JSON or HTML according to ``content_type``.

    An empty or unknown content type (``file://`` pages) is sniffed: a body
    starting with ``{`` is JSON, anything else HTML.
    """
    mime = content_type.split(";")[0].strip().lower()
    if mime == JSON_CONTENT_TYPE or (
        mime not in _HTML_CONTENT_TYPES and body.lstrip().startswith(b"{")
    ):
        return files_from_json(project, body, page_url, origin=origin)
    try:
        text = body.decode(_charset(content_type), errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    return files_from_html(project, text, page_url, origin=origin)
