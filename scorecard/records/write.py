"""The one write path: a new row is added and described in the audit chain in one step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from scorecard.db.schema import Base, Model
from scorecard.records import audit

R = TypeVar("R", bound=Base)


def add(
    session: Session,
    row: R,
    *,
    action: str,
    actor: str,
    summary: str,
    children: Sequence[dict[str, Any]] = (),
) -> R:
    """Insert ``row`` and append its audit event, inside the caller's transaction.

    The event is filed under the row's model (a model's own event under itself), so
    ``audit log MODEL`` finds it; framework snapshots belong to no model.
    """
    session.add(row)
    session.flush()
    model_id = row.id if isinstance(row, Model) else getattr(row, "model_id", None)
    audit.append(
        session,
        action=action,
        entity=audit.entity_of(row),
        row=row,
        actor=actor,
        summary=summary,
        model_id=model_id,
        children=children,
    )
    return row
