"""Parsing Simple API pages (PEP 503 HTML, PEP 691 JSON) and core metadata."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.utils import canonicalize_name
from packaging.version import Version

from localindex import LocalIndex
from pip_native.errors import IndexFetchError
from pip_native.index.files import make_dist_file
from pip_native.index.metadata import parse_core_metadata, read_wheel_metadata
from pip_native.index.pages import PageError, files_from_html, files_from_json, parse_page

if TYPE_CHECKING:
    from pathlib import Path

DEMO = canonicalize_name("demo")
PAGE = "https://idx.example/simple/demo/"
H1 = "a" * 64
H2 = "b" * 64

HTML = f"""<!DOCTYPE html><html><body>
<a href="../../files/demo-1.0-py3-none-any.whl#sha256={H1}"
   data-requires-python="&gt;=3.8,&lt;4" data-core-metadata="sha256={H2}"
   data-dist-info-metadata="sha256={"c" * 64}">demo-1.0-py3-none-any.whl</a>
<a href="https://cdn.example/x/demo-1.1-py2.py3-none-any.whl" data-yanked>demo 1.1</a>
<a href="demo-1.2-cp311-cp311-manylinux_2_17_x86_64.whl" data-yanked="bad &amp; broken"
   data-dist-info-metadata="true">native</a>
