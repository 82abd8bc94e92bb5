"""Tests for pip_native.native.apt_stanzas: dumpavail output scanned, records read back."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pip_native.native.apt_index import AptIndex, parse_dpkg_query
from pip_native.native.apt_stanzas import (
    index_in_memory,
    iter_stanzas,
    parse_dumpavail,
    record_of_stanza,
)
from test_apt_recordings import load_recording

if TYPE_CHECKING:
    from collections.abc import Iterable


def scan(chunks: Iterable[bytes]) -> tuple[list[tuple[str, int, int]], list[tuple[str, str]]]:
    """Spans and Provides of all the runs of stanzas, joined."""
    spans: list[tuple[str, int, int]] = []
    provides: list[tuple[str, str]] = []
    for stanzas in iter_stanzas(chunks, "amd64"):
        spans += stanzas.spans
        provides += stanzas.provides
    return spans, provides


def stanzas_by_hand(text: str) -> dict[str, tuple[str, str]]:
    """Package → (Version, Architecture) of each stanza, split the obvious way, for
    comparing with the scanner (the excerpt has no foreign architecture)."""
    found: dict[str, tuple[str, str]] = {}
    for stanza in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in stanza.splitlines() if line and line[0] not in " \t"
        )
        if "Package" in fields:
            found[fields["Package"]] = (fields["Version"], fields["Architecture"])
    return found


def test_parse_dumpavail_recording() -> None:
    text = load_recording("dumpavail-excerpt").stdout
    records = parse_dumpavail(text, "amd64")
    numpy = records["python3-numpy"]
    assert numpy.version == "1:1.24.2-1+deb12u1"
    assert numpy.arch == "amd64"
    assert "libblas3 | libblas.so.3" in numpy.depends
    assert "python3-numpy-abi9" in numpy.provides
    assert numpy.priority == "optional"
    assert numpy.source == "numpy 1:1.24.2-1+deb12u1"
    assert records["python3-sklearn-lib"].source == "scikit-learn 1.2.1+dfsg-1"
    assert records["python3-sklearn"].arch == "all"
    assert {k: (r.version, r.arch) for k, r in records.items()} == stanzas_by_hand(text)


def test_parse_dumpavail_continuations_foreign_arch_and_incomplete_stanzas() -> None:
    text = (
        "Package: foo\nVersion: 1.0-1\nArchitecture: amd64\nDepends: a,\n b (>= 2),\n\tc\n"
        "Description: x\n more text\n\n"
        "Package: libbar\nVersion: 2\nArchitecture: i386\n\n"
        "Package: noversion\nArchitecture: all\n\n"
        "Version: 3\nProvides: stray\n\n"
        "Package: last\nVersion: 0.1\nArchitecture: all\nProvides: virt (= 1)"
    )
    records = parse_dumpavail(text, "amd64")
    assert set(records) == {"foo", "libbar:i386", "last"}
    assert records["foo"].depends == "a, b (>= 2), c"
    assert records["last"].provides == "virt (= 1)"
    assert records["foo"].source == "foo 1.0-1"
    assert records["libbar:i386"].arch == "i386"


@pytest.mark.parametrize("size", [1, 7, 100, 4096, 1 << 20])
def test_any_chunking_gives_the_same_spans(size: int) -> None:
    data = load_recording("dumpavail-excerpt").stdout.encode()
    whole, provides = scan([data])
    chunks = (data[i : i + size] for i in range(0, len(data), size))
    assert scan(chunks) == (whole, provides)
    assert len(whole) == data.count(b"\nPackage: ") + 1
    assert len(provides) == data.count(b"\nProvides: ")
    # each span starts at its Package line and the spans cover the output
    assert all(data[start:end].startswith(b"Package: ") for _, start, end in whole)
    assert whole[0][1] == 0 and whole[-1][2] == len(data)
    assert all(a[2] == b[1] for a, b in zip(whole, whole[1:]))


def test_spans_and_provides_of_foreign_architectures_and_edges() -> None:
    text = (
        b"Package: first\nVersion: 1\nArchitecture: amd64\nDepends: a,\n b\n\n\n\n"
        b"Package: bad-utf8\nVersion: 1\nDescription: caf\xe9\n \xff\xfe\nDepends: c\n\n"
        b"Package: multi\nVersion: 1\nArchitecture: all\nProvides: v1,\n v2 (= 3)\n\n"
        b"Package: last\nVersion: 2\nArchitecture: i386\nProvides: v1"  # no final newline
    )
    for size in (1, 3, len(text)):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        spans, provides = scan(chunks)
        assert [key for key, _, _ in spans] == ["first", "bad-utf8", "multi", "last:i386"]
        assert provides == [("multi", "v1,\n v2 (= 3)"), ("last:i386", "v1")]
        records = {key: record_of_stanza(text[start:end]) for key, start, end in spans}
        assert records["first"] is not None and records["first"].depends == "a, b"
        assert records["bad-utf8"] is not None and records["bad-utf8"].depends == "c"
    assert scan([]) == ([], [])
    assert scan([b"\n\n", b""]) == ([], [])
    nameless = b"Package: \nVersion: 1\nProvides: x\n\nPackage: b\nVersion: 1\n\n"
    assert scan([nameless]) == ([("b", nameless.index(b"Package: b"), len(nameless))], [])


def test_a_stanza_without_architecture_has_its_bare_name() -> None:
    text = b"Package: a\nVersion: 1\nArchitecture: all\n\nPackage: b\nVersion: 1\n\n"
    second = text.index(b"Package: b")
    assert scan([text]) == ([("a", 0, second), ("b", second, len(text))], [])


def test_index_in_memory_equals_the_parsed_index() -> None:
    """The adapter's index without a cache directory: records parsed as they are asked
    for give the same closures and Provides table as the fully parsed records."""
    text = load_recording("dumpavail-excerpt").stdout
    installed = parse_dpkg_query(load_recording("dpkg-query-W").stdout, "amd64")
    available = parse_dumpavail(text, "amd64")
    parsed = AptIndex(available, installed, "amd64")
    lazy = index_in_memory(text.encode(), installed, "amd64")
    assert lazy.provider_table() == parsed.provider_table()
    assert dict(lazy.available.items()) == available
    assert list(lazy.available) == list(available)
    for root in ("python3-numpy", "python3-sklearn", "python3-scipy"):
        assert lazy.closure(root) == parsed.closure(root)
    assert lazy.available.get("no-such-package") is None
    assert "no-such-package" not in lazy.available
