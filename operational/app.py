"""The operational API: one ASGI app with a router per domain (``uvicorn operational.app:app``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from operational.accounts.bootstrap import ensure_bootstrap_admin
from operational.accounts.endpoints import accounts_router, auth_router
from operational.audit.endpoints import router as audit_router
from operational.common import db
from operational.common.errors import COMMON_ERROR_RESPONSES, register_error_handlers
from operational.common.logging_setup import configure_logging
from operational.common.request_id import RequestIdMiddleware
from operational.firewall import install_firewall
from operational.supervision.endpoints import router as supervision_router

DESCRIPTION = """
静安区互联网运营监管平台的业务接口。

* 所有错误以统一格式返回：`{code, message, request_id}`，`message` 为中文说明；
* 每个响应带 `X-Request-ID` 头，排查问题时请提供该编号；
* 指标取值来自数据仓库，与大屏、报表同一口径。
"""


def prepare_database(*, bootstrap_admin: bool = True) -> None:
    """Migrate to every head and, on a brand-new database, create the first administrator."""
    db.migrate()
    if bootstrap_admin:
        with db.new_session() as session:
            # Several workers may start on one new database: only one creates the administrator.
            session.execute(text("SELECT pg_advisory_xact_lock(72130002)"))
            ensure_bootstrap_admin(session)
            session.commit()


def _lifespan(*, bootstrap_admin: bool) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Prepare the database before serving (starting the embedded PostgreSQL if needed)."""
        configure_logging()
        await asyncio.to_thread(prepare_database, bootstrap_admin=bootstrap_admin)
        yield

    return lifespan


def create_app(*, bootstrap_admin: bool = True) -> FastAPI:
    """Build the application: routers, error handlers, firewall and request-id middleware.

    ``bootstrap_admin=False`` skips creating the first administrator at start-up (tests that
    share one database, and deployments that provision accounts with ``healthops accounts``).
    """
    app = FastAPI(
        lifespan=_lifespan(bootstrap_admin=bootstrap_admin),
        title="静安区互联网运营监管平台 API",
        description=DESCRIPTION,
        version="0.1.0",
        responses=COMMON_ERROR_RESPONSES,
        openapi_tags=[
            {"name": "运行状态", "description": "存活与就绪检查"},
            {"name": "监管指标", "description": "指标目录与指标取值"},
            {"name": "审计日志", "description": "审计记录查询、导出与哈希链校验"},
            {"name": "登录认证", "description": "登录、退出、修改密码、图形验证码、动态口令与会话"},
            {"name": "账号与权限", "description": "工作人员账号、角色授权与医院系统接入密钥"},
            {"name": "安全防护", "description": "Web 应用防火墙的拦截记录与统计"},
        ],
    )
    app.add_middleware(RequestIdMiddleware)
    install_firewall(app)
    register_error_handlers(app)
    app.include_router(supervision_router)
    app.include_router(audit_router)
    app.include_router(auth_router)
    app.include_router(accounts_router)
    return app


app = create_app()
