"""Models under assessment: NAME or NAME@VERSION on the command line."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.db.schema import Model
from scorecard.errors import ScorecardError
from scorecard.records import audit


class ModelNotFound(ScorecardError):
    pass


def parse_ref(ref: str) -> tuple[str, str | None]:
    name, sep, version = ref.partition("@")
    if not name.strip() or (sep and not version.strip()):
        raise ScorecardError(f"not a model reference: {ref!r} (expected NAME or NAME@VERSION)")
    return name.strip(), version.strip() if sep else None


def add(session: Session, name: str, version: str, description: str, actor: str) -> Model:
    if not name.strip() or "@" in name:
        raise ScorecardError(f"invalid model name {name!r}: it must be non-empty and have no '@'")
    existing = session.scalar(select(Model).where(Model.name == name, Model.version == version))
    if existing is not None:
        raise ScorecardError(
            f"model {label(existing)} already exists (added by {existing.created_by})"
        )
    model = Model(
        name=name,
        version=version,
        description=description,
        created_by=actor,
        created_at=audit.now(),
    )
    session.add(model)
    session.flush()  # the id files the event under the model, for `audit log NAME`
    audit.append(
        session,
        action="model.add",
        entity="model",
        row=model,
        actor=actor,
        summary=f"added model {label(model)}",
        model_id=model.id,
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
        raise ScorecardError(f"{ref!r} is ambiguous: name a version ({versions})")
    return found[0]


def list_all(session: Session) -> list[Model]:
    return list(session.scalars(select(Model).order_by(Model.name, Model.version)))


def label(model: Model) -> str:
    return f"{model.name}@{model.version}" if model.version else model.name
