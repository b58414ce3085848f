"""Signers bound to roles: who signed the card in which role, and with which certificate.

The framework pack attached to the card (covered by the signatures) says which roles must sign
(``card_signers``). Each must be present, each with a different certificate. A role named with
``--trust-role ROLE=CERT`` must be signed by that certificate or one it issued; a role given
by a signer is matched against the pack's names and aliases in any case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scorecard.errors import UsageError
from scorecard.sign.certificates import fingerprint as certificate_fingerprint
from scorecard.sign.certificates import is_trusted

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

    from scorecard.core.framework import FrameworkHeader
    from scorecard.sign.validate import SignatureCheck


@dataclass(frozen=True)
class RoleTrust:
    """``--trust-role ROLE=CERT``: this role must be signed with this certificate."""

    role: str
    cert: Path


def parse_trust_role(text: str) -> RoleTrust:
    role, sep, cert = text.partition("=")
    if not sep or not role.strip() or not cert.strip():
        raise UsageError(f"--trust-role {text!r}: expected ROLE=CERT")
    return RoleTrust(role.strip(), Path(cert.strip()))


def load_certificate(path: Path) -> Certificate:
    from scorecard.sign.certificates import parse_certificates

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the certificate: {exc.strerror}") from None
    try:
        return parse_certificates(data)[0]
    except (ValueError, IndexError):
        raise UsageError(f"{path}: not a certificate (PEM or DER expected)") from None


def check_roles(
    header: FrameworkHeader, signatures: Sequence[SignatureCheck], bound: Sequence[RoleTrust]
) -> tuple[list[str], str]:
    """Problems, and a one-line account of who signed as what."""
    problems: list[str] = []
    by_role: dict[str, list[SignatureCheck]] = {}
    for signature in signatures:
        signer = header.card_signer(signature.reason or "")
        if signer is not None:
            by_role.setdefault(signer.role, []).append(signature)
    for required in header.card_signers:
        if required.role not in by_role:
            problems.append(f"no signature as {required.role}, which {header.id} requires")
    owners: dict[str, str] = {}
    for role, signed in by_role.items():
        for signature in signed:
            other = owners.setdefault(signature.cert_sha256, role)
            if other != role:
                problems.append(
                    f"{other} and {role} are signed with the same certificate "
                    f"({signature.cert_sha256[:16]}…): each role needs its own signer"
                )
    seen: dict[str, str] = {}
    for trust in bound:
        signer = header.card_signer(trust.role)
        if signer is None:
            names = ", ".join(n for s in header.card_signers for n in s.names) or "none"
            problems.append(f"{trust.role!r} is not a signing role of {header.id} ({names})")
            continue
        certificate = load_certificate(trust.cert)
        fingerprint = certificate_fingerprint(certificate)
        if seen.setdefault(fingerprint, signer.role) != signer.role:
            problems.append(
                f"{seen[fingerprint]} and {signer.role} are bound to the same certificate: each "
                "role needs its own signer"
            )
        signed = by_role.get(signer.role, [])
        if signed and not all(_issued_by(s, certificate) for s in signed):
            problems.append(
                f"{signer.role} is signed by {', '.join(s.signer for s in signed)}, not with "
                f"the certificate given for it ({trust.cert.name})"
            )
    account = "; ".join(
        f"{role}: {', '.join(s.signer for s in signed)}" for role, signed in by_role.items()
    )
    return problems, account or "no signature names a signing role"


def _issued_by(signature: SignatureCheck, certificate: Certificate) -> bool:
    """The signing certificate is ``certificate`` itself, or one it issued directly."""
    from cryptography import x509

    try:
        signing = x509.load_der_x509_certificate(signature.cert_der)
    except ValueError:
        return False
    return is_trusted(signing, [certificate])
