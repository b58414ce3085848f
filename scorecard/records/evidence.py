"""Ingesting evidence files, and loading stored evidence for scoring.

A batch is all or nothing: every file is read and checked before the transaction opens, and the
transaction stores every file or none. A source's stage is its rows' stage (``mixed`` when they
span stages), or the stage given for a file without rows; re-ingesting a file (same bytes) for
the same model and stage is a no-op that says so, whether or not the stage was named.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.evidence import Evidence, SourceRef
from scorecard.core.framework import Framework
from scorecard.db.schema import EvidenceRow, Model, Source
from scorecard.errors import InputError
from scorecard.readers.interface import SourceFile
from scorecard.records import audit, bulk, withdrawals
from scorecard.records.intake import LogModels
from scorecard.records.models import label
from scorecard.records.serialize import normal, now

MIXED = "mixed"
"""The stage of a source whose rows span stages."""
_METADATA = json.JSONEncoder(sort_keys=True)  # json.dumps(..., sort_keys=True), made once


@dataclass(frozen=True)
class Ingested:
    file: SourceFile
    source_id: int
    stored: bool
    """False when the same file was already ingested for this model and stage."""
    note: str
    warnings: tuple[str, ...] = ()
    stage: str = ""
    """The source's stage: pre, post, or mixed."""
    accepted_model: str | None = None
    """The log's model, accepted by name as evidence of another model."""


def source_stage(file: SourceFile, stage: str | None) -> str:
    """The stage a file's source is stored under: its rows', else the one given."""
    stages = {e.stage for e in file.evidence}
    if len(stages) > 1:
        return MIXED
    if stages:
        return stages.pop()
    if stage is None:  # the readers refuse a file that neither has rows nor is given a stage
        raise InputError(f"{file.path}: no evidence rows and no stage named")
    return stage


def store(
    session: Session,
    model: Model,
    files: Sequence[SourceFile],
    actor: str,
    *,
    stage: str | None = None,
    accept_models: Collection[str] = (),
) -> list[Ingested]:
    """Store the files' evidence under ``model`` in the caller's transaction.

    Every file is checked before anything is written (a log of another model is refused unless
    its model is in ``accept_models``); then the whole batch is three statements: the sources,
    their evidence rows, and one audit event per source (covering its rows).
    """
    earlier = session.execute(
        select(
            Source.stage,
            Source.sha256,
            Source.id,
            Source.ingested_at,
            Source.ingested_by,
            Source.log_model,
            Source.accepted_model,
        ).where(Source.model_id == model.id)
    ).all()
    # One query for the whole batch, not one per file: a directory can hold thousands of logs.
    existing = {(row.stage, row.sha256): row for row in earlier}
    names = LogModels(r.log_model for r in earlier if r.log_model and r.accepted_model is None)
    plans: list[_Plan] = []
    new: list[_Plan] = []
    first_of: dict[tuple[str, str], _Plan] = {}
    refusals: list[str] = []
    for file in files:
        key = (source_stage(file, stage), file.sha256)
        known = existing.get(key)
        if known is not None:
            when = f" on {known.ingested_at:%Y-%m-%d} by {known.ingested_by}"
            note = f"already ingested as source #{known.id}{when}: nothing to do"
            plans.append(_Plan(file, key[0], source_id=known.id, note=note))
            continue
        if key in first_of:
            plans.append(_Plan(file, key[0], same_as=first_of[key]))
            continue
        accepted, problem = names.take(file.log_model, accept_models)
        warnings = []
        if problem and accepted is None:
            refusals.append(
                f"{file.path}: {problem}; if it is right, pass --accept-model {file.log_model}"
            )
        elif problem:
            warnings.append(f"{file.path.name}: {problem}; stored, accepted by name")
        if file.metadata.get("complete") is False:
            warnings.append(
                f"{file.path.name}: an incomplete run (status "
                f"{file.metadata.get('status')!r}), stored and flagged as such"
            )
        plan = _Plan(file, key[0], accepted, tuple(warnings))
        first_of[key] = plan
        plans.append(plan)
        new.append(plan)
    if refusals:
        more = len(refusals) - 1
        raise InputError(refusals[0] + (f" … and {more} more {_files(more)}" if more else ""))
    _write(session, model, new, actor)
    return [p.result() for p in plans]


