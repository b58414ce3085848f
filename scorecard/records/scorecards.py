"""Computing, storing and comparing scorecards. Each computation that changes something is a new
immutable row; scoring again with nothing changed stores nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer

from scorecard import packs
from scorecard.core.compare import Change, compare
from scorecard.core.framework import Framework
from scorecard.core.result import ScorecardResult
from scorecard.core.scoring import ScoringOptions, score
from scorecard.db.schema import (
    AuditEvent,
    EvidenceRow,
    FrameworkSnapshot,
    JudgmentRow,
    Model,
    ScorecardRow,
    Withdrawal,
)
from scorecard.errors import CheckFailed, NotFound, Refused, UsageError
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


def snapshot_of(session: Session, row: ScorecardRow) -> FrameworkSnapshot:
    snap = session.get(FrameworkSnapshot, row.snapshot_id)
    assert snap is not None  # a foreign key
    return snap


def framework_of(row: FrameworkSnapshot) -> Framework:
    """Rebuild the framework exactly as it was when the snapshot was taken."""
    framework = packs.load_files(json.loads(row.files_json), f"snapshot #{row.id}")
    if framework.content_hash != row.content_hash:
        raise CheckFailed(f"framework snapshot #{row.id} does not match its own hash")
    return framework


@dataclass(frozen=True)
class Inputs:
    """What a scorecard is computed from, besides its framework snapshot and policy."""

    evidence: list[int]
    """Evidence row ids, in ingest order."""
    judgments: list[int]
    """Ids of the active judgments under the scorecard's framework, in order."""


def current_inputs(session: Session, model: Model, framework_id: str) -> Inputs:
    """The model's evidence and its active judgments under ``framework_id``, as they are now.

    A judgment under another framework is not an input: it cannot make a scorecard of this
    series out of date."""
    active = [j.id for j in judgments.active(session, model) if j.framework_id == framework_id]
    return Inputs(evidence.ids(session, model), sorted(active))


def hash_inputs(snapshot_hash: str, policy: str, inputs: Inputs) -> str:
    return sha256(
        canonical(
            {
                "snapshot": snapshot_hash,
                "policy": policy,
                "evidence": inputs.evidence,
                "judgments": inputs.judgments,
            }
        )
    )


def inputs_hash(session: Session, model: Model, snapshot: FrameworkSnapshot, policy: str) -> str:
    """What a scorecard was computed from; a decision on a stale scorecard is refused."""
    return hash_inputs(
        snapshot.content_hash, policy, current_inputs(session, model, snapshot.framework_id)
    )


class Computed(NamedTuple):
    row: ScorecardRow
    framework: Framework
    result: ScorecardResult
    stored: bool
    """False when nothing changed since the series' latest scorecard, which ``row`` is."""


def compute(
    session: Session, model: Model, folder: Path, options: ScoringOptions, actor: str
) -> Computed:
    """Score the model under the pack in ``folder`` and store the scorecard in that
    framework's series, unless the series' latest has the same inputs and result: then that
    one is returned and nothing is stored."""
    snap, framework = snapshot(session, folder, actor)
    judged = [
        judgments.to_core(j)
        for j in judgments.active(session, model)
        if j.framework_id == framework.id
    ]
    result = score(framework, evidence.load(session, model), judged, options)
    result_json = canonical(result.to_json_dict())
    inputs = inputs_hash(session, model, snap, options.policy)
    previous = latest(session, model, framework.id)
    # Same inputs and the same result (a new --margin changes the warnings, hence the result):
    # the series' latest scorecard already says this.
    if previous is not None and (previous.inputs_hash, previous.result_json) == (
        inputs,
        result_json,
    ):
        return Computed(previous, framework, result, stored=False)
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
        inputs_hash=inputs,
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
    return Computed(row, framework, result, stored=True)


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


# --- Series: a model's scorecards under one framework ----------------------------------------
#
# A model keeps the framework it was first scored under (its first scorecard's snapshot); a
# scorecard under another framework, asked for explicitly, starts a separate series. "Latest"
# always means the latest of a series, so a new series never displaces a decided scorecard.


