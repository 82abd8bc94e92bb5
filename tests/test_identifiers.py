"""Tests for pip_native.identifiers: PyPI names, purls, DepURLs, and the dispatcher."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from pip_native.errors import InvalidIdentifierError
from pip_native.identifiers import (
    PEP508_NAME_RULE,
    DepURL,
    PackageURL,
    parse_identifier,
    parse_pypi_name,
)

# --- PyPI names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("numpy", "numpy"),
        ("Scikit_Learn", "scikit-learn"),
        ("PyYAML", "pyyaml"),
        ("zope.interface", "zope-interface"),
        ("2ping", "2ping"),
        ("a", "a"),
        ("A__b--C..d", "a-b-c-d"),
    ],
)
def test_parse_pypi_name_normalizes(text: str, expected: str) -> None:
    assert parse_pypi_name(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "it is empty"),
        (" numpy", "whitespace"),
        ("a b", "contains ' '"),
        ("-numpy", "start and end"),
        ("numpy_", "start and end"),
        ("numpy!", "contains '!'"),
        ("nümpy", "contains 'ü'"),
        ("numpy>=1", "contains '=', '>'"),
    ],
)
def test_parse_pypi_name_rejects_with_clear_message(text: str, problem: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        parse_pypi_name(text)
    message = info.value.message
    assert repr(text) in message
    assert problem in message
    assert PEP508_NAME_RULE in message
    assert info.value.hint


# --- package URLs -------------------------------------------------------------------------


def test_purl_deb_with_qualifier() -> None:
    purl = PackageURL.parse("pkg:deb/debian/python3-numpy@1.24.2?arch=amd64")
    assert (purl.type, purl.namespace, purl.name, purl.version) == (
        "deb",
        "debian",
        "python3-numpy",
        "1.24.2",
    )
    assert purl.qualifiers == (("arch", "amd64"),)
    assert purl.qualifier_map["arch"] == "amd64"
    assert purl.subpath is None
    assert str(purl) == "pkg:deb/debian/python3-numpy@1.24.2?arch=amd64"
    with pytest.raises(TypeError):
        purl.qualifier_map["arch"] = "i386"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("pkg:pypi/Django_Foo@1.0", "pkg:pypi/django-foo@1.0"),
        ("pkg:conda/numpy@1.26?subdir=linux-64&channel=conda-forge",
         "pkg:conda/numpy@1.26?channel=conda-forge&subdir=linux-64"),
        ("pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25",
         "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25"),
        ("pkg:brew/openssl@3", "pkg:brew/openssl@3"),
        ("pkg:generic/openblas", "pkg:generic/openblas"),
        ("PKG:generic/openblas#lib/x", "pkg:generic/openblas#lib/x"),
        ("pkg:npm/%40angular/core@16", "pkg:npm/%40angular/core@16"),
    ],
)  # fmt: skip
def test_purl_canonical_text(text: str, canonical: str) -> None:
    purl = PackageURL.parse(text)
    assert str(purl) == canonical
    assert purl.raw == text
    assert PackageURL.parse(canonical) == purl


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("deb/debian/python3-numpy", "starts with 'pkg:'"),
        ("dep:generic/openblas", "starts with 'pkg:'"),
        ("pkg:", "type"),
        ("pkg:generic", "type"),
        ("pkg:generic/", "name"),
        ("pkg:ge neric/x", "type 'ge neric'"),
        ("pkg:1abc/x", "cannot start with a number"),
        ("pkg:generic/x?1a=b", "qualifier key"),
        ("pkg:generic/\x00", "control"),
    ],
)
def test_purl_rejects_with_clear_message(text: str, problem: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        PackageURL.parse(text)
    assert repr(text) in info.value.message
    assert problem in info.value.message
    assert info.value.hint


# --- DepURLs ------------------------------------------------------------------------------


def test_depurl_generic() -> None:
    dep = DepURL.parse("dep:generic/openblas")
    assert (dep.type, dep.namespace, dep.name, dep.version) == ("generic", None, "openblas", None)
    assert dep.specifier is None
    assert not dep.is_virtual
    assert not dep.is_range
    assert str(dep) == dep.id == "dep:generic/openblas"


@pytest.mark.parametrize(
    "text",
    [
        "dep:virtual/compiler/c",
        "pkg:virtual/compiler/c",
        "virtual:compiler/c",
        "dep:virtual/Compiler/C",
    ],
)
def test_depurl_virtual_forms_are_equal(text: str) -> None:
    dep = DepURL.parse(text)
    assert dep == DepURL.parse("dep:virtual/compiler/c")
    assert dep.is_virtual
    assert (dep.namespace, dep.name) == ("compiler", "c")
    assert str(dep) == "dep:virtual/compiler/c"
    assert dep.raw == text


def test_depurl_old_purl_form_is_equivalent() -> None:
    assert DepURL.parse("pkg:generic/openblas") == DepURL.parse("dep:generic/openblas")
    assert DepURL.parse("pkg:generic/libffi@%3E%3D3.4") == DepURL.parse("dep:generic/libffi@>=3.4")


@pytest.mark.parametrize(
    ("text", "version", "is_range", "inside", "outside"),
    [
        ("dep:generic/libffi@>=3.4", ">=3.4", True, "3.4.4", "3.3"),
        ("dep:generic/openssl@>=3,<4", ">=3,<4", True, "3.0.2", "4.0"),
        ("dep:virtual/interface/lapack@>=3.7.1", ">=3.7.1", True, "3.9", "3.7"),
        ("dep:generic/libffi@%3E%3D3.4", ">=3.4", True, "3.4", "3.3"),
        ("dep:pypi/numpy@2.0", "2.0", False, "2.0.0", "2.0.1"),
        ("dep:generic/x@==1.*", "==1.*", True, "1.5", "2.0"),
    ],
)
def test_depurl_versions(
    text: str, version: str, is_range: bool, inside: str, outside: str
) -> None:
    dep = DepURL.parse(text)
    assert dep.version == version
    assert dep.is_range is is_range
    assert dep.specifier is not None
    assert dep.specifier.contains(Version(inside))
    assert not dep.specifier.contains(Version(outside))
    assert DepURL.parse(str(dep)) == dep


def test_depurl_non_pep440_literal_is_kept_raw() -> None:
    dep = DepURL.parse("dep:generic/openssl@1.1.1w")
    assert dep.version == "1.1.1w"
    assert dep.specifier is None
    assert str(dep) == "dep:generic/openssl@1.1.1w"


def test_depurl_range_specifier_is_packaging() -> None:
    dep = DepURL.parse("dep:generic/openssl@>=3,<4")
    assert dep.specifier == SpecifierSet(">=3,<4")
    assert str(dep) == "dep:generic/openssl@>=3,<4"


def test_depurl_qualifiers_and_id() -> None:
    text = "dep:generic/cmake@>=3.20?repository_url=https://gitlab.kitware.com/cmake/cmake"
    dep = DepURL.parse(text)
    assert dep.qualifier_map == {"repository_url": "https://gitlab.kitware.com/cmake/cmake"}
    assert dep.id == "dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake"
    assert str(dep) == text
    assert DepURL.parse(str(dep)) == dep


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("dep:virtual/c", "no namespace"),
        ("dep:virtual/language/c", "namespace 'language'"),
        ("dep:virtual/compiler/c/extra", "namespace 'compiler/c'"),
        ("dep:generic/x@~=1.0", "'~=1.0'"),
        ("dep:generic/x@!=1.0", "'!=1.0'"),
        ("dep:generic/x@===1.0", "'===1.0'"),
        ("dep:generic/x@>=1,", "clause ''"),
        ("dep:generic/x@>=1|<2", "'|'"),
        ("dep:generic/x@>=abc", "not a valid PEP 440 specifier"),
        ("dep:generic/x@>= 1", "whitespace"),
        ("dep:generic/x@%3E%3D%201", "whitespace"),
        ("dep:generic/x; sys_platform == 'linux'", "environment marker"),
        ("dep:generic/", "name"),
        ("dep:", "type"),
        ("gem:generic/x", "starts with 'dep:'"),
    ],
)
def test_depurl_rejects_with_clear_message(text: str, problem: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        DepURL.parse(text)
    assert repr(text) in info.value.message
    assert problem in info.value.message
    assert info.value.hint


# --- dispatcher ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("numpy", str),
        ("Scikit_Learn", str),
        ("dep:generic/openblas", DepURL),
        ("virtual:compiler/c", DepURL),
        ("pkg:generic/openblas", DepURL),
        ("pkg:virtual/interface/blas", DepURL),
        ("pkg:generic/libffi@>=3.4", DepURL),
        ("pkg:deb/debian/python3-numpy@1.24.2?arch=amd64", PackageURL),
        ("pkg:conda/numpy", PackageURL),
        ("pkg:brew/openssl@3", PackageURL),
    ],
)
def test_parse_identifier_dispatch(text: str, kind: type) -> None:
    assert isinstance(parse_identifier(text), kind)


def test_parse_identifier_normalizes_names() -> None:
    assert parse_identifier("Scikit_Learn") == "scikit-learn"


@pytest.mark.parametrize("text", ["https://pypi.org/simple/numpy", ":numpy", "numpy:1"])
def test_parse_identifier_unknown_scheme(text: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        parse_identifier(text)
    assert repr(text) in info.value.message
    assert "'pkg:', 'dep:' or 'virtual:'" in info.value.message


# --- properties ---------------------------------------------------------------------------

_PREFIXES = st.sampled_from(
    ["", "pkg:", "dep:", "virtual:", "pkg:generic/", "dep:generic/", "dep:virtual/compiler/",
     "pkg:deb/debian/", "pkg:pypi/", "dep:generic/x@", "pkg:npm/@", "PKG:", "dep://"]
)  # fmt: skip
_TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(list("aZ09-_./@?#%=&<>,!~:; |+*")), st.characters()),
    max_size=40,
)


@settings(max_examples=400)
@given(_PREFIXES, _TEXT)
def test_arbitrary_text_raises_only_invalid_identifier(prefix: str, rest: str) -> None:
    text = prefix + rest
    for parse in (parse_identifier, PackageURL.parse, DepURL.parse, parse_pypi_name):
        try:
            value = parse(text)
        except InvalidIdentifierError as exc:
            assert repr(text) in exc.message
            continue
        if isinstance(value, (PackageURL, DepURL)):
            again = type(value).parse(str(value))
            assert again == value
            assert str(again) == str(value)
        else:
            assert parse_pypi_name(value) == value


_NAMES = st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?\Z")


@given(_NAMES)
def test_pypi_name_round_trip(name: str) -> None:
    normalized = parse_pypi_name(name)
    assert parse_pypi_name(normalized) == normalized
    assert parse_identifier(name) == normalized


_VERSION = st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,3}){0,2}\Z")
_RANGE = st.lists(
    st.tuples(st.sampled_from([">=", "<=", "==", ">", "<"]), _VERSION), min_size=1, max_size=3
).map(lambda clauses: ",".join(op + v for op, v in clauses))
_COMPONENT = st.text(
    alphabet=st.characters(categories=("L", "N"), include_characters="-_.+"),
    min_size=1,
    max_size=12,
)


@given(
    st.sampled_from(["generic", "github", "pypi", "conda", "cargo"]),
    st.one_of(st.none(), _COMPONENT),
    _COMPONENT,
    st.one_of(st.none(), _VERSION, _RANGE),
    st.dictionaries(st.sampled_from(["channel", "repository_url", "arch"]), _COMPONENT, max_size=2),
)
def test_depurl_round_trip(
    type_: str, namespace: str | None, name: str, version: str | None, qualifiers: dict[str, str]
) -> None:
    text = f"dep:{type_}/" + (f"{namespace}/" if namespace else "") + name
    if version:
        text += "@" + version
    if qualifiers:
        text += "?" + "&".join(f"{k}={v}" for k, v in sorted(qualifiers.items()))
    dep = DepURL.parse(text)
    assert DepURL.parse(str(dep)) == dep
    assert str(DepURL.parse(str(dep))) == str(dep)
    if version:
        assert dep.version == version
        assert dep.specifier is not None
    assert DepURL.parse("pkg:" + str(dep)[len("dep:") :]) == dep


@given(
    st.sampled_from(["deb", "rpm", "conda", "brew", "generic", "pypi"]),
    st.one_of(st.none(), _COMPONENT),
    _COMPONENT,
    st.one_of(st.none(), _VERSION),
    st.dictionaries(st.sampled_from(["arch", "distro", "channel"]), _COMPONENT, max_size=2),
)
def test_purl_round_trip(
    type_: str, namespace: str | None, name: str, version: str | None, qualifiers: dict[str, str]
) -> None:
    text = f"pkg:{type_}/" + (f"{namespace}/" if namespace else "") + name
    if version:
        text += "@" + version
    if qualifiers:
        text += "?" + "&".join(f"{k}={v}" for k, v in sorted(qualifiers.items()))
    purl = PackageURL.parse(text)
    assert PackageURL.parse(str(purl)) == purl
    assert str(PackageURL.parse(str(purl))) == str(purl)
