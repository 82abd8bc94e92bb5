"""Reading brew's JSON: versions, sdist URLs, platform-dependent dependencies, installability.

No brew runs here: the inputs are the recorded formula JSON of tests/data/brew/
(see its .meta files) or the small objects written out in each test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from packaging.version import Version

from pip_native.native.brew_json import (
    BrewHost,
    brew_to_pep440,
    missing_formula_names,
    parse_formulae_list,
    parse_info,
    sdist_project,
)
from test_brew_recordings import universe


def one(raw: dict[str, Any]) -> Any:
    (formula,) = parse_info(json.dumps({"formulae": [raw], "casks": []}))
    return formula


@pytest.mark.parametrize(
    ("brew", "pep440"),
    [
        ("2.3.3", "2.3.3"),
        ("2.3.3_1", "2.3.3"),
        ("3.13.7_12", "3.13.7"),
        ("3.9.1.post1", "3.9.1.post1"),
        ("1.0.0rc1", "1.0.0rc1"),
        ("2025-08-12", None),
        ("HEAD-1a2b3c4", None),
        ("", None),
        (None, None),
    ],
)
def test_brew_to_pep440(brew: str | None, pep440: str | None) -> None:
    assert brew_to_pep440(brew) == (Version(pep440) if pep440 else None)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://files.pythonhosted.org/packages/d0/19/95b3/numpy-2.3.3.tar.gz",
            ("numpy", "2.3.3"),
        ),
        (
            "https://files.pythonhosted.org/packages/0f/8b/2eba/Pillow-10.0.0.tar.gz",
            ("pillow", "10.0.0"),
        ),
        (
            "https://files.pythonhosted.org/packages/66/c0/0c8b/python-dateutil-2.9.0.post0.tar.gz",
            ("python-dateutil", "2.9.0.post0"),
        ),
        ("https://pypi.io/packages/source/c/cffi/cffi-2.0.0.tar.gz", ("cffi", "2.0.0")),
        ("https://ftp.gnu.org/gnu/wget/wget-1.25.0.tar.gz", None),  # not PyPI
        ("https://github.com/OpenMathLib/OpenBLAS/archive/refs/tags/v0.3.30.tar.gz", None),
        ("https://files.pythonhosted.org/packages/xx/notes.txt", None),  # not an sdist
        (None, None),
    ],
)
def test_sdist_project(url: str | None, expected: tuple[str, str] | None) -> None:
    found = sdist_project(url)
    assert (None if found is None else (str(found[0]), str(found[1]))) == expected


def test_sdist_project_any_host() -> None:
    url = "https://download.gnome.org/sources/pygobject/3.56/pygobject-3.56.2.tar.gz"
    assert sdist_project(url) is None
    assert sdist_project(url, any_host=True) == ("pygobject", Version("3.56.2"))


def test_uses_from_macos_by_host() -> None:
    """Recorded python@3.13: `uses_from_macos "expat", since: :sequoia` and six unbounded."""
    python = one(universe("macos-arm64")["python@3.13"])
    base = ("mpdecimal", "openssl@3", "sqlite", "xz")
    assert python.runtime_dependencies(BrewHost("darwin", (15, 0))) == base
    assert python.runtime_dependencies(BrewHost("darwin", (14, 7))) == (*base, "expat")
    assert python.runtime_dependencies(BrewHost("darwin", None)) == base  # unknown: provided
    assert python.runtime_dependencies(BrewHost("linux")) == (
        *base,
        "bzip2",
        "expat",
        "libedit",
        "libffi",
        "ncurses",
        "unzip",
        "zlib",
    )


def test_build_only_uses_from_macos_is_never_a_runtime_dependency() -> None:
    """Recorded gcc: flex and m4 are `uses_from_macos ... => :build`; zlib is runtime on Linux."""
    gcc = one(universe("macos-arm64")["gcc"])
    assert gcc.uses_from_macos == (
        ("flex", ("build",), None),
        ("m4", ("build",), None),
        ("zlib", (), None),
    )
    assert gcc.runtime_dependencies(BrewHost("linux"))[-1] == "zlib"
    assert "flex" not in gcc.runtime_dependencies(BrewHost("linux"))


def test_python_versions() -> None:
    """Recorded formulae: which python@X.Y each builds, tests or runs with."""
    formulae = universe("macos-arm64")
    assert one(formulae["numpy"]).python_versions() == {"3.12", "3.13", "3.14"}
    assert one(formulae["scipy"]).python_versions() == {"3.13", "3.14"}
    assert one(formulae["python-matplotlib"]).python_versions() == {"3.13"}
    assert one(formulae["gcc"]).python_versions() == frozenset()


def test_versions_and_install_state() -> None:
    """Recorded xz: installed 5.8.0 while the formula is 5.8.1; numpy has revision 1."""
    formulae = universe("macos-arm64")
    xz = one(formulae["xz"])
    assert (xz.stable, xz.pkg_version, xz.installed_version, xz.outdated) == (
        "5.8.1",
        "5.8.1",
        "5.8.0",
        True,
    )
    numpy = one(formulae["numpy"])
    assert (numpy.pkg_version, numpy.installed_version, numpy.installed_keg) == (
        "2.3.3_1",
        None,
        None,
    )
    sqlite = one(formulae["sqlite"])
    assert sqlite.keg_only and sqlite.linked_keg is None and sqlite.installed_version == "3.50.4"


def test_unavailable_reasons() -> None:
    numpy = universe("macos-arm64")["numpy"]
    mac, linux = BrewHost("darwin", (15,)), BrewHost("linux")
    assert one(numpy).unavailable_reason(mac) is None
    assert one({**numpy, "disabled": True}).unavailable_reason(mac) == "it is disabled in Homebrew"
    head_only = {**numpy, "versions": {"stable": None, "head": "HEAD", "bottle": False}}
    assert one(head_only).unavailable_reason(mac) == "it has no stable version (HEAD only)"
    mac_only = {**numpy, "requirements": [{"name": "macos", "cask": None, "download": None}]}
    assert one(mac_only).unavailable_reason(linux) == "it requires macOS"
    assert one(mac_only).unavailable_reason(mac) is None
    linux_only = {**numpy, "requirements": [{"name": "linux"}]}
    assert one(linux_only).unavailable_reason(mac) == "it requires Linux"


def test_parse_info_rejects_other_json() -> None:
    with pytest.raises(ValueError, match="no 'formulae' list"):
        parse_info('{"casks": []}')
    with pytest.raises(ValueError, match="without a name"):
        parse_info('{"formulae": [{"full_name": "x"}]}')
    with pytest.raises(ValueError):
        parse_info("Error: not json")


def test_missing_names_and_formulae_list() -> None:
    text = (
        'Error: No available formula with the name "foo".\n'
        'Warning: No available formula or cask with the name "bar". Did you mean baz?\n'
    )
    assert missing_formula_names(text) == ["foo", "bar"]
    assert parse_formulae_list("numpy\n  scipy\n\nuser/tap/thing\n") == {
        "numpy",
        "scipy",
        "user/tap/thing",
    }
