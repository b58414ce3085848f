"""A bounded reader for the PDF syntax of a system card, for checking what signatures cover.

It reads every revision of the file (cross-reference tables and streams, object streams, PNG
predictors) and the objects each revision writes, with limits on everything a hostile file can
inflate: file size, revisions, objects, parsed values, streams, decompressed bytes, nesting. A
parse failure or an exceeded limit raises :class:`StructureError`, whose message is the problem
to report. ``sign.coverage`` decides what the revisions may do.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

MAX_FILE_BYTES = 50 * 2**20
MAX_REVISIONS = 64
MAX_OBJECTS = 100_000  # cross-reference entries over all revisions
MAX_VALUES = 1_000_000  # parsed PDF values (numbers, names, strings, arrays, dictionaries)
MAX_STREAMS = 10_000
MAX_INFLATED_BYTES = 64 * 2**20
MAX_DEPTH = 64

# Streams with other filters (LZW, RunLength, Crypt, chains) are refused: our cards have none,
# and their decompressed size cannot be bounded here.
IMAGE_FILTERS = frozenset({"/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"})

_REGULAR_END = rb"(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
_SKIPPABLE = frozenset(b"\x00\t\n\x0c\r %")
_SKIP = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*")
_NUMBER = re.compile(rb"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_REF_TAIL = re.compile(rb"[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+R" + _REGULAR_END)
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_KEYWORD = re.compile(rb"[A-Za-z]+")
HEX = re.compile(rb"[0-9A-Fa-f]*")
_LITERAL_SPECIAL = re.compile(rb"[()\\]")
OBJ_HEADER = re.compile(
    rb"[\x00\t\n\x0c\r ]*(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+obj" + _REGULAR_END
)
_INT_PAIR = re.compile(rb"(\d+)[\x00\t\n\x0c\r ]+(\d+)")
_TABLE_ENTRY = re.compile(
    rb"[\x00\t\n\x0c\r ]*(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+([nf])"
)
_STARTXREF = re.compile(rb"startxref[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]*%%EOF(?:\r\n|\r|\n)?")
_ESCAPES = {
    ord("n"): b"\n",
    ord("r"): b"\r",
    ord("t"): b"\t",
    ord("b"): b"\b",
    ord("f"): b"\f",
    ord("("): b"(",
    ord(")"): b")",
    ord("\\"): b"\\",
}


class StructureError(Exception):
    """A parse failure or an exceeded limit: the message is the problem to report."""


class Name(str):
    """A PDF name, decoded, with its leading slash (strings are ``bytes``)."""


@dataclass(frozen=True)
class Ref:
    num: int
    gen: int


@dataclass
class Stream:
    dict: dict[str, Any]
    buffer: bytes
    start: int
    end: int

    @property
    def raw(self) -> bytes:
        return self.buffer[self.start : self.end]


@dataclass
class Budget:
    values: int = 0
    streams: int = 0
    inflated: int = 0

    def inflate(self, raw: bytes, measure_only: bool = False) -> bytes:
        self.streams += 1
        if self.streams > MAX_STREAMS:
            raise StructureError(f"more than {MAX_STREAMS} compressed streams: refused (limit)")
        inflater = zlib.decompressobj()
        chunks: list[bytes] = []
        pending = raw
        try:
            while pending and not inflater.eof:
                left = MAX_INFLATED_BYTES - self.inflated
                out = inflater.decompress(pending, min(left + 1, 1 << 20))
                self.inflated += len(out)
                if self.inflated > MAX_INFLATED_BYTES:
                    raise StructureError(
                        f"more than {MAX_INFLATED_BYTES // 2**20} MB decompressed: refused (limit)"
                    )
                if not measure_only:
                    chunks.append(out)
                pending = inflater.unconsumed_tail
                if not out and pending:
                    break
        except zlib.error as exc:
            raise StructureError(f"a compressed stream is damaged ({exc})") from None
        return b"".join(chunks)


class Parser:
    def __init__(self, buffer: bytes, budget: Budget) -> None:
        self.data = buffer
        self.budget = budget

    def skip(self, pos: int) -> int:
        if pos < len(self.data) and self.data[pos] not in _SKIPPABLE:
            return pos
        match = _SKIP.match(self.data, pos)
        return match.end() if match else pos

    def value(self, pos: int, depth: int = 0) -> tuple[Any, int]:
        data = self.data
        if depth > MAX_DEPTH:
            raise StructureError(f"objects nested more than {MAX_DEPTH} deep: refused (limit)")
        budget = self.budget
        budget.values += 1
        if budget.values > MAX_VALUES:
            raise StructureError(f"more than {MAX_VALUES} values: refused (limit)")
        pos = self.skip(pos)
        if pos >= len(data):
            raise StructureError("unexpected end of data")
        head = data[pos]
        if head == 0x2F:  # /
            return self.name(pos)
        if head == 0x3C:  # <
            if data.startswith(b"<<", pos):
                return self.dictionary(pos, depth)
            return self.hex_string(pos)
        if head == 0x5B:  # [
            return self.array(pos, depth)
        if head == 0x28:  # (
            return self.literal(pos)
        return self.scalar(pos)

    def array(self, pos: int, depth: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        pos += 1
        while True:
            pos = self.skip(pos)
            if pos >= len(self.data):
                raise StructureError("unterminated array")
            if self.data[pos] == 0x5D:
                return items, pos + 1
            item, pos = self.value(pos, depth + 1)
            items.append(item)

    def scalar(self, pos: int) -> tuple[Any, int]:
        """A number, a reference or a keyword (true, false, null)."""
        data = self.data
        number = _NUMBER.match(data, pos)
        if number:
            text = number.group()
            if b"." in text:
                return float(text), number.end()
            if text[0] not in b"+-":
                ref = _REF_TAIL.match(data, number.end())
                if ref:
                    return Ref(int(text), int(ref.group(1))), ref.end()
            return int(text), number.end()
        keyword = _KEYWORD.match(data, pos)
        if keyword and keyword.group() in (b"true", b"false", b"null"):
            word = keyword.group()
            return (None if word == b"null" else word == b"true"), keyword.end()
        raise StructureError(f"unexpected {data[pos : pos + 12]!r} at offset {pos}")

    def name(self, pos: int) -> tuple[Name, int]:
        match = _NAME.match(self.data, pos)
        if not match:
            raise StructureError(f"a name was expected at offset {pos}")
        raw = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        return Name("/" + raw.decode("latin-1")), match.end()

    def dictionary(self, pos: int, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        pos += 2
        while True:
            pos = self.skip(pos)
            if self.data.startswith(b">>", pos):
                return result, pos + 2
            key, pos = self.name(pos)
            item, pos = self.value(pos, depth + 1)
            if key in result:  # readers disagree on which one wins: refuse the ambiguity
                raise StructureError(f"duplicate key {key} in a dictionary")
            result[key] = item

    def spans(self, pos: int) -> dict[str, tuple[int, int]]:
        """Where each top-level value of the dictionary at ``pos`` is written."""
        where: dict[str, tuple[int, int]] = {}
        pos = self.skip(pos)
        if not self.data.startswith(b"<<", pos):
            raise StructureError("a dictionary was expected")
        pos += 2
        while True:
            pos = self.skip(pos)
            if self.data.startswith(b">>", pos):
                return where
            key, pos = self.name(pos)
            start = self.skip(pos)
            _, pos = self.value(start, 1)
            where[key] = (start, pos)

    def hex_string(self, pos: int) -> tuple[bytes, int]:
        end = self.data.find(b">", pos)
        if end < 0:
            raise StructureError("unterminated hex string")
        digits = re.sub(rb"[\x00\t\n\x0c\r ]", b"", self.data[pos + 1 : end])
        if not HEX.fullmatch(digits):
            raise StructureError(f"bad hex string at offset {pos}")
        if len(digits) % 2:
            digits += b"0"
        return bytes.fromhex(digits.decode("ascii")), end + 1

    def literal(self, pos: int) -> tuple[bytes, int]:
        data = self.data
        out = bytearray()
        depth = 1
        i = pos + 1
        while True:
            special = _LITERAL_SPECIAL.search(data, i)
            if not special:
                raise StructureError("unterminated string")
            j = special.start()
            out += data[i:j]
            char = data[j]
            if char == 0x5C:  # backslash
                following = data[j + 1] if j + 1 < len(data) else -1
                if following in _ESCAPES:
                    out += _ESCAPES[following]
                    i = j + 2
                elif 0x30 <= following <= 0x37:
                    digits = re.match(rb"[0-7]{1,3}", data[j + 1 : j + 4])
                    octal = digits.group() if digits else b"0"
                    out.append(int(octal, 8) & 0xFF)
                    i = j + 1 + len(octal)
                elif following == 0x0D:
                    i = j + (3 if data[j + 2 : j + 3] == b"\n" else 2)
                elif following == 0x0A:
                    i = j + 2
                else:
                    i = j + 1
            elif char == 0x28:
                depth += 1
                out.append(char)
                i = j + 1
            else:
                depth -= 1
                if depth == 0:
                    return bytes(out), j + 1
                out.append(char)
                i = j + 1

    def indirect(self, pos: int) -> tuple[int, Any, int]:
        """The object written at ``pos`` (``N G obj ...``): its number, value, end."""
        data = self.data
        header = OBJ_HEADER.match(data, pos)
        if not header:
            raise StructureError(f"no object at offset {pos}")
        obj, pos = self.value(header.end())
        if isinstance(obj, dict):
            after = self.skip(pos)
            if data.startswith(b"stream", after):
                start = after + 6
                if data.startswith(b"\r\n", start):
                    start += 2
                elif data[start : start + 1] in (b"\n", b"\r"):
                    start += 1
                length = obj.get("/Length")
                end = -1
                if isinstance(length, int) and 0 <= length <= len(data) - start:
                    tail = re.compile(rb"[\x00\t\n\x0c\r ]*endstream").match(data, start + length)
                    if tail:
                        end, pos = start + length, tail.end()
                if end < 0:  # an indirect or wrong /Length: the data ends at "endstream"
                    found = data.find(b"endstream", start)
                    if found < 0:
                        raise StructureError("unterminated stream")
                    end, pos = found, found + 9
                    if data[end - 2 : end] == b"\r\n":
                        end -= 2
                    elif data[end - 1 : end] in (b"\n", b"\r"):
                        end -= 1
                    end = max(end, start)
                obj = Stream(obj, data, start, end)
        return int(header.group(1)), obj, pos


# An entry: ("n", offset, gen), ("c", container number, index) or ("f",).
Entry = tuple[Any, ...]


@dataclass
class Revision:
    xref_offset: int
    trailer: dict[str, Any]
    entries: dict[int, Entry]
    start: int = 0
    end: int = 0
    objects: dict[int, Any] = field(default_factory=dict)


def stream_filters(stream: Stream) -> list[str]:
    value = stream.dict.get("/Filter")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, Name) for item in items):
        raise StructureError("a stream /Filter is not a name")
    return [str(item) for item in items]


def decode(stream: Stream, budget: Budget) -> bytes:
    """The data of a cross-reference or object stream (FlateDecode, PNG predictors)."""
    filters = stream_filters(stream)
    if filters == []:
        return stream.raw
    if filters != ["/FlateDecode"]:
        raise StructureError(f"unsupported filters {filters} on an object or xref stream")
    data = budget.inflate(stream.raw)
    parms = stream.dict.get("/DecodeParms")
    if isinstance(parms, list):
        parms = parms[0] if parms else None
    predictor = parms.get("/Predictor", 1) if isinstance(parms, dict) else 1
    if predictor in (None, 1):
        return data
    columns = parms.get("/Columns", 1) if isinstance(parms, dict) else 1
    if not isinstance(predictor, int) or predictor < 10 or not isinstance(columns, int):
        raise StructureError("unsupported predictor on an xref stream")
    if not 0 < columns <= 64:
        raise StructureError("bad /Columns on an xref stream")
    out = bytearray()
    previous = bytearray(columns)
    for i in range(0, len(data) - columns, columns + 1):
        kind, row = data[i], bytearray(data[i + 1 : i + 1 + columns])
        if kind == 2:
            row = bytearray((a + b) & 0xFF for a, b in zip(row, previous, strict=True))
        elif kind == 1:
            for k in range(1, columns):
                row[k] = (row[k] + row[k - 1]) & 0xFF
        elif kind != 0:
            raise StructureError(f"unsupported PNG predictor {kind} on an xref stream")
        out += row
        previous = row
    return bytes(out)


class Document:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.budget = Budget()
        self.parser = Parser(data, self.budget)
        self.entry_count = 0
        self.containers: dict[tuple[int, int], tuple[Parser, list[tuple[int, int]], int]] = {}
        self.revisions = self._read_revisions()

    # --- cross-reference sections ---

    def _read_revisions(self) -> list[Revision]:
        data = self.data
        if not data.startswith(b"%PDF-"):
            raise StructureError("not a PDF (no %PDF- header)")
        last = data.rfind(b"startxref")
        found = _STARTXREF.match(data, last) if last >= 0 else None
        if not found:
            raise StructureError("no startxref/%%EOF at the end of the file")
        chain: list[Revision] = []
        offset: Any = int(found.group(1))
        seen: set[int] = set()
        while offset is not None:
            if not isinstance(offset, int) or offset in seen or not 0 < offset < len(data):
                raise StructureError(f"bad cross-reference offset {offset!r}")
            seen.add(offset)
            if len(chain) >= MAX_REVISIONS:
                raise StructureError(f"more than {MAX_REVISIONS} revisions: refused (limit)")
            revision = self._read_section(offset)
            chain.append(revision)
            offset = revision.trailer.get("/Prev")
        revisions = list(reversed(chain))
        start = 0
        for number, revision in enumerate(revisions, 1):
            end = _STARTXREF.search(data, revision.xref_offset)
            if not end or int(end.group(1)) != revision.xref_offset:
                raise StructureError(f"revision {number}: its startxref/%%EOF does not follow it")
            revision.start, revision.end = start, end.end()
            if revision.xref_offset < start:
                raise StructureError(f"revision {number}: revisions are out of order")
            for num, entry in revision.entries.items():
                if entry[0] == "n" and not start <= entry[1] < revision.end:
                    raise StructureError(
                        f"revision {number}: object {num} is written outside the revision"
                    )
            start = revision.end
        return revisions

    def _count(self, entries: int) -> None:
        self.entry_count += entries
        if self.entry_count > MAX_OBJECTS:
            raise StructureError(f"more than {MAX_OBJECTS} objects: refused (limit)")

    def _read_section(self, offset: int) -> Revision:
        data = self.data
        if data.startswith(b"xref", offset):
            entries: dict[int, Entry] = {}
            pos = offset + 4
            while True:
                pos = self.parser.skip(pos)
                if data.startswith(b"trailer", pos):
                    trailer, _ = self.parser.value(pos + 7)
                    break
                header = _INT_PAIR.match(data, pos)
                if not header:
                    raise StructureError(f"bad cross-reference table at offset {offset}")
                first, count = int(header.group(1)), int(header.group(2))
                self._count(count)
                pos = header.end()
                for num in range(first, first + count):
                    row = _TABLE_ENTRY.match(data, pos)
                    if not row:
                        raise StructureError(f"bad cross-reference entry at offset {pos}")
                    pos = row.end()
                    if num in entries:
                        # Readers disagree on which of two entries wins (poppler takes the
                        # first, pyHanko the last): one file, two documents. Refused.
                        raise StructureError(
                            f"object {num} is listed twice in one cross-reference section"
                        )
                    if row.group(3) == b"n":
                        entries[num] = ("n", int(row.group(1)), int(row.group(2)))
                    else:
                        entries[num] = ("f",)
            if not isinstance(trailer, dict):
                raise StructureError("the trailer is not a dictionary")
            if "/XRefStm" in trailer:
                raise StructureError("hybrid cross-reference sections are not supported")
            return Revision(offset, trailer, entries)
        _, stream, _ = self.parser.indirect(offset)
        if not isinstance(stream, Stream) or stream.dict.get("/Type") != "/XRef":
            raise StructureError(f"no cross-reference table or stream at offset {offset}")
        return Revision(offset, stream.dict, self._stream_entries(stream))

    def _stream_entries(self, stream: Stream) -> dict[int, Entry]:
        widths = stream.dict.get("/W")
        size = stream.dict.get("/Size")
        index = stream.dict.get("/Index", [0, size])
        if (
            not isinstance(widths, list)
            or len(widths) != 3
            or not all(isinstance(w, int) and 0 <= w <= 8 for w in widths)
            or not isinstance(index, list)
            or len(index) % 2
            or not all(isinstance(i, int) and i >= 0 for i in index)
        ):
            raise StructureError("bad /W, /Size or /Index in a cross-reference stream")
        row = sum(widths)
        body = decode(stream, self.budget)
        total = sum(index[1::2])
        self._count(total)
        if row == 0 or len(body) < row * total:
            raise StructureError("a cross-reference stream is shorter than its /Index")
        entries: dict[int, Entry] = {}
        pos = 0
        for first, count in zip(index[0::2], index[1::2], strict=True):
            for num in range(first, first + count):
                if num in entries:
                    raise StructureError(
                        f"object {num} is listed twice in one cross-reference stream"
                    )
                fields: list[int] = []
                for width in widths:
                    fields.append(int.from_bytes(body[pos : pos + width], "big"))
                    pos += width
                kind = fields[0] if widths[0] else 1
                if kind == 1:
                    entries[num] = ("n", fields[1], fields[2])
                elif kind == 2:
                    entries[num] = ("c", fields[1], fields[2])
                elif kind == 0:
                    entries[num] = ("f",)
        return entries

    # --- objects ---

    def latest(self, num: int, upto: int) -> tuple[int, Entry] | None:
        """The revision index and entry defining object ``num`` as of revision ``upto``."""
        for index in range(upto, -1, -1):
            entry = self.revisions[index].entries.get(num)
            if entry is not None:
                return index, entry
        return None

    def load(self, revision: int, num: int) -> Any:
        """Object ``num`` as defined by revision ``revision``'s own entry (parsed once)."""
        held = self.revisions[revision].objects
        if num in held:
            return held[num]
        entry = self.revisions[revision].entries[num]
        obj: Any = None
        if entry[0] == "n":
            header = OBJ_HEADER.match(self.data, entry[1])
            if header is not None and int(header.group(2)) != entry[2]:
                # A generation that differs from the entry is damage to other readers, which
                # then rebuild the cross-references from whatever objects the bytes hold.
                raise StructureError(
                    f"object {num}: generation {int(header.group(2))} where the "
                    f"cross-reference says {entry[2]}"
                )
            found, obj, _ = self.parser.indirect(entry[1])
            if found != num:
                raise StructureError(f"object {num}: the cross-reference points at object {found}")
        elif entry[0] == "c":
            parser, table, first = self._container(entry[1], revision)
            if not 0 <= entry[2] < len(table) or table[entry[2]][0] != num:
                raise StructureError(f"object {num}: not where its object stream says")
            obj, _ = parser.value(first + table[entry[2]][1])
        held[num] = obj
        return obj

    def _container(self, num: int, revision: int) -> tuple[Parser, list[tuple[int, int]], int]:
        located = self.latest(num, revision)
        if located is None or located[1][0] != "n":
            raise StructureError(f"object stream {num} is missing")
        key = (num, located[1][1])
        if key not in self.containers:
            stream = self.load(located[0], num)
            if not isinstance(stream, Stream) or stream.dict.get("/Type") != "/ObjStm":
                raise StructureError(f"object {num} is not an object stream")
            count, first = stream.dict.get("/N"), stream.dict.get("/First")
            if not isinstance(count, int) or not isinstance(first, int) or count < 0:
                raise StructureError(f"object stream {num}: bad /N or /First")
            self._count(count)
            parser = Parser(decode(stream, self.budget), self.budget)
            pos, table = 0, []
            for _ in range(count):
                pair = _INT_PAIR.match(parser.data, parser.skip(pos))
                if not pair:
                    raise StructureError(f"object stream {num}: bad header")
                table.append((int(pair.group(1)), int(pair.group(2))))
                pos = pair.end()
            self.containers[key] = (parser, table, first)
        return self.containers[key]

    def resolve(self, value: Any, upto: int) -> Any:
        if isinstance(value, Ref):
            located = self.latest(value.num, upto)
            return None if located is None else self.load(located[0], value.num)
        return value
