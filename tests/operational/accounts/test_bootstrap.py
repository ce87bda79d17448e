"""The first account on a fresh installation."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.accounts.bootstrap import ensure_bootstrap_admin
from operational.accounts.models import RoleGrant, User
from tests.operational.accounts.conftest import Accounts, Staff


def test_bootstrap_creates_admin_with_a_one_time_password_file(
    db_session: Session, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    path = ensure_bootstrap_admin(db_session, directory=tmp_path / "keys")
    assert path is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().strip()
    assert password not in caplog.text
    assert str(path) in caplog.text
    admin = db_session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None and admin.must_change_password
    assert db_session.scalar(select(RoleGrant.role).where(RoleGrant.user_id == admin.id)) == "超级管理员"


def test_bootstrap_does_nothing_when_an_account_exists(accounts: Accounts, tmp_path: Path) -> None:
    accounts.user("doctor01", ("医生", "JA01"), institution="JA01")
    assert ensure_bootstrap_admin(accounts.session, directory=tmp_path / "keys") is None
    assert not (tmp_path / "keys").exists()


def test_bootstrap_admin_signs_in_and_must_change_the_password(accounts: Accounts, tmp_path: Path) -> None:
    path = ensure_bootstrap_admin(accounts.session, directory=tmp_path / "keys")
    assert path is not None
    admin = Staff(id="", username="admin", password=path.read_text().strip())
    assert accounts.login(admin)["me"]["next_step"] == "change_password"
