"""Ingesting evidence files, and loading stored evidence for scoring.

A batch is all or nothing: every file is read and checked before the transaction opens, and the
transaction stores every file or none. Re-ingesting a file (same bytes) for the same model and
stage is a no-op that says so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from scorecard.core.evidence import Evidence, SourceRef
from scorecard.core.framework import Framework
from scorecard.db.schema import EvidenceRow, Model, Source
from scorecard.readers.interface import SourceFile
from scorecard.records import audit, withdrawals
from scorecard.records.models import label
from scorecard.records.serialize import now


@dataclass(frozen=True)
class Ingested:
    file: SourceFile
    source_id: int
    stored: bool
    """False when the same file was already ingested for this model and stage."""
    note: str
    warnings: tuple[str, ...] = ()


def store(
    session: Session, model: Model, stage: str, files: Sequence[SourceFile], actor: str
) -> list[Ingested]:
    """Store the files' evidence under ``model`` in the caller's transaction."""
    results: list[Ingested] = []
    seen: dict[str, int] = {}
    earlier = session.execute(
        select(
            Source.sha256, Source.id, Source.ingested_at, Source.ingested_by, Source.log_model
        ).where(Source.model_id == model.id, Source.stage == stage)
    ).all()
    # One query for the whole batch, not one per file: a directory can hold hundreds of logs.
    existing = {row.sha256: row for row in earlier}
    log_models: set[str] = {row.log_model for row in earlier if row.log_model}
    for file in files:
        known = existing.get(file.sha256)
        if known is not None or file.sha256 in seen:
            source_id = known.id if known is not None else seen[file.sha256]
            when = f" on {known.ingested_at:%Y-%m-%d} by {known.ingested_by}" if known else ""
            results.append(
                Ingested(
                    file,
                    source_id,
                    False,
                    f"already ingested as source #{source_id}{when}: nothing to do",
                )
            )
            continue
        source = Source(
            model_id=model.id,
            stage=stage,
            format=file.format,
            file_name=file.path.name,
            sha256=file.sha256,
            size=file.size,
            log_model=file.log_model,
            eval_run_id=file.eval_run_id,
            eval_id=file.eval_id,
            eval_created=file.eval_created,
            metadata_json=json.dumps(file.metadata, sort_keys=True),
            ingested_by=actor,
            ingested_at=now(),
        )
        session.add(source)
        session.flush()
        rows = [
            {
                "model_id": model.id,
                "source_id": source.id,
                "stage": stage,
                "task": e.task,
                "metric": e.metric,
                "value": e.value,
                "stderr": e.stderr,
                "n_samples": e.n_samples,
                "location": e.source.row if e.source else None,
            }
            for e in file.evidence
        ]
        children: list[dict[str, Any]] = []
        if rows:
            # One multi-row INSERT per file (the ORM's unit of work is far slower at volume),
            # then the rows as stored, for the audit hash.
            session.execute(insert(EvidenceRow), rows)
            table = EvidenceRow.__table__
            children = [
                dict(row)
                for row in session.execute(
                    select(table).where(table.c.source_id == source.id).order_by(table.c.id)
                ).mappings()
            ]
        # Not write.add: the event covers the evidence rows too, inserted after the source.
        audit.append(
            session,
            action="evidence.ingest",
            entity="source",
            row=source,
            actor=actor,
            summary=f"ingested {len(rows)} {stage} rows from {file.path.name} ({file.format}) "
            f"for {label(model)}",
            model_id=model.id,
            children=children,
        )
        seen[file.sha256] = source.id
        warnings = []
        if file.log_model and log_models and file.log_model not in log_models:
            warnings.append(
                f"{file.path.name}: the log's model {file.log_model!r} differs from earlier "
                f"{stage} evidence for {label(model)} ({', '.join(sorted(log_models))})"
            )
        if file.metadata.get("complete") is False:
            warnings.append(
                f"{file.path.name}: an incomplete run (status "
                f"{file.metadata.get('status')!r}), stored and flagged as such"
            )
        if file.log_model:
            log_models.add(file.log_model)
        results.append(Ingested(file, source.id, True, f"stored {len(rows)} rows", tuple(warnings)))
    return results


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
