"""``apt-cache dumpavail`` output kept as apt wrote it: where each stanza is, and reading one.

A plan's index is dumpavail's output on its universe (see
:mod:`~pip_native.native.apt_universe`): apt's candidates of a thousand or more
packages, of which closures look at a few hundred. So the output is not parsed:
it is scanned for the key and offsets of each stanza and for every Provides
field, which the providers table needs all of (:func:`iter_stanzas`, 0.13 s for
all of Debian's 63,000 stanzas), and a record is parsed when it is looked up
(:class:`StanzaRecords`).

apt writes Package as the first field of each stanza (its canonical field
order), so a stanza runs from its Package line to the next one.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple, TypeVar, overload

from pip_native.native.apt_index import (
    AptIndex,
    Record,
    parse_provides_field,
    record_key,
    source_field,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = [
    "StanzaRecords",
    "Stanzas",
    "index_in_memory",
    "iter_stanzas",
    "parse_dumpavail",
    "provider_rows",
    "record_of_stanza",
]

_T = TypeVar("_T")

_PACKAGE_LINE = re.compile(rb"\nPackage:[ \t]*([^\n]*)")
_ARCHITECTURE_LINE = re.compile(rb"\nArchitecture:[ \t]*([^\n]*)")
_PROVIDES_FIELD = re.compile(rb"\nProvides:[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)")
#: A kept field of a stanza (with its continuation lines), or the blank line ending
#: it: both start at a newline, so the search skips to newlines quickly.
_STANZA_FIELD = re.compile(
    rb"\n(?:(Package|Version|Architecture|Pre-Depends|Depends|Provides|Priority|Source):[ \t]*"
    rb"([^\n]*(?:\n[ \t][^\n]*)*)|(?=\n))"
)


class Stanzas(NamedTuple):
    """The stanzas of one run of whole stanzas of dumpavail output."""

    spans: list[tuple[str, int, int]]
    """``(key, start, end)`` of each: the package name (qualified with ``:arch`` for a
    foreign architecture) and its offsets in the whole output, its trailing blank line
    included."""
    provides: list[tuple[str, str]]
    """``(key, Provides field as apt wrote it)`` of those with one."""


def _clean(text: str) -> str:
    """A field's value on one line: continuation lines joined by single spaces."""
    if "\n" in text:
        text = " ".join(part.strip() for part in text.split("\n"))
    return text.strip()


def _text(value: bytes) -> str:
    return _clean(value.decode("utf-8", "replace"))


def _architecture(block: bytes, start: int, end: int) -> bytes:
    """The Architecture field of the stanza at ``block[start:end]`` (``b""`` if none)."""
    found = _ARCHITECTURE_LINE.search(block, start, end)
    return found.group(1) if found else b""


def _stanzas_in(block: bytes, base: int, native_arch: str) -> Stanzas:
    """The stanzas of ``block`` (whole stanzas, found at offset ``base`` of the output).

    Whole lists at once, with no Python code per stanza where no stanza is of a
    foreign architecture: this runs for 60,000 stanzas in a cold plan.
    """
    text = b"\n" + block  # the first stanza's Package line starts at a newline too
    # the newline before a line in ``text`` is at the line's offset in ``block``
    starts = [match.start() for match in _PACKAGE_LINE.finditer(text)]
    names = [name.decode("utf-8", "replace").strip() for name in _PACKAGE_LINE.findall(text)]
    ends = [*starts[1:], len(block)]
    native = native_arch.encode()
    if set(_ARCHITECTURE_LINE.findall(text)) <= {b"all", native, b""}:
        keys = names  # no foreign architecture: every key is the bare name
    else:
        keys = [
            record_key(name, _text(_architecture(block, start, end)), native_arch) if name else ""
            for name, start, end in zip(names, starts, ends)
        ]
    provides = [
        (keys[bisect_right(starts, match.start()) - 1], match.group(1).decode("utf-8", "replace"))
        for match in _PROVIDES_FIELD.finditer(text)
    ]
    spans = list(zip(keys, [base + s for s in starts], [base + e for e in ends]))
    if "" in names:  # no Package name: not a record
        spans = [span for span in spans if span[0]]
        provides = [entry for entry in provides if entry[0]]
    return Stanzas(spans, provides)


