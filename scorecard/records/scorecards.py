"""Computing, storing and comparing scorecards. Each computation is a new immutable row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from scorecard import packs
from scorecard.core.framework import Framework
from scorecard.core.result import ScorecardResult
from scorecard.core.scoring import ScoringOptions, score
from scorecard.db.schema import FrameworkSnapshot, Model, ScorecardRow
from scorecard.errors import ScorecardError
from scorecard.records import audit, evidence, reviews
from scorecard.records.models import label


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
            created_at=audit.now(),
        )
        session.add(row)
        audit.append(
            session,
            action="framework.snapshot",
            entity="framework_snapshot",
            row=row,
            actor=actor,
            summary=f"snapshot of {framework.id} {framework.header.version}",
            model_id=None,
        )
    return row, framework


def framework_of(row: FrameworkSnapshot) -> Framework:
    """Rebuild the framework exactly as it was when the snapshot was taken."""
    framework = packs.load_files(json.loads(row.files_json), f"snapshot #{row.id}")
    if framework.content_hash != row.content_hash:
        raise ScorecardError(f"framework snapshot #{row.id} does not match its own hash")
    return framework


def inputs_hash(session: Session, model: Model, snapshot_hash: str, policy: str) -> str:
    """What a scorecard was computed from; a decision on a stale scorecard is refused."""
    active = [j.id for j in reviews.active_judgments(session, model)]
    return audit.sha256(
        audit.canonical(
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
    judgments = [
        reviews.to_core(j)
        for j in reviews.active_judgments(session, model)
        if j.framework_id == framework.id
    ]
    result = score(framework, evidence.load(session, model), judgments, options)
    result_json = audit.canonical(result.to_json_dict())
    computed_at = audit.now()
    overall = {stage: o.level for stage, o in result.overall.items()}
    row = ScorecardRow(
        model_id=model.id,
        snapshot_id=snap.id,
        policy=options.policy,
        overall_json=audit.canonical(overall),
        deploy=result.eligibility.deploy,
        develop=result.eligibility.develop,
        security_hardening_required=result.eligibility.security_hardening_required,
        result_json=result_json,
        inputs_hash=inputs_hash(session, model, framework.content_hash, options.policy),
        content_hash="",
        computed_by=actor,
        computed_at=computed_at,
    )
    row.content_hash = audit.sha256(
        audit.canonical(
            {
                "model": label(model),
                "snapshot": framework.content_hash,
                "policy": options.policy,
                "result": result_json,
                "inputs": row.inputs_hash,
            }
        )
    )
    session.add(row)
    session.flush()
    levels = ", ".join(f"{s} {lv or 'not assessed'}" for s, lv in overall.items())
    audit.append(
        session,
        action="scorecard.compute",
        entity="scorecard",
        row=row,
        actor=actor,
        summary=f"scored {label(model)} on {framework.id}: {levels}",
        model_id=model.id,
    )
    return row, framework, result


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
        raise ScorecardError(
            f"{label(model)} has no scorecard yet: run `scorecard score {label(model)}`"
        )
    return row


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
        raise ScorecardError(f"{label(model)} has no scorecard #{scorecard_id}")
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
        "computed_at": audit.row_dict(row)["computed_at"],
        "framework_snapshot": snap.content_hash if snap else None,
        **data,
    }


@dataclass(frozen=True)
class Change:
    what: str
    before: str
    after: str
    why: str


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """What moved between two scorecards, and the new rationale for each move."""
    changes: list[Change] = []
    if before["framework"]["content_hash"] != after["framework"]["content_hash"]:
        changes.append(
            Change(
                "framework",
                before["framework"]["version"],
                after["framework"]["version"],
                "the framework pack changed",
            )
        )
    if before["policy"] != after["policy"]:
        changes.append(Change("policy", before["policy"], after["policy"], "scoring policy"))
    old = {c["id"]: c for c in before["categories"]}
    for category in after["categories"]:
        prior = old.get(category["id"])
        for stage in after["stages"]:
            new_level = category["stages"][stage]["level"] or "not_assessed"
            old_level = (prior["stages"].get(stage, {}).get("level") if prior else None) or (
                "not_assessed"
            )
            if new_level != old_level:
                changes.append(
                    Change(
                        f"{category['id']} ({stage})",
                        old_level,
                        new_level,
                        category["stages"][stage]["rationale"],
                    )
                )
    for stage in after["stages"]:
        if before["overall"].get(stage) != after["overall"][stage]:
            changes.append(
                Change(
                    f"overall ({stage})",
                    str(before["overall"].get(stage)),
                    str(after["overall"][stage]),
                    "highest tracked category",
                )
            )
    for key in ("deploy", "develop", "security_hardening_required"):
        if before["eligibility"][key] != after["eligibility"][key]:
            reasons = [
                g["reason"]
                for g in after["eligibility"]["gates"]
                if g["governs"] == key.replace("_required", "") and g["applies"]
            ]
            changes.append(
                Change(
                    key,
                    str(before["eligibility"][key]),
                    str(after["eligibility"][key]),
                    "; ".join(reasons),
                )
            )
    return changes
