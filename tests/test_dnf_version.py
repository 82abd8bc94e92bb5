"""Tests for pip_native.native.dnf_version against rpm's own answers (recorded) and properties."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pip_native.native.dnf_version import (
    EVR,
    Dep,
    Rich,
    compare_evr,
    leaf_deps,
    parse_dep,
    rpmvercmp,
)
from test_dnf_recordings import load_recording


def recorded_vercmp() -> list[tuple[str, str, int]]:
    out = []
    for item in load_recording("rpm-vercmp").stdout.strip().strip(";").split(";"):
        a, b, result = item.split(" ")
        out.append((a, b, int(result)))
    return out


def recorded_overlaps() -> list[tuple[str, str, str, str, bool]]:
    rows = json.loads(load_recording("rpmds-compare").stdout)
    return [(a_op, a_evr, b_op, b_evr, bool(hit)) for a_op, a_evr, b_op, b_evr, hit in rows]


def test_rpmvercmp_agrees_with_rpm() -> None:
    cases = recorded_vercmp()
    assert len(cases) >= 30
    wrong = [(a, b, want, rpmvercmp(a, b)) for a, b, want in cases if rpmvercmp(a, b) != want]
    assert wrong == []


def test_tilde_and_caret() -> None:
    assert rpmvercmp("1.0~rc1", "1.0") == -1  # a pre-release sorts before the release
    assert rpmvercmp("1.0^git1", "1.0") == 1  # a snapshot after it ...
    assert rpmvercmp("1.0^git1", "1.0.1") == -1  # ... but before the next release


version_text = st.text(alphabet="0123456789.~^_+ab", min_size=0, max_size=8)


@given(version_text, version_text)
def test_rpmvercmp_is_antisymmetric(a: str, b: str) -> None:
    assert rpmvercmp(a, b) == -rpmvercmp(b, a)
    assert rpmvercmp(a, a) == 0


def test_range_overlap_agrees_with_rpmds_compare() -> None:
    cases = recorded_overlaps()
    assert len(cases) == 25 * 81
    wrong = [
        case
        for case in cases
        if Dep("foo", case[0], EVR.parse(case[1])).overlaps(Dep("foo", case[2], EVR.parse(case[3])))
        != case[4]
    ]
    assert wrong == []


def test_overlap_needs_same_name_and_bare_names_match_everything() -> None:
    assert not Dep("foo").overlaps(Dep("bar"))
    assert Dep("foo").overlaps(Dep("foo", ">=", EVR.parse("2.0")))
    assert Dep("foo", "=", EVR.parse("1.0")).overlaps(Dep("foo"))


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1:3.1-2.fc40", EVR(1, "3.1", "2.fc40")),
        ("3.1-2.fc40", EVR(None, "3.1", "2.fc40")),
        ("1.0", EVR(None, "1.0", None)),
        ("0:1.0~rc1-1", EVR(0, "1.0~rc1", "1")),
    ],
)
def test_evr_parse_and_dnf_spelling(text: str, parsed: EVR) -> None:
    assert EVR.parse(text) == parsed
    assert str(parsed) == text.removeprefix("0:")


def test_compare_evr_epoch_wins_and_missing_release_matches() -> None:
    assert compare_evr(EVR.parse("1:0.1-1"), EVR.parse("9.9-9")) == 1
    assert compare_evr(EVR.parse("1.0"), EVR.parse("1.0-5")) == 0
    assert compare_evr(EVR.parse("1.0-5"), EVR.parse("1.0-10")) == -1


def test_parse_simple_dependencies() -> None:
    assert parse_dep("python(abi) = 3.11") == Dep("python(abi)", "=", EVR(None, "3.11", None))
    assert parse_dep("libc.so.6(GLIBC_2.34)(64bit)") == Dep("libc.so.6(GLIBC_2.34)(64bit)")
    assert parse_dep("/usr/bin/sh").is_file
    assert str(parse_dep("python3dist(numpy) >= 1.22")) == "python3dist(numpy) >= 1.22"


def test_parse_rich_dependencies() -> None:
    expr = parse_dep("(python3-pntest-missing or python3dist(pntest-helper) >= 0.5)")
    assert expr == Rich(
        "or",
        (Dep("python3-pntest-missing"), Dep("python3dist(pntest-helper)", ">=", EVR.parse("0.5"))),
    )
    # what Fedora's generator writes for numpy ~= 1.22
    ranged = parse_dep("(python3dist(numpy) >= 1.22 with python3dist(numpy) < 2)")
    assert isinstance(ranged, Rich) and ranged.op == "with"
    nested = parse_dep("(a if (b or c) else d)")
    assert nested == Rich("if", (Dep("a"), Rich("or", (Dep("b"), Dep("c"))), Dep("d")))
    assert [d.name for d in leaf_deps(nested)] == ["a", "b", "c", "d"]
    assert str(nested) == "(a if (b or c) else d)"


@pytest.mark.parametrize(
    "text", ["", "(a or", "(a or b) c", "(a and b or c)", "(a b)", "foo >= 1 2", "(if b)"]
)
def test_parse_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        parse_dep(text)
