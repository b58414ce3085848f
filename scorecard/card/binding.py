"""``verify --database``: the card is bound to the record it came from.

- the stored scorecard's hash is recomputed from its row and equals the card's, and the stored
  result is the one the card states;
- the card's scorecard is the current one of its series (or the check says which replaced it);
- every decision the card shows is stored as shown, and none of them was reversed since;
- the evidence and judgments the card counts are the ones in force in the database, and the
  ones it marks withdrawn are withdrawn there (so a card cannot bring withdrawn evidence back);
- this very PDF (its sha256) is a recorded signature document of that scorecard, and each of its
  signatures was recorded with the same certificate;
- the audit head the card carries is still in the audit chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard.errors import ScorecardError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scorecard.db.schema import Model, ScorecardRow, Withdrawal
    from scorecard.sign.validate import SignatureCheck


def check_binding(
    pdf: Path, card: dict[str, Any], signatures: Sequence[SignatureCheck], database: str
) -> list[str]:
    from scorecard.records.session import reading

    try:
        with reading(database) as session:
            return _problems(session, pdf, card, signatures)
    except ScorecardError as exc:
        return [str(exc)]


def _problems(
    session: Session, pdf: Path, card: dict[str, Any], signatures: Sequence[SignatureCheck]
) -> list[str]:
    from scorecard.db.schema import ScorecardRow
    from scorecard.records import models

    model = models.resolve(session, str(card["model"]["ref"]))
    number = card["scorecard"]["id"]
    row = session.get(ScorecardRow, number)
    if row is None or row.model_id != model.id:
        return [f"scorecard #{number} of {models.label(model)} is not in the database"]
    return [
        *_scorecard(session, model, row, card),
        *_in_force(session, model, card),
        *_decisions(session, row.id, card),
        *_documents(session, row.id, pdf, signatures),
        *_audit_head(session, card),
    ]


def _scorecard(
    session: Session, model: Model, row: ScorecardRow, card: dict[str, Any]
) -> list[str]:
    from scorecard.db.schema import FrameworkSnapshot
    from scorecard.records import scorecards
    from scorecard.records.serialize import canonical

    problems = []
    snapshot = session.get(FrameworkSnapshot, row.snapshot_id)
    recomputed = scorecards.content_hash(model, row, snapshot.content_hash) if snapshot else None
    if recomputed != row.content_hash:
        problems.append(f"scorecard #{row.id} in the database no longer matches its own hash")
    if row.content_hash != card["scorecard"]["hash"]:
        problems.append(f"scorecard #{row.id}: the card's hash differs from the database's")
    if row.result_json != canonical(card["scorecard"]["result"]):
        problems.append(f"scorecard #{row.id}: the card states another result than the database")
    latest = scorecards.latest(session, model, scorecards.series_of(session, row))
    if latest is not None and latest.id != row.id:
        problems.append(
            f"scorecard #{row.id} is not current: #{latest.id} replaced it "
            f"(computed {latest.computed_at:%Y-%m-%d})"
        )
    return problems


def _in_force(session: Session, model: Model, card: dict[str, Any]) -> list[str]:
    """The card's evidence rows are the database's, and each is counted (or marked withdrawn)
    as the database has it; so are the judgments the card counts."""
    from sqlalchemy import select

    from scorecard.db.schema import EvidenceRow
    from scorecard.records import judgments, withdrawals

    withdrawn = withdrawals.index(session, model)
    stored = {
        e.id: e
        for e in session.scalars(select(EvidenceRow).where(EvidenceRow.model_id == model.id))
    }
    problems = []
    for shown in card["evidence"]:
        row = stored.pop(shown["id"], None)
        if row is None or (row.source_id, row.stage, row.task, row.metric, row.value) != (
            shown["source_id"],
            shown["stage"],
            shown["task"],
            shown["metric"],
            shown["value"],
        ):
            problems.append(f"evidence row #{shown['id']} differs from the database's")
            continue
        problems.extend(
            _same_standing(
                f"evidence row #{row.id}",
                withdrawn.of_evidence(row.id, row.source_id),
                bool(shown.get("withdrawn")),
            )
        )
    if stored:
        listed = ", ".join(f"#{i}" for i in sorted(stored)[:5])
        problems.append(f"the card leaves out evidence rows of the database: {listed}")
    in_force = {
        j.id for j in judgments.active(session, model) if j.framework_id == card["framework"]["id"]
    }
    counted = {j["id"] for j in card["judgments"] if not j.get("withdrawn")}
    left_out = sorted(in_force - counted)
    if left_out:
        listed = ", ".join(f"#{i}" for i in left_out[:5])
        problems.append(f"the card leaves out judgments in force in the database: {listed}")
    for shown in card["judgments"]:
        if not shown.get("withdrawn") and shown["id"] not in in_force:
            why = withdrawn.judgments.get(shown["id"])
            problems.append(
                f"judgment #{shown['id']} is not in force in the database"
                + (f" (withdrawn {_when(why)})" if why else "")
                + ", but the card counts it"
            )
        elif shown.get("withdrawn") and shown["id"] not in withdrawn.judgments:
            problems.append(
                f"judgment #{shown['id']} is marked withdrawn on the card, not in the database"
            )
    return problems


def _same_standing(name: str, withdrawal: Withdrawal | None, marked: bool) -> list[str]:
    if withdrawal is not None and not marked:
        return [f"{name} was withdrawn {_when(withdrawal)}, but the card counts it"]
    if withdrawal is None and marked:
        return [f"{name} is marked withdrawn on the card, not in the database"]
    return []


def _when(withdrawal: Withdrawal) -> str:
    return f"on {withdrawal.created_at:%Y-%m-%d} by {withdrawal.by} ({withdrawal.reason})"


def _decisions(session: Session, scorecard_id: int, card: dict[str, Any]) -> list[str]:
    from scorecard.records import decisions

    problems = []
    stored = {d.id: d for d in decisions.on_scorecard(session, scorecard_id)}
    for shown in card["decisions"]:
        match = stored.get(shown["id"])
        if match is None or (match.decision, match.role, match.by) != (
            shown["decision"],
            shown["role"],
            shown["by"],
        ):
            problems.append(f"decision #{shown['id']} differs from the database's")
    for decision in stored.values():
        if decision.reverses_id is not None:
            problems.append(
                f"decision #{decision.reverses_id} was reversed by the {decision.role} "
                f"(decision #{decision.id}: {decision.decision})"
            )
    return problems


def _documents(
    session: Session, scorecard_id: int, pdf: Path, signatures: Sequence[SignatureCheck]
) -> list[str]:
    from sqlalchemy import select

    from scorecard.db.schema import Document

    problems = []
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    documents = list(
        session.scalars(
            select(Document).where(
                Document.scorecard_id == scorecard_id, Document.kind == "signature"
            )
        )
    )
    if not any(d.sha256 == digest for d in documents):
        problems.append(
            f"this PDF (sha256 {digest[:16]}…) is not a signed card recorded for scorecard "
            f"#{scorecard_id}"
        )
    recorded = {d.field_name: d for d in documents}
    for signature in signatures:
        document = recorded.get(signature.field_name)
        if document is None:
            problems.append(f"{signature.field_name} was never recorded as signed")
        elif document.cert_sha256 is not None and document.cert_sha256 != signature.cert_sha256:
            problems.append(
                f"{signature.field_name} was recorded as signed with another certificate"
            )
    return problems


def _audit_head(session: Session, card: dict[str, Any]) -> list[str]:
    from sqlalchemy import select

    from scorecard.db.schema import AuditEvent

    head = card.get("audit_head")
    if isinstance(head, str) and session.scalar(
        select(AuditEvent.id).where(AuditEvent.hash == head)
    ):
        return []
    return [f"the audit head the card carries ({str(head)[:16]}…) is not in the audit chain"]