def _in_series(model: Model, framework_id: str) -> Select[ScorecardRow]:
    return (
        select(ScorecardRow)
        .join(FrameworkSnapshot, FrameworkSnapshot.id == ScorecardRow.snapshot_id)
        .where(ScorecardRow.model_id == model.id, FrameworkSnapshot.framework_id == framework_id)
    )


def primary(session: Session, model: Model) -> tuple[str, int] | None:
    """The framework the model was first scored under, and that first scorecard's id."""
    found = session.execute(
        select(FrameworkSnapshot.framework_id, ScorecardRow.id)
        .join(FrameworkSnapshot, FrameworkSnapshot.id == ScorecardRow.snapshot_id)
        .where(ScorecardRow.model_id == model.id)
        .order_by(ScorecardRow.id)
        .limit(1)
    ).first()
    return (found[0], found[1]) if found else None


def series(session: Session, model: Model) -> list[str]:
    """The frameworks the model has scorecards under, the primary one first."""
    rows = session.execute(
        select(FrameworkSnapshot.framework_id, ScorecardRow.id)
        .join(FrameworkSnapshot, FrameworkSnapshot.id == ScorecardRow.snapshot_id)
        .where(ScorecardRow.model_id == model.id)
        .order_by(ScorecardRow.id)
    )
    return list(dict.fromkeys(framework_id for framework_id, _ in rows))


def series_of(session: Session, row: ScorecardRow) -> str:
    """The framework id of a scorecard's series."""
    return snapshot_of(session, row).framework_id


def _series_id(session: Session, model: Model, framework_id: str | None) -> str | None:
    if framework_id is not None:
        return framework_id
    first = primary(session, model)
    return first[0] if first else None


def latest(session: Session, model: Model, framework_id: str | None = None) -> ScorecardRow | None:
    """The latest scorecard of the model's series under ``framework_id`` (default: the
    framework it was first scored under)."""
    chosen = _series_id(session, model, framework_id)
    if chosen is None:
        return None
    return session.scalar(_in_series(model, chosen).order_by(ScorecardRow.id.desc()).limit(1))


def require_latest(session: Session, model: Model, framework_id: str | None = None) -> ScorecardRow:
    row = latest(session, model, framework_id)
    if row is not None:
        return row
    name = label(model)
    if framework_id is None or primary(session, model) is None:
        raise NotFound(f"{name} has no scorecard yet: run `scorecard score {name}`")
    raise NotFound(
        f"{name} has no scorecard under {framework_id}: run "
        f"`scorecard score {name} --framework {framework_id}`"
    )


def pick(
    session: Session, model: Model, scorecard_id: int | None, framework_id: str | None = None
) -> ScorecardRow:
    """The scorecard asked for: ``scorecard_id``, else the latest of the series under
    ``framework_id`` (default: the model's first framework). Both given must agree."""
    if scorecard_id is None:
        return require_latest(session, model, framework_id)
    row = get(session, model, scorecard_id)
    if framework_id is not None and series_of(session, row) != framework_id:
        raise UsageError(
            f"scorecard #{row.id} of {label(model)} is in the {series_of(session, row)} series, "
            f"not {framework_id}"
        )
    return row


def _score_hint(session: Session, model: Model, framework_id: str) -> str:
    first = primary(session, model)
    flag = "" if first is not None and first[0] == framework_id else f" --framework {framework_id}"
    return f"`scorecard score {label(model)}{flag}`"


def require_current(session: Session, model: Model, row: ScorecardRow) -> FrameworkSnapshot:
    """Refuse a scorecard computed before the evidence or judgments stored since; returns its
    framework snapshot."""
    snap = snapshot_of(session, row)
    now_inputs = current_inputs(session, model, snap.framework_id)
    if hash_inputs(snap.content_hash, row.policy, now_inputs) != row.inputs_hash:
        then = inputs_at(session, model, row, snap)
        what = (
            changed_inputs(then, now_inputs)
            if then is not None
            else "evidence or judgments were recorded since"
        )
        raise Refused(
            f"scorecard #{row.id} of {label(model)} is out of date: {what}; run "
            f"{_score_hint(session, model, snap.framework_id)} first"
        )
    return snap


