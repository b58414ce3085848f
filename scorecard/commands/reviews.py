"""``scorecard judge``, ``mitigate`` and ``decide``: what people add to the record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorecard import packs
from scorecard.core.evidence import Judgment
from scorecard.core.scoring import post_equals_pre
from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from scorecard.db.schema import Decision, JudgmentRow, Mitigation


def judge(
    settings: Settings, model_ref: str, judgment: Judgment, *, corrects: int | None = None
) -> JudgmentRow:
    """Record one expert judgment or override (``corrects``: the judgment it replaces)."""
    from scorecard.records import judgments, models
    from scorecard.records.session import writing

    framework = packs.load(settings.framework_id, settings.framework_path)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        return judgments.judge(
            session, model, framework, judgment, actor_name(settings, judgment.by), corrects
        )


def judge_post_equals_pre(
    settings: Settings, model_ref: str, by: str, rationale: str
) -> list[JudgmentRow]:
    """Record, in one transaction, judgments setting every post level to the latest pre level."""
    from scorecard.records import judgments, models, scorecards
    from scorecard.records.session import writing

    framework = packs.load(settings.framework_id, settings.framework_path)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        result = scorecards.result_of(scorecards.require_latest(session, model))
        return [
            judgments.judge(session, model, framework, j, actor_name(settings, by))
            for j in post_equals_pre(result, by, rationale)
        ]


def mitigate(
    settings: Settings, model_ref: str, category: str, by: str, description: str
) -> Mitigation:
    """Record a mitigation applied for a risk category."""
    from scorecard.records import mitigations, models
    from scorecard.records.session import writing

    framework = packs.load(settings.framework_id, settings.framework_path)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        return mitigations.add(
            session, model, framework, category, by, description, actor_name(settings, by)
        )


def decide(
    settings: Settings, model_ref: str, decision: str, role: str, by: str, rationale: str
) -> Decision:
    """Record a decision on the latest scorecard; the gates and the order of roles apply."""
    from scorecard.records import decisions, models
    from scorecard.records.session import writing

    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        return decisions.decide(
            session, model, decision, role, by, rationale, actor_name(settings, by)
        )
