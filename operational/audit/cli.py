"""``healthops audit``: verify the chain, sign a checkpoint, export, purge expired entries."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import create_engine
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from operational.audit import repository
from operational.audit.checkpoints import create_checkpoint, purge_expired
from operational.audit.export import ExportFormat, export_chunks
from operational.audit.repository import EventFilter
from operational.audit.service import record_event
from operational.audit.verify import verify_chain
from operational.common.db import new_session, sqlalchemy_url

audit_app = typer.Typer(
    help="审计日志：校验哈希链、签署检查点、导出、清理过期记录 (audit log).",
    no_args_is_help=True,
    add_completion=False,
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="PostgreSQL URL to work on (e.g. a restored backup). Default: DATABASE_URL or the embedded one.",
    ),
]


@contextmanager
def _session(database_url: str | None) -> Iterator[Session]:
    """A session on ``database_url`` (or the service's database), committed on success."""
    if database_url is None:
        with new_session() as session, session.begin():
            yield session
        return
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


@audit_app.command()
def verify(
    since_seq: Annotated[
        int | None, typer.Option(min=1, help="Verify from this seq on (default: all).")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Verify the SM3 chain and the SM2 checkpoints; exit code 0 when intact, 1 at the first problem."""
    with _session(database_url) as session:
        report = verify_chain(session, since_seq=since_seq)
    speed = report.entries_checked / report.seconds if report.seconds > 0 else 0.0
    summary = (
        f"已校验 {report.entries_checked} 条记录、{report.checkpoints_checked} 个检查点，"
        f"耗时 {report.seconds:.2f} 秒（{speed:,.0f} 条/秒）"
    )
    if report.problem is None:
        typer.echo(f"审计日志完整。{summary}")
        return
    typer.echo(
        f"审计日志校验失败（{report.problem.kind}，第 {report.problem.seq} 条）：{report.problem.description}",
        err=True,
    )
    typer.echo(summary, err=True)
    raise typer.Exit(code=1)


@audit_app.command()
def checkpoint(database_url: DatabaseUrl = None) -> None:
    """Sign the current chain head with the platform SM2 key (schedule this every few minutes)."""
    with _session(database_url) as session:
        created = create_checkpoint(session)
        seq = created.up_to_seq if created is not None else None
    if seq is None:
        typer.echo("没有新的审计记录，无需签署检查点。")
    else:
        typer.echo(f"已签署检查点，覆盖至第 {seq} 条记录。")


@audit_app.command()
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.", dir_okay=False)],
    format: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, UTC), inclusive.")] = None,
    until: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD, UTC), inclusive.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Export entries with their hashes to a file (CSV with BOM, or JSON); the export is itself audited."""
    if format not in ("csv", "json"):
        typer.echo("导出格式只能是 csv 或 json", err=True)
        raise typer.Exit(code=2)
    fmt: ExportFormat = "csv" if format == "csv" else "json"
    where = EventFilter(since=_day_start(since), until=_day_start(until, next_day=True))
    count = 0

    def counted(rows: Iterator[Row[Any]]) -> Iterator[Row[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with _session(database_url) as session:
        record_event(
            session,
            action="audit.export",
            actor_name=_cli_actor(),
            resource="audit_log",
            details={"format": fmt, "since": since, "until": until, "output": output.name},
        )
    # A second transaction: the export is on record first, and appends are not held up meanwhile.
    with _session(database_url) as session, output.open("wb") as handle:
        for chunk in export_chunks(counted(repository.stream_filtered(session, where)), fmt):
            handle.write(chunk)
    typer.echo(f"已导出 {count} 条审计记录至 {output}")


@audit_app.command()
def purge(database_url: DatabaseUrl = None) -> None:
    """Remove entries older than the retention period (>= 180 days), up to a checkpoint."""
    with _session(database_url) as session:
        result = purge_expired(session, now=dt.datetime.now(dt.UTC))
    if result.removed == 0:
        typer.echo("没有可清理的过期审计记录。")
    else:
        typer.echo(
            f"已清理 {result.removed} 条过期审计记录（至第 {result.up_to_seq} 条），并签署清理检查点。"
        )


def _day_start(day: str | None, *, next_day: bool = False) -> dt.datetime | None:
    if day is None:
        return None
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        typer.echo(f"日期格式应为 YYYY-MM-DD：{day}", err=True)
        raise typer.Exit(code=2) from None
    if next_day:
        date += dt.timedelta(days=1)
    return dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