def changed_inputs(then: Inputs, now_inputs: Inputs) -> str:
    """What changed between two sets of inputs, counted ("2 evidence rows added, 1 judgment
    superseded or withdrawn since")."""
    parts = []
    for noun, gone_as, before, after in (
        ("evidence row", "withdrawn", set(then.evidence), set(now_inputs.evidence)),
        ("judgment", "superseded or withdrawn", set(then.judgments), set(now_inputs.judgments)),
    ):
        added, gone = len(after - before), len(before - after)
        if added:
            parts.append(f"{added} {noun}{'' if added == 1 else 's'} added")
        if gone:
            parts.append(f"{gone} {noun}{'' if gone == 1 else 's'} {gone_as}")
    return f"{', '.join(parts)} since" if parts else "its inputs changed since"


def inputs_at(
    session: Session, model: Model, row: ScorecardRow, snap: FrameworkSnapshot | None = None
) -> Inputs | None:
    """The evidence and judgments ``row`` was computed from, rebuilt from the record, or None
    when they cannot be: the records in the audit chain before the scorecard's own event (less
    what was withdrawn or corrected by then), checked against its inputs hash, so what comes
    back is exactly what it was computed from."""
    snap = snap or snapshot_of(session, row)
    event = session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.entity == "scorecard",
            AuditEvent.entity_id == row.id,
            AuditEvent.action == "scorecard.compute",
        )
    )
    if event is None:
        return None

    def before(entity: str) -> set[int]:
        return set(
            session.scalars(
                select(AuditEvent.entity_id).where(
                    AuditEvent.model_id == model.id,
                    AuditEvent.entity == entity,
                    AuditEvent.id < event,
                )
            )
        )

    withdrawn: dict[str, set[int]] = {"source": set(), "evidence": set(), "judgment": set()}
    done = before("withdrawal")
    if done:
        for w in session.scalars(select(Withdrawal).where(Withdrawal.model_id == model.id)):
            if w.id in done and w.entity in withdrawn:
                withdrawn[w.entity].add(w.entity_id)
    sources = before("source") - withdrawn["source"]
    evidence_ids = [
        evidence_id
        for evidence_id, source_id in session.execute(
            select(EvidenceRow.id, EvidenceRow.source_id)
            .where(EvidenceRow.model_id == model.id)
            .order_by(EvidenceRow.id)
        )
        if source_id in sources and evidence_id not in withdrawn["evidence"]
    ]
    recorded = before("judgment")
    rows = [
        j
        for j in session.scalars(
            select(JudgmentRow).where(JudgmentRow.model_id == model.id).order_by(JudgmentRow.id)
        )
        if j.id in recorded
    ]
    corrected = {j.corrects_id for j in rows if j.corrects_id is not None}
    judgment_ids = [
        j.id
        for j in rows
        if j.framework_id == snap.framework_id
        and j.id not in corrected
        and j.id not in withdrawn["judgment"]
    ]
    inputs = Inputs(evidence_ids, judgment_ids)
    if hash_inputs(snap.content_hash, row.policy, inputs) != row.inputs_hash:
        return None
    return inputs


def result_of(row: ScorecardRow) -> ScorecardResult:
    """The stored result, typed."""
    return ScorecardResult.from_json_dict(json.loads(row.result_json))


def history(session: Session, model: Model, framework_id: str | None = None) -> list[ScorecardRow]:
    """The scorecards of a series (default: the model's first framework), oldest first."""
    chosen = _series_id(session, model, framework_id)
    if chosen is None:
        return []
    # The stored results (tens of KB each) load only when asked for: listing needs none.
    return list(
        session.scalars(
            _in_series(model, chosen)
            .options(defer(ScorecardRow.result_json))
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


def summary(row: ScorecardRow, framework_id: str) -> dict[str, Any]:
    """One line of a model's history (the stored result itself is not loaded)."""
    return {
        "id": row.id,
        "framework": framework_id,
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
