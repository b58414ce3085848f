"""``scorecard score MODEL``, ``show``, ``history`` and ``diff``: scorecards in the record."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from scorecard import packs
from scorecard.core.evidence import Policy
from scorecard.core.scoring import ScoringOptions
from scorecard.errors import UsageError
from scorecard.settings import Settings, actor_name


def score_model(
    settings: Settings,
    model_ref: str,
    *,
    policy: Policy = "point",
    margin: float | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Score a stored model, store the scorecard, and return it as JSON data."""
    from scorecard.records import models, scorecards
    from scorecard.records.session import writing

    folder = packs.selected_folder(settings)
    options = ScoringOptions(policy=policy, near_threshold_margin=margin)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        row, _, _ = scorecards.compute(session, model, folder, options, actor_name(settings, by))
        return scorecards.public_json(session, model, row)


def show(settings: Settings, model_ref: str, scorecard_id: int | None = None) -> dict[str, Any]:
    """The latest (or a given) scorecard with the mitigations and the decisions on it."""
    from scorecard.records import decisions, mitigations, models, scorecards
    from scorecard.records.serialize import row_dict
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        row = (
            scorecards.get(session, model, scorecard_id)
            if scorecard_id is not None
            else scorecards.require_latest(session, model)
        )
        data = scorecards.public_json(session, model, row)
        data["mitigations"] = [row_dict(m) for m in mitigations.for_model(session, model)]
        data["decisions"] = [row_dict(d) for d in decisions.on_scorecard(session, row.id)]
        latest = scorecards.latest(session, model)
        data["is_latest"] = latest is not None and latest.id == row.id
        return data


def history(settings: Settings, model_ref: str) -> list[dict[str, Any]]:
    """A model's scorecards, oldest first, one summary each."""
    from scorecard.records import models, scorecards
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        return [scorecards.summary(r) for r in scorecards.history(session, model)]


def diff(
    settings: Settings, model_ref: str, first: int | None = None, second: int | None = None
) -> dict[str, Any]:
    """What moved between two scorecards (default: the two latest) and why."""
    from scorecard.errors import NotFound
    from scorecard.records import models, scorecards
    from scorecard.records.session import reading

    if (first is None) != (second is None):
        raise UsageError("give two scorecard ids, or none for the two latest")
    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        if first is None or second is None:
            rows = scorecards.history(session, model)
            if len(rows) < 2:
                raise NotFound(
                    f"{models.label(model)} has {len(rows)} scorecard(s): a diff needs two"
                )
            a = scorecards.get(session, model, rows[-2].id)
            b = scorecards.get(session, model, rows[-1].id)
        else:
            a, b = scorecards.get(session, model, first), scorecards.get(session, model, second)
        return {
            "from": a.id,
            "to": b.id,
            "changes": [asdict(c) for c in scorecards.diff(a, b)],
        }
