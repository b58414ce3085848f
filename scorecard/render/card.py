"""The card's data: everything the document shows, and everything needed to recompute it.

This dictionary is attached to the PDF as ``scorecard.json``. It carries the framework pack's
files, the evidence and judgments the scorecard was computed from, and the scorecard itself, so
anyone holding the PDF can rerun the scoring and compare.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard import __version__
from scorecard.db.schema import AuditEvent, EvidenceRow, FrameworkSnapshot, Model, Source
from scorecard.errors import ScorecardError
from scorecard.records import audit, reviews, scorecards
from scorecard.records.models import label

CARD_FORMAT = "scorecard-card/1"


def build(session: Session, model: Model) -> dict[str, Any]:
    """The card data for the model's latest scorecard, which must be up to date."""
    card = scorecards.require_latest(session, model)
    snapshot = session.get(FrameworkSnapshot, card.snapshot_id)
    assert snapshot is not None
    current = scorecards.inputs_hash(session, model, snapshot.content_hash, card.policy)
    if current != card.inputs_hash:
        raise ScorecardError(
            f"scorecard #{card.id} of {label(model)} is out of date: evidence or judgments were "
            f"recorded since; run `scorecard score {label(model)}` first"
        )
    framework = scorecards.framework_of(snapshot)
    evidence_rows = session.execute(
        select(EvidenceRow).where(EvidenceRow.model_id == model.id).order_by(EvidenceRow.id)
    ).scalars()
    sources = session.execute(
        select(Source).where(Source.model_id == model.id).order_by(Source.id)
    ).scalars()
    judgments = [
        audit.row_dict(j)
        for j in reviews.active_judgments(session, model)
        if j.framework_id == framework.id
    ]
    head = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    return {
        "format": CARD_FORMAT,
        "tool": {"name": "scorecard", "version": __version__},
        "generated_at": audit.now().isoformat(timespec="seconds"),
        "model": {
            "ref": label(model),
            "name": model.name,
            "version": model.version,
            "description": model.description,
        },
        "framework": {
            "id": framework.id,
            "name": framework.header.name,
            "version": framework.header.version,
            "content_hash": snapshot.content_hash,
            "files": json.loads(snapshot.files_json),
        },
        "policy": card.policy,
        "scorecard": {
            "id": card.id,
            "hash": card.content_hash,
            "inputs_hash": card.inputs_hash,
            "computed_by": card.computed_by,
            "computed_at": audit.row_dict(card)["computed_at"],
            "result": json.loads(card.result_json),
        },
        "evidence": [
            {k: v for k, v in audit.row_dict(e).items() if k != "model_id"} for e in evidence_rows
        ],
        "sources": [
            {**audit.row_dict(s), "metadata": json.loads(s.metadata_json)} for s in sources
        ],
        "judgments": judgments,
        "mitigations": [
            audit.row_dict(m)
            for m in reviews.mitigations(session, model)
            if m.framework_id == framework.id
        ],
        "decisions": [
            audit.row_dict(d)
            for d in reviews.decisions(session, model)
            if d.scorecard_id == card.id
        ],
        "audit_head": head,
    }
