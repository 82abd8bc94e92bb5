"""Tests for pip_native.native.debversion: dpkg ordering and Debian → PEP 440 versions."""

from __future__ import annotations

import shutil
from functools import cmp_to_key

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from pip_native import subproc
from pip_native.native.debversion import (
    compare_versions,
    deb_to_pep440,
    parse_deb_version,
    version_satisfies,
)


@pytest.mark.parametrize(
    ("deb", "expected"),
    [
        ("1.2.1+dfsg-1", "1.2.1"),
        ("1:1.24.2-1+deb12u1", "1.24.2"),
        ("6.0-3+b2", "6.0"),
        ("0.3.21+ds-4", "0.3.21"),
        ("1.74.0+ds1-21", "1.74.0"),
        ("3.0+dfsg.4-1", "3.0"),
        ("2.14.0+dfsg-1", "2.14.0"),
        ("1.2+really1.1-1", "1.1"),
        ("2.0+really1.9+dfsg-2", "1.9"),
        ("1.2~really1.1", "1.1"),
        ("2.5~rc1-1", "2.5rc1"),
        ("1.0~b2", "1.0b2"),
        ("3.0~a1+dfsg-1", "3.0a1"),
        ("1.0~beta3-2", "1.0b3"),
        ("1.0~dev3", "1.0.dev3"),
        ("2.0~rc1.dev2-1", "2.0rc1.dev2"),
        ("1.0+git20230101.abcdef-1", "1.0"),
        ("0.5+20230101-1", "0.5"),
        ("0.0~git20200101.abc123-1", "0.0"),
        ("20250419~deb12u2", "20250419"),
        ("20230311+deb12u1", "20230311"),
        ("1.7.dfsg-3", "1.7"),
        ("66.1.1-1+deb12u2", "66.1.1"),
        ("2022.9.24-1", "2022.9.24"),
        ("3.11.2-6+deb12u6", "3.11.2"),
        ("1.0-beta-1", "1.0b0"),
        ("  1.0-1  ", "1.0"),
        ("7.88.1-10+deb12u15", "7.88.1"),
        ("2:4.0.2-3", "4.0.2"),
    ],
)
def test_deb_to_pep440(deb: str, expected: str) -> None:
    assert deb_to_pep440(deb) == Version(expected)


@pytest.mark.parametrize(
    "deb",
    ["", "-", "1:", ":", "abc-1", "+dfsg", "~rc1", "1:-1", "x1.0", "1.0 2.0", "1" * 5000],
)
def test_deb_to_pep440_nothing_valid(deb: str) -> None:
    assert deb_to_pep440(deb) is None


@settings(max_examples=500)
@given(st.text())
def test_deb_to_pep440_never_raises(text: str) -> None:
    result = deb_to_pep440(text)
    assert result is None or isinstance(result, Version)


_DEB_VERSION = st.builds(
    lambda epoch, upstream, revision: (
        (f"{epoch}:" if epoch is not None else "") + upstream + (f"-{revision}" if revision else "")
    ),
    st.one_of(st.none(), st.integers(0, 3)),
    st.from_regex(r"\A[0-9][0-9a-z.+~]{0,8}\Z"),
    st.one_of(st.just(""), st.from_regex(r"\A[0-9a-z+.~]{1,5}\Z")),
)


@given(_DEB_VERSION)
def test_deb_to_pep440_valid_debian_versions_never_raise(version: str) -> None:
    result = deb_to_pep440(version)
    assert result is None or isinstance(result, Version)


@given(st.text(), st.text())
def test_compare_versions_total_and_antisymmetric(a: str, b: str) -> None:
    assert compare_versions(a, b) == -compare_versions(b, a)
    assert compare_versions(a, a) == 0


@pytest.mark.parametrize(
    ("a", "op", "b"),
    [
        ("1.0", "<<", "1.1"),
        ("1.0~rc1", "<<", "1.0"),
        ("1.0", "<<", "1.0+dfsg"),
        ("1:0.1", ">>", "9.9"),
        ("1.0-1", "<<", "1.0-1+b1"),
        ("1.0-1", "=", "1.0-1"),
        ("1.0", "=", "1.0-0"),
        ("1.0a", ">>", "1.0"),
        ("1.0~", "<<", "1.0"),
        ("1.0~~", "<<", "1.0~"),
        ("1.10", ">>", "1.9"),
        ("1.01", "=", "1.1"),
        ("2.36-9+deb12u14", ">=", "2.34"),
        ("7.88.1-10+deb12u15", ">>", "7.88.1-10+deb12u14"),
    ],
)
def test_version_relations(a: str, op: str, b: str) -> None:
    assert version_satisfies(a, op, b)


def test_obsolete_operators_and_unknown() -> None:
    assert version_satisfies("1.0", "<", "1.0")  # obsolete < means <=
    assert version_satisfies("1.0", ">", "1.0")
    assert not version_satisfies("1.0", "!=", "2.0")


def test_parse_deb_version_parts() -> None:
    v = parse_deb_version("1:1.24.2-1+deb12u1")
    assert (v.epoch, v.upstream, v.revision) == (1, "1.24.2", "1+deb12u1")
    v = parse_deb_version("x:1.0")  # not a number: no epoch
    assert (v.epoch, v.upstream, v.revision) == (0, "x:1.0", "")
    assert "DebVersion" in repr(v)


_DPKG = shutil.which("dpkg")


@pytest.mark.skipif(_DPKG is None, reason="dpkg is not installed, cannot cross-check ordering")
@settings(max_examples=60, deadline=None)
@given(st.lists(_DEB_VERSION, min_size=2, max_size=6, unique=True))
def test_ordering_matches_dpkg(versions: list[str]) -> None:
    """Sort with our comparison; dpkg must agree on every adjacent pair."""
    ordered = sorted(versions, key=cmp_to_key(compare_versions))
    for low, high in zip(ordered, ordered[1:]):
        rel = "eq" if compare_versions(low, high) == 0 else "lt"
        result = subproc.run(
            ["dpkg", "--compare-versions", low, rel, high],
            what="compare Debian versions",
            check=False,
        )
        assert result.returncode == 0, (low, rel, high, result.stderr)
