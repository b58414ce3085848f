"""Validating a card's signatures with pyHanko against explicit trust roots.

pyHanko's ``valid`` stays true on a changed document (it checks the signature over the digest
it finds), so a signature is only accepted when it is also ``intact`` (the digest matches the
bytes) and ``trusted``. Some damaged inputs make pyHanko log tracebacks: its loggers are
silenced here, and any failure becomes a failed check with a one-line reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scorecard.errors import ScorecardError
from scorecard.sign.quiet import first_line, quiet


@dataclass
class SignatureCheck:
    field_name: str
    signer: str
    reason: str | None
    signing_time: str | None
    intact: bool
    valid: bool
    trusted: bool
    coverage: str
    modification_level: str
    certified: bool
    problems: list[str] = field(default_factory=list)
    cert_sha256: str = ""
    """sha256 of the signing certificate (DER), lowercase hex."""
    cert_der: bytes = field(default=b"", repr=False)

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.problems


def validate_signatures(pdf: Path, trust: Sequence[Path]) -> list[SignatureCheck]:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        roots = [load_cert_from_pemder(str(path)) for path in trust]
    except Exception:
        raise ScorecardError("cannot read a trusted certificate (PEM or DER expected)") from None
    checks: list[SignatureCheck] = []
    with quiet():
        try:
            with pdf.open("rb") as handle:
                reader = PdfFileReader(handle, strict=False)
                signatures = list(reader.embedded_signatures)
                for signature in signatures:
                    checks.append(
                        _check(signature, roots, validate_pdf_signature, ValidationContext)
                    )
        except ScorecardError:
            raise
        except Exception as exc:  # a damaged or foreign file can fail anywhere in the parser
            raise ScorecardError(f"{pdf}: cannot read the signatures: {first_line(exc)}") from None
    return checks


def _check(signature: Any, roots: list[Any], validate: Any, context: Any) -> SignatureCheck:
    name = str(signature.field_name)
    try:
        # pyHanko's own difference analysis of later revisions is skipped: it is slow on large
        # cards (half a minute for 43 pages) and was fooled by the wrapping attack;
        # sign.coverage decides what every revision after a signature may do, from the bytes.
        status = validate(
            signature, context(trust_roots=roots, allow_fetching=False), skip_diff=True
        )
    except Exception as exc:  # a broken signature value is a failed check, not a crash
        return SignatureCheck(
            name,
            "unknown",
            None,
            None,
            False,
            False,
            False,
            "none",
            "none",
            False,
            [f"cannot validate: {first_line(exc)}"],
        )
    problems = []
    if not status.intact:
        problems.append("the signed bytes were changed (digest mismatch)")
    if not status.valid:
        problems.append("the signature value does not verify")
    if not status.trusted:
        problems.append(
            "the signer's certificate is not trusted (no trusted certificate was given)"
            if not roots
            else "the signer's certificate does not chain to a trusted certificate"
        )
    if status.docmdp_ok is False:
        problems.append("changes after signing that the certification does not allow")
    signer, der = "unknown", b""
    if status.signing_cert is not None:
        subject = status.signing_cert.subject.native
        signer = subject.get("common_name") or status.signing_cert.subject.human_friendly
        der = status.signing_cert.dump()
    when = status.signer_reported_dt.isoformat() if status.signer_reported_dt else None
    reason = signature.sig_object.get("/Reason")
    return SignatureCheck(
        field_name=name,
        signer=str(signer),
        reason=str(reason) if reason else None,
        signing_time=when,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        coverage=str(status.coverage.name),
        modification_level=str(
            status.modification_level.name if status.modification_level else "none"
        ),
        certified=getattr(signature, "docmdp_level", None) is not None,
        problems=problems,
        cert_sha256=hashlib.sha256(der).hexdigest() if der else "",
        cert_der=der,
    )
