"""Reading one member of a ZIP archive without indexing the whole archive.

``zipfile.ZipFile`` parses every central-directory entry up front: for an Inspect log with a
thousand samples that is most of the time spent reading a 2 KB header. Here the end record is
read, the wanted member's entry is found by a byte search in the central directory (checked to
be a real entry), and only that member is read and decompressed, with its output bounded and its
CRC checked. Stored, deflate and zstd (method 93, what Inspect writes since 2026) are supported,
and ZIP64 archives.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO

from scorecard.errors import InputError

STORED, DEFLATED, ZSTANDARD = 0, 8, 93
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
_MAX_COMMENT = 0xFFFF
_DIRECTORY_TAIL = 8 << 10
_FULL32 = 0xFFFFFFFF


@dataclass(frozen=True)
class Member:
    name: str
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    offset: int


class ArchiveError(InputError):
    """The archive is truncated, corrupt or uses something this reader refuses."""


def find_members(handle: BinaryIO, names: tuple[str, ...], max_directory: int) -> dict[str, Member]:
    """The central-directory entries of ``names`` that exist in the archive; when the first
    name is found at the end of the directory, only it is returned."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    # The end record is the last 22 bytes unless the archive has a comment: try that first.
    tail_size = min(size, _EOCD.size)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0:
        tail_size = min(size, _EOCD.size + _MAX_COMMENT)
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise ArchiveError("no end of central directory record (truncated or not a ZIP)")
    _, _, _, _, entries, directory_size, directory_offset, _ = _EOCD.unpack_from(tail, at)
    if _FULL32 in (directory_size, directory_offset) or entries == 0xFFFF:
        directory_size, directory_offset = _zip64_directory(handle, size - tail_size + at)
    if directory_size > max_directory:
        raise ArchiveError(f"central directory of {directory_size} bytes is over the limit")
    if directory_offset + directory_size > size:
        raise ArchiveError("central directory lies past the end of the file (truncated)")
    # Writers put the header last, so its entry ends the directory: read the tail first and
    # the whole directory (one entry per sample) only when the first name is not there.
    tail_start = max(directory_offset, directory_offset + directory_size - _DIRECTORY_TAIL)
    handle.seek(tail_start)
    tail_entries = handle.read(directory_offset + directory_size - tail_start)
    first = _entry(tail_entries, names[0], size)
    if first is not None:
        return {names[0]: first}
    handle.seek(directory_offset)
    directory = handle.read(directory_size)
    found: dict[str, Member] = {}
    for name in names:
        member = _entry(directory, name, size)
        if member is not None:
            found[name] = member
    return found


def _zip64_directory(handle: BinaryIO, eocd_at: int) -> tuple[int, int]:
    if eocd_at < _ZIP64_LOCATOR.size:
        raise ArchiveError("ZIP64 locator missing")
    handle.seek(eocd_at - _ZIP64_LOCATOR.size)
    signature, _, record_at, _ = _ZIP64_LOCATOR.unpack(handle.read(_ZIP64_LOCATOR.size))
    if signature != b"PK\x06\x07":
        raise ArchiveError("ZIP64 locator missing")
    handle.seek(record_at)
    record = handle.read(_ZIP64_EOCD.size)
    if len(record) != _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
        raise ArchiveError("ZIP64 end record missing")
    fields = _ZIP64_EOCD.unpack(record)
    return fields[-2], fields[-1]


