"""Mitigations applied for a risk category, with who applied them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.framework import Framework
from scorecard.db.schema import Mitigation, Model
from scorecard.errors import ScoringError, UsageError
from scorecard.records import write
from scorecard.records.serialize import now


def add(
    session: Session,
    model: Model,
    framework: Framework,
    category: str,
    by: str,
    description: str,
    actor: str,
) -> Mitigation:
    if framework.category(category) is None:
        known = ", ".join(c.id for c in framework.categories)
        raise ScoringError(f"unknown category {category!r} for {framework.id} (known: {known})")
    if not by.strip() or not description.strip():
        raise UsageError("a mitigation needs who applied it and a description")
    row = Mitigation(
        model_id=model.id,
        framework_id=framework.id,
        category=category,
        by=by,
        description=description,
        created_at=now(),
    )
    return write.add(
        session,
        row,
        action="mitigation.add",
        actor=actor,
        summary=f"mitigation for {category} by {by}",
    )


def for_model(session: Session, model: Model) -> list[Mitigation]:
    return list(
        session.scalars(
            select(Mitigation).where(Mitigation.model_id == model.id).order_by(Mitigation.id)
        )
    )
