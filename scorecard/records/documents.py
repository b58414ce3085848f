"""Documents: each signature on a system card, with the signed PDF's hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.db.schema import Document, Model, ScorecardRow
from scorecard.errors import NotFound
from scorecard.records import write
from scorecard.records.models import label
from scorecard.records.serialize import now


@dataclass(frozen=True)
class CertificateFacts:
    """Who holds the certificate that signed: its fingerprint, subject and validity."""

    sha256: str
    subject: str
    not_before: datetime
    not_after: datetime


def record(
    session: Session,
    model: Model,
    scorecard_id: int,
    *,
    kind: str,
    file_name: str,
    sha256: str,
    actor: str,
    signer: str | None = None,
    role: str | None = None,
    field_name: str | None = None,
    certificate: CertificateFacts | None = None,
) -> Document:
    card = session.get(ScorecardRow, scorecard_id)
    if card is None or card.model_id != model.id:
        raise NotFound(f"{label(model)} has no scorecard #{scorecard_id}")
    row = Document(
        model_id=model.id,
        scorecard_id=scorecard_id,
        kind=kind,
        file_name=file_name,
        sha256=sha256,
        signer=signer,
        role=role,
        field_name=field_name,
        created_by=actor,
        created_at=now(),
        cert_sha256=certificate.sha256 if certificate else None,
        cert_subject=certificate.subject if certificate else None,
        cert_not_before=certificate.not_before if certificate else None,
        cert_not_after=certificate.not_after if certificate else None,
    )
    what = f"{kind} by {signer} ({role})" if signer else kind
    return write.add(
        session,
        row,
        action=f"document.{kind}",
        actor=actor,
        summary=f"{what}: {file_name} for scorecard #{scorecard_id}",
    )


def for_model(session: Session, model: Model) -> list[Document]:
    return list(
        session.scalars(select(Document).where(Document.model_id == model.id).order_by(Document.id))
    )