@dataclass
class _Plan:
    """One file of a batch: to store, or the same bytes as a source already stored."""

    file: SourceFile
    stage: str
    accepted_model: str | None = None
    warnings: tuple[str, ...] = ()
    source_id: int | None = None
    """The source's id once stored, or that of the one already there."""
    note: str = ""
    stored: bool = False
    same_as: _Plan | None = None
    """An earlier file of the same batch with the same bytes and stage."""

    def result(self) -> Ingested:
        if self.same_as is not None:
            first = self.same_as.source_id
            assert first is not None
            note = f"already ingested as source #{first}: nothing to do"
            return Ingested(self.file, first, False, note, stage=self.stage)
        assert self.source_id is not None
        return Ingested(
            self.file,
            self.source_id,
            self.stored,
            self.note,
            self.warnings,
            self.stage,
            self.accepted_model,
        )


def _files(count: int) -> str:
    return "file" if count == 1 else "files"


def _write(session: Session, model: Model, plans: list[_Plan], actor: str) -> None:
    """The sources, their rows and their audit events, one statement each.

    The rows are hashed for the audit chain as they are inserted, which is what ``verify``
    reads back: every column is given (no database default), floats as floats (an integral
    value reads back as a float) and never negative zero (not every backend keeps its sign).
    """
    if not plans:
        return
    at, model_id = now(), model.id
    sources: list[dict[str, Any]] = [
        {
            "model_id": model_id,
            "stage": plan.stage,
            "format": plan.file.format,
            "file_name": plan.file.path.name,
            "sha256": plan.file.sha256,
            "size": plan.file.size,
            "log_model": plan.file.log_model,
            "eval_run_id": plan.file.eval_run_id,
            "eval_id": plan.file.eval_id,
            "eval_created": plan.file.eval_created,
            "metadata_json": _METADATA.encode(plan.file.metadata),
            "ingested_by": actor,
            "ingested_at": at,
            "accepted_model": plan.accepted_model,
        }
        for plan in plans
    ]
    source_ids = bulk.insert_rows(session, Source, sources)
    rows: list[tuple[Any, ...]] = []
    for plan, source_id in zip(plans, source_ids, strict=True):
        plan.source_id, plan.stored = source_id, True
        plan.note = f"stored {len(plan.file.evidence)} rows"
        # + 0.0: a float (an integral value reads back as one), and never negative zero.
        rows.extend(
            (
                model_id,
                source_id,
                e.stage,
                e.task,
                e.metric,
                e.value + 0.0,
                None if e.stderr is None else e.stderr + 0.0,
                e.n_samples,
                None if e.source is None else e.source.row,
                e.citation,
            )
            for e in plan.file.evidence
        )
    stored = bulk.insert_values(session, EvidenceRow, audit.EVIDENCE_ROW[1:], rows)
    name, stamp = label(model), normal(at)
    events = []
    first = 0
    for plan, source in zip(plans, sources, strict=True):
        file = plan.file
        own = stored[first : first + len(file.evidence)]
        first += len(file.evidence)
        summary = (
            f"ingested {len(own)} {plan.stage} rows from {file.path.name} ({file.format}) "
            f"for {name}"
        )
        if plan.accepted_model:
            summary += f", log model {plan.accepted_model} accepted by name"
        values = {**source, "ingested_at": stamp}  # as row_dict has it: the time normal
        events.append(
            audit.NewEvent(
                action="evidence.ingest",
                entity="source",
                entity_id=values["id"],
                model_id=model_id,
                summary=summary,
                content_hash=audit.source_hash(values, own),
            )
        )
    audit.append_many(session, events, actor)


