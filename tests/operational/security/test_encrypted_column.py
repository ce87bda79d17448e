"""EncryptedText on real PostgreSQL: ciphertext in the table, plaintext through the ORM."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, select, text
from sqlalchemy.orm import Session

from operational.security.columns import EncryptedText
from operational.security.fields import decrypt_field


def _table(session: Session) -> Table:
    table = Table(
        "encrypted_column_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("phone", EncryptedText("probe.phone")),
        prefixes=["TEMPORARY"],
    )
    table.create(session.connection())
    return table


def test_value_written_reads_back_as_plaintext(db_session: Session, process_keys: Path):
    table = _table(db_session)
    db_session.execute(table.insert().values(id=1, phone="13812345678"))
    assert db_session.execute(select(table.c.phone)).scalar_one() == "13812345678"


def test_database_holds_only_ciphertext(db_session: Session, process_keys: Path):
    table = _table(db_session)
    db_session.execute(table.insert().values(id=1, phone="13812345678"))
    stored = db_session.execute(text("select phone from encrypted_column_probe")).scalar_one()
    assert b"13812345678" not in bytes(stored)
    assert decrypt_field(bytes(stored), context="probe.phone") == "13812345678"


def test_null_stays_null(db_session: Session, process_keys: Path):
    table = _table(db_session)
    db_session.execute(table.insert().values(id=1, phone=None))
    assert db_session.execute(text("select phone from encrypted_column_probe")).scalar_one() is None
    assert db_session.execute(select(table.c.phone)).scalar_one() is None
