"""``scorecard models``: the models under assessment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from scorecard.db.schema import Model


def add(
    settings: Settings, name: str, version: str = "", description: str = "", by: str | None = None
) -> Model:
    """Add a model (unique by name and version)."""
    from scorecard.records import models
    from scorecard.records.session import writing

    with writing(settings.database_url) as session:
        return models.add(session, name, version, description, actor_name(settings, by))


def list_models(settings: Settings) -> list[dict[str, Any]]:
    """Every model with its evidence and scorecard counts."""
    from scorecard.records import models
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        return models.list_with_counts(session)
