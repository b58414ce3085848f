"""Expert judgments and overrides: who judged which level, and why.

A judgment is never edited: a correction is a new judgment naming the one it corrects, and a
judgment taken back is withdrawn (``records.withdrawals``). Only judgments neither withdrawn nor
corrected by a judgment in force are active.

A judgment below the level the model's evidence computes for its category (or indicator) is
refused unless it is an override: it would not lower the level, and an override is the one
way, flagged wherever it is shown, to lower one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.evidence import Evidence, Judgment
from scorecard.core.framework import Framework
from scorecard.core.process import SAFETY
from scorecard.core.result import ScorecardResult
from scorecard.core.scoring import check_judgments, lowering_refusal, score
from scorecard.db.schema import JudgmentRow, Model
from scorecard.errors import NotFound, Refused
from scorecard.records import evidence, signatures, withdrawals, write
from scorecard.records.models import label
from scorecard.records.serialize import now

if TYPE_CHECKING:
    from scorecard.sign.keys import Identity


def active(session: Session, model: Model) -> list[JudgmentRow]:
    """Judgments in force, oldest first: not withdrawn, and not superseded by a correction
    that is itself in force (withdrawing a correction restores what it corrected)."""
    withdrawn = withdrawals.index(session, model).judgments
    rows = [
        r
        for r in session.scalars(
            select(JudgmentRow).where(JudgmentRow.model_id == model.id).order_by(JudgmentRow.id)
        )
        if r.id not in withdrawn
    ]
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
    return _in_order(session, model, framework, [judgment], actor, signer, corrects)[0]


def judge_all(
    session: Session,
    model: Model,
    framework: Framework,
    items: Sequence[Judgment],
    actor: str,
    signer: Identity | None = None,
) -> list[JudgmentRow]:
    """Record judgments in order, in the caller's transaction: each is checked against the
    model's result with the ones before it counted, and the first refused refuses them all."""
    check_judgments(framework, items)
    return _in_order(session, model, framework, items, actor, signer, None)


def _in_order(
    session: Session,
    model: Model,
    framework: Framework,
    items: Sequence[Judgment],
    actor: str,
    signer: Identity | None,
    corrects: int | None,
) -> list[JudgmentRow]:
    signatures.authorize(session, SAFETY, signer)
    standing = [
        to_core(j)
        for j in active(session, model)
        if j.framework_id == framework.id and j.id != corrects
    ]
    stored: list[Evidence] | None = None
    rows = []
    for judgment in items:
        if judgment.kind == "level" and not judgment.override:
            if stored is None:
                stored = evidence.load(session, model)
            refusal = lowering_without_override(
                framework, score(framework, stored, standing), judgment
            )
            if refusal is not None:
                raise Refused(refusal)
        rows.append(_record(session, model, framework, judgment, actor, corrects, signer))
        standing.append(judgment)
    return rows


def lowering_without_override(
    framework: Framework, result: ScorecardResult, judgment: Judgment
) -> str | None:
    """Why a level judgment that is not an override cannot be recorded (the core's rule,
    ``core.scoring.lowering_refusal``), naming its line in a judgments file and the option
    that records an override; None if it can be recorded."""
    refusal = lowering_refusal(framework, result, judgment)
    if refusal is None:
        return None
    where = f"{judgment.source}: " if judgment.source else ""
    reason = refusal.removeprefix("refused: ").replace("an override", "an override (--override)")
    return f"refused: {where}{reason}"


def _record(
    session: Session,
    model: Model,
    framework: Framework,
    judgment: Judgment,
    actor: str,
    corrects: int | None,
    signer: Identity | None,
) -> JudgmentRow:
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
