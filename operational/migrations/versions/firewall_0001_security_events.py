"""Firewall: the security_events table (one row per refused request).

Revision ID: firewall_0001
Revises:
Create Date: 2025-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "firewall_0001"
down_revision = None
branch_labels = ("firewall",)
depends_on = None


def upgrade() -> None:
    """Create security_events and its indexes."""
    op.create_table(
        "security_events",
        sa.Column("security_event_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=False),
        sa.Column("attack_type", sa.String(length=32), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("endpoint_rule", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("url_path", sa.String(length=256), nullable=False),
        sa.Column("location", sa.String(length=128), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("security_event_id", name=op.f("pk_security_events")),
    )
    op.create_index("ix_security_events_occurred_at", "security_events", ["occurred_at"])
    op.create_index("ix_security_events_source_ip", "security_events", ["source_ip"])
    op.create_index("ix_security_events_attack_type", "security_events", ["attack_type"])


def downgrade() -> None:
    """Drop security_events."""
    op.drop_table("security_events")
