"""`healthops`: simulate a district, run the pipeline, serve the screens and the API."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from operational.accounts.cli import app as accounts_app
from operational.audit.cli import audit_app

app = typer.Typer(
    help="静安区互联网运营监管平台命令行工具 (Jing'an Internet operations supervision platform).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(accounts_app, name="accounts", help="账号：创建超级管理员等 (staff accounts).")
app.add_typer(audit_app, name="audit", help="审计日志：校验、签署检查点、导出、清理 (audit log).")
console = Console()


def _default_start(days: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=days)


@app.command()
def simulate(
    start: Annotated[
        str | None, typer.Option(help="First simulated day (YYYY-MM-DD). Default: DAYS days before today.")
    ] = None,
    days: Annotated[
        int, typer.Option(min=1, help="Number of days to simulate (ends yesterday by default).")
    ] = 60,
    scale: Annotated[
        float, typer.Option(min=0.001, help="Volume: 1.0 ≈ 25,000 registrations and 40,000 app opens a day.")
    ] = 0.1,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical sources.")] = 42,
    defect_rate: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=0.5,
            help="Share of records given real-world defects (malformed, duplicate, late correction).",
        ),
    ] = 0.01,
) -> None:
    """Simulate the district's 26 institutions and the 健康静安 feed: writes sources under var/sources/ and the truth under var/sim/truth/."""
    from pipelines.simulate.run import simulate as run_simulation

    first = dt.date.fromisoformat(start) if start else _default_start(days)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        summary = run_simulation(
            start=first, days=days, scale=scale, seed=seed, defect_rate=defect_rate, progress=report
        )
    console.print(f"[green]模拟完成[/green] {first} 起 {days} 天, 规模 {scale}, 种子 {seed}")
    console.print(summary)


@app.command()
def pipeline(
    partition: Annotated[
        str | None, typer.Option(help="Only this day's partition (YYYY-MM-DD). Default: every delivered day.")
    ] = None,
) -> None:
    """Materialize every asset once (ingest, warehouse, indicators, checks); exits non-zero on any failure."""
    from pipelines.orchestrate import run_pipeline

    day = dt.date.fromisoformat(partition) if partition else None
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("准备 dbt 项目与 Dagster 实例", total=None)
        summary = run_pipeline(partition=day, on_step=lambda text: progress.update(task, description=text))
    _print_summary(summary)
    if not summary.success:
        raise typer.Exit(code=1)


def _print_summary(summary) -> None:
    if summary.days:
        console.print(f"分区: {summary.days[0]} 至 {summary.days[-1]} 共 {len(summary.days)} 天")
    else:
        console.print("[yellow]没有找到任何数据分区，请先运行 healthops simulate[/yellow]")
    table = Table(title="流水线结果")
    for column in ("步骤", "状态", "耗时(秒)", "明细"):
        table.add_column(column)
    for step in summary.steps:
        details = [f"{key}: {meta['rows']}" for key, meta in step.metadata.items() if "rows" in meta]
        details.append(f"检查通过 {step.passed_checks}, 未通过 {len(step.failed_checks)}")
        details += [f"[red]未通过[/red] {name}" for name in step.failed_checks]
        if step.error:
            details.append(f"[red]错误[/red] {step.error}")
        table.add_row(
            step.name,
            "[green]成功[/green]" if step.success else "[red]失败[/red]",
            f"{step.seconds:.1f}",
            "\n".join(details),
        )
    console.print(table)


@app.command()
def serve(
    only: Annotated[
        str | None,
        typer.Option(help="Serve only one of: api, dashboard, dagster, worker. Default: all four."),
    ] = None,
) -> None:
    """Serve the big screen (127.0.0.1:8501), the Dagster UI with its daemon (127.0.0.1:3000), the API (127.0.0.1:8000) and the background worker. Ctrl-C stops all."""
    from pipelines.serve import SERVICE_NAMES, serve_all

    if only is not None and only not in SERVICE_NAMES:
        console.print(f"[red]未知服务 {only}，可选: {', '.join(SERVICE_NAMES)}[/red]")
        raise typer.Exit(code=2)
    sys.exit(serve_all([only] if only else list(SERVICE_NAMES), console=console))


if __name__ == "__main__":
    app()