def load(session: Session, model: Model) -> list[Evidence]:
    """Every evidence row of the model in force (neither it nor its source withdrawn), in
    ingest order, with its source file."""
    query = (
        select(EvidenceRow, Source.file_name)
        .join(Source, Source.id == EvidenceRow.source_id)
        .where(EvidenceRow.model_id == model.id, withdrawals.evidence_in_force(model.id))
        .order_by(EvidenceRow.id)
    )
    return [
        Evidence(
            stage=row.stage,
            task=row.task,
            metric=row.metric,
            value=row.value,
            stderr=row.stderr,
            n_samples=row.n_samples,
            source=SourceRef(file=file_name, row=row.location),
            citation=row.citation,
        )
        for row, file_name in session.execute(query)
    ]


def ids(session: Session, model: Model) -> list[int]:
    """The ids of the rows :func:`load` returns: what the inputs hash covers, so withdrawing
    evidence puts the latest scorecard out of date."""
    return list(
        session.scalars(
            select(EvidenceRow.id)
            .where(EvidenceRow.model_id == model.id, withdrawals.evidence_in_force(model.id))
            .order_by(EvidenceRow.id)
        )
    )


def listing(
    session: Session,
    model: Model,
    framework: Framework,
    stage: str | None,
    judged: set[tuple[str, str, str | None]],
) -> dict[str, Any]:
    """Every stored row with the indicators that read it (a withdrawn row marked, with who
    withdrew it and why), and per stage what is still missing: measured indicators with no
    evidence in force, and judgment indicators with no judgment."""
    readers = framework.readers()
    withdrawn = withdrawals.index(session, model)
    query = (
        select(EvidenceRow, Source)
        .join(Source, Source.id == EvidenceRow.source_id)
        .where(EvidenceRow.model_id == model.id)
        .order_by(EvidenceRow.id)
    )
    if stage is not None:
        query = query.where(EvidenceRow.stage == stage)
    rows = []
    covered: set[tuple[str, str, str]] = set()
    for row, source in session.execute(query):
        used_by = readers.get((row.task.lower(), row.metric), [])
        withdrawal = withdrawn.of_evidence(row.id, row.source_id)
        if withdrawal is None:  # a withdrawn row covers nothing
            covered.update((row.stage, category, indicator) for category, indicator in used_by)
        metadata = json.loads(source.metadata_json)
        rows.append(
            {
                "id": row.id,
                "stage": row.stage,
                "task": row.task,
                "metric": row.metric,
                "value": row.value,
                "stderr": row.stderr,
                "n_samples": row.n_samples,
                "source": source.file_name,
                "format": source.format,
                "sha256": source.sha256,
                "source_id": source.id,
                "log_model": source.log_model,
                "accepted_model": source.accepted_model,
                "citation": row.citation,
                "complete": metadata.get("complete", True),
                "indicators": [f"{c}/{i}" for c, i in used_by],
                "withdrawn": withdrawals.shown(withdrawal),
            }
        )
    stages = [stage] if stage else framework.stage_ids
    missing: dict[str, list[str]] = {}
    needs_judgment: dict[str, list[str]] = {}
    for stage_id in stages:
        missing[stage_id] = [
            f"{category.id}/{indicator.id}"
            for category in framework.categories
            for indicator in category.indicators
            if indicator.kind == "measured" and (stage_id, category.id, indicator.id) not in covered
        ]
        needs_judgment[stage_id] = [
            f"{category.id}/{indicator.id}"
            for category in framework.categories
            for indicator in category.indicators
            if indicator.kind == "judgment" and (category.id, stage_id, indicator.id) not in judged
        ]
    return {
        "model": label(model),
        "framework": framework.id,
        "evidence": rows,
        "missing": missing,
        "needs_judgment": needs_judgment,
    }
