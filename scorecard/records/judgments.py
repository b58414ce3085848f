"""Expert judgments and overrides: who judged which level, and why.

A judgment is never edited: a correction is a new judgment naming the one it corrects, and
only judgments no later one corrects are active.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.evidence import Judgment
from scorecard.core.framework import Framework
from scorecard.core.process import SAFETY
from scorecard.core.scoring import check_judgments
from scorecard.db.schema import JudgmentRow, Model
from scorecard.errors import NotFound
from scorecard.records import signatures, write
from scorecard.records.models import label
from scorecard.records.serialize import now

if TYPE_CHECKING:
    from scorecard.sign.keys import Identity


def active(session: Session, model: Model) -> list[JudgmentRow]:
    """Judgments not superseded by a correction, oldest first."""
    rows = list(
        session.scalars(
            select(JudgmentRow).where(JudgmentRow.model_id == model.id).order_by(JudgmentRow.id)
        )
    )
    corrected = {r.corrects_id for r in rows if r.corrects_id is not None}
    return [r for r in rows if r.id not in corrected]


def to_core(row: JudgmentRow) -> Judgment:
    return Judgment(
        category=row.category,
        stage=row.stage,
        level=row.level,
        by=row.by,
        rationale=row.rationale,
        indicator=row.indicator,
        override=row.override,
        kind="safeguards" if row.kind == "safeguards" else "level",
    )


def judge(
    session: Session,
    model: Model,
    framework: Framework,
    judgment: Judgment,
    actor: str,
    corrects: int | None = None,
    signer: Identity | None = None,
) -> JudgmentRow:
    """Record one judgment (signed by ``signer``, in the safety role, if given)."""
    check_judgments(framework, [judgment])
    if corrects is not None:
        target = session.get(JudgmentRow, corrects)
        if target is None or target.model_id != model.id:
            raise NotFound(f"{label(model)} has no judgment #{corrects} to correct")
    signatures.authorize(session, SAFETY, signer)
    row = JudgmentRow(
        model_id=model.id,
        framework_id=framework.id,
        category=judgment.category,
        stage=judgment.stage,
        level=judgment.level,
        indicator=judgment.indicator,
        override=judgment.override,
        kind=judgment.kind,
        by=judgment.by,
        rationale=judgment.rationale,
        corrects_id=corrects,
        created_at=now(),
    )
    what = (
        "override"
        if judgment.override
        else ("safeguards" if judgment.kind == "safeguards" else "judgment")
    )
    target_name = (
        f"{judgment.category}/{judgment.indicator}" if judgment.indicator else (judgment.category)
    )
    write.add(
        session,
        row,
        action="judgment.add",
        actor=actor,
        summary=f"{what} by {judgment.by}: {target_name} ({judgment.stage}) {judgment.level}",
    )
    if signer is not None:
        signatures.sign(session, row, signer, actor)
    return row
