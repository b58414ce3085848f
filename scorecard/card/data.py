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
from scorecard.card.attachment import CARD_FORMAT
from scorecard.db.schema import EvidenceRow, Model, Source
from scorecard.records import audit, decisions, judgments, mitigations, scorecards
from scorecard.records.models import label
from scorecard.records.serialize import now, row_dict


def build(session: Session, model: Model) -> dict[str, Any]:
    """The card data for the model's latest scorecard, which must be up to date."""
    card = scorecards.require_latest(session, model)
    snapshot = scorecards.require_current(session, model, card)
    framework = scorecards.framework_of(snapshot)
    evidence_rows = session.execute(
        select(EvidenceRow).where(EvidenceRow.model_id == model.id).order_by(EvidenceRow.id)
    ).scalars()
    sources = session.execute(
        select(Source).where(Source.model_id == model.id).order_by(Source.id)
    ).scalars()
    return {
        "format": CARD_FORMAT,
        "tool": {"name": "scorecard", "version": __version__},
        "generated_at": now().isoformat(timespec="seconds"),
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
            **_bundled(framework.id, snapshot.content_hash),
        },
        "policy": card.policy,
        "scorecard": {
            "id": card.id,
            "hash": card.content_hash,
            "inputs_hash": card.inputs_hash,
            "computed_by": card.computed_by,
            "computed_at": row_dict(card)["computed_at"],
            "result": json.loads(card.result_json),
        },
        "evidence": [
            {k: v for k, v in row_dict(e).items() if k != "model_id"} for e in evidence_rows
        ],
        "sources": [{**row_dict(s), "metadata": json.loads(s.metadata_json)} for s in sources],
        "judgments": [
            row_dict(j) for j in judgments.active(session, model) if j.framework_id == framework.id
        ],
        "mitigations": [
            row_dict(m)
            for m in mitigations.for_model(session, model)
            if m.framework_id == framework.id
        ],
        "decisions": [row_dict(d) for d in decisions.on_scorecard(session, card.id)],
        "audit_head": audit.head(session),
    }


def _bundled(framework_id: str, content_hash: str) -> dict[str, Any]:
    """Whether the snapshot is the pack of that id bundled with this scorecard."""
    from scorecard import packs

    bundled = packs.bundled_hash(framework_id)
    same = bundled == content_hash
    return {"bundled": same, "bundled_hash": None if same else bundled}
