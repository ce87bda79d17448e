"""``healthops audit``: exit codes of verify, checkpoint, and an export that audits itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from operational.audit.cli import audit_app
from operational.audit.models import AuditCheckpoint, AuditEntry
from tests.operational.audit.factories import as_superuser_attacker, record_events

runner = CliRunner()


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[Engine]:
    """An engine on the fresh database the CLI is pointed at."""
    engine = create_engine(fresh_database_url)
    yield engine
    engine.dispose()


def _committed_events(engine: Engine, count: int) -> list[int]:
    with Session(engine) as session, session.begin():
        return record_events(session, count)


def test_verify_exits_0_on_an_intact_log(engine: Engine, fresh_database_url: str) -> None:
    _committed_events(engine, 5)

    result = runner.invoke(audit_app, ["verify", "--database-url", fresh_database_url])

    assert result.exit_code == 0, result.output
    assert "审计日志完整" in result.output
    assert "已校验 5 条记录" in result.output


def test_verify_exits_1_and_says_where_on_a_tampered_log(engine: Engine, fresh_database_url: str) -> None:
    seqs = _committed_events(engine, 5)
    with Session(engine) as session, session.begin(), as_superuser_attacker(session):
        session.execute(text("UPDATE audit_log SET actor_id = 'someone' WHERE seq = :seq"), {"seq": seqs[2]})

    result = runner.invoke(audit_app, ["verify", "--database-url", fresh_database_url])

    assert result.exit_code == 1
    assert f"第 {seqs[2]} 条" in result.output
    assert "篡改" in result.output


def test_checkpoint_command_signs_the_head(engine: Engine, fresh_database_url: str) -> None:
    seqs = _committed_events(engine, 3)

    result = runner.invoke(audit_app, ["checkpoint", "--database-url", fresh_database_url])

    with Session(engine) as session:
        covered = session.scalars(select(AuditCheckpoint.up_to_seq)).all()
    assert result.exit_code == 0, result.output
    assert covered == [seqs[-1]]


def test_export_writes_the_entries_and_records_the_export(
    engine: Engine, fresh_database_url: str, tmp_path: Path
) -> None:
    _committed_events(engine, 4)
    output = tmp_path / "audit.json"

    result = runner.invoke(
        audit_app,
        ["export", "--format", "json", "--output", str(output), "--database-url", fresh_database_url],
    )

    records = json.loads(output.read_bytes())
    with Session(engine) as session:
        export_entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")).one()
    assert result.exit_code == 0, result.output
    assert [record["seq"] for record in records] == [1, 2, 3, 4, 5]
    assert records[-1]["action"] == "audit.export"
    assert export_entry.actor_name.startswith("cli:")
    assert export_entry.details["format"] == "json"
