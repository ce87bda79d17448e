"""``healthops accounts …``: account commands for operators (the lead mounts ``app``)."""

from __future__ import annotations

import typer

from operational.common import db

app = typer.Typer(help="工作人员账号管理", no_args_is_help=True)


@app.command("create-admin")
def create_admin(username: str = typer.Option("admin", help="登录名")) -> None:
    """新建超级管理员，随机初始密码只显示一次，首次登录须修改。"""
    from operational.accounts.bootstrap import create_super_admin
    from operational.common.errors import DomainError

    db.migrate()
    with db.new_session() as session:
        try:
            _, password = create_super_admin(session, username=username, actor="system:cli")
        except DomainError as error:
            typer.echo(error.message, err=True)
            raise typer.Exit(code=1) from None
        session.commit()
    typer.echo(f"已创建超级管理员 {username.strip().lower()}")
    typer.echo(f"初始密码（仅显示一次，首次登录须修改）：{password}")


@app.command("ensure-admin")
def ensure_admin() -> None:
    """没有任何账号时创建 admin，初始密码写入 var/keys/initial-admin-password（权限 0600）。"""
    from operational.accounts.bootstrap import ensure_bootstrap_admin

    db.migrate()
    with db.new_session() as session:
        path = ensure_bootstrap_admin(session)
        session.commit()
    typer.echo(f"初始密码文件：{path}" if path else "已存在账号，未做任何改动")
