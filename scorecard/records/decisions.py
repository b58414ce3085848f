"""Launch decisions: the SAG's recommendation, leadership's decision, the board's review.

A decision is taken on the model's latest scorecard, which must be up to date with the evidence
and judgments stored since it was computed; the framework's gates and the process's order of
roles (``core.process``) decide what is allowed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.process import DECISIONS, GATED, ROLES, Prior, check_step
from scorecard.db.schema import Decision, Model
from scorecard.errors import GateClosed, UsageError
from scorecard.records import scorecards, signatures, write
from scorecard.records.models import label
from scorecard.records.serialize import now

if TYPE_CHECKING:
    from scorecard.sign.keys import Identity


def for_model(session: Session, model: Model) -> list[Decision]:
    return list(
        session.scalars(select(Decision).where(Decision.model_id == model.id).order_by(Decision.id))
    )


def on_scorecard(session: Session, scorecard_id: int) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision).where(Decision.scorecard_id == scorecard_id).order_by(Decision.id)
        )
    )


def decide(
    session: Session,
    model: Model,
    decision: str,
    role: str,
    by: str,
    rationale: str,
    actor: str,
    signer: Identity | None = None,
) -> Decision:
    """Record a decision on the latest scorecard, if the gates and the order of roles allow.

    With ``signer`` the decision is signed in the same transaction; the policy and the roster
    decide whether it must be and who may (``records.signatures.authorize``)."""
    if decision not in DECISIONS:
        raise UsageError(f"unknown decision {decision!r} (expected {', '.join(DECISIONS)})")
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r} (expected {', '.join(ROLES)})")
    if not by.strip() or not rationale.strip():
        raise UsageError("a decision needs who decides and a written rationale")
    card = scorecards.require_latest(session, model)
    scorecards.require_current(session, model, card)
    gate = GATED.get(decision)
    if gate is not None and not getattr(card, gate):
        blocking = scorecards.result_of(card).eligibility.blocking(gate)
        raise GateClosed(
            f"refused: {decision} is not allowed by scorecard #{card.id} of {label(model)}: "
            + "; ".join(blocking)
        )
    earlier = [Prior(d.id, d.role, d.decision) for d in on_scorecard(session, card.id)]
    step = check_step(role, decision, earlier, card.id)
    if step.refusal is not None:
        raise GateClosed(f"refused: {step.refusal}")
    signatures.authorize(session, role, signer, scorecard_id=card.id)
    row = Decision(
        model_id=model.id,
        scorecard_id=card.id,
        decision=decision,
        role=role,
        by=by,
        rationale=rationale,
        reverses_id=step.reverses,
        created_at=now(),
    )
    verb = f"reverses decision #{step.reverses}: " if step.reverses else ""
    write.add(
        session,
        row,
        action="decision.add",
        actor=actor,
        summary=f"{role} {verb}{decision} by {by} on scorecard #{card.id}",
    )
    if signer is not None:
        signatures.sign(session, row, signer, actor)
    return row
