"""Signing identities for teams without a PKI, and passphrases that are never shown or kept.

A certificate from an organisation's CA works the same way; this makes a self-signed one with
the key usages PAdES validators expect (digital signature and non-repudiation).

Private keys are written as PKCS#8 PBES2 with PBKDF2-HMAC-SHA256 (600,000 iterations) and
AES-256-CBC. ``cryptography``'s ``BestAvailableEncryption`` uses 2,048 iterations and its
PKCS#8 encryption builder cannot set a cost, so the structure is built with asn1crypto.
PBKDF2 rather than scrypt: OpenSSL (3.0 CLI) refuses scrypt keys above 32 MiB of memory, so a
scrypt key at a meaningful cost could not be converted with ``openssl pkcs8``/``pkcs12``.

:func:`load_identity` reads a key and certificate and refuses, before anything is written, a
key that does not match the certificate and a certificate outside its validity period.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from scorecard.errors import ScorecardError
from scorecard.sign.certificates import fingerprint, key_matches

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

CERT_NAME = "signing-cert.pem"
KEY_NAME = "signing-key.pem"
KDF_ITERATIONS = 600_000  # PBKDF2-HMAC-SHA256, OWASP's 2023 figure
Algorithm = Literal["ecdsa-p256", "rsa-3072"]


@dataclass(frozen=True)
class CertificateInfo:
    """What a signature record keeps of the signer's certificate."""

    sha256: str  # fingerprint of the DER certificate, lowercase hex
    subject: str  # RFC 4514 string
    common_name: str | None
    serial: str  # lowercase hex, no prefix (serials can exceed 64 bits)
    not_before: datetime.datetime  # UTC
    not_after: datetime.datetime  # UTC


@dataclass(frozen=True)
class Identity:
    """A private key and the certificate it matches, checked and ready to sign with."""

    key: PrivateKeyTypes
    certificate: x509.Certificate
    extra_certificates: tuple[x509.Certificate, ...]
    info: CertificateInfo


def new_identity(
    name: str,
    email: str,
    out_dir: Path,
    passphrase: bytes,
    algorithm: Algorithm = "ecdsa-p256",
    days: int = 730,
) -> tuple[Path, Path]:
    """Write ``signing-cert.pem`` and an encrypted ``signing-key.pem`` (mode 0600)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    if not name.strip() or not email.strip():
        raise ScorecardError("a signing identity needs a name and an email address")
    if not passphrase:
        raise ScorecardError("refusing an empty passphrase: the private key must be encrypted")
    cert_path, key_path = out_dir / CERT_NAME, out_dir / KEY_NAME
    for path in (cert_path, key_path):
        if path.exists():
            raise ScorecardError(f"{path} already exists: not overwriting a key or certificate")
    key = (
        ec.generate_private_key(ec.SECP256R1())
        if algorithm == "ecdsa-p256"
        else rsa.generate_private_key(public_exponent=65537, key_size=3072)
    )
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, email),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    key_bytes = encrypt_private_key(key, passphrase)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_bytes)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def encrypt_private_key(
    key: PrivateKeyTypes, passphrase: bytes, *, iterations: int = KDF_ITERATIONS
) -> bytes:
    """PEM ``ENCRYPTED PRIVATE KEY``: PKCS#8, PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC."""
    from asn1crypto import algos, pem  # type: ignore[import-untyped]
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import hashes, padding, serialization
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    if not passphrase:
        raise ScorecardError("refusing an empty passphrase: the private key must be encrypted")
    plain = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    salt, iv = os.urandom(16), os.urandom(16)
    derived = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations
    ).derive(passphrase)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(derived), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    info = asn1_keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": {
                "algorithm": "pbes2",
                "parameters": {
                    "key_derivation_func": {
                        "algorithm": "pbkdf2",
                        "parameters": {
                            "salt": algos.Pbkdf2Salt(name="specified", value=salt),
                            "iteration_count": iterations,
                            "key_length": 32,
                            "prf": {"algorithm": "sha256"},
                        },
                    },
                    "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                },
            },
            "encrypted_data": encrypted,
        }
    )
    armored: bytes = pem.armor("ENCRYPTED PRIVATE KEY", info.dump())
    return armored


def certificate_info(certificate: x509.Certificate) -> CertificateInfo:
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(names[0].value) if names else None
    return CertificateInfo(
        sha256=fingerprint(certificate),
        subject=certificate.subject.rfc4514_string(),
        common_name=common_name,
        serial=format(certificate.serial_number, "x"),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def load_identity(
    key: Path,
    cert: Path,
    passphrase: bytes | None,
    *,
    now: datetime.datetime | None = None,
) -> Identity:
    """Read the key (PEM/DER PKCS#8 or PKCS#1/SEC1, or PKCS#12 ``.p12``/``.pfx``) and the
    certificate (PEM or DER), and refuse a key that does not match the certificate or a
    certificate that is expired or not yet valid. Errors are one line and never carry the
    passphrase or key material."""
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    for path in (key, cert):
        if not path.is_file():
            raise ScorecardError(f"{path}: no such file")
    try:
        key_data, cert_data = key.read_bytes(), cert.read_bytes()
    except OSError as exc:
        raise ScorecardError(f"{exc.filename}: cannot read: {exc.strerror}") from None
    try:
        certificate = (
            x509.load_pem_x509_certificate(cert_data)
            if b"-----BEGIN" in cert_data
            else x509.load_der_x509_certificate(cert_data)
        )
    except ValueError:
        raise ScorecardError(f"{cert}: cannot read the certificate (PEM or DER expected)") from None
    extra: list[x509.Certificate] = []
    private_key: PrivateKeyTypes | None
    # Never echo what the parser said: the message could carry key material.
    try:
        if key.suffix.lower() in (".p12", ".pfx"):
            private_key, bundled, chain = pkcs12.load_key_and_certificates(key_data, passphrase)
            extra = [c for c in [bundled, *chain] if c is not None and c != certificate]
        elif b"-----BEGIN" in key_data:
            private_key = serialization.load_pem_private_key(key_data, passphrase)
        else:
            private_key = serialization.load_der_private_key(key_data, passphrase)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        private_key = None
    if private_key is None:
        raise ScorecardError(
            f"{key}: cannot load the signing key (wrong passphrase, or not a PEM, DER or "
            "PKCS#12 private key)"
        )
    if not key_matches(private_key, certificate):
        raise ScorecardError(f"{key}: the key does not match the certificate {cert}")
    info = certificate_info(certificate)
    moment = now or datetime.datetime.now(datetime.UTC)
    if moment < info.not_before:
        raise ScorecardError(f"{cert}: the certificate is not valid until {_when(info.not_before)}")
    if moment > info.not_after:
        raise ScorecardError(f"{cert}: the certificate expired on {_when(info.not_after)}")
    return Identity(private_key, certificate, tuple(extra), info)


def _when(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
