"""Launch decisions: the SAG's recommendation, leadership's decision, the board's review.

A decision is taken on the latest scorecard of a series (by default the model's first
framework), which must be up to date with the evidence and judgments stored since it was
computed; the framework's gates, a security attestation when the scorecard requires hardened
security, and the process's order of roles (``core.process``) decide what is allowed.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.process import (
    DECISIONS,
    GATED,
    ROLES,
    Flag,
    Prior,
    check_step,
    flags,
    hardening_reason,
    overruled,
)
from scorecard.db.schema import Decision, FrameworkSnapshot, Model, ScorecardRow
from scorecard.errors import GateClosed, Refused, UsageError
from scorecard.records import attestations, scorecards, signatures, write
from scorecard.records.models import label
from scorecard.records.serialize import now, row_dict

if TYPE_CHECKING:
    from scorecard.core.compare import Change
    from scorecard.sign.keys import Identity


def for_model(session: Session, model: Model) -> list[Decision]:
    return list(
        session.scalars(select(Decision).where(Decision.model_id == model.id).order_by(Decision.id))
    )


def on_scorecard(session: Session, scorecard_id: int) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision).where(Decision.scorecard_id == scorecard_id).order_by(Decision.id)
        )
    )


def prior(row: Decision) -> Prior:
    return Prior(row.id, row.role, row.decision, row.rationale, row.reverses_id)


def decide(
    session: Session,
    model: Model,
    decision: str,
    role: str,
    by: str,
    rationale: str,
    actor: str,
    signer: Identity | None = None,
    *,
    scorecard_id: int | None = None,
    framework_id: str | None = None,
) -> tuple[Decision, list[Flag]]:
    """Record a decision on the latest scorecard of a series, if the gates, the security
    attestation and the order of roles allow; returns it with the flags it raises.

    ``scorecard_id`` pins the decision to that scorecard: refused unless it is its series'
    latest and up to date. ``framework_id`` names the series (default: the model's first
    framework). With ``signer`` the decision is signed in the same transaction; the policy and
    the roster decide whether it must be and who may (``records.signatures.authorize``)."""
    if decision not in DECISIONS:
        raise UsageError(f"unknown decision {decision!r} (expected {', '.join(DECISIONS)})")
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r} (expected {', '.join(ROLES)})")
    if not by.strip() or not rationale.strip():
        raise UsageError("a decision needs who decides and a written rationale")
    card = _target(session, model, scorecard_id, framework_id)
    snapshot = scorecards.require_current(session, model, card)
    gate = GATED.get(decision)
    if gate is not None and not getattr(card, gate):
        blocking = scorecards.result_of(card).eligibility.blocking(gate)
        raise GateClosed(
            f"refused: {decision} is not allowed by scorecard #{card.id} of {label(model)}: "
            + "; ".join(blocking)
        )
    earlier = [prior(d) for d in on_scorecard(session, card.id)]
    step = check_step(role, decision, earlier, card.id)
    if step.refusal is not None:
        raise GateClosed(f"refused: {step.refusal}")
    if decision == "deploy" and card.security_hardening_required:
        _require_security(session, model, card, snapshot)
    signatures.authorize(session, role, signer, scorecard_id=card.id)
    row = Decision(
        model_id=model.id,
        scorecard_id=card.id,
        decision=decision,
        role=role,
        by=by,
        rationale=rationale,
        reverses_id=step.reverses,
        created_at=now(),
    )
    verb = f"reverses decision #{step.reverses}: " if step.reverses else ""
    sag = overruled(role, decision, earlier)
    overrule = f" (overrules SAG recommendation #{sag.id})" if sag is not None else ""
    write.add(
        session,
        row,
        action="decision.add",
        actor=actor,
        summary=f"{role} {verb}{decision} by {by} on scorecard #{card.id}{overrule}",
    )
    if signer is not None:
        signatures.sign(session, row, signer, actor)
    raised = [f for f in flags([*earlier, prior(row)]) if f.decision_id == row.id]
    return row, raised


def _target(
    session: Session, model: Model, scorecard_id: int | None, framework_id: str | None
) -> ScorecardRow:
    """The scorecard a decision is taken on: the series' latest, which a pinned id must be."""
    if scorecard_id is None:
        return scorecards.require_latest(session, model, framework_id)
    asked = scorecards.pick(session, model, scorecard_id, framework_id)
    series = scorecards.series_of(session, asked)
    latest = scorecards.require_latest(session, model, series)
    if latest.id != asked.id:
        raise Refused(
            f"refused: scorecard #{asked.id} of {label(model)} is not the latest of its "
            f"{series} series: #{latest.id} is; "
            + describe(scorecards.diff(asked, latest), asked.id)
        )
    return asked


def describe(changes: list[Change], since: int) -> str:
    """Changes in one line: "changed since #2: cybersecurity (pre) medium -> high (why); ..."."""
    if not changes:
        return f"no level or gate moved since #{since}"
    return f"changed since #{since}: " + "; ".join(
        f"{c.what} {c.before} -> {c.after}" + (f" ({c.why})" if c.why else "") for c in changes
    )


def _require_security(
    session: Session, model: Model, card: ScorecardRow, snapshot: FrameworkSnapshot
) -> None:
    """Deploying a model whose scorecard requires hardened security needs it attested."""
    if attestations.for_model(session, model, "security"):
        return
    framework = scorecards.framework_of(snapshot)
    reason = hardening_reason(framework, scorecards.result_of(card))
    raise GateClosed(
        f"refused: deploy needs hardened security ({reason}); record it with "
        f"`scorecard attest {label(model)} --gate security --by … --rationale …`"
    )


def decided(session: Session, model: Model, row: ScorecardRow) -> ScorecardRow | None:
    """The scorecard the series' decisions were last made on, up to ``row``: the newest of
    its series, no newer than ``row``, with a decision on it."""
    series = scorecards.series_of(session, row)
    return session.scalar(
        select(ScorecardRow)
        .join(FrameworkSnapshot, FrameworkSnapshot.id == ScorecardRow.snapshot_id)
        .where(
            ScorecardRow.model_id == model.id,
            FrameworkSnapshot.framework_id == series,
            ScorecardRow.id <= row.id,
            ScorecardRow.id.in_(select(Decision.scorecard_id).where(Decision.model_id == model.id)),
        )
        .order_by(ScorecardRow.id.desc())
        .limit(1)
    )


def standing(session: Session, model: Model, row: ScorecardRow) -> dict[str, Any]:
    """Where a scorecard stands, for ``show`` and the card: whether it is its series' latest,
    the scorecard the decisions were made on and what changed since, the flags the decisions
    on it raise, and the model's attestations."""
    series = scorecards.series_of(session, row)
    latest = scorecards.latest(session, model, series)
    on_it = on_scorecard(session, row.id)
    base = decided(session, model, row)
    changes = scorecards.diff(base, row) if base is not None and base.id != row.id else []
    return {
        "series": series,
        "is_latest": latest is not None and latest.id == row.id,
        "latest_id": latest.id if latest is not None else row.id,
        "decided_scorecard": base.id if base is not None else None,
        "changes_since_decided": [asdict(c) for c in changes],
        "flags": [asdict(f) for f in flags([prior(d) for d in on_it])],
        "attestations": [row_dict(a) for a in attestations.for_model(session, model)],
    }
