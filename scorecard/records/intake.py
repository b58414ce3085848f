"""What ingest checks against the record before it stores a batch.

- The framework that will score the model: the one its scorecards were computed under, so a
  value its indicator's unit cannot hold is refused at the door, not at the next ``score``.
- Whether a log was produced by the model under assessment: Inspect's mock model never is,
  and once evidence names a model, a log of another is a mix-up until someone accepts it by
  name (stored with the name they accepted, and reported).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.db.schema import FrameworkSnapshot, Model, ScorecardRow

MOCK_PREFIX = "mockllm/"


def scored_snapshot(session: Session, model: Model) -> FrameworkSnapshot | None:
    """The framework snapshot of the model's first scorecard, or None when it has none."""
    return session.scalar(
        select(FrameworkSnapshot)
        .join(ScorecardRow, ScorecardRow.snapshot_id == FrameworkSnapshot.id)
        .where(ScorecardRow.model_id == model.id)
        .order_by(ScorecardRow.id)
        .limit(1)
    )


class LogModels:
    """The log models a model's evidence names, and the rule for the next log of a batch.

    Names accepted by hand (``--accept-model``) do not count as the model's own: accepting a
    mock log once must not make the real model's logs look foreign.
    """

    def __init__(self, earlier: Iterable[str]) -> None:
        self.earlier = set(earlier)
        self.batch: set[str] = set()

    def problem(self, log_model: str) -> str | None:
        """Why a log of ``log_model`` is not evidence of the model under assessment, or None."""
        known = self.earlier | self.batch
        if log_model.lower().startswith(MOCK_PREFIX):
            why = "Inspect's mock model, for tests"
        elif known and log_model not in known:
            names = ", ".join(repr(name) for name in sorted(known))
            whose = "earlier evidence names" if self.earlier else "earlier files of this batch name"
            why = f"{whose} {names}"
        else:
            return None
        return f"the log's model {log_model!r} is not the model under assessment ({why})"

    def take(self, log_model: str | None, accepted: Collection[str]) -> tuple[str | None, str]:
        """Check one log's model: (the name accepted by hand or None, the problem or "").

        A problem with a name not in ``accepted`` refuses the log; one in ``accepted`` stores it
        as accepted. Only logs taken without a problem name the model from then on.
        """
        if log_model is None:
            return None, ""
        problem = self.problem(log_model)
        if problem is None:
            self.batch.add(log_model)
            return None, ""
        return (log_model if log_model in accepted else None), problem
