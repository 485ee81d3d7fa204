"""Initial schema: issued cards, feedback, audit trail, JWT replay cache.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from pnet_cds.store import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "issued_cards",
        sa.Column("card_uuid", sa.String(128), primary_key=True),
        sa.Column("service", sa.String(128), nullable=False),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("hook_instance", sa.String(256), nullable=False),
        sa.Column("suggestion_uuids", sa.JSON, nullable=False),
        sa.Column("issued_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_issued_cards_rule_id", "issued_cards", ["rule_id"])
    op.create_index("ix_issued_cards_issued_at", "issued_cards", ["issued_at"])
    op.create_table(
        "feedback",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("service", sa.String(128), nullable=False),
        sa.Column("card_uuid", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("outcome_timestamp", UtcDateTime, nullable=False),
        sa.Column("accepted_suggestions", sa.JSON, nullable=False),
        sa.Column("override_system", sa.String(512)),
        sa.Column("override_code", sa.String(256)),
        sa.Column("override_display", sa.String(512)),
        sa.Column("user_comment", sa.Text),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_entry"),
    )
    op.create_index("ix_feedback_card_uuid", "feedback", ["card_uuid"])
    op.create_index("ix_feedback_received_at", "feedback", ["received_at"])
    op.create_table(
        "audit",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("request_id", sa.String(128)),
        sa.Column("service", sa.String(128), nullable=False),
        sa.Column("hook", sa.String(64)),
        sa.Column("hook_instance", sa.String(256)),
        sa.Column("issuer", sa.String(512)),
        sa.Column("patient_hash", sa.String(64)),
        sa.Column("rule_ids", sa.JSON, nullable=False),
        sa.Column("card_uuids", sa.JSON, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_table(
        "jti_seen",
        sa.Column("issuer", sa.String(512), nullable=False),
        sa.Column("jti", sa.String(256), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("issuer", "jti", name="uq_jti_seen"),
    )
    op.create_index("ix_jti_seen_expires_at", "jti_seen", ["expires_at"])


def downgrade() -> None:
    op.drop_table("jti_seen")
    op.drop_table("audit")
    op.drop_table("feedback")
    op.drop_table("issued_cards")
