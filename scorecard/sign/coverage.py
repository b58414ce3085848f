"""What a card's signatures cover, decided from the file's own bytes (never from pyHanko's verdict).

pyHanko 0.38 reports a signature as covering the entire file when the file length matches its
byte range arithmetic, so an appended revision that redefines a signature dictionary with a
padded ``/Contents`` passes it (see docs: coverage). This module parses the file itself:

- every revision (cross-reference table or stream, ``/Prev`` chain) with the byte span it
  occupies; revisions must follow each other without gaps or overlaps;
- every signature: ``/ByteRange`` is ``[0 a b c]`` with ``0 < a < b``, the gap ``[a, b)`` is
  exactly the hex ``/Contents`` string of that signature dictionary as written in the revision
  that introduced it, ``b + c`` is the end of that revision, and each revision from the first
  signed one on holds exactly one new signature; the last one ends at the last byte of the file;
- every revision after the first signature only adds a signature: a new invisible signature
  field and its value, appended to the AcroForm ``/Fields`` and to its page's ``/Annots``, a new
  or rewritten document information dictionary and XMP metadata stream, and the catalogue keys
  pyHanko touches (``/AcroForm``, ``/Metadata``, ``/Extensions``, ``/Version``). Anything else
  (page content, resources, attachments, annotations, the catalogue) is a problem that names the
  signatures written before it;
- no active content in any object of any revision (JavaScript, actions, XFA, rich media...).

The work is bounded (file size, objects, values, streams, decompressed bytes, nesting): a hostile
file gives a problem string, never a traceback or unbounded memory.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 50 * 2**20
MAX_REVISIONS = 64
MAX_OBJECTS = 100_000  # cross-reference entries over all revisions
MAX_VALUES = 1_000_000  # parsed PDF values (numbers, names, strings, arrays, dictionaries)
MAX_STREAMS = 10_000
MAX_INFLATED_BYTES = 64 * 2**20
MAX_DEPTH = 64
MAX_PROBLEMS = 20

ACTIVE = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/ResetForm",
        "/GoToR",
        "/GoToE",
        "/URI",
        "/RichMedia",
        "/RichMediaExecute",
        "/XFA",
        "/Movie",
        "/Sound",
        "/Rendition",
        "/GoTo3DView",
        "/SetOCGState",
    }
)
# Streams with other filters (LZW, RunLength, Crypt, chains) are refused: our cards have none,
# and their decompressed size cannot be bounded here.
_IMAGE_FILTERS = frozenset({"/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"})
_CATALOG_MAY_CHANGE = frozenset({"/AcroForm", "/Metadata", "/Extensions", "/Version"})
_SIG_FIELD_KEYS = frozenset(
    {"/FT", "/T", "/TU", "/TM", "/Type", "/Subtype", "/F", "/Rect", "/P", "/V", "/Ff", "/Lock"}
)

_REGULAR_END = rb"(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
_SKIPPABLE = frozenset(b"\x00\t\n\x0c\r %")
_SKIP = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*")
_NUMBER = re.compile(rb"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_REF_TAIL = re.compile(rb"[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+R" + _REGULAR_END)
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_KEYWORD = re.compile(rb"[A-Za-z]+")
_HEX = re.compile(rb"[0-9A-Fa-f]*")
_LITERAL_SPECIAL = re.compile(rb"[()\\]")
_OBJ = re.compile(
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
class _Budget:
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


class _Parser:
    def __init__(self, buffer: bytes, budget: _Budget) -> None:
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
        if not _HEX.fullmatch(digits):
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
        header = _OBJ.match(data, pos)
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
class _Revision:
    xref_offset: int
    trailer: dict[str, Any]
    entries: dict[int, Entry]
    start: int = 0
    end: int = 0
    objects: dict[int, Any] = field(default_factory=dict)


def _filters(stream: Stream) -> list[str]:
    value = stream.dict.get("/Filter")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, Name) for item in items):
        raise StructureError("a stream /Filter is not a name")
    return [str(item) for item in items]


def _decode(stream: Stream, budget: _Budget) -> bytes:
    """The data of a cross-reference or object stream (FlateDecode, PNG predictors)."""
    filters = _filters(stream)
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


class _Document:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.budget = _Budget()
        self.parser = _Parser(data, self.budget)
        self.entry_count = 0
        self.containers: dict[tuple[int, int], tuple[_Parser, list[tuple[int, int]], int]] = {}
        self.revisions = self._read_revisions()

    # --- cross-reference sections ---

    def _read_revisions(self) -> list[_Revision]:
        data = self.data
        if not data.startswith(b"%PDF-"):
            raise StructureError("not a PDF (no %PDF- header)")
        last = data.rfind(b"startxref")
        found = _STARTXREF.match(data, last) if last >= 0 else None
        if not found:
            raise StructureError("no startxref/%%EOF at the end of the file")
        chain: list[_Revision] = []
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

    def _read_section(self, offset: int) -> _Revision:
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
                    if row.group(3) == b"n":
                        entries[num] = ("n", int(row.group(1)), int(row.group(2)))
                    else:
                        entries[num] = ("f",)
            if not isinstance(trailer, dict):
                raise StructureError("the trailer is not a dictionary")
            if "/XRefStm" in trailer:
                raise StructureError("hybrid cross-reference sections are not supported")
            return _Revision(offset, trailer, entries)
        _, stream, _ = self.parser.indirect(offset)
        if not isinstance(stream, Stream) or stream.dict.get("/Type") != "/XRef":
            raise StructureError(f"no cross-reference table or stream at offset {offset}")
        return _Revision(offset, stream.dict, self._stream_entries(stream))

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
        body = _decode(stream, self.budget)
        total = sum(index[1::2])
        self._count(total)
        if row == 0 or len(body) < row * total:
            raise StructureError("a cross-reference stream is shorter than its /Index")
        entries: dict[int, Entry] = {}
        pos = 0
        for first, count in zip(index[0::2], index[1::2], strict=True):
            for num in range(first, first + count):
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

    def _container(self, num: int, revision: int) -> tuple[_Parser, list[tuple[int, int]], int]:
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
            parser = _Parser(_decode(stream, self.budget), self.budget)
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


def check_file(path: Path) -> list[str]:
    """:func:`check_structure` on a file, refusing one larger than the limit before reading."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [f"the file is larger than {MAX_FILE_BYTES // 2**20} MB: refused (limit)"]
        data = path.read_bytes()
    except OSError as exc:
        return [f"cannot read the file: {exc.strerror}"]
    return check_structure(data)


def check_structure(data: bytes) -> list[str]:
    """Problems with what the signatures of a PDF cover; empty when there are none."""
    if len(data) > MAX_FILE_BYTES:
        return [f"the file is larger than {MAX_FILE_BYTES // 2**20} MB: refused (limit)"]
    try:
        problems = _Checker(_Document(data)).run()
    except StructureError as exc:
        problems = [f"cannot read the PDF structure: {exc}"]
    except (RecursionError, MemoryError, ValueError, IndexError, OverflowError) as exc:
        problems = [f"cannot read the PDF structure: {type(exc).__name__}"]
    unique = list(dict.fromkeys(problems))
    if len(unique) > MAX_PROBLEMS:
        unique = [*unique[:MAX_PROBLEMS], f"and {len(unique) - MAX_PROBLEMS} more problems"]
    return unique


def _kind(obj: Any) -> str:
    body = obj.dict if isinstance(obj, Stream) else obj
    if isinstance(body, dict):
        for key in ("/Type", "/Subtype", "/FT"):
            if isinstance(body.get(key), Name):
                return f"{body[key]}{' stream' if isinstance(obj, Stream) else ''}"
        return "stream" if isinstance(obj, Stream) else "dictionary"
    return type(obj).__name__


def _same(a: Any, b: Any) -> bool:
    """Equal PDF values (streams by dictionary and raw bytes, wherever they are written)."""
    if isinstance(a, Stream) or isinstance(b, Stream):
        return (
            isinstance(a, Stream)
            and isinstance(b, Stream)
            and _same(a.dict, b.dict)
            and a.raw == b.raw
        )
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _text(value: Any) -> str:
    if not isinstance(value, bytes):
        return "?"
    text = (
        value[2:].decode("utf-16-be", "replace")
        if value.startswith(b"\xfe\xff")
        else value.decode("latin-1")
    )
    return "".join(c if c.isprintable() else "?" for c in text)[:64]


def _is_signature(obj: Any) -> bool:
    return isinstance(obj, dict) and (
        "/ByteRange" in obj or obj.get("/Type") in ("/Sig", "/DocTimeStamp")
    )


def _contents_problem(written: bytes) -> str | None:
    """Why a written ``/Contents`` value is not one DER object then zero padding, in hex of one
    case: the bytes in the gap are not signed, so they must have a single reading."""
    digits = written[1:-1]
    if not (written[:1] == b"<" and written[-1:] == b">" and _HEX.fullmatch(digits)):
        return "is not a plain hex string"
    if len(digits) % 2 or (re.search(rb"[a-f]", digits) and re.search(rb"[A-F]", digits)):
        return "mixes letter cases or has an odd number of digits"
    value = bytes.fromhex(digits.decode("ascii"))
    if len(value) < 2 or value[0] != 0x30:
        return "does not hold a CMS structure"
    size = value[1]
    if size < 0x80:
        end = 2 + size
    elif 0x81 <= size <= 0x84 and len(value) >= 2 + (size - 0x80):
        count = size - 0x80
        end = 2 + count + int.from_bytes(value[2 : 2 + count], "big")
    else:
        return "does not hold a DER-encoded CMS structure"
    if end > len(value) or value[end:].strip(b"\x00"):
        return "holds more than its CMS structure and zero padding"
    return None


def _changed_keys(obj: dict[str, Any], old: Any, allowed: set[str] | frozenset[str]) -> list[str]:
    """The keys of ``obj`` other than ``allowed`` that differ from ``old``'s (or are new)."""
    was = old if isinstance(old, dict) else {}
    return sorted(
        k
        for k in set(obj) | set(was)
        if k not in allowed and not (k in obj and k in was and _same(obj[k], was[k]))
    )


def _catalog_change(obj: Any, old: Any) -> list[str]:
    """Signing may only touch /AcroForm, /Metadata, /Extensions and /Version (indirectly)."""
    if not isinstance(obj, dict):
        return ["the document catalogue is not a dictionary"]
    found = []
    changed = _changed_keys(obj, old, _CATALOG_MAY_CHANGE)
    if changed:
        found.append(f"changes the document catalogue ({', '.join(changed)})")
    for key in ("/AcroForm", "/Metadata"):
        if key in obj and not isinstance(obj[key], Ref):
            found.append(f"the document catalogue's {key} is not an indirect object")
    return found


@dataclass
class _View:
    """What one revision's checks need to know about it."""

    index: int
    root: Ref
    info: Any
    metadata: Any
    acroform: Any
    new_fields: set[int]
    signatures: dict[int, str]


@dataclass
class _Signature:
    num: int
    revision: int
    name: str


class _Checker:
    def __init__(self, doc: _Document) -> None:
        self.doc = doc
        self.problems: list[str] = []

    def run(self) -> list[str]:
        doc = self.doc
        signatures: list[_Signature] = []
        field_names: dict[int, str] = {}
        active: dict[str, set[str]] = {}
        for index, revision in enumerate(doc.revisions):
            for num in sorted(revision.entries):
                obj = doc.load(index, num)
                self._scan(obj, num, active)
                if _is_signature(obj) and doc.latest(num, index - 1) is None:
                    signatures.append(_Signature(num, index, f"signature object {num}"))
                if isinstance(obj, dict) and obj.get("/FT") == "/Sig":
                    value = obj.get("/V")
                    if isinstance(value, Ref):
                        field_names.setdefault(value.num, _text(obj.get("/T")))
                    elif value is not None:
                        self.problems.append(
                            f"signature field {_text(obj.get('/T'))}: its value is not an "
                            "indirect object"
                        )
        for name, where in sorted(active.items()):
            self.problems.append(
                f"active content: {name} in object(s) {', '.join(sorted(where)[:5])}"
            )
        for signature in signatures:
            signature.name = field_names.get(signature.num, signature.name)
        if signatures:
            self._signatures(signatures)
            self._changes(signatures)
        elif doc.revisions[-1].end != len(doc.data):
            self.problems.append(
                f"{len(doc.data) - doc.revisions[-1].end} bytes after the end of the last revision"
            )
        return self.problems

    def _scan(self, obj: Any, num: int, active: dict[str, set[str]]) -> None:
        stack = [obj]
        while stack:
            item = stack.pop()
            if isinstance(item, Stream):
                self._measure(item, num)
                item = item.dict
            if isinstance(item, dict):
                for key, value in item.items():
                    if key in ACTIVE:
                        active.setdefault(key, set()).add(str(num))
                    stack.append(value)
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, Name) and item in ACTIVE:
                active.setdefault(item, set()).add(str(num))

    def _measure(self, stream: Stream, num: int) -> None:
        filters = _filters(stream)
        if stream.dict.get("/Type") in ("/XRef", "/ObjStm") or not filters:
            return  # decoded when read, or not compressed
        if filters == ["/FlateDecode"]:
            self.doc.budget.inflate(stream.raw, measure_only=True)
        elif len(filters) != 1 or filters[0] not in _IMAGE_FILTERS:
            self.problems.append(f"object {num}: unsupported stream filters {filters}")

    def _signatures(self, signatures: list[_Signature]) -> None:
        doc = self.doc
        data = doc.data
        by_revision: dict[int, list[_Signature]] = {}
        for signature in signatures:
            by_revision.setdefault(signature.revision, []).append(signature)
        first = signatures[0].revision
        for index in range(first, len(doc.revisions)):
            mine = by_revision.get(index, [])
            if len(mine) != 1:
                earlier = ", ".join(s.name for s in signatures if s.revision < index)
                self.problems.append(
                    f"revision {index + 1} (after {earlier}) holds {len(mine)} new signatures,"
                    " not 1: it is not covered by a signature of its own"
                )
        names = [s.name for s in signatures]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problems.append(f"{name}: more than one signature has this field name")
        for signature in signatures:
            self._signature(signature)
        last = signatures[-1]
        if last.revision != len(doc.revisions) - 1:
            self.problems.append(
                f"{last.name}: the last signature is in revision {last.revision + 1} of "
                f"{len(doc.revisions)}: later revisions are not signed"
            )
        if doc.revisions[-1].end != len(data):
            self.problems.append(
                f"{last.name}: {len(data) - doc.revisions[-1].end} bytes after the end of the "
                "last revision are not signed"
            )

    def _signature(self, signature: _Signature) -> None:
        """One signature's /ByteRange against the bytes of the revision that wrote it."""
        doc = self.doc
        data = doc.data
        revision = doc.revisions[signature.revision]
        label = signature.name
        for later in range(signature.revision + 1, len(doc.revisions)):
            if signature.num in doc.revisions[later].entries:
                self.problems.append(
                    f"{label}: its signature dictionary (object {signature.num}) is "
                    f"redefined in revision {later + 1}"
                )
        entry = revision.entries[signature.num]
        if entry[0] != "n":
            self.problems.append(f"{label}: the signature dictionary is not a plain object")
            return
        obj = doc.load(signature.revision, signature.num)
        byte_range = obj.get("/ByteRange")
        if not (
            isinstance(byte_range, list)
            and len(byte_range) == 4
            and all(type(v) is int for v in byte_range)
            and byte_range[0] == 0
            and 0 < byte_range[1] < byte_range[2]
            and byte_range[3] >= 0
        ):
            self.problems.append(f"{label}: /ByteRange is not [0 a b c] with 0 < a < b")
            return
        _, a, b, c = byte_range
        if b + c != revision.end:
            self.problems.append(
                f"{label}: /ByteRange ends at byte {b + c}, its revision "
                f"({signature.revision + 1}) at byte {revision.end}"
            )
        header = _OBJ.match(data, entry[1])
        if header is None:  # load() parsed it: cannot happen
            raise StructureError(f"no object at offset {entry[1]}")
        span = doc.parser.spans(header.end()).get("/Contents")
        if span != (a, b):
            self.problems.append(
                f"{label}: the unsigned gap [{a}, {b}) is not its own /Contents value "
                f"({'missing' if span is None else f'written at [{span[0]}, {span[1]})'})"
            )
        else:
            contents_problem = _contents_problem(data[a:b])
            if contents_problem:
                self.problems.append(f"{label}: /Contents {contents_problem}")

    def _changes(self, signatures: list[_Signature]) -> None:
        """Every revision after the first signature's only adds a signature."""
        doc = self.doc
        for index in range(signatures[0].revision + 1, len(doc.revisions)):
            earlier = ", ".join(s.name for s in signatures if s.revision < index)
            names = {s.num: s.name for s in signatures}
            for what in self._revision_changes(index, names):
                self.problems.append(
                    f"revision {index + 1}, after {earlier}: {what} (only a new signature may "
                    "be added)"
                )

    def _revision_changes(self, index: int, signature_nums: dict[int, str]) -> list[str]:
        doc = self.doc
        revision = doc.revisions[index]
        root = revision.trailer.get("/Root")
        if not isinstance(root, Ref) or root != doc.revisions[index - 1].trailer.get("/Root"):
            return ["the document catalogue (/Root) is replaced"]
        catalog = doc.resolve(root, index)
        if not isinstance(catalog, dict):
            return ["the document catalogue is not a dictionary"]
        view = _View(
            index=index,
            root=root,
            info=revision.trailer.get("/Info"),
            metadata=catalog.get("/Metadata"),
            acroform=catalog.get("/AcroForm"),
            new_fields={
                num
                for num in revision.entries
                if doc.latest(num, index - 1) is None
                and isinstance(doc.load(index, num), dict)
                and doc.load(index, num).get("/FT") == "/Sig"
            },
            signatures=signature_nums,
        )
        found = ["the trailer adds /Encrypt"] if "/Encrypt" in revision.trailer else []
        for num, entry in sorted(revision.entries.items()):
            if entry[0] == "f":
                if num != 0:
                    found.append(f"frees object {num}")
                continue
            obj = doc.load(index, num)
            if (
                entry[0] == "n"
                and entry[1] == revision.xref_offset
                and _kind(obj) == "/XRef stream"
            ):
                continue
            before = doc.latest(num, index - 1)
            old = None if before is None else doc.load(before[0], num)
            found.extend(self._object_change(view, num, obj, old))
        return found

    def _object_change(self, view: _View, num: int, obj: Any, old: Any) -> list[str]:
        """What is wrong with object ``num`` as revision ``view.index`` writes it."""
        kind = _kind(obj)
        if kind == "/ObjStm stream" and old is None:
            return []  # a container: the objects in it are checked as themselves
        if num in view.signatures:
            if old is None:
                return []  # checked as a signature
            return [f"redefines the signature dictionary of {view.signatures[num]} (object {num})"]
        if num == view.root.num:
            return _catalog_change(obj, old)
        if (
            isinstance(view.info, Ref)
            and num == view.info.num
            and isinstance(obj, dict)
            and all(isinstance(v, (bytes, Name)) for v in obj.values())
        ):
            return []  # document information: text only
        if (
            isinstance(view.metadata, Ref)
            and num == view.metadata.num
            and isinstance(obj, Stream)
            and obj.dict.get("/Type") == "/Metadata"
            and obj.dict.get("/Subtype") == "/XML"
        ):
            return []  # XMP metadata
        if isinstance(view.acroform, Ref) and num == view.acroform.num and isinstance(obj, dict):
            found = self._appended(obj, old, "/Fields", view, "the form")
            if obj.get("/SigFlags", 3) != 3 or _changed_keys(obj, old, {"/Fields", "/SigFlags"}):
                found.append(f"changes the form (object {num}) beyond adding a signature")
            return found
        if num in view.new_fields:
            return self._signature_field(num, obj, view)
        if isinstance(obj, dict) and obj.get("/Type") == "/Page" and isinstance(old, dict):
            found = self._appended(obj, old, "/Annots", view, "the page")
            if _changed_keys(obj, old, {"/Annots"}):
                found.append(f"changes page object {num} (content, resources or layout)")
            return found
        return [f"{'adds' if old is None else 'changes'} object {num} ({kind})"]

    def _appended(
        self, obj: dict[str, Any], old: Any, key: str, view: _View, what: str
    ) -> list[str]:
        """Problems unless ``obj[key]`` is ``old[key]`` plus new signature fields."""
        new = self.doc.resolve(obj.get(key, []), view.index)
        was = self.doc.resolve(old.get(key, []), view.index - 1) if isinstance(old, dict) else []
        if isinstance(obj.get(key), Ref) or not isinstance(new, list) or not isinstance(was, list):
            return [f"changes {key} of {what} (not a direct array)"]
        if not _same(new[: len(was)], was):
            return [f"changes {key} of {what} beyond appending"]
        added = new[len(was) :]
        if not all(isinstance(r, Ref) and r.num in view.new_fields for r in added):
            nums = ", ".join(str(r.num if isinstance(r, Ref) else r) for r in added)
            return [f"adds {nums} to {key} of {what}, not only a new signature field"]
        return []

    def _signature_field(self, num: int, obj: dict[str, Any], view: _View) -> list[str]:
        """A new signature field must be invisible, plain, and hold this revision's signature."""
        found = []
        name = _text(obj.get("/T"))
        extra = sorted(set(obj) - _SIG_FIELD_KEYS)
        if extra:
            found.append(f"signature field {name} (object {num}) carries {', '.join(extra)}")
        rect = obj.get("/Rect", [0, 0, 0, 0])
        if not (
            isinstance(rect, list)
            and len(rect) == 4
            and all(isinstance(v, (int, float)) for v in rect)
            and (rect[0] == rect[2] or rect[1] == rect[3])
        ):
            found.append(f"signature field {name} (object {num}) is visible (non-empty /Rect)")
        value = obj.get("/V")
        if not (
            isinstance(value, Ref)
            and value.num in view.signatures
            and value.num in self.doc.revisions[view.index].entries
        ):
            found.append(f"signature field {name} (object {num}) has no new signature value")
        return found
