"""Withdrawals: evidence (one row, or every row of a source file) or a judgment taken out of
scoring, with who withdrew it, when and why.

Nothing is deleted or edited: the withdrawn record stays where it was, and a withdrawals row
(audited like every other) says it no longer counts. Scoring and the inputs hash read evidence
and judgments through :func:`evidence_in_force` and :func:`Index`, so a withdrawal makes the
latest scorecard out of date; listings and the card still show the withdrawn record, marked.

A withdrawal is final. Withdrawing a correction puts the judgment it corrected back in force
(the correction no longer counts, so neither does its replacing); evidence withdrawn by mistake
comes back by ingesting it again as a new file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from scorecard.db.schema import EvidenceRow, JudgmentRow, Model, Source, Withdrawal
from scorecard.errors import NotFound, Refused, UsageError
from scorecard.records import write
from scorecard.records.models import label
from scorecard.records.serialize import now, timestamp

ENTITIES = ("source", "evidence", "judgment")
MIN_PREFIX = 8
"""The fewest hex digits of a sha256 that name a source (as short git commit ids do)."""
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class Made:
    """A withdrawal just recorded, and what it withdrew in words."""

    withdrawal: Withdrawal
    what: str
    restored: int | None = None
    """The judgment back in force, when the withdrawn judgment was a correction of it."""


@dataclass(frozen=True)
class Index:
    """A model's withdrawals, by what they withdraw (one query)."""

    sources: dict[int, Withdrawal] = field(default_factory=dict)
    evidence: dict[int, Withdrawal] = field(default_factory=dict)
    judgments: dict[int, Withdrawal] = field(default_factory=dict)

    def of_evidence(self, row_id: int, source_id: int) -> Withdrawal | None:
        """The withdrawal that takes an evidence row out: its own, else its source's."""
        return self.evidence.get(row_id) or self.sources.get(source_id)


def index(session: Session, model: Model) -> Index:
    found = Index()
    kinds = {"source": found.sources, "evidence": found.evidence, "judgment": found.judgments}
    query = select(Withdrawal).where(Withdrawal.model_id == model.id).order_by(Withdrawal.id)
    for row in session.scalars(query):
        kinds[row.entity].setdefault(row.entity_id, row)
    return found


def shown(withdrawal: Withdrawal | None) -> dict[str, Any] | None:
    """How a withdrawal is shown next to what it withdrew (listings, the card): None if the
    record is in force."""
    if withdrawal is None:
        return None
    return {
        "by": withdrawal.by,
        "reason": withdrawal.reason,
        "at": timestamp(withdrawal.created_at),
    }


def evidence_in_force(model_id: int) -> ColumnElement[bool]:
    """The SQL condition on EvidenceRow: neither the row nor its source is withdrawn."""

    def withdrawn(entity: str) -> Any:
        return select(Withdrawal.entity_id).where(
            Withdrawal.model_id == model_id, Withdrawal.entity == entity
        )

    return and_(
        EvidenceRow.id.not_in(withdrawn("evidence")),
        EvidenceRow.source_id.not_in(withdrawn("source")),
    )


def _when(withdrawal: Withdrawal) -> str:
    return f"on {withdrawal.created_at:%Y-%m-%d} by {withdrawal.by} ({withdrawal.reason})"


def _add(
    session: Session,
    model: Model,
    entity: str,
    entity_id: int,
    what: str,
    by: str,
    reason: str,
    actor: str,
) -> Withdrawal:
    row = Withdrawal(
        model_id=model.id,
        entity=entity,
        entity_id=entity_id,
        by=by,
        reason=reason,
        created_at=now(),
    )
    return write.add(
        session,
        row,
        action=f"{entity}.withdraw",
        actor=actor,
        summary=f"withdrew {what} of {label(model)}: {reason}",
    )


def _named(by: str, reason: str) -> tuple[str, str]:
    if not by.strip():
        raise UsageError("a withdrawal needs the name of who withdraws")
    if not reason.strip():
        raise UsageError("a withdrawal needs a reason")
    return by.strip(), reason.strip()