def iter_stanzas(chunks: Iterable[bytes], native_arch: str) -> Iterator[Stanzas]:
    """The stanzas of dumpavail output given in chunks, a run of them per chunk.

    Memory stays at about one chunk however large the output is. Stanzas
    without a Package name are skipped; one without a Version is found but
    reads as no record (:func:`record_of_stanza`). Keys are unique in apt's
    output; a repeated key would be found again.
    """
    pending = b""
    base = 0
    for chunk in chunks:
        pending += chunk
        end = pending.rfind(b"\n\n")
        if end < 0:
            continue
        block, pending = pending[: end + 2], pending[end + 2 :]
        yield _stanzas_in(block, base, native_arch)
        base += len(block)
    if pending:
        yield _stanzas_in(pending, base, native_arch)


def record_of_stanza(stanza: bytes) -> Record | None:
    """The :class:`Record` of one stanza (its fields up to the first blank line);
    None without a Package name or Version."""
    fields: dict[bytes, bytes] = {}
    for field, value in _STANZA_FIELD.findall(b"\n" + stanza):
        if not field:
            break
        fields[field] = value
    get = fields.get
    name, version = _text(get(b"Package", b"")), _text(get(b"Version", b""))
    if not name or not version:
        return None
    return Record(
        name,
        version,
        _text(get(b"Architecture", b"")),
        _text(get(b"Pre-Depends", b"")),
        _text(get(b"Depends", b"")),
        _text(get(b"Provides", b"")),
        _text(get(b"Priority", b"")),
        source_field(_text(get(b"Source", b"")), name, version),
    )


def parse_dumpavail(text: str | bytes, native_arch: str) -> dict[str, Record]:
    """Every record of dumpavail output, by key (stanzas without Package or Version skipped;
    a repeated key: the last one)."""
    data = text.encode() if isinstance(text, str) else text
    records: dict[str, Record] = {}
    for stanzas in iter_stanzas([data], native_arch):
        for key, start, end in stanzas.spans:
            record = record_of_stanza(data[start:end])
            if record is not None:
                records[key] = record
    return records


def provider_rows(
    installed: Mapping[str, Record], provided: Mapping[str, str]
) -> Iterator[tuple[str, str, str | None, bool]]:
    """``(virtual, provider key, provided version, from installed)`` of every Provides, in
    :meth:`AptIndex.provider_table`'s order: installed packages first, then ``provided``
    (available key → its Provides field; a repeated key: its last record with one)."""
    for from_installed, fields in (
        (True, {k: r.provides for k, r in installed.items() if r.provides}),
        (False, provided),
    ):
        for provider, provides in fields.items():
            for virtual, version in parse_provides_field(provides):
                yield virtual, provider, version, from_installed


class StanzaRecords(Mapping[str, Record]):
    """Records of dumpavail output by key, parsed when first looked up and then kept.

    ``locate`` gives a key's span (None if absent), ``read`` the bytes of a span,
    ``keys`` every key in output order; all three may be called from any thread.
    """

    def __init__(
        self,
        locate: Callable[[str], tuple[int, int] | None],
        read: Callable[[int, int], bytes],
        keys: Callable[[], Iterable[str]],
    ) -> None:
        self._locate = locate
        self._read = read
        self._keys = keys
        self._known: dict[str, Record | None] = {}
        self._lock = threading.Lock()

    def _lookup(self, key: str) -> Record | None:
        try:
            return self._known[key]
        except KeyError:
            pass
        span = self._locate(key)
        found = None if span is None else record_of_stanza(self._read(*span))
        with self._lock:
            self._known[key] = found
        return found

    @overload
    def get(self, key: str, /) -> Record | None: ...
    @overload
    def get(self, key: str, /, default: Record | _T) -> Record | _T: ...
    def get(self, key: str, /, default: Record | _T | None = None) -> Record | _T | None:
        found = self._lookup(key)
        return default if found is None else found

    def __getitem__(self, key: str) -> Record:
        found = self._lookup(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not None

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._keys() if self._lookup(key) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def index_in_memory(output: bytes, installed: Mapping[str, Record], native_arch: str) -> AptIndex:
    """An :class:`AptIndex` over dumpavail ``output`` held in memory."""
    spans: dict[str, tuple[int, int]] = {}
    provided: dict[str, str] = {}
    for stanzas in iter_stanzas([output], native_arch):
        spans.update((key, (start, end)) for key, start, end in stanzas.spans)
        provided.update(stanzas.provides)
    providers: dict[str, list[tuple[str, str | None, bool]]] = {}
    for virtual, provider, version, from_installed in provider_rows(installed, provided):
        providers.setdefault(virtual, []).append((provider, version, from_installed))

    def read(start: int, end: int) -> bytes:
        return output[start:end]

    available = StanzaRecords(spans.get, read, spans.keys)
    return AptIndex(available, installed, native_arch, providers)
