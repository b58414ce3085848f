"""Documents: each signature on a system card, with the signed PDF's hash."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.db.schema import Document, Model, ScorecardRow
from scorecard.errors import NotFound
from scorecard.records import write
from scorecard.records.models import label
from scorecard.records.serialize import now


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
