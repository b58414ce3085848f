"""Computing, storing and comparing scorecards. Each computation is a new immutable row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from scorecard import packs
from scorecard.core.compare import Change, compare
from scorecard.core.framework import Framework
from scorecard.core.result import ScorecardResult
from scorecard.core.scoring import ScoringOptions, score
from scorecard.db.schema import FrameworkSnapshot, Model, ScorecardRow
from scorecard.errors import CheckFailed, NotFound, Refused
from scorecard.records import evidence, judgments, write
from scorecard.records.models import label
from scorecard.records.serialize import canonical, now, row_dict, sha256, timestamp


def snapshot(session: Session, folder: Path, actor: str) -> tuple[FrameworkSnapshot, Framework]:
    """The stored snapshot of the pack in ``folder``, created on first use."""
    files = packs.pack_files(folder)
    framework = packs.load_files(files, str(folder))
    row = session.scalar(
        select(FrameworkSnapshot).where(FrameworkSnapshot.content_hash == framework.content_hash)
    )
    if row is None:
        row = FrameworkSnapshot(
            framework_id=framework.id,
            version=framework.header.version,
            content_hash=framework.content_hash,
            files_json=json.dumps(files, sort_keys=True),
            created_at=now(),
        )
        write.add(
            session,
            row,
            action="framework.snapshot",
            actor=actor,
            summary=f"snapshot of {framework.id} {framework.header.version}",
        )
    return row, framework


def framework_of(row: FrameworkSnapshot) -> Framework:
    """Rebuild the framework exactly as it was when the snapshot was taken."""
    framework = packs.load_files(json.loads(row.files_json), f"snapshot #{row.id}")
    if framework.content_hash != row.content_hash:
        raise CheckFailed(f"framework snapshot #{row.id} does not match its own hash")
    return framework


def inputs_hash(session: Session, model: Model, snapshot_hash: str, policy: str) -> str:
    """What a scorecard was computed from; a decision on a stale scorecard is refused."""
    active = [j.id for j in judgments.active(session, model)]
    return sha256(
        canonical(
            {
                "snapshot": snapshot_hash,
                "policy": policy,
                "evidence": evidence.ids(session, model),
                "judgments": sorted(active),
            }
        )
    )


def compute(
    session: Session, model: Model, folder: Path, options: ScoringOptions, actor: str
) -> tuple[ScorecardRow, Framework, ScorecardResult]:
    snap, framework = snapshot(session, folder, actor)
    judged = [
        judgments.to_core(j)
        for j in judgments.active(session, model)
        if j.framework_id == framework.id
    ]
    result = score(framework, evidence.load(session, model), judged, options)
    result_json = canonical(result.to_json_dict())
    computed_at = now()
    overall = {stage: o.level for stage, o in result.overall.items()}
    row = ScorecardRow(
        model_id=model.id,
        snapshot_id=snap.id,
        policy=options.policy,
        overall_json=canonical(overall),
        deploy=result.eligibility.deploy,
        develop=result.eligibility.develop,
        security_hardening_required=result.eligibility.security_hardening_required,
        result_json=result_json,
        inputs_hash=inputs_hash(session, model, framework.content_hash, options.policy),
        content_hash="",
        computed_by=actor,
        computed_at=computed_at,
    )
    row.content_hash = content_hash(model, row, framework.content_hash)
    levels = ", ".join(f"{s} {lv or 'not assessed'}" for s, lv in overall.items())
    write.add(
        session,
        row,
        action="scorecard.compute",
        actor=actor,
        summary=f"scored {label(model)} on {framework.id}: {levels}",
    )
    return row, framework, result


def content_hash(model: Model, row: ScorecardRow, snapshot_hash: str) -> str:
    """What a scorecard's hash covers: model, framework snapshot, policy, result, inputs."""
    return sha256(
        canonical(
            {
                "model": label(model),
                "snapshot": snapshot_hash,
                "policy": row.policy,
                "result": row.result_json,
                "inputs": row.inputs_hash,
            }
        )
    )


def latest(session: Session, model: Model) -> ScorecardRow | None:
    return session.scalar(
        select(ScorecardRow)
        .where(ScorecardRow.model_id == model.id)
        .order_by(ScorecardRow.id.desc())
        .limit(1)
    )


def require_latest(session: Session, model: Model) -> ScorecardRow:
    row = latest(session, model)
    if row is None:
        raise NotFound(f"{label(model)} has no scorecard yet: run `scorecard score {label(model)}`")
    return row


def require_current(session: Session, model: Model, row: ScorecardRow) -> FrameworkSnapshot:
    """Refuse a scorecard computed before the evidence or judgments stored since; returns its
    framework snapshot."""
    snap = session.get(FrameworkSnapshot, row.snapshot_id)
    assert snap is not None  # a foreign key
    if inputs_hash(session, model, snap.content_hash, row.policy) != row.inputs_hash:
        raise Refused(
            f"scorecard #{row.id} of {label(model)} is out of date: evidence or judgments were "
            f"recorded since; run `scorecard score {label(model)}` first"
        )
    return snap


def result_of(row: ScorecardRow) -> ScorecardResult:
    """The stored result, typed."""
    return ScorecardResult.from_json_dict(json.loads(row.result_json))


def history(session: Session, model: Model) -> list[ScorecardRow]:
    # The stored results (tens of KB each) load only when asked for: listing needs none.
    return list(
        session.scalars(
            select(ScorecardRow)
            .options(defer(ScorecardRow.result_json))
            .where(ScorecardRow.model_id == model.id)
            .order_by(ScorecardRow.id)
        )
    )


def get(session: Session, model: Model, scorecard_id: int) -> ScorecardRow:
    row = session.get(ScorecardRow, scorecard_id)
    if row is None or row.model_id != model.id:
        raise NotFound(f"{label(model)} has no scorecard #{scorecard_id}")
    return row


def public_json(session: Session, model: Model, row: ScorecardRow) -> dict[str, Any]:
    """The stored result in the scoring JSON shape, plus its id, hash and who computed it."""
    data: dict[str, Any] = json.loads(row.result_json)
    snap = session.get(FrameworkSnapshot, row.snapshot_id)
    return {
        "id": row.id,
        "hash": row.content_hash,
        "model": label(model),
        "computed_by": row.computed_by,
        "computed_at": row_dict(row)["computed_at"],
        "framework_snapshot": snap.content_hash if snap else None,
        **data,
    }


def summary(row: ScorecardRow) -> dict[str, Any]:
    """One line of a model's history (the stored result itself is not loaded)."""
    return {
        "id": row.id,
        "hash": row.content_hash,
        "computed_by": row.computed_by,
        "computed_at": timestamp(row.computed_at),
        "policy": row.policy,
        "overall": json.loads(row.overall_json),
        "deploy": row.deploy,
        "develop": row.develop,
        "security_hardening_required": row.security_hardening_required,
    }


def diff(before: ScorecardRow, after: ScorecardRow) -> list[Change]:
    """What moved between two stored scorecards, and the newer one's reason for each move."""
    return compare(result_of(before), result_of(after))
