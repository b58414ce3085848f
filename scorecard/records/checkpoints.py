"""Signed checkpoints: what makes a rebuilt audit chain show.

The chain is plain sha256: anyone who can write to the database can edit a row and recompute
every hash after it, and the chain verifies again. A checkpoint is a signature, by a key the
database never holds, over the position and hash of the chain's newest event::

    {"event_hash":"<64 hex>","event_id":<int>,"scorecard-checkpoint":1}

(the canonical JSON of ``records.serialize.canonical``: sorted keys, no spaces, UTF-8). The
checkpoint row is written through ``records.write.add``, so it is itself in the chain, right
after the event it attests. Checked against certificates trusted from outside the database, a
checkpoint shows any rewrite of the events up to the one it signed: the event at ``event_id``
is gone, or no longer has ``event_hash``. Events after the latest trusted checkpoint are not
anchored yet; :func:`inspect` reports how many.

Keys: ECDSA (P-256) signs with ECDSA-SHA256; RSA with PKCS#1 v1.5 and SHA-256 (PSS with
SHA-256 is accepted when checking).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scorecard.db.schema import AuditEvent, Checkpoint
from scorecard.errors import CheckFailed, Refused, SigningError
from scorecard.records import audit, write
from scorecard.records.serialize import canonical, now
from scorecard.sign.certificates import (
    fingerprint,
    is_trusted,
    key_matches,
    sign_statement,
    statement_verifies,
)

__all__ = ["CheckpointReport", "check", "create", "fingerprint", "inspect", "statement"]

STATEMENT_VERSION = 1
NO_TRUSTED = "no checkpoint signed by a trusted certificate: the chain could have been rebuilt"


def statement(event_id: int, event_hash: str) -> bytes:
    """The bytes a checkpoint signs: canonical JSON of the position and hash of an event."""
    return canonical(
        {"scorecard-checkpoint": STATEMENT_VERSION, "event_id": event_id, "event_hash": event_hash}
    ).encode()


def create(
    session: Session,
    *,
    private_key: PrivateKeyTypes,
    certificate: x509.Certificate,
    signer_name: str,
    actor: str,
) -> Checkpoint:
    """Sign the chain's current head and record the checkpoint, inside the caller's transaction.

    Refuses an empty chain, a chain that does not verify (signing it would anchor the damage)
    and a key that does not match the certificate.
    """
    if not key_matches(private_key, certificate):
        raise SigningError("the key does not match the certificate")
    report = audit.verify(session)
    if not report.ok:
        raise CheckFailed(f"refusing to checkpoint a broken audit chain: {report.problems[0]}")
    newest = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if newest is None:
        raise Refused("the audit chain is empty: there is nothing to checkpoint")
    event_id, event_hash = int(newest.id), str(newest.hash)
    signature = sign_statement(private_key, statement(event_id, event_hash))
    row = Checkpoint(
        event_id=event_id,
        event_hash=event_hash,
        signature=base64.b64encode(signature).decode("ascii"),
        cert_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        cert_sha256=fingerprint(certificate),
        signer=signer_name,
        created_by=actor,
        created_at=now(),
    )
    return write.add(
        session,
        row,
        action="audit.checkpoint",
        actor=actor,
        summary=f"checkpoint of event #{event_id} signed by {signer_name}",
    )


@dataclass
class CheckpointReport:
    checkpoints: int = 0
    """Checkpoints in the database."""
    trusted: int = 0
    """Checkpoints by a trusted certificate whose signature verifies."""
    anchored_event: int | None = None
    """The newest event a trusted checkpoint signs and the chain still holds."""
    unanchored: int | None = None
    """Events after the latest trusted, intact checkpoint's own event: not anchored yet.
    None when no trusted checkpoint is intact."""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def inspect(session: Session, trust: Sequence[x509.Certificate]) -> CheckpointReport:
    """Check every checkpoint against ``trust``; with no trusted certificates only count them.

    A checkpoint is a problem when its certificate is not trusted, its signature does not
    verify, or the event it signed is gone or has another hash. With trusted certificates
    given and no checkpoint by any of them, that is a problem too.
    """
    report = CheckpointReport()
    rows = list(session.scalars(select(Checkpoint).order_by(Checkpoint.id)))
    report.checkpoints = len(rows)
    if not trust:
        return report
    events = _events_of(session, [c.event_id for c in rows])
    own_events = {
        int(row.entity_id): int(row.id)
        for row in session.execute(
            select(AuditEvent.entity_id, AuditEvent.id).where(AuditEvent.entity == "checkpoint")
        )
    }
    latest: Checkpoint | None = None
    for checkpoint in rows:
        where = (
            f"checkpoint #{checkpoint.id} (event #{checkpoint.event_id}, "
            f"signed by {checkpoint.signer})"
        )
        try:
            certificate = x509.load_pem_x509_certificate(checkpoint.cert_pem.encode())
        except ValueError:
            report.problems.append(f"{where}: its certificate cannot be read")
            continue
        if fingerprint(certificate) != checkpoint.cert_sha256:
            report.problems.append(f"{where}: its certificate does not match its fingerprint")
            continue
        if not is_trusted(certificate, trust):
            report.problems.append(
                f"{where}: signed by an untrusted certificate "
                f"(sha256 {checkpoint.cert_sha256[:16]}…)"
            )
            continue
        try:
            signature = base64.b64decode(checkpoint.signature, validate=True)
        except (binascii.Error, ValueError):
            signature = b""
        signed = statement(checkpoint.event_id, checkpoint.event_hash)
        if not statement_verifies(certificate, signature, signed, allow_pss=True):
            report.problems.append(
                f"{where}: the signature does not verify: the checkpoint was altered or forged"
            )
            continue
        report.trusted += 1
        held = events.get(checkpoint.event_id)
        if held is None:
            report.problems.append(
                f"{where}: event #{checkpoint.event_id} is missing: the chain was truncated "
                "or rebuilt below the checkpoint"
            )
        elif held != checkpoint.event_hash:
            report.problems.append(
                f"{where}: event #{checkpoint.event_id} no longer has the signed hash "
                f"{checkpoint.event_hash[:16]}…: the chain was rewritten up to it"
            )
        elif latest is None or checkpoint.event_id >= latest.event_id:
            latest = checkpoint
    if report.trusted == 0:
        report.problems.append(NO_TRUSTED)
    if latest is not None:
        report.anchored_event = latest.event_id
        after = own_events.get(latest.id, latest.event_id)
        report.unanchored = int(
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.id > after)
            )
            or 0
        )
    return report


def check(session: Session, trust: Sequence[x509.Certificate]) -> list[str]:
    """The problems :func:`inspect` finds, first checkpoint first."""
    return inspect(session, trust).problems


def _events_of(session: Session, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 2000):
        chunk = wanted[start : start + 2000]
        query = select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(chunk))
        found.update((int(row.id), str(row.hash)) for row in session.execute(query))
    return found
