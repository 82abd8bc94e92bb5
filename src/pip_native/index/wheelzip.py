"""A wheel's ``.dist-info/METADATA`` without listing its whole zip directory.

:mod:`zipfile` builds a ``ZipInfo`` for every entry of a zip's central directory.
jupyterlab's wheels hold about 5,000 files each, and a cold jupyterlab plan in
split mode reads the directories of 539 wheels: that listing was the largest
single use of the interpreter in the index workers. Here the directory is read as
bytes, the entries named ``<dist-info>/METADATA`` are found by a byte search, and
only those records are decoded.

Only the plain case is handled: one disk, no ZIP64, no encryption, stored or
deflated. Anything else, or anything that does not check out (a signature, a
length, the CRC), gives None, and the caller reads the wheel with zipfile.
"""

from __future__ import annotations

import struct
import zlib
from typing import IO, NamedTuple

__all__ = ["Member", "metadata_members", "read_member"]

_EOCD = struct.Struct("<4s4H2LH")
"""End of central directory: signature, this disk, directory's disk, entries on this
disk, entries, directory size, directory offset, comment length."""
_EOCD_SIGNATURE = b"PK\x05\x06"
_RECORD = struct.Struct("<4s6H3L5H2L")
"""Central directory record: signature, versions (2), flags, method, time, date, CRC,
compressed size, size, name length, extra length, comment length, disk, attributes
(internal, external), local header offset."""
_RECORD_SIGNATURE = b"PK\x01\x02"
_LOCAL = struct.Struct("<4s5H3L2H")
"""Local file header: signature, version, flags, method, time, date, CRC, compressed
size, size, name length, extra length."""
_LOCAL_SIGNATURE = b"PK\x03\x04"
_SUFFIX = b".dist-info/METADATA"
_ENCRYPTED = 0x1
_UTF8 = 0x800
_STORED, _DEFLATED = 0, 8
_ZIP64_MARK = 0xFFFFFFFF


class Member(NamedTuple):
    name: str
    flags: int
    method: int
    crc: int
    compressed_size: int
    size: int
    offset: int


def metadata_members(fileobj: IO[bytes]) -> list[Member] | None:
    """The top-level ``*.dist-info/METADATA`` entries of the zip in ``fileobj``, or None
    when this reader cannot tell (the caller then uses zipfile)."""
    fileobj.seek(0, 2)
    total = fileobj.tell()
    if total < _EOCD.size:
        return None
    # The end record, at the very end when the zip has no comment (as zipfile looks):
    # reading more would cost a range request when only the end is known yet.
    tail_start = total - _EOCD.size
    fileobj.seek(tail_start)
    tail = fileobj.read(_EOCD.size)
    at = 0
    if not (tail.startswith(_EOCD_SIGNATURE) and tail.endswith(b"\0\0")):
        tail_start = max(0, total - (_EOCD.size + 0xFFFF))  # and a comment of any length
        fileobj.seek(tail_start)
        tail = fileobj.read(total - tail_start)
        at = tail.rfind(_EOCD_SIGNATURE)
    if at < 0 or at + _EOCD.size > len(tail):
        return None
    _, disk, directory_disk, on_disk, entries, size, offset, _ = _EOCD.unpack_from(tail, at)
    if disk or directory_disk or on_disk != entries or _ZIP64_MARK in (size, offset):
        return None
    if offset + size != tail_start + at:  # data before the zip, or a ZIP64 locator
        return None
    if offset >= tail_start:
        directory = tail[offset - tail_start : at]
    else:
        fileobj.seek(offset)
        directory = fileobj.read(size)
        if len(directory) != size:
            return None
    members: list[Member] = []
    found = directory.find(_SUFFIX)
    while found >= 0:
        start = directory.rfind(_RECORD_SIGNATURE, 0, found)
        if start < 0 or start + _RECORD.size > found:
            return None
        record = _RECORD.unpack_from(directory, start)
        flags, method, crc, compressed, plain, name_length = record[3], record[4], *record[7:11]
        name_end = start + _RECORD.size + name_length
        if name_end != found + len(_SUFFIX):  # METADATA inside a longer name: let zipfile look
            return None
        raw = directory[start + _RECORD.size : name_end]
        try:
            name = raw.decode("utf-8" if flags & _UTF8 else "cp437")
        except UnicodeDecodeError:
            return None
        if _ZIP64_MARK in (compressed, plain, record[-1]):
            return None
        if name.count("/") == 1:
            members.append(Member(name, flags, method, crc, compressed, plain, record[-1]))
        found = directory.find(_SUFFIX, name_end)
    return members


def read_member(fileobj: IO[bytes], member: Member) -> bytes | None:
    """The content of ``member``, checked against its size and CRC; None when this reader
    cannot read it (the caller then uses zipfile, which says what is wrong)."""
    if member.flags & _ENCRYPTED or member.method not in (_STORED, _DEFLATED):
        return None
    fileobj.seek(member.offset)
    header = fileobj.read(_LOCAL.size)
    if len(header) != _LOCAL.size or not header.startswith(_LOCAL_SIGNATURE):
        return None
    name_length, extra_length = _LOCAL.unpack(header)[-2:]
    fileobj.seek(member.offset + _LOCAL.size + name_length + extra_length)
    data = fileobj.read(member.compressed_size)
    if len(data) != member.compressed_size:
        return None
    if member.method == _DEFLATED:
        try:
            data = zlib.decompress(data, -zlib.MAX_WBITS)
        except zlib.error:
            return None
    if len(data) != member.size or zlib.crc32(data) != member.crc:
        return None
    return data
