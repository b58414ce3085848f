"""Signing a system card: PAdES baseline B-B, invisible fields, the first signature certifies.

Signatures are incremental revisions, so the PDF/A attachment stays intact and every earlier
signature stays valid. The first one certifies the document (DocMDP, allowing further
signatures only); later ones are approvals (e.g. the SAG chair, then the CEO). The signature
block people read is drawn in the document itself: pyHanko's visible stamps break PDF/A.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scorecard.errors import ScorecardError


@dataclass(frozen=True)
class SignatureRecord:
    field_name: str
    role: str
    name: str
    signed_at: datetime
    certify: bool
    sha256: str


def sign_pdf(
    pdf_in: Path,
    pdf_out: Path,
    *,
    key: Path,
    cert: Path,
    passphrase: bytes | None,
    role: str,
    name: str,
    location: str | None = None,
) -> SignatureRecord:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR
    from pyhanko.sign import fields, signers

    if not role.strip() or not name.strip():
        raise ScorecardError("a signature needs --role and --name")
    signer = _load_signer(key, cert, passphrase)
    try:
        source = pdf_in.read_bytes()
    except OSError as exc:
        raise ScorecardError(f"{pdf_in}: cannot read: {exc.strerror}") from None
    pdf_out.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(
        dir=pdf_out.parent, prefix=f".{pdf_out.name}.", suffix=".tmp"
    )
    tmp = Path(tmp_name)
    try:
        import io

        writer = IncrementalPdfFileWriter(io.BytesIO(source), strict=False)
        existing = list(fields.enumerate_sig_fields(writer.prev, filled_status=True))
        number = len(existing) + 1
        field_name = f"Signature{number}"
        certify = number == 1
        # pyHanko appends itself to the Info producer but writes only itself into the XMP
        # metadata; PDF/A wants both equal, so the Info entry is set to what XMP will say.
        info = writer.prev.trailer_view.get("/Info")
        if info is not None:
            updated = generic.DictionaryObject(info.get_object())
            updated["/Producer"] = generic.TextStringObject(VENDOR)
            writer.set_info(updated)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=role,
            name=name,
            location=location,
            certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            md_algorithm="sha256",
        )
        pdf_signer = signers.PdfSigner(
            meta, signer=signer, new_field_spec=fields.SigFieldSpec(sig_field_name=field_name)
        )
        with os.fdopen(handle, "wb") as out:
            pdf_signer.sign_pdf(writer, output=out)
        tmp.replace(pdf_out)
    except ScorecardError:
        raise
    except Exception as exc:  # pyHanko reports a damaged PDF through many exception types
        raise ScorecardError(f"{pdf_in}: cannot sign: {_first_line(exc)}") from None
    finally:
        tmp.unlink(missing_ok=True)
    digest = hashlib.sha256(pdf_out.read_bytes()).hexdigest()
    return SignatureRecord(field_name, role, name, datetime.now(UTC), certify, digest)


def _load_signer(key: Path, cert: Path, passphrase: bytes | None) -> Any:
    from pyhanko.sign import signers

    for path in (key, cert):
        if not path.is_file():
            raise ScorecardError(f"{path}: no such file")
    try:
        if key.suffix.lower() in (".p12", ".pfx"):
            signer = signers.SimpleSigner.load_pkcs12(str(key), passphrase=passphrase)
        else:
            signer = signers.SimpleSigner.load(str(key), str(cert), key_passphrase=passphrase)
    except Exception:  # never echo what was tried: the message could carry key material
        signer = None
    if signer is None:
        raise ScorecardError(
            f"{key}: cannot load the signing key (wrong passphrase, or not a "
            "PEM/PKCS#12 key matching the certificate)"
        )
    return signer


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