def _entry(directory: bytes, name: str, file_size: int) -> Member | None:
    wanted = name.encode()
    at = len(directory)
    while (at := directory.rfind(wanted, 0, at)) >= 0:
        start = at - _CENTRAL.size
        if start < 0 or directory[start : start + 4] != b"PK\x01\x02":
            continue
        fields = _CENTRAL.unpack_from(directory, start)
        flags, method, crc = fields[3], fields[4], fields[7]
        compressed, size, name_length, extra_length = fields[8], fields[9], fields[10], fields[11]
        offset = fields[16]
        if name_length != len(wanted):
            continue
        if _FULL32 in (compressed, size, offset):
            extra = directory[at + name_length : at + name_length + extra_length]
            size, compressed, offset = _zip64_sizes(extra, size, compressed, offset)
        if offset + compressed > file_size:
            raise ArchiveError(f"{name} lies past the end of the file (truncated)")
        return Member(name, method, flags, crc, compressed, size, offset)
    return None


def _zip64_sizes(extra: bytes, size: int, compressed: int, offset: int) -> tuple[int, int, int]:
    at = 0
    while at + 4 <= len(extra):
        header_id, length = struct.unpack_from("<2H", extra, at)
        if header_id == 1:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, at + 4))
            if size == _FULL32 and values:
                size = values.pop(0)
            if compressed == _FULL32 and values:
                compressed = values.pop(0)
            if offset == _FULL32 and values:
                offset = values.pop(0)
            return size, compressed, offset
        at += 4 + length
    raise ArchiveError("ZIP64 sizes missing from an entry")


def read_member(handle: BinaryIO, member: Member, limit: int) -> bytes:
    """The member's bytes, decompressed to at most ``limit`` bytes and CRC-checked."""
    if member.flags & 0x1:
        raise ArchiveError(f"{member.name} is encrypted")
    if member.compressed_size > limit:
        raise ArchiveError(f"{member.name}: larger than the {limit >> 20} MiB limit")
    handle.seek(member.offset)
    local = handle.read(_LOCAL.size)
    if len(local) != _LOCAL.size or local[:4] != b"PK\x03\x04":
        raise ArchiveError(f"{member.name}: bad local header (the archive is corrupt)")
    name_length, extra_length = _LOCAL.unpack(local)[-2:]
    handle.seek(member.offset + _LOCAL.size + name_length + extra_length)
    raw = handle.read(member.compressed_size)
    if len(raw) != member.compressed_size:
        raise ArchiveError(f"{member.name}: truncated")
    data = _decompress(member, raw, limit)
    if len(data) > limit:
        raise ArchiveError(f"{member.name}: expands past the {limit >> 20} MiB limit")
    if zlib.crc32(data) != member.crc:
        raise ArchiveError(f"{member.name}: checksum mismatch (the archive is corrupt)")
    return data


def _decompress(member: Member, raw: bytes, limit: int) -> bytes:
    if member.method == STORED:
        return raw
    if member.method == DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            return inflater.decompress(raw, limit + 1)
        except zlib.error as exc:
            raise ArchiveError(f"{member.name}: corrupt deflate data ({exc})") from None
    if member.method == ZSTANDARD:
        import zstandard

        # One shot into a buffer of the size the frame or the directory declares, when that is
        # within the limit: a stream reader costs ten times more on a 2 KB header. Output past
        # the buffer fails, so nothing can expand unbounded; then (a wrong size in the
        # directory, corrupt data) the bounded stream below decides what to say.
        try:
            declared = zstandard.frame_content_size(raw)
        except zstandard.ZstdError:
            declared = limit + 1
        if 0 <= declared <= limit or (declared < 0 and member.size <= limit):
            try:
                return bytes(_zstd().decompress(raw, max_output_size=member.size + 1))
            except zstandard.ZstdError:
                pass
        try:
            with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)) as reader:
                return bytes(reader.read(limit + 1))
        except zstandard.ZstdError as exc:
            raise ArchiveError(f"{member.name}: corrupt zstd data ({exc})") from None
    raise ArchiveError(f"{member.name}: unsupported compression method {member.method}")


_decompressor: list[Any] = []


def _zstd() -> Any:
    """One decompression context for the process (making one costs more than a small header)."""
    if not _decompressor:
        import zstandard

        _decompressor.append(zstandard.ZstdDecompressor())
    return _decompressor[0]
