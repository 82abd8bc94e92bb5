"""Tests for pip_native.mapping.debian: metadata dirs, Contents lines, PyDist files, guesses."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import NormalizedName
from packaging.version import Version

from pip_native.mapping.debian import (
    apt_candidates,
    dh_safe_name,
    iter_contents,
    parse_contents_line,
    parse_metadata_dir,
    parse_pydist,
    preferred_package,
)

DATA = Path(__file__).parent / "data" / "mapping"


@pytest.mark.parametrize(
    ("dirname", "name", "project", "raw_version", "kind"),
    [
        ("scikit_learn-1.2.1.egg-info", "scikit_learn", "scikit-learn", "1.2.1", "egg-info"),
        ("PyYAML-6.0.dist-info", "PyYAML", "pyyaml", "6.0", "dist-info"),
        ("Foo-1.0-py3.11.egg-info", "Foo", "foo", "1.0", "egg-info"),
        ("Foo-1.0-py3.11-linux-x86_64.egg-info", "Foo", "foo", "1.0", "egg-info"),
        ("foo.egg-info", "foo", "foo", None, "egg-info"),
        ("zope.interface-5.5.2.egg-info", "zope.interface", "zope-interface", "5.5.2", "egg-info"),
        ("2ping-4.5.egg-info", "2ping", "2ping", "4.5", "egg-info"),
        ("azure_core_experimental-1.0.0b2.egg-info", "azure_core_experimental",
         "azure-core-experimental", "1.0.0b2", "egg-info"),
    ],
)  # fmt: skip
def test_parse_metadata_dir(
    dirname: str, name: str, project: str, raw_version: str | None, kind: str
) -> None:
    parsed = parse_metadata_dir(dirname)
    assert parsed is not None
    assert (parsed.dirname, parsed.name, parsed.project) == (dirname, name, project)
    assert (parsed.raw_version, parsed.kind) == (raw_version, kind)
    assert parsed.version == (Version(raw_version) if raw_version else None)


@pytest.mark.parametrize(
    ("dirname", "raw_version"),
    [
        ("cmdtest-0.32_git.egg-info", "0.32_git"),
        ("colorcet-None.egg-info", "None"),
        ("pyFlow-_VERSION_.egg-info", "_VERSION_"),
    ],
)
def test_parse_metadata_dir_keeps_name_of_non_pep440_version(
    dirname: str, raw_version: str
) -> None:
    parsed = parse_metadata_dir(dirname)
    assert parsed is not None
    assert parsed.raw_version == raw_version
    assert parsed.version is None


@pytest.mark.parametrize(
    "dirname",
    [
        "_pycbf-0.0.0.egg-info",  # real bookworm entry: '_' cannot start a PEP 508 name
        ".egg-info",
        "-1.0.dist-info",
        "foo-1.0.pth",
        "foo bar-1.0.dist-info",
        "foo.dist-info.bak",
    ],
)
def test_parse_metadata_dir_skips_garbage(dirname: str) -> None:
    assert parse_metadata_dir(dirname) is None


@given(st.text(max_size=40))
def test_parse_metadata_dir_never_raises(text: str) -> None:
    for candidate in (text, text + ".egg-info", text + ".dist-info"):
        parse_metadata_dir(candidate)


def test_parse_contents_line() -> None:
    line = "usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA python/python3-yaml\n"
    entry = parse_contents_line(line)
    assert entry is not None
    assert (entry.dirname, entry.packages) == ("PyYAML-6.0.dist-info", ("python3-yaml",))


@pytest.mark.parametrize(
    ("line", "dirname", "packages"),
    [
        ("usr/lib/python3/dist-packages/SimPy-2.3.1.egg-info      python/python3-simpy",
         "SimPy-2.3.1.egg-info", ("python3-simpy",)),
        ("usr/lib/python3.11/dist-packages/foo-1.0.dist-info/RECORD python/python3-foo",
         "foo-1.0.dist-info", ("python3-foo",)),
        ("usr/lib/python3/dist-packages/foo-1.0.dist-info/x y z  python/a,contrib/python/b",
         "foo-1.0.dist-info", ("a", "b")),
    ],
)  # fmt: skip
def test_parse_contents_line_forms(line: str, dirname: str, packages: tuple[str, ...]) -> None:
    entry = parse_contents_line(line)
    assert entry is not None
    assert (entry.dirname, entry.packages) == (dirname, packages)


@pytest.mark.parametrize(
    "line",
    [
        "bin/ash                                                 shells/ash",
        "usr/lib/python3/dist-packages/sklearn/__init__.py       python/python3-sklearn",
        "usr/lib/python3/dist-packages/py/_vendored_packages/apipkg-2.0.0.dist-info/METADATA p/a",
        "usr/lib/python2.7/dist-packages/foo-1.0.egg-info python/python-foo",
        "usr/lib/python3/dist-packages/foo-1.0.egg-info",
        "",
        "# comment",
    ],
)
def test_parse_contents_line_ignores_other_paths(line: str) -> None:
    assert parse_contents_line(line) is None


def test_iter_contents_skips_old_style_header() -> None:
    lines = [
        "This file maps each file available in the Debian GNU/Linux system to",
        "FILE                                                    LOCATION",
        "usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA python/python3-foo",
    ]
    assert [e.dirname for e in iter_contents(lines)] == ["foo-1.0.dist-info"]


def test_dh_safe_name_matches_dh_python() -> None:
    # dh-python: re.sub('[^A-Za-z0-9.]+', '_', name).lower(): dots are kept
    assert dh_safe_name("Scikit-Learn") == "scikit_learn"
    assert dh_safe_name("zope.interface") == "zope.interface"
    assert dh_safe_name("Flask--WTF") == "flask_wtf"
    assert dh_safe_name("XStatic_term.js") == "xstatic_term.js"


def test_parse_pydist_recorded_excerpt() -> None:
    entries, skipped = parse_pydist((DATA / "cpython3_fallback.excerpt").read_text())
    by_dist = {e.dist: e for e in entries}
    assert by_dist["scikit_learn"].project == "scikit-learn"
    assert by_dist["scikit_learn"].packages == ("python3-sklearn",)
    assert by_dist["PyYAML"].packages == ("python3-yaml",)
    assert by_dist["zope.interface"].project == "zope-interface"
    assert by_dist["argparse"].packages == ("python3",)
    assert by_dist["argparse"].text == "argparse python3 (>= 3.2)"
    assert by_dist["2ping"].packages == ("2ping",)
    assert by_dist["banking.statements.nordea"].packages == ("ofxstatement-plugins",)
    assert by_dist["Flask_WTF"].packages == ("python3-flaskext.wtf",)
    # '_pycbf' is not a PEP 508 name: skipped and reported by line number (header is 2 lines)
    lines = (DATA / "cpython3_fallback.excerpt").read_text().splitlines()
    assert [lines[n - 1] for n in skipped] == ["_pycbf python3-pycbf"]
    assert by_dist["numpy"].line_number == lines.index("numpy python3-numpy") + 1


def test_parse_pydist_other_forms() -> None:
    text = "\n".join(
        [
            "# comment",
            "",
            "Foo 3.1- python3-foo (>= 1.0), python3-foo-data | python3-bar; PEP386 s/^/1:/",
            "Bar -3.4 python3-bar [amd64]",
            "NoDependency",
            "Baz python3-baz; PEP440",
            "Bad Name python3-x",
        ]
    )
    entries, skipped = parse_pydist(text)
    assert [(e.dist, e.packages) for e in entries] == [
        ("Foo", ("python3-foo", "python3-foo-data")),
        ("Bar", ("python3-bar",)),
        ("Baz", ("python3-baz",)),
    ]
    assert skipped == [5, 7]


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        ("numpy", ("python3-numpy",)),
        ("zope-interface", ("python3-zope-interface", "python3-zope.interface")),
        ("python-dateutil",
         ("python3-dateutil", "python3-python-dateutil", "python3-python.dateutil")),
    ],
)  # fmt: skip
def test_apt_candidates(project: str, expected: tuple[str, ...]) -> None:
    assert apt_candidates(NormalizedName(project)) == expected


def test_preferred_package_prefers_policy_name() -> None:
    click = NormalizedName("click")
    assert preferred_package(click, ["python3-click-package", "python3-click"]) == (
        "python3-click",
        "python3-click-package",
    )
    chargebee = NormalizedName("chargebee")
    assert preferred_package(chargebee, ["python3-chargebee2", "python3-chargebee"])[0] == (
        "python3-chargebee"
    )
    foo = NormalizedName("foo")
    assert preferred_package(foo, ["foo-tool", "python3-foolib"]) == ("python3-foolib", "foo-tool")
