"""audit: the append-only, SM3-chained audit log and its SM2-signed checkpoints.

Revision ID: audit_0001
Revises:
Create Date: 2025-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "audit_0001"
down_revision = None
branch_labels = ("audit",)
depends_on = None

_TIMESTAMP = postgresql.TIMESTAMP(timezone=True)

# UPDATE, DELETE and TRUNCATE raise, except DELETE of an entry that is both older than the
# 180-day legal minimum and covered by a purge checkpoint (``purge_expired`` records one first).
_GUARD_FUNCTION = """
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' THEN
        IF OLD.occurred_at < now() - interval '180 days'
           AND OLD.seq <= (SELECT max(up_to_seq) FROM audit_checkpoints WHERE kind = 'purge') THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit data is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

# Takes the chain lock, then reads the head with a fresh snapshot (a VOLATILE function's statements
# each get one): one round trip instead of two on the append path. Key = repository.CHAIN_LOCK.
_HEAD_FUNCTION = """
CREATE FUNCTION audit_lock_head(OUT head_seq bigint, OUT head_hash text) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(72130101);
    SELECT seq, entry_hash INTO head_seq, head_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        SELECT up_to_seq, up_to_hash INTO head_seq, head_hash FROM audit_checkpoints
        WHERE kind = 'purge' ORDER BY up_to_seq DESC, id DESC LIMIT 1;
    END IF;
END
$$
"""


def _guard(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
    )
    # Belt and braces: no role gets UPDATE or TRUNCATE through a grant (the owner could re-grant
    # itself, a superuser ignores grants: the triggers and the hash chain cover those).
    op.execute(f"REVOKE UPDATE, TRUNCATE ON {table} FROM PUBLIC")
    op.execute(f"REVOKE UPDATE, TRUNCATE ON {table} FROM CURRENT_USER")


def upgrade() -> None:
    """Create ``audit_log`` and ``audit_checkpoints`` with their append-only triggers."""
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", _TIMESTAMP, nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("actor_name", sa.String(128), nullable=True),
        sa.Column("source_ip", sa.String(64), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("resource", sa.Text(), nullable=True),
        sa.Column("institution_code", sa.String(32), nullable=True),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("details", postgresql.JSONB(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"])
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"])
    op.create_index("ix_audit_log_institution_code", "audit_log", ["institution_code"])
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("up_to_seq", sa.BigInteger(), nullable=False),
        sa.Column("up_to_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("public_key_fingerprint", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
        sa.CheckConstraint("kind IN ('periodic', 'purge')", name="ck_audit_checkpoints_kind"),
    )
    op.create_index("ix_audit_checkpoints_up_to_seq", "audit_checkpoints", ["up_to_seq"])
    op.execute(_GUARD_FUNCTION)
    op.execute(_HEAD_FUNCTION)
    _guard("audit_log")
    _guard("audit_checkpoints")


def downgrade() -> None:
    """Drop both tables and the trigger function (the evidence goes with them: export first)."""
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_log")
    op.execute("DROP FUNCTION audit_append_only()")
    op.execute("DROP FUNCTION audit_lock_head()")
