"""The operational API: one ASGI app with a router per domain (``uvicorn operational.app:app``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from operational.common import db
from operational.common.errors import COMMON_ERROR_RESPONSES, register_error_handlers
from operational.common.request_id import RequestIdMiddleware
from operational.supervision.endpoints import router as supervision_router

DESCRIPTION = """
静安区互联网运营监管平台的业务接口。

* 所有错误以统一格式返回：`{code, message, request_id}`，`message` 为中文说明；
* 每个响应带 `X-Request-ID` 头，排查问题时请提供该编号；
* 指标取值来自数据仓库，与大屏、报表同一口径。
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Apply database migrations before serving (starting the embedded PostgreSQL if needed)."""
    await asyncio.to_thread(db.migrate)
    yield


def create_app() -> FastAPI:
    """Build the application: routers, error handlers and the request-id middleware."""
    app = FastAPI(
        lifespan=lifespan,
        title="静安区互联网运营监管平台 API",
        description=DESCRIPTION,
        version="0.1.0",
        responses=COMMON_ERROR_RESPONSES,
        openapi_tags=[
            {"name": "运行状态", "description": "存活与就绪检查"},
            {"name": "监管指标", "description": "指标目录与指标取值"},
        ],
    )
    app.add_middleware(RequestIdMiddleware)
    register_error_handlers(app)
    app.include_router(supervision_router)
    return app


app = create_app()
