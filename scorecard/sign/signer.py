"""Signing a system card: PAdES baseline B-B, invisible fields, the first signature certifies.

Signatures are incremental revisions, so the PDF/A attachment stays intact and every earlier
signature stays valid. The first one certifies the document (DocMDP, allowing further
signatures only); later ones are approvals (e.g. the SAG chair, then the CEO). The signature
block people read is drawn in the document itself: pyHanko's visible stamps break PDF/A.

:func:`sign_bytes` signs in memory and writes nothing, so a caller can store its record first
and write the file only once that is committed; :func:`sign_pdf` writes atomically (a random
temporary file in the output's folder, then ``os.replace``). The key, the certificate and
their match and validity are checked before anything is read or written.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scorecard.errors import ScorecardError
from scorecard.files import write_atomic
from scorecard.sign.keys import Identity, load_identity
from scorecard.sign.quiet import first_line, quiet


@dataclass(frozen=True)
class SignatureRecord:
    field_name: str
    role: str
    name: str
    signed_at: datetime
    certify: bool
    sha256: str  # of the signed PDF
    cert_sha256: str  # fingerprint of the signer's certificate (DER), lowercase hex
    cert_subject: str  # RFC 4514
    cert_common_name: str | None
    cert_serial: str  # lowercase hex
    cert_not_before: datetime
    cert_not_after: datetime


def sign_bytes(
    source: bytes,
    *,
    key: Path,
    cert: Path,
    passphrase: bytes | None,
    role: str,
    name: str | None = None,
    location: str | None = None,
) -> tuple[bytes, SignatureRecord]:
    """Sign a PDF held in memory; return the signed bytes and the record. Writes nothing.

    ``name`` defaults to the certificate's subject common name.
    """
    return _sign(source, "the PDF", key, cert, passphrase, role, name, location)


def sign_pdf(
    pdf_in: Path,
    pdf_out: Path,
    *,
    key: Path,
    cert: Path,
    passphrase: bytes | None,
    role: str,
    name: str | None = None,
    location: str | None = None,
) -> SignatureRecord:
    """Sign ``pdf_in`` into ``pdf_out`` (may be the same file), replacing it atomically."""
    identity = _identity(key, cert, passphrase, role)
    try:
        source = pdf_in.read_bytes()
    except OSError as exc:
        raise ScorecardError(f"{pdf_in}: cannot read: {exc.strerror}") from None
    signed, record = sign_with(identity, source, str(pdf_in), role, name, location)
    write_atomic(pdf_out, signed)
    return record


def _identity(key: Path, cert: Path, passphrase: bytes | None, role: str) -> Identity:
    if not role.strip():
        raise ScorecardError("a signature needs the signer's role")
    return load_identity(key, cert, passphrase)


def _sign(
    source: bytes,
    label: str,
    key: Path,
    cert: Path,
    passphrase: bytes | None,
    role: str,
    name: str | None,
    location: str | None,
) -> tuple[bytes, SignatureRecord]:
    identity = _identity(key, cert, passphrase, role)
    return sign_with(identity, source, label, role, name, location)


def sign_with(
    identity: Identity,
    source: bytes,
    label: str = "the PDF",
    role: str = "",
    name: str | None = None,
    location: str | None = None,
) -> tuple[bytes, SignatureRecord]:
    """Sign with an identity already loaded (``keys.load_identity``); writes nothing."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR
    from pyhanko.sign import fields, signers

    info = identity.info
    if name is None:
        if not info.common_name or not info.common_name.strip():
            raise ScorecardError(
                "the certificate's subject has no common name: give the signer's name"
            )
        name = info.common_name
    if not name.strip():
        raise ScorecardError("a signature needs a non-empty signer's name")
    signer = _pyhanko_signer(identity)
    try:
        with quiet():
            writer = IncrementalPdfFileWriter(io.BytesIO(source), strict=False)
            existing = list(fields.enumerate_sig_fields(writer.prev, filled_status=True))
            number = len(existing) + 1
            field_name = f"Signature{number}"
            certify = number == 1
            # pyHanko appends itself to the Info producer but writes only itself into the XMP
            # metadata; PDF/A wants both equal, so the Info entry is set to what XMP will say.
            info_dict = writer.prev.trailer_view.get("/Info")
            if info_dict is not None:
                updated = generic.DictionaryObject(info_dict.get_object())
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
            out = io.BytesIO()
            pdf_signer.sign_pdf(writer, output=out)
    except ScorecardError:
        raise
    except Exception as exc:  # pyHanko reports a damaged PDF through many exception types
        raise ScorecardError(f"{label}: cannot sign: {first_line(exc)}") from None
    signed = out.getvalue()
    record = SignatureRecord(
        field_name=field_name,
        role=role,
        name=name,
        signed_at=datetime.now(UTC),
        certify=certify,
        sha256=hashlib.sha256(signed).hexdigest(),
        cert_sha256=info.sha256,
        cert_subject=info.subject,
        cert_common_name=info.common_name,
        cert_serial=info.serial,
        cert_not_before=info.not_before,
        cert_not_after=info.not_after,
    )
    return signed, record


def _pyhanko_signer(identity: Identity) -> Any:
    """A pyHanko signer built from the already checked key and certificate.

    Not ``SimpleSigner.load``: on a wrong passphrase it logs the exception with its traceback
    (``logger.error(..., exc_info=...)``), which Python's last-resort handler prints to stderr.
    """
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER
    key_info = asn1_keys.PrivateKeyInfo.load(
        identity.key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    certificate = asn1_x509.Certificate.load(identity.certificate.public_bytes(der))
    registry = SimpleCertificateStore()
    registry.register_multiple(
        [asn1_x509.Certificate.load(c.public_bytes(der)) for c in identity.extra_certificates]
    )
    return signers.SimpleSigner(
        signing_cert=certificate, signing_key=key_info, cert_registry=registry
    )
