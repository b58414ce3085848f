"""Attestations: a named person's statement that a framework requirement is met.

Only hardened security (gate ``security``) exists for now: when a scorecard requires it,
deciding to deploy needs one (``records.decisions``). An attestation is filed under the model,
naming the latest scorecard of the series at the time; like every record it is never edited
(a new attestation says more).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.process import ATTESTATION_GATES, SAFETY
from scorecard.db.schema import Attestation, Model
from scorecard.errors import UsageError
from scorecard.records import scorecards, signatures, write
from scorecard.records.models import label
from scorecard.records.serialize import now

if TYPE_CHECKING:
    from scorecard.sign.keys import Identity


def attest(
    session: Session,
    model: Model,
    gate: str,
    by: str,
    rationale: str,
    actor: str,
    *,
    framework_id: str | None = None,
    signer: Identity | None = None,
) -> Attestation:
    """Record an attestation (signed by ``signer``, in the safety role, if given), naming the
    latest scorecard of the series under ``framework_id`` (default: the model's first)."""
    if gate not in ATTESTATION_GATES:
        raise UsageError(f"unknown gate {gate!r} (expected {', '.join(ATTESTATION_GATES)})")
    if not by.strip() or not rationale.strip():
        raise UsageError("an attestation needs who attests and a written rationale")
    signatures.authorize(session, SAFETY, signer)
    card = scorecards.latest(session, model, framework_id)
    row = Attestation(
        model_id=model.id,
        scorecard_id=card.id if card is not None else None,
        gate=gate,
        by=by,
        rationale=rationale,
        created_at=now(),
    )
    on = f" on scorecard #{card.id}" if card is not None else ""
    write.add(
        session,
        row,
        action="attestation.add",
        actor=actor,
        summary=f"{gate} attested for {label(model)} by {by}{on}",
    )
    if signer is not None:
        signatures.sign(session, row, signer, actor)
    return row


def for_model(session: Session, model: Model, gate: str | None = None) -> list[Attestation]:
    query = select(Attestation).where(Attestation.model_id == model.id)
    if gate is not None:
        query = query.where(Attestation.gate == gate)
    return list(session.scalars(query.order_by(Attestation.id)))
