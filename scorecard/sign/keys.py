"""Signing identities for teams without a PKI, and passphrases that are never shown or kept.

A certificate from an organisation's CA works the same way; this makes a self-signed one with
the key usages PAdES validators expect (digital signature and non-repudiation).
"""

from __future__ import annotations

import datetime
import getpass
import os
import sys
from pathlib import Path
from typing import Literal

from scorecard.errors import ScorecardError

PASSPHRASE_ENV = "SCORECARD_KEY_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
CERT_NAME = "signing-cert.pem"
KEY_NAME = "signing-key.pem"
Algorithm = Literal["ecdsa-p256", "rsa-3072"]


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
        raise ScorecardError("a signing identity needs --name and --email")
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
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_bytes)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def read_passphrase(passphrase_file: Path | None, *, prompt: bool, confirm: bool = False) -> bytes:
    """From --passphrase-file, else SCORECARD_KEY_PASSPHRASE, else a hidden prompt on a terminal.

    Never from a command-line value (it would show in the process list and shell history).
    """
    if passphrase_file is not None:
        try:
            lines = passphrase_file.read_bytes().splitlines()
        except OSError as exc:
            raise ScorecardError(
                f"{passphrase_file}: cannot read the passphrase file: {exc.strerror}"
            ) from None
        if not lines or not lines[0]:
            raise ScorecardError(f"{passphrase_file}: the passphrase file is empty")
        return lines[0]
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env.encode()
    if prompt and sys.stdin.isatty():
        first = getpass.getpass("Key passphrase: ").encode()
        if confirm and getpass.getpass("Again: ").encode() != first:
            raise ScorecardError("the passphrases do not match")
        return first
    raise ScorecardError(f"no passphrase: give --passphrase-file or set {PASSPHRASE_ENV}")
