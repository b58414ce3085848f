"""Documents: each signature on a system card, with the signed PDF's hash."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.db.schema import Document, Model
from scorecard.errors import ScorecardError
from scorecard.records import audit
from scorecard.records.models import label


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
) -> Document:
    from scorecard.db.schema import ScorecardRow

    card = session.get(ScorecardRow, scorecard_id)
    if card is None or card.model_id != model.id:
        raise ScorecardError(f"{label(model)} has no scorecard #{scorecard_id}")
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
        created_at=audit.now(),
    )
    session.add(row)
    session.flush()
    what = f"{kind} by {signer} ({role})" if signer else kind
    audit.append(
        session,
        action=f"document.{kind}",
        entity="document",
        row=row,
        actor=actor,
        summary=f"{what}: {file_name} for scorecard #{scorecard_id}",
        model_id=model.id,
    )
    return row


def for_model(session: Session, model: Model) -> list[Document]:
    return list(
        session.scalars(select(Document).where(Document.model_id == model.id).order_by(Document.id))
    )
