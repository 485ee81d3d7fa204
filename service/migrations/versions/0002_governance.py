"""Governance (issue 15): the versions behind each card and call, and silent-mode findings.

issued_cards: rule_version, config_version, silent (a silent-mode finding, audited, never sent to the EHR)
audit:        config_version, silent_rule_ids, rule_versions

Rows written before this migration have NULL versions (shown as "unknown" by the report) and silent = false.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issued_cards") as batch:  # batch: SQLite cannot ALTER every way PostgreSQL can
        batch.add_column(sa.Column("rule_version", sa.String(32)))
        batch.add_column(sa.Column("config_version", sa.String(64)))
        batch.add_column(sa.Column("silent", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_issued_cards_silent_rule", "issued_cards", ["silent", "rule_id"])
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("config_version", sa.String(64)))
        batch.add_column(sa.Column("silent_rule_ids", sa.JSON))
        batch.add_column(sa.Column("rule_versions", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("rule_versions")
        batch.drop_column("silent_rule_ids")
        batch.drop_column("config_version")
    op.drop_index("ix_issued_cards_silent_rule", "issued_cards")
    with op.batch_alter_table("issued_cards") as batch:
        batch.drop_column("silent")
        batch.drop_column("config_version")
        batch.drop_column("rule_version")
