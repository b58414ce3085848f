"""``scorecard withdraw``: evidence or a judgment taken out of scoring, never deleted."""

from __future__ import annotations

from typing import Any

from scorecard.errors import UsageError
from scorecard.settings import Settings, actor_name


def withdraw(
    settings: Settings,
    model_ref: str,
    *,
    by: str,
    reason: str,
    source: str | None = None,
    stage: str | None = None,
    row: int | None = None,
    judgment: int | None = None,
) -> dict[str, Any]:
    """Withdraw one thing: a source file (by a sha256 prefix, narrowed to a ``stage`` if the
    same file was ingested for several), one evidence row, or one judgment.

    Returns the withdrawal as JSON data, with ``what`` it withdrew in words and ``restored``:
    the judgment back in force when the withdrawn judgment was a correction."""
    from scorecard.records import models, withdrawals
    from scorecard.records.serialize import row_dict
    from scorecard.records.session import writing

    named = [t for t in (source, row, judgment) if t is not None]
    if len(named) != 1:
        raise UsageError(
            "name exactly one thing to withdraw: a source file, an evidence row or a judgment"
        )
    if stage is not None and source is None:
        raise UsageError("a stage only narrows which source file to withdraw")
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        actor = actor_name(settings, by)
        if source is not None:
            made = withdrawals.withdraw_source(session, model, source, stage, by, reason, actor)
        elif row is not None:
            made = withdrawals.withdraw_evidence(session, model, row, by, reason, actor)
        else:
            assert judgment is not None
            made = withdrawals.withdraw_judgment(session, model, judgment, by, reason, actor)
        return {
            **row_dict(made.withdrawal),
            "model": models.label(model),
            "what": made.what,
            "restored": made.restored,
        }
