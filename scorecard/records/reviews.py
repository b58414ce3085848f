"""Human input to the record: judgments, mitigations and launch decisions.

Decisions enforce the framework's gates on the latest scorecard, and refuse a scorecard that is
out of date with the evidence and judgments stored since it was computed.
"""

from __future__ import annotations

import json
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.evidence import Judgment
from scorecard.core.framework import Framework
from scorecard.db.schema import Decision, FrameworkSnapshot, JudgmentRow, Mitigation, Model
from scorecard.errors import ScorecardError
from scorecard.records import audit
from scorecard.records.models import label

DECISIONS = ("deploy", "do-not-deploy", "continue-development", "pause-development")
ROLES = ("sag", "leadership", "board")
_GATED: dict[str, Literal["deploy", "develop"]] = {
    "deploy": "deploy",
    "continue-development": "develop",
}


class GateRefused(ScorecardError):
    """A decision the framework's gates do not allow."""


def active_judgments(session: Session, model: Model) -> list[JudgmentRow]:
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


def check_judgment(framework: Framework, judgment: Judgment) -> None:
    from scorecard.core.scoring import check_judgments

    check_judgments(framework, [judgment])


def judge(
    session: Session,
    model: Model,
    framework: Framework,
    judgment: Judgment,
    actor: str,
    corrects: int | None = None,
) -> JudgmentRow:
    check_judgment(framework, judgment)
    if corrects is not None:
        target = session.get(JudgmentRow, corrects)
        if target is None or target.model_id != model.id:
            raise ScorecardError(f"{label(model)} has no judgment #{corrects} to correct")
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
        created_at=audit.now(),
    )
    session.add(row)
    session.flush()
    what = (
        "override"
        if judgment.override
        else ("safeguards" if judgment.kind == "safeguards" else "judgment")
    )
    target_name = (
        f"{judgment.category}/{judgment.indicator}" if judgment.indicator else (judgment.category)
    )
    audit.append(
        session,
        action="judgment.add",
        entity="judgment",
        row=row,
        actor=actor,
        summary=f"{what} by {judgment.by}: {target_name} ({judgment.stage}) {judgment.level}",
        model_id=model.id,
    )
    return row


def mitigate(
    session: Session,
    model: Model,
    framework: Framework,
    category: str,
    by: str,
    description: str,
    actor: str,
) -> Mitigation:
    if framework.category(category) is None:
        known = ", ".join(c.id for c in framework.categories)
        raise ScorecardError(f"unknown category {category!r} for {framework.id} (known: {known})")
    if not by.strip() or not description.strip():
        raise ScorecardError("a mitigation needs --by and --description")
    row = Mitigation(
        model_id=model.id,
        framework_id=framework.id,
        category=category,
        by=by,
        description=description,
        created_at=audit.now(),
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        action="mitigation.add",
        entity="mitigation",
        row=row,
        actor=actor,
        summary=f"mitigation for {category} by {by}",
        model_id=model.id,
    )
    return row


def mitigations(session: Session, model: Model) -> list[Mitigation]:
    return list(
        session.scalars(
            select(Mitigation).where(Mitigation.model_id == model.id).order_by(Mitigation.id)
        )
    )


def decisions(session: Session, model: Model) -> list[Decision]:
    return list(
        session.scalars(select(Decision).where(Decision.model_id == model.id).order_by(Decision.id))
    )


def decide(
    session: Session,
    model: Model,
    decision: str,
    role: str,
    by: str,
    rationale: str,
    actor: str,
) -> Decision:
    """Record a decision on the latest scorecard, if the gates and the order of roles allow."""
    from scorecard.records import scorecards

    if decision not in DECISIONS:
        raise ScorecardError(f"unknown decision {decision!r} (expected {', '.join(DECISIONS)})")
    if role not in ROLES:
        raise ScorecardError(f"unknown role {role!r} (expected {', '.join(ROLES)})")
    if not by.strip() or not rationale.strip():
        raise ScorecardError("a decision needs --by and a written --rationale")
    card = scorecards.require_latest(session, model)
    snap = session.get(FrameworkSnapshot, card.snapshot_id)
    assert snap is not None
    if scorecards.inputs_hash(session, model, snap.content_hash, card.policy) != card.inputs_hash:
        raise GateRefused(
            f"scorecard #{card.id} of {label(model)} is out of date: evidence or judgments were "
            f"recorded since; run `scorecard score {label(model)}` first"
        )
    gate = _GATED.get(decision)
    if gate is not None and not getattr(card, gate):
        result = json.loads(card.result_json)
        reasons = [
            g["reason"]
            for g in result["eligibility"]["gates"]
            if g["governs"] == gate and not g["passed"]
        ]
        raise GateRefused(
            f"refused: {decision} is not allowed by scorecard #{card.id} of {label(model)}: "
            + "; ".join(reasons)
        )
    earlier = [d for d in decisions(session, model) if d.scorecard_id == card.id]
    reverses = None
    if role == "leadership" and not any(d.role == "sag" for d in earlier):
        raise GateRefused(
            f"refused: leadership decides after the SAG recommends; scorecard #{card.id} has no "
            "SAG recommendation yet"
        )
    if role == "board":
        leadership = [d for d in earlier if d.role == "leadership"]
        if not leadership:
            raise GateRefused(
                f"refused: the board reviews a leadership decision; scorecard "
                f"#{card.id} has none yet"
            )
        if leadership[-1].decision != decision:
            reverses = leadership[-1].id
    row = Decision(
        model_id=model.id,
        scorecard_id=card.id,
        decision=decision,
        role=role,
        by=by,
        rationale=rationale,
        reverses_id=reverses,
        created_at=audit.now(),
    )
    session.add(row)
    session.flush()
    verb = f"reverses decision #{reverses}: " if reverses else ""
    audit.append(
        session,
        action="decision.add",
        entity="decision",
        row=row,
        actor=actor,
        summary=f"{role} {verb}{decision} by {by} on scorecard #{card.id}",
        model_id=model.id,
    )
    return row
