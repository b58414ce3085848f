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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scorecard.sign.pdfsyntax import (
    HEX,
    IMAGE_FILTERS,
    MAX_FILE_BYTES,
    OBJ_HEADER,
    Document,
    Name,
    Ref,
    Stream,
    StructureError,
    stream_filters,
)

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
_CATALOG_MAY_CHANGE = frozenset({"/AcroForm", "/Metadata", "/Extensions", "/Version"})
_SIG_FIELD_KEYS = frozenset(
    {"/FT", "/T", "/TU", "/TM", "/Type", "/Subtype", "/F", "/Rect", "/P", "/V", "/Ff", "/Lock"}
)


def check_file(path: Path) -> list[str]:
    """:func:`check_structure` on a file, refusing one larger than the limit before reading."""
    return inspect_file(path)[0]


def inspect_file(path: Path) -> tuple[list[str], list[str]]:
    """The problems, and the signatures found in the bytes (field names, in order)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [f"the file is larger than {MAX_FILE_BYTES // 2**20} MB: refused (limit)"], []
        data = path.read_bytes()
    except OSError as exc:
        return [f"cannot read the file: {exc.strerror}"], []
    return inspect_structure(data)


def check_structure(data: bytes) -> list[str]:
    """Problems with what the signatures of a PDF cover; empty when there are none."""
    return inspect_structure(data)[0]


def inspect_structure(data: bytes) -> tuple[list[str], list[str]]:
    if len(data) > MAX_FILE_BYTES:
        return [f"the file is larger than {MAX_FILE_BYTES // 2**20} MB: refused (limit)"], []
    names: list[str] = []
    try:
        checker = _Checker(Document(data))
        problems = checker.run()
        names = checker.signature_names
    except StructureError as exc:
        problems = [f"cannot read the PDF structure: {exc}"]
    except (RecursionError, MemoryError, ValueError, IndexError, OverflowError) as exc:
        problems = [f"cannot read the PDF structure: {type(exc).__name__}"]
    unique = list(dict.fromkeys(problems))
    if len(unique) > MAX_PROBLEMS:
        unique = [*unique[:MAX_PROBLEMS], f"and {len(unique) - MAX_PROBLEMS} more problems"]
    return unique, names


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
    if not (written[:1] == b"<" and written[-1:] == b">" and HEX.fullmatch(digits)):
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
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[str] = []
        self.signature_names: list[str] = []

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
            if signature.num not in field_names:
                # pyHanko validates only signatures that a signature field holds: one that no
                # field holds would be counted here and never checked there.
                self.problems.append(
                    f"{signature.name} is not the value of any signature field: refused"
                )
            signature.name = field_names.get(signature.num, signature.name)
        self.signature_names = [s.name for s in signatures]
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
        filters = stream_filters(stream)
        if stream.dict.get("/Type") in ("/XRef", "/ObjStm") or not filters:
            return  # decoded when read, or not compressed
        if filters == ["/FlateDecode"]:
            self.doc.budget.inflate(stream.raw, measure_only=True)
        elif len(filters) != 1 or filters[0] not in IMAGE_FILTERS:
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
        header = OBJ_HEADER.match(data, entry[1])
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