<a href="/files/demo-1.3.tar.gz#md5=0123" data-requires-python="not a specifier">sdist</a>
<a href="/files/demo-1.4-py3-none-any.whl" data-core-metadata>bare attribute</a>
<a href="/files/other-1.0-py3-none-any.whl">another project</a>
<a href="/files/demo-1.0.egg">legacy egg</a>
<a href="/files/demo-notaversion-py3-none-any.whl">bad version</a>
<a href="/files/demo.tar.gz">no version</a>
<a name="no-href">anchor without href</a>
</body></html>"""


def test_html_page_files_and_attributes() -> None:
    files = {f.filename: f for f in files_from_html(DEMO, HTML, PAGE, origin="idx")}
    assert sorted(files) == [
        "demo-1.0-py3-none-any.whl",
        "demo-1.1-py2.py3-none-any.whl",
        "demo-1.2-cp311-cp311-manylinux_2_17_x86_64.whl",
        "demo-1.3.tar.gz",
        "demo-1.4-py3-none-any.whl",
    ]
    first = files["demo-1.0-py3-none-any.whl"]
    assert first.url == "https://idx.example/files/demo-1.0-py3-none-any.whl"
    assert first.hashes == {"sha256": H1}
    assert first.requires_python == SpecifierSet(">=3.8,<4")
    assert first.metadata == {"sha256": H2}  # PEP 714 core-metadata preferred
    assert first.metadata_url == first.url + ".metadata"
    assert first.yanked is None and first.is_pure and first.is_wheel
    assert first.version == Version("1.0") and first.origin == "idx"

    assert files["demo-1.1-py2.py3-none-any.whl"].yanked == ""  # valueless attribute
    assert files["demo-1.1-py2.py3-none-any.whl"].url.startswith("https://cdn.example/x/")
    assert files["demo-1.1-py2.py3-none-any.whl"].metadata is False

    native = files["demo-1.2-cp311-cp311-manylinux_2_17_x86_64.whl"]
    assert native.yanked == "bad & broken"
    assert native.metadata is True
    assert native.url == PAGE + native.filename
    assert not native.is_pure
    assert native.tags == frozenset({Tag("cp311", "cp311", "manylinux_2_17_x86_64")})

    sdist = files["demo-1.3.tar.gz"]
    assert not sdist.is_wheel and not sdist.is_pure and sdist.tags == frozenset()
    assert sdist.hashes == {"md5": "0123"}
    assert sdist.requires_python is None  # invalid: ignored like pip does
    assert files["demo-1.4-py3-none-any.whl"].metadata is True


def test_html_base_href_is_honoured() -> None:
    page = '<html><head><base href="https://mirror.example/pkgs/"></head><body>'
    page += '<a href="demo-2.0-py3-none-any.whl">x</a></body></html>'
    (file,) = files_from_html(DEMO, page, PAGE, origin="idx")
    assert file.url == "https://mirror.example/pkgs/demo-2.0-py3-none-any.whl"


def test_html_url_quoting_and_fragment_removed() -> None:
    page = f'<a href="../../files/demo-1.0%2Blocal-py3-none-any.whl#sha256={H1}">x</a>'
    (file,) = files_from_html(DEMO, page, PAGE, origin="idx")
    assert file.filename == "demo-1.0+local-py3-none-any.whl"
    assert file.version == Version("1.0+local")
    assert "#" not in file.url


def _json_page(files: list[dict[str, object]], api: str = "1.1") -> bytes:
    return json.dumps({"meta": {"api-version": api}, "name": "demo", "files": files}).encode()


def test_json_page_files_and_fields() -> None:
    body = _json_page(
        [
            {
                "filename": "demo-1.0-py3-none-any.whl",
                "url": "../../files/demo-1.0-py3-none-any.whl",
                "hashes": {"sha256": H1.upper()},
                "requires-python": ">=3.9",
                "core-metadata": {"sha256": H2},
                "yanked": False,
            },
            {
                "filename": "demo-1.1-py3-none-any.whl",
                "url": "https://files.example/demo-1.1-py3-none-any.whl",
                "hashes": {},
                "dist-info-metadata": True,
                "yanked": "security issue",
            },
            {
                "filename": "demo-1.2.tar.gz",
                "url": "/f/demo-1.2.tar.gz#sha256=" + H2,
                "hashes": {"sha256": H1},
                "yanked": True,
                "requires-python": None,
            },
            {"filename": "other-1.0.tar.gz", "url": "/f/other-1.0.tar.gz", "hashes": {}},
        ]
    )
    files = files_from_json(DEMO, body, PAGE, origin="idx")
    assert [f.filename for f in files] == [
        "demo-1.0-py3-none-any.whl",
        "demo-1.1-py3-none-any.whl",
        "demo-1.2.tar.gz",
    ]
    first, second, third = files
    assert first.url == "https://idx.example/files/demo-1.0-py3-none-any.whl"
    assert first.hashes == {"sha256": H1}  # normalised to lower case
    assert first.requires_python == SpecifierSet(">=3.9")
    assert first.metadata == {"sha256": H2} and first.yanked is None
    assert second.metadata is True and second.yanked == "security issue"
    assert third.yanked == "" and third.metadata is False
    assert third.hashes == {"sha256": H1}  # the explicit hashes win over the fragment
    assert third.url == "https://idx.example/f/demo-1.2.tar.gz"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"meta": {"api-version": "1.0"}}', "no 'files' list"),
        (_json_page([], api="2.0"), "unsupported Simple API version 2.0"),
        (_json_page([{"url": "x"}]), "lacks 'filename'"),
    ],
)
def test_invalid_json_pages_raise_page_error(body: bytes, problem: str) -> None:
    with pytest.raises(PageError, match=problem):
        files_from_json(DEMO, body, PAGE, origin="idx")


def test_parse_page_dispatches_on_content_type_or_sniffs() -> None:
    body = _json_page([{"filename": "demo-1.0.tar.gz", "url": "demo-1.0.tar.gz"}])
    for content_type in ("application/vnd.pypi.simple.v1+json", ""):
        (file,) = parse_page(DEMO, body, content_type, PAGE, origin="idx")
        assert file.filename == "demo-1.0.tar.gz"
    html = b'<a href="demo-1.0.tar.gz">x</a>'
    for content_type in ("text/html; charset=utf-8", "application/vnd.pypi.simple.v1+html", ""):
        (file,) = parse_page(DEMO, html, content_type, PAGE, origin="idx")
        assert file.url == PAGE + "demo-1.0.tar.gz"


def test_make_dist_file_rejects_other_projects_and_bad_names() -> None:
    def make(filename: str) -> object:
        return make_dist_file(DEMO, filename, "https://x/" + filename, origin="o")

    assert make("Demo-1.0-py3-none-any.whl") is not None
    assert make("demo-1.0.zip") is not None
    assert make("demo_extra-1.0-py3-none-any.whl") is None
    assert make("demo-1.0-py3-none-any.whl.metadata") is None
    assert make("demo-1.0.tar.bz2") is None
    assert make("demo-1.0-py3-none.whl") is None


# -- core metadata -----------------------------------------------------------------------


def test_parse_core_metadata_fields() -> None:
    data = (
        b"Metadata-Version: 2.1\nName: Demo.Pkg\nVersion: 1.0.post1\n"
        b"Requires-Python: >=3.8\nProvides-Extra: Fancy_UI\nProvides-Extra: test\n"
        b"Requires-Dist: attrs>=22\nRequires-Dist: rich; extra == 'fancy-ui'\n\nlong description\n"
    )
    meta = parse_core_metadata(data, source="https://x/demo.metadata")
    assert meta.name == "Demo.Pkg" and meta.canonical_name == "demo-pkg"
    assert meta.version == Version("1.0.post1")
    assert meta.requires_python == SpecifierSet(">=3.8")
    assert meta.provides_extra == ("fancy-ui", "test")
    assert [str(r) for r in meta.requires_dist] == [
        str(Requirement("attrs>=22")),
        str(Requirement('rich; extra == "fancy-ui"')),
    ]


def test_parse_core_metadata_invalid_requirement_names_source_and_line() -> None:
    data = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: attrs >>= 1\n"
    with pytest.raises(IndexFetchError) as info:
        parse_core_metadata(data, source="https://idx/demo-1.0.whl.metadata")
    assert "https://idx/demo-1.0.whl.metadata" in str(info.value)
    assert "attrs >>= 1" in str(info.value)


def test_parse_core_metadata_missing_version_and_bad_requires_python() -> None:
    with pytest.raises(IndexFetchError, match="Version field is missing"):
        parse_core_metadata(b"Name: demo\n", source="s")
    meta = parse_core_metadata(b"Name: demo\nVersion: 1\nRequires-Python: >=3.x\n", source="s")
    assert meta.requires_python is None


def test_read_wheel_metadata_from_a_real_wheel(tmp_path: Path) -> None:
    index = LocalIndex(tmp_path)
    wheel = index.add_wheel("Demo", "2.0", requires=["attrs"], extras=["cli"])
    meta = read_wheel_metadata(wheel.read_bytes(), DEMO, source=str(wheel))
    assert (meta.name, meta.version, meta.provides_extra) == ("Demo", Version("2.0"), ("cli",))
    with wheel.open("rb") as fh:
        assert read_wheel_metadata(fh, DEMO, source=str(wheel)) == meta
    with pytest.raises(IndexFetchError, match="Could not read the wheel"):
        read_wheel_metadata(b"not a zip", DEMO, source="broken.whl")


def test_files_of_a_release_share_one_version_object() -> None:
    """A plan holds tens of thousands of files: one Version per version text, not per file,
    yet 1.0 and 1.0.0 (equal, printed differently) stay apart, and so do the projects' names."""
    project = canonicalize_name("my-pkg")
    made = [
        make_dist_file(project, name, f"https://files.example/{name}", origin="test")
        for name in (
            "my_pkg-2.0-py3-none-any.whl",
            "my_pkg-2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
            "my_pkg-2.0-1-py3-none-any.whl",
            "my-pkg-2.0.tar.gz",
            "my-pkg-2.0.zip",
            "my_pkg-2.0.0-py3-none-any.whl",
        )
    ]
    files = [f for f in made if f is not None]
    assert len(files) == 6
    first = files[0].version
    assert all(f.version is first for f in files[:5])
    assert files[5].version == first and files[5].version is not first
    assert str(files[5].version) == "2.0.0" and str(first) == "2.0"
    assert not hasattr(files[0], "__dict__")  # slots: no dict per file
