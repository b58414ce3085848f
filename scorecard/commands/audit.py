"""``scorecard audit``: verify the chain, sign checkpoints of it, read the log."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from cryptography import x509

    from scorecard.db.schema import Checkpoint
    from scorecard.records.audit import VerifyReport


def verify(
    settings: Settings, expect_head: str | None = None, trust: Sequence[Path] = ()
) -> VerifyReport:
    """Walk the chain and every record it covers; with trusted certificates, check the signed
    checkpoints too (``report.checkpoints`` says how far the chain is anchored)."""
    from scorecard.records import audit, checkpoints, signatures
    from scorecard.records.session import reading

    anchors = load_certificates(trust)
    with reading(settings.database_url) as session:
        report = audit.verify(session, expect_head)
        report.checkpoints = checkpoints.inspect(session, anchors)
        # Signed judgments, mitigations and decisions: each signature still fits its record.
        report.problems.extend(signatures.verify_all(session))
    report.problems.extend(report.checkpoints.problems)
    return report


def checkpoint(
    settings: Settings, key: Path, cert: Path, passphrase: bytes | None, name: str | None = None
) -> Checkpoint:
    """Sign the chain's current head with ``key`` and record the checkpoint (in the chain).

    The key and certificate are checked first (they must match, and the certificate must be
    valid now); ``name`` defaults to the certificate's common name.
    """
    from scorecard.errors import SigningError
    from scorecard.records import checkpoints
    from scorecard.records.session import writing
    from scorecard.sign.keys import load_identity

    identity = load_identity(key, cert, passphrase)
    signer = (name or "").strip() or identity.info.common_name
    if not signer:
        raise SigningError(f"{cert}: the certificate has no common name: give the signer's name")
    with writing(settings.database_url) as session:
        return checkpoints.create(
            session,
            private_key=identity.key,
            certificate=identity.certificate,
            signer_name=signer,
            actor=actor_name(settings, signer),
        )


def load_certificates(paths: Sequence[Path]) -> list[x509.Certificate]:
    """Trusted certificates from files (PEM, possibly several in one file, or DER)."""

    from scorecard.errors import NotFound, ScorecardError
    from scorecard.sign.certificates import parse_certificates

    found: list[x509.Certificate] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"{path}: no such file") from None
        except OSError as exc:
            raise ScorecardError(f"{path}: cannot read: {exc.strerror}") from None
        try:
            found.extend(parse_certificates(data))
        except ValueError:
            raise ScorecardError(
                f"{path}: cannot read the trusted certificate (PEM or DER expected)"
            ) from None
    return found


def log(settings: Settings, model_ref: str | None = None) -> list[dict[str, Any]]:
    """The audit events, oldest first (only one model's, when named)."""
    from scorecard.records import audit, models
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        model_id = models.resolve(session, model_ref).id if model_ref is not None else None
        return audit.events(session, model_id)
