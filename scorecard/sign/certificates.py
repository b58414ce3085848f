"""Certificates and signed statements, one way for every part of the record that needs them:
signed checkpoints, signed judgments and decisions, the roster, and signers bound to roles.

- :func:`fingerprint`: sha256 of a certificate's DER, lowercase hex (what every record stores);
- :func:`parse_certificates`: PEM (one or several) or DER bytes, ``ValueError`` otherwise;
- :func:`key_matches`: a private key belongs to a certificate;
- :func:`is_trusted`: a certificate is one of the anchors, or issued directly by one;
- :func:`sign_statement` / :func:`statement_verifies`: ECDSA-SHA256, or RSA PKCS#1 v1.5 with
  SHA-256, over a canonical statement's bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from scorecard.errors import SigningError

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


def fingerprint(certificate: x509.Certificate) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM bytes, or the one in DER bytes; ``ValueError`` for anything else
    (a key, a text file, an empty PEM)."""
    from cryptography import x509

    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def key_matches(private_key: PrivateKeyTypes, certificate: x509.Certificate) -> bool:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    spki = Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    return bool(
        private_key.public_key().public_bytes(*spki) == certificate.public_key().public_bytes(*spki)
    )


def is_trusted(certificate: x509.Certificate, anchors: Sequence[x509.Certificate]) -> bool:
    """One of the anchors, or issued (signed) directly by one of them."""
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

    own = fingerprint(certificate)
    for anchor in anchors:
        if fingerprint(anchor) == own:
            return True
        try:
            certificate.verify_directly_issued_by(anchor)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            continue
        return True
    return False


def sign_statement(private_key: PrivateKeyTypes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    raise SigningError("an ECDSA or RSA key is needed to sign")


def statement_verifies(
    certificate: x509.Certificate, signature: bytes, data: bytes, *, allow_pss: bool = False
) -> bool:
    """Whether ``signature`` over ``data`` verifies with the certificate's key (RSA-PSS with
    SHA-256 too, when ``allow_pss``)."""
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = certificate.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            return True
        if isinstance(key, rsa.RSAPublicKey):
            try:
                key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                if not allow_pss:
                    raise
                pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
                key.verify(signature, data, pss, hashes.SHA256())
            return True
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return False
