"""Models under assessment: NAME or NAME@VERSION on the command line."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scorecard.db.schema import EvidenceRow, Model, ScorecardRow
from scorecard.errors import ModelNotFound, Refused, UsageError
from scorecard.records import write
from scorecard.records.serialize import now, row_dict


def parse_ref(ref: str) -> tuple[str, str | None]:
    name, sep, version = ref.partition("@")
    if not name.strip() or (sep and not version.strip()):
        raise UsageError(f"not a model reference: {ref!r} (expected NAME or NAME@VERSION)")
    return name.strip(), version.strip() if sep else None


def add(session: Session, name: str, version: str, description: str, actor: str) -> Model:
    if not name.strip() or "@" in name:
        raise UsageError(f"invalid model name {name!r}: it must be non-empty and have no '@'")
    existing = session.scalar(select(Model).where(Model.name == name, Model.version == version))
    if existing is not None:
        raise Refused(f"model {label(existing)} already exists (added by {existing.created_by})")
    model = Model(
        name=name,
        version=version,
        description=description,
        created_by=actor,
        created_at=now(),
    )
    write.add(
        session, model, action="model.add", actor=actor, summary=f"added model {label(model)}"
    )
    return model


def resolve(session: Session, ref: str) -> Model:
    name, version = parse_ref(ref)
    query = select(Model).where(Model.name == name)
    if version is not None:
        query = query.where(Model.version == version)
    found = list(session.scalars(query.order_by(Model.id)))
    if not found:
        raise ModelNotFound(f"no model {ref!r}: add it with `scorecard models add {name}`")
    if len(found) > 1:
        versions = ", ".join(f"{name}@{m.version}" for m in found)
        raise UsageError(f"{ref!r} is ambiguous: name a version ({versions})")
    return found[0]


def list_all(session: Session) -> list[Model]:
    return list(session.scalars(select(Model).order_by(Model.name, Model.version)))


def label(model: Model) -> str:
    return f"{model.name}@{model.version}" if model.version else model.name


def list_with_counts(session: Session) -> list[dict[str, Any]]:
    """Every model with how many evidence rows and scorecards it has (two grouped queries)."""
    counts = dict(
        session.execute(
            select(EvidenceRow.model_id, func.count()).group_by(EvidenceRow.model_id)
        ).all()
    )
    cards = dict(
        session.execute(
            select(ScorecardRow.model_id, func.count()).group_by(ScorecardRow.model_id)
        ).all()
    )
    return [
        {
            **row_dict(m),
            "ref": label(m),
            "evidence": counts.get(m.id, 0),
            "scorecards": cards.get(m.id, 0),
        }
        for m in list_all(session)
    ]
