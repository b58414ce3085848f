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
from scorecard.db.schema import EvidenceRow, JudgmentRow, Model, Source
from scorecard.records import audit, decisions, judgments, mitigations, scorecards, withdrawals
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
    withdrawn = withdrawals.index(session, model)
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
        # Withdrawn evidence and judgments stay on the card, marked: the provenance shows them,
        # and recomputing skips them as scoring did.
        "evidence": [
            {
                **{k: v for k, v in row_dict(e).items() if k != "model_id"},
                "withdrawn": withdrawals.shown(withdrawn.of_evidence(e.id, e.source_id)),
            }
            for e in evidence_rows
        ],
        "sources": [
            {
                **row_dict(s),
                "metadata": json.loads(s.metadata_json),
                "withdrawn": withdrawals.shown(withdrawn.sources.get(s.id)),
            }
            for s in sources
        ],
        "judgments": _judgments(session, model, framework.id, withdrawn),
        "mitigations": [
            row_dict(m)
            for m in mitigations.for_model(session, model)
            if m.framework_id == framework.id
        ],
        "decisions": [row_dict(d) for d in decisions.on_scorecard(session, card.id)],
        "audit_head": audit.head(session),
    }


def _judgments(
    session: Session, model: Model, framework_id: str, withdrawn: withdrawals.Index
) -> list[dict[str, Any]]:
    """The judgments in force and the withdrawn ones, of the card's framework, oldest first."""
    rows = [
        *judgments.active(session, model),
        *(
            session.scalars(select(JudgmentRow).where(JudgmentRow.id.in_(withdrawn.judgments)))
            if withdrawn.judgments
            else ()
        ),
    ]
    return [
        {**row_dict(j), "withdrawn": withdrawals.shown(withdrawn.judgments.get(j.id))}
        for j in sorted(rows, key=lambda j: j.id)
        if j.framework_id == framework_id
    ]


def _bundled(framework_id: str, content_hash: str) -> dict[str, Any]:
    """Whether the snapshot is the pack of that id bundled with this scorecard."""
    from scorecard import packs

    bundled = packs.bundled_hash(framework_id)
    same = bundled == content_hash
    return {"bundled": same, "bundled_hash": None if same else bundled}
