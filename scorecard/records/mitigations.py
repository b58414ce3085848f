"""Mitigations applied for a risk category, with who applied them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.framework import Framework
from scorecard.core.process import SAFETY
from scorecard.db.schema import Mitigation, Model
from scorecard.errors import ScoringError, UsageError
from scorecard.records import signatures, write
from scorecard.records.serialize import now

if TYPE_CHECKING:
    from scorecard.sign.keys import Identity


def add(
    session: Session,
    model: Model,
    framework: Framework,
    category: str,
    by: str,
    description: str,
    actor: str,
    signer: Identity | None = None,
) -> Mitigation:
    """Record a mitigation (signed by ``signer``, in the safety role, if given)."""
    if framework.category(category) is None:
        known = ", ".join(c.id for c in framework.categories)
        raise ScoringError(f"unknown category {category!r} for {framework.id} (known: {known})")
    if not by.strip() or not description.strip():
        raise UsageError("a mitigation needs who applied it and a description")
    signatures.authorize(session, SAFETY, signer)
    row = Mitigation(
        model_id=model.id,
        framework_id=framework.id,
        category=category,
        by=by,
        description=description,
        created_at=now(),
    )
    write.add(
        session,
        row,
        action="mitigation.add",
        actor=actor,
        summary=f"mitigation for {category} by {by}",
    )
    if signer is not None:
        signatures.sign(session, row, signer, actor)
    return row


def for_model(session: Session, model: Model) -> list[Mitigation]:
    return list(
        session.scalars(
            select(Mitigation).where(Mitigation.model_id == model.id).order_by(Mitigation.id)
        )
    )
