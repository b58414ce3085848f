"""``scorecard score MODEL``, ``show``, ``history`` and ``diff``: scorecards in the record.

A model keeps the framework it was first scored under: without ``--framework`` (settings whose
framework is not explicit) these commands use that series; an explicit framework names another
series (``records.scorecards``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from scorecard import packs
from scorecard.core.evidence import Policy
from scorecard.core.scoring import ScoringOptions
from scorecard.errors import UsageError
from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scorecard.core.framework import Framework
    from scorecard.db.schema import Model


def series(settings: Settings) -> str | None:
    """The series the settings name: their framework when named for this command, else None
    (the model's first framework)."""
    return settings.framework_id if settings.framework_explicit else None


def scoring_framework(session: Session, model: Model, settings: Settings) -> tuple[str, list[str]]:
    """The framework to score ``model`` under, and notes for the user: the one it was first
    scored under, unless the settings name another explicitly (a separate series)."""
    from scorecard.records import scorecards
    from scorecard.records.models import label

    first = scorecards.primary(session, model)
    wanted = settings.framework_id
    if first is None or first[0] == wanted:
        return wanted, []
    framework_id, first_id = first
    name = label(model)
    if settings.framework_explicit:
        return wanted, [
            f"{wanted} is a separate series for {name}, whose decisions stay on its "
            f"{framework_id} series; show, decide and render take --framework {wanted} for it"
        ]
    return framework_id, [
        f"{name} keeps the framework it was first scored under, {framework_id} (scorecard "
        f"#{first_id}), not {wanted}; to score it under {wanted} as a separate series, pass "
        f"--framework {wanted}"
    ]


def framework_for(session: Session, model: Model, settings: Settings) -> Framework:
    """The framework a judgment or mitigation of ``model`` is recorded under: the one the model
    was first scored under, unless the settings name another explicitly (as ``score`` does)."""
    framework_id, _ = scoring_framework(session, model, settings)
    return packs.selected(settings.using(framework_id=framework_id))


def score_model(
    settings: Settings,
    model_ref: str,
    *,
    policy: Policy = "point",
    margin: float | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Score a stored model and store the scorecard, unless nothing changed since the latest of
    its series (then ``stored`` is False and that one is returned), as JSON data."""
    from scorecard.records import models, scorecards
    from scorecard.records.session import writing

    options = ScoringOptions(policy=policy, near_threshold_margin=margin)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        framework_id, notes = scoring_framework(session, model, settings)
        folder = packs.selected_folder(settings.using(framework_id=framework_id))
        computed = scorecards.compute(session, model, folder, options, actor_name(settings, by))
        data = scorecards.public_json(session, model, computed.row)
        data["stored"] = computed.stored
        data["notes"] = notes
        return data


def show(settings: Settings, model_ref: str, scorecard_id: int | None = None) -> dict[str, Any]:
    """The latest scorecard of a series (or a given one) with the mitigations, the decisions on
    it and their flags, the scorecard the decisions were made on and what changed since, and
    the model's attestations."""
    from scorecard.records import decisions, mitigations, models, scorecards
    from scorecard.records.serialize import row_dict
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        row = scorecards.pick(session, model, scorecard_id, series(settings))
        data = scorecards.public_json(session, model, row)
        data["mitigations"] = [row_dict(m) for m in mitigations.for_model(session, model)]
        data["decisions"] = [row_dict(d) for d in decisions.on_scorecard(session, row.id)]
        data.update(decisions.standing(session, model, row))
        data["other_series"] = [s for s in scorecards.series(session, model) if s != data["series"]]
        return data


def history(settings: Settings, model_ref: str) -> list[dict[str, Any]]:
    """A series' scorecards (default: the model's first framework), oldest first."""
    from scorecard.records import models, scorecards
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        chosen = series(settings)
        rows = scorecards.history(session, model, chosen)
        framework_id = chosen or (scorecards.series_of(session, rows[0]) if rows else "")
        return [scorecards.summary(r, framework_id) for r in rows]


def other_series(settings: Settings, model_ref: str) -> list[str]:
    """The frameworks the model has scorecards under other than the one ``history`` lists."""
    from scorecard.records import models, scorecards
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        every = scorecards.series(session, model)
        shown = series(settings) or (every[0] if every else None)
        return [s for s in every if s != shown]


def diff(
    settings: Settings,
    model_ref: str,
    first: int | None = None,
    second: int | None = None,
    *,
    since: int | None = None,
) -> dict[str, Any]:
    """What moved between two scorecards and why: ``first`` and ``second``; or ``since`` and
    the latest of its series; or (default) the two latest of a series."""
    from scorecard.errors import NotFound
    from scorecard.records import models, scorecards
    from scorecard.records.session import reading

    if (first is None) != (second is None):
        raise UsageError("give two scorecard ids, or none for the two latest")
    if since is not None and first is not None:
        raise UsageError("give two scorecard ids, or one to compare with the latest, not both")
    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        if since is not None:
            a = scorecards.pick(session, model, since, series(settings))
            b = scorecards.require_latest(session, model, scorecards.series_of(session, a))
        elif first is None or second is None:
            rows = scorecards.history(session, model, series(settings))
            if len(rows) < 2:
                raise NotFound(
                    f"{models.label(model)} has {len(rows)} scorecard(s) in the series: a diff "
                    "needs two"
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