def source_by_prefix(session: Session, model: Model, prefix: str, stage: str | None) -> Source:
    """The model's one source whose sha256 starts with ``prefix`` (in ``stage``, if given)."""
    digits = prefix.strip().lower()
    if len(digits) < MIN_PREFIX or not _HEX.fullmatch(digits):
        raise UsageError(
            f"a source is named by at least {MIN_PREFIX} hex digits of its sha256, not {prefix!r}"
        )
    query = select(Source).where(Source.model_id == model.id, Source.sha256.startswith(digits))
    if stage is not None:
        query = query.where(Source.stage == stage)
    found = list(session.scalars(query.order_by(Source.id)))
    where = f" ({stage})" if stage is not None else ""
    if not found:
        raise NotFound(f"{label(model)} has no source{where} whose sha256 starts with {digits}")
    if len(found) > 1:
        candidates = "; ".join(
            f"#{s.id} {s.file_name} ({s.stage}, sha256 {s.sha256[:16]}…)" for s in found
        )
        raise Refused(
            f"{digits} names {len(found)} sources of {label(model)}: {candidates}; "
            "give more digits of the sha256, or the stage"
        )
    return found[0]


def withdraw_source(
    session: Session,
    model: Model,
    prefix: str,
    stage: str | None,
    by: str,
    reason: str,
    actor: str,
) -> Made:
    """Withdraw every evidence row of one ingested file."""
    by, reason = _named(by, reason)
    source = source_by_prefix(session, model, prefix, stage)
    earlier = index(session, model).sources.get(source.id)
    name = f"source #{source.id} ({source.file_name}, {source.stage})"
    if earlier is not None:
        raise Refused(
            f"{name} of {label(model)} was already withdrawn {_when(earlier)}: nothing to do"
        )
    rows = session.scalar(
        select(func.count()).select_from(EvidenceRow).where(EvidenceRow.source_id == source.id)
    )
    what = f"{name} with its {rows} evidence rows"
    return Made(_add(session, model, "source", source.id, what, by, reason, actor), what)


def withdraw_evidence(
    session: Session, model: Model, row_id: int, by: str, reason: str, actor: str
) -> Made:
    """Withdraw one evidence row."""
    by, reason = _named(by, reason)
    row = session.get(EvidenceRow, row_id)
    if row is None or row.model_id != model.id:
        raise NotFound(f"{label(model)} has no evidence row #{row_id}")
    known = index(session, model)
    name = f"evidence row #{row.id} ({row.stage} {row.task}/{row.metric} = {row.value:g})"
    if row.id in known.evidence:
        raise Refused(
            f"{name} of {label(model)} was already withdrawn {_when(known.evidence[row.id])}: "
            "nothing to do"
        )
    if row.source_id in known.sources:
        raise Refused(
            f"{name} of {label(model)} was already withdrawn with its source "
            f"#{row.source_id} {_when(known.sources[row.source_id])}: nothing to do"
        )
    return Made(_add(session, model, "evidence", row.id, name, by, reason, actor), name)


def withdraw_judgment(
    session: Session, model: Model, judgment_id: int, by: str, reason: str, actor: str
) -> Made:
    """Withdraw one judgment (a correction withdrawn puts what it corrected back in force)."""
    by, reason = _named(by, reason)
    row = session.get(JudgmentRow, judgment_id)
    if row is None or row.model_id != model.id:
        raise NotFound(f"{label(model)} has no judgment #{judgment_id}")
    withdrawn = index(session, model).judgments
    target = f"{row.category}/{row.indicator}" if row.indicator else row.category
    name = f"judgment #{row.id} ({target} {row.stage} {row.level} by {row.by})"
    if row.id in withdrawn:
        raise Refused(
            f"{name} of {label(model)} was already withdrawn {_when(withdrawn[row.id])}: "
            "nothing to do"
        )
    made = _add(session, model, "judgment", row.id, name, by, reason, actor)
    return Made(made, name, _restored(session, row, set(withdrawn) | {row.id}))


def _restored(session: Session, row: JudgmentRow, withdrawn: set[int]) -> int | None:
    """The judgment ``row`` corrected, if withdrawing ``row`` put it back in force: it is not
    withdrawn itself and no other correction in force replaces it."""
    corrected = row.corrects_id
    if corrected is None or corrected in withdrawn:
        return None
    others = session.scalars(
        select(JudgmentRow.id).where(JudgmentRow.corrects_id == corrected)
    ).all()
    return None if any(o not in withdrawn for o in others) else corrected


def note_on_reingest(session: Session, source_id: int) -> str | None:
    """What to say when a withdrawn source's file is ingested again (same bytes, so nothing
    is stored and its rows stay out of scoring); None when the source is in force."""
    withdrawal = session.scalar(
        select(Withdrawal)
        .where(Withdrawal.entity == "source", Withdrawal.entity_id == source_id)
        .order_by(Withdrawal.id)
        .limit(1)
    )
    if withdrawal is None:
        return None
    return (
        f"source #{source_id} holds this file and was withdrawn {_when(withdrawal)}: "
        "nothing to do; to score these numbers again, ingest a "
        "corrected file"
    )
