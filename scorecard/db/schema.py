"""The tables of the system of record, as typed SQLAlchemy 2 ORM models.

Rows are written once and never updated or deleted through the tool: a correction is a new row
that points at the one it corrects. Every row is covered by an audit event whose hash chain
makes later edits in SQL detectable (see ``scorecard.records.audit``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so migrations can name what they alter on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


Timestamp = DateTime(timezone=True)


class Model(Base):
    """A model under assessment, referred to as NAME or NAME@VERSION."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class FrameworkSnapshot(Base):
    """The exact pack files a scorecard was computed with, so it stays reproducible."""

    __tablename__ = "framework_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    files_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Source(Base):
    """One ingested file: its format, name, hash and the eval's own identifiers."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("model_id", "stage", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    stage: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)  # a .json log can pass 2 GiB
    log_model: Mapped[str | None] = mapped_column(String(200))
    eval_run_id: Mapped[str | None] = mapped_column(String(100))
    eval_id: Mapped[str | None] = mapped_column(String(100))
    eval_created: Mapped[str | None] = mapped_column(String(64))
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")
    ingested_by: Mapped[str] = mapped_column(String(200))
    ingested_at: Mapped[datetime] = mapped_column(Timestamp)
    # Since revision 0004: the log's model, when it is not the model under assessment and the
    # person ingesting accepted it by name (``--accept-model``); None otherwise.
    accepted_model: Mapped[str | None] = mapped_column(String(200), default=None)


class EvidenceRow(Base):
    """One measured result, from one row (or metric) of a source."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_model_stage", "model_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    task: Mapped[str] = mapped_column(String(300))
    metric: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    stderr: Mapped[float | None] = mapped_column(Float)
    n_samples: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[int | None] = mapped_column(Integer)
    # Since revision 0004: where a number taken from a publication comes from (a URL, a
    # document and page), from a ``source`` or ``citation`` column.
    citation: Mapped[str | None] = mapped_column(Text, default=None)


class ScorecardRow(Base):
    """One computation of a scorecard, immutable; ``history`` lists them in order."""

    __tablename__ = "scorecards"
    __table_args__ = (Index("ix_scorecards_model_id_id", "model_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("framework_snapshots.id"))
    policy: Mapped[str] = mapped_column(String(16))
    overall_json: Mapped[str] = mapped_column(Text)
    deploy: Mapped[bool] = mapped_column(Boolean)
    develop: Mapped[bool] = mapped_column(Boolean)
    security_hardening_required: Mapped[bool] = mapped_column(Boolean)
    result_json: Mapped[str] = mapped_column(Text)
    inputs_hash: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    computed_by: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[datetime] = mapped_column(Timestamp)


class JudgmentRow(Base):
    """A level (or safeguards verdict) set by a named person, with the reason."""

    __tablename__ = "judgments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    framework_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str | None] = mapped_column(String(64))
    override: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(16), default="level")
    by: Mapped[str] = mapped_column(String(200))
    rationale: Mapped[str] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("judgments.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Mitigation(Base):
    """What was done about a category, and by whom."""

    __tablename__ = "mitigations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    framework_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    by: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("mitigations.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Decision(Base):
    """A SAG recommendation, leadership decision or board review of one scorecard."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"), index=True)
    decision: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(200))
    rationale: Mapped[str] = mapped_column(Text)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class AuditEvent(Base):
    """Append-only: each event carries the hash of the one before it and of its record."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_model_id_id", "model_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    os_user: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Document(Base):
    """A rendered or signed system card: which scorecard, the PDF's hash, and who signed."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    signer: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    field_name: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    # Since revision 0003: who holds the certificate that signed (None on older rows).
    cert_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    cert_subject: Mapped[str | None] = mapped_column(String(500), default=None)
    cert_not_before: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
    cert_not_after: Mapped[datetime | None] = mapped_column(Timestamp, default=None)


class Checkpoint(Base):
    """A signed statement that the audit chain held ``event_hash`` at event ``event_id``.

    Anyone with write access can rebuild a hash chain; nobody without the key can forge the
    signature over a position and hash, so an edit before a checkpoint shows."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    event_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)
    """Base64 of the signature over the checkpoint statement (see records.checkpoints)."""
    cert_pem: Mapped[str] = mapped_column(Text)
    cert_sha256: Mapped[str] = mapped_column(String(64))
    signer: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class RosterEntry(Base):
    """Which certificate may act in which governance role; revoked by a later entry."""

    __tablename__ = "roster"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(16))
    """``add`` or ``revoke``."""
    cert_sha256: Mapped[str] = mapped_column(String(64), index=True)
    cert_pem: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(500))
    revokes_id: Mapped[int | None] = mapped_column(ForeignKey("roster.id"), default=None)
    by: Mapped[str] = mapped_column(String(200))
    rationale: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class PolicySetting(Base):
    """A team's record-keeping policy (e.g. roles whose records must be signed); the newest
    row for a key is in force."""

    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    value_json: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    rationale: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class RecordSignature(Base):
    """A person's signature over a governance record (judgment, mitigation, decision)."""

    __tablename__ = "record_signatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("models.id"), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(100), default=None)
    content_hash: Mapped[str] = mapped_column(String(64))
    """sha256 of the signed record's content, as the audit chain hashes it."""
    signature: Mapped[str] = mapped_column(Text)
    cert_pem: Mapped[str] = mapped_column(Text)
    cert_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Withdrawal(Base):
    """Evidence (one row, or a whole source file) or a judgment taken out of scoring.

    Nothing is deleted: the withdrawn record stays, with this row saying who withdrew it, when
    and why; scoring, listings and the card read the record through it."""

    __tablename__ = "withdrawals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    """``source``, ``evidence`` or ``judgment``."""
    entity_id: Mapped[int] = mapped_column(Integer)
    by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Attestation(Base):
    """A named person's statement that a framework requirement is met (e.g. hardened
    security), which a gated decision needs when the scorecard triggers that requirement."""

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    scorecard_id: Mapped[int | None] = mapped_column(ForeignKey("scorecards.id"), default=None)
    """The model's latest scorecard when the attestation was made (None before any)."""
    gate: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(200))
    rationale: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
