"""Accounts: staff users, role grants, password history, sessions, login attempts, captchas, API keys.

Revision ID: accounts_0001
Revises:
Create Date: 2025-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "accounts_0001"
down_revision = None
branch_labels = ("accounts",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the accounts tables."""
    op.create_table(
        "accounts_users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("real_name", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("phone_index", sa.String(64), nullable=True),
        sa.Column("institution_code", sa.String(8), nullable=True),
        sa.Column("department_code", sa.String(32), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("password_changed_at", TZ, nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("totp_secret", sa.LargeBinary(), nullable=True),
        sa.Column("totp_enabled", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("last_login_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_users"),
        sa.UniqueConstraint("username", name="uq_accounts_users_username"),
    )
    op.create_index("ix_accounts_users_phone_index", "accounts_users", ["phone_index"])
    op.create_index("ix_accounts_users_institution_code", "accounts_users", ["institution_code"])

    op.create_table(
        "accounts_role_grants",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("institution_code", sa.String(8), nullable=True),
        sa.Column("department_code", sa.String(32), nullable=True),
        sa.Column("granted_by", sa.String(64), nullable=True),
        sa.Column("granted_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_role_grants"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["accounts_users.id"],
            name="fk_accounts_role_grants_user_id_accounts_users",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "user_id",
            "role",
            "institution_code",
            name="uq_accounts_role_grants_user_id_role_institution_code",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index("ix_accounts_role_grants_user_id", "accounts_role_grants", ["user_id"])

    op.create_table(
        "accounts_password_history",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_password_history"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["accounts_users.id"],
            name="fk_accounts_password_history_user_id_accounts_users",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_accounts_password_history_user_id", "accounts_password_history", ["user_id"])

    op.create_table(
        "accounts_sessions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("source_ip", sa.String(64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("revoked_reason", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["accounts_users.id"],
            name="fk_accounts_sessions_user_id_accounts_users",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("token_hash", name="uq_accounts_sessions_token_hash"),
    )
    op.create_index("ix_accounts_sessions_user_id", "accounts_sessions", ["user_id"])

    op.create_table(
        "accounts_login_attempts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("source_ip", sa.String(64), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_login_attempts"),
    )
    op.create_index(
        "ix_accounts_login_attempts_username_attempted_at",
        "accounts_login_attempts",
        ["username", "attempted_at"],
    )
    op.create_index(
        "ix_accounts_login_attempts_source_ip_attempted_at",
        "accounts_login_attempts",
        ["source_ip", "attempted_at"],
    )

    op.create_table(
        "accounts_captchas",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("answer_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_captchas"),
    )

    op.create_table(
        "accounts_api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("institution_code", sa.String(8), nullable=False),
        sa.Column("permissions", postgresql.ARRAY(sa.String(64)), nullable=False),
        sa.Column("ip_allowlist", postgresql.ARRAY(sa.String(64)), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=False),
        sa.Column("expires_at", TZ, nullable=True),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_used_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_api_keys"),
        sa.UniqueConstraint("prefix", name="uq_accounts_api_keys_prefix"),
    )
    op.create_index("ix_accounts_api_keys_institution_code", "accounts_api_keys", ["institution_code"])


def downgrade() -> None:
    """Drop the accounts tables."""
    for table in (
        "accounts_api_keys",
        "accounts_captchas",
        "accounts_login_attempts",
        "accounts_sessions",
        "accounts_password_history",
        "accounts_role_grants",
        "accounts_users",
    ):
        op.drop_table(table)
