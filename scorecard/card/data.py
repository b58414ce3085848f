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
from scorecard.errors import Refused
from scorecard.records import audit, decisions, mitigations, scorecards, withdrawals
from scorecard.records.models import label
from scorecard.records.serialize import now, row_dict


def build(
    session: Session, model: Model, scorecard_id: int | None = None, framework_id: str | None = None
) -> dict[str, Any]:
    """The card data for a scorecard: ``scorecard_id``, else the latest of the series under
    ``framework_id`` (default: the model's first framework). The latest must be up to date; an
    earlier one carries exactly the evidence and judgments it was computed from (rebuilt from
    the record and checked against its inputs hash) and says it is not the latest."""
    card = scorecards.pick(session, model, scorecard_id, framework_id)
    standing = decisions.standing(session, model, card)
    if standing["is_latest"]:
        snapshot = scorecards.require_current(session, model, card)
        inputs = scorecards.current_inputs(session, model, snapshot.framework_id)
    else:
        snapshot = scorecards.snapshot_of(session, card)
        rebuilt = scorecards.inputs_at(session, model, card, snapshot)
        if rebuilt is None:
            raise Refused(
                f"scorecard #{card.id} of {label(model)} cannot be rendered: the evidence and "
                "judgments it was computed from cannot be rebuilt from the record"
            )
        inputs = rebuilt
    framework = scorecards.framework_of(snapshot)
    latest = bool(standing["is_latest"])
    used, judged = set(inputs.evidence), set(inputs.judgments)
    # The latest card carries every row, the withdrawn ones marked (the provenance shows them
    # and recomputing skips them); an earlier card carries exactly the rows it was computed
    # from, all in force at the time, and the files they came from.
    withdrawn = withdrawals.index(session, model) if latest else withdrawals.Index()
    evidence_rows = [
        e
        for e in session.execute(
            select(EvidenceRow).where(EvidenceRow.model_id == model.id).order_by(EvidenceRow.id)
        ).scalars()
        if e.id in used or (latest and withdrawn.of_evidence(e.id, e.source_id) is not None)
    ]
    cited = {e.source_id for e in evidence_rows}
    sources = [
        s
        for s in session.scalars(
            select(Source).where(Source.model_id == model.id).order_by(Source.id)
        )
        if latest or s.id in cited
    ]
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
        "judgments": _judgments(session, model, framework.id, judged, withdrawn),
        "mitigations": [
            row_dict(m)
            for m in mitigations.for_model(session, model)
            if m.framework_id == framework.id
        ],
        "decisions": [row_dict(d) for d in decisions.on_scorecard(session, card.id)],
        **{k: v for k, v in standing.items() if k != "series"},
        "audit_head": audit.head(session),
    }


def _judgments(
    session: Session,
    model: Model,
    framework_id: str,
    judged: set[int],
    withdrawn: withdrawals.Index,
) -> list[dict[str, Any]]:
    """The judgments the scorecard counted and (on the latest card) the withdrawn ones, of
    the card's framework, oldest first."""
    wanted = judged | set(withdrawn.judgments)
    rows = (
        session.scalars(
            select(JudgmentRow)
            .where(JudgmentRow.model_id == model.id, JudgmentRow.id.in_(wanted))
            .order_by(JudgmentRow.id)
        )
        if wanted
        else ()
    )
    return [
        {**row_dict(j), "withdrawn": withdrawals.shown(withdrawn.judgments.get(j.id))}
        for j in rows
        if j.framework_id == framework_id
    ]


def _bundled(framework_id: str, content_hash: str) -> dict[str, Any]:
    """Whether the snapshot is the pack of that id bundled with this scorecard."""
    from scorecard import packs

    bundled = packs.bundled_hash(framework_id)
    same = bundled == content_hash
    return {"bundled": same, "bundled_hash": None if same else bundled}
