"""trust: signer certificates on documents, checkpoints, roster, policies, record signatures

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cert_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("cert_subject", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("cert_not_before", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cert_not_after", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("cert_pem", sa.Text(), nullable=False),
        sa.Column("cert_sha256", sa.String(length=64), nullable=False),
        sa.Column("signer", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkpoints_event_id"), ["event_id"], unique=False)

    op.create_table(
        "roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("cert_sha256", sa.String(length=64), nullable=False),
        sa.Column("cert_pem", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("revokes_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["revokes_id"], ["roster.id"], name=op.f("fk_roster_revokes_id_roster")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster")),
    )
    with op.batch_alter_table("roster", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_cert_sha256"), ["cert_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_roster_role"), ["role"], unique=False)

    op.create_table(
        "policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policies_key"), ["key"], unique=False)

    op.create_table(
        "record_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("cert_pem", sa.Text(), nullable=False),
        sa.Column("cert_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_record_signatures_model_id_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_signatures")),
    )
    with op.batch_alter_table("record_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_signatures_model_id"), ["model_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("record_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_signatures_model_id"))
    op.drop_table("record_signatures")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policies_key"))
    op.drop_table("policies")
    with op.batch_alter_table("roster", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_role"))
        batch_op.drop_index(batch_op.f("ix_roster_cert_sha256"))
    op.drop_table("roster")
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoints_event_id"))
    op.drop_table("checkpoints")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("cert_not_after")
        batch_op.drop_column("cert_not_before")
        batch_op.drop_column("cert_subject")
        batch_op.drop_column("cert_sha256")
