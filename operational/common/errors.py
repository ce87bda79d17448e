"""One domain-error hierarchy and the handlers that render every error as ``{code, message, request_id}``.

Services raise these; endpoints never build error responses themselves. ``message`` is Chinese
(what an end user reads); ``code`` is a stable English identifier for programs.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from operational.common.request_id import HEADER, request_id_of

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = 400
    code = "bad_request"
    default_message = "请求有误"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = headers
        super().__init__(self.message)


class Unauthorized(DomainError):
    """The caller has not signed in, or the session or key is no longer valid."""

    status_code = 401
    code = "unauthorized"
    default_message = "请先登录"


class NotFound(DomainError):
    """The thing asked for does not exist."""

    status_code = 404
    code = "not_found"
    default_message = "请求的资源不存在"


class Conflict(DomainError):
    """The request conflicts with the current state."""

    status_code = 409
    code = "conflict"
    default_message = "请求与当前状态冲突"


class PermissionDenied(DomainError):
    """The caller may not do or see this."""

    status_code = 403
    code = "permission_denied"
    default_message = "无权执行此操作"


class InvalidRequest(DomainError):
    """The request is well-formed but its values are not acceptable."""

    status_code = 422
    code = "invalid_request"
    default_message = "请求参数不合法"


class TooManyRequests(DomainError):
    """The caller exceeded a rate limit; ``Retry-After`` says when to try again."""

    status_code = 429
    code = "too_many_requests"
    default_message = "请求过于频繁，请稍后重试"


class ServiceUnavailable(DomainError):
    """A dependency of ours (warehouse, database) is not ready; retrying later may succeed."""

    status_code = 503
    code = "service_unavailable"
    default_message = "服务暂不可用，请稍后重试"


class UpstreamError(DomainError):
    """A peer system (carrier, hospital PACS) failed."""

    status_code = 502
    code = "upstream_error"
    default_message = "上游系统调用失败"


def error_response(
    request: Request, status_code: int, code: str, message: str, details: Any = None, **kwargs: Any
) -> JSONResponse:
    """Every error response: ``{code, message, request_id}`` (plus ``details`` when there are some)."""
    request_id = request_id_of(request.scope)
    body: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    if details:
        body["details"] = details
    headers = dict(kwargs.pop("headers", None) or {})
    if request_id:
        # The 500 handler runs outside the request-id middleware, so the header is set here too.
        headers[HEADER] = request_id
    return JSONResponse(body, status_code=status_code, headers=headers, **kwargs)


_HTTP_MESSAGES = {
    404: ("not_found", "请求的地址不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
}


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(request, exc.status_code, exc.code, exc.message, exc.details, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"location": ".".join(str(part) for part in error.get("loc", ())), "type": error.get("type")}
        for error in exc.errors()
    ]
    names = "、".join(str(error.get("loc", ("",))[-1]) for error in exc.errors())
    message = f"请求参数不合法：{names}" if names else InvalidRequest.default_message
    return error_response(request, 422, "validation_error", message, {"fields": fields})


_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _allowed_methods(request: Request) -> str:
    """Every method the API documents at this path (Starlette names only the first route's)."""
    table = getattr(request.app.state, "path_methods", None)
    if table is None:
        table = [
            (compile_path(path)[0], {method.upper() for method in item if method in _HTTP_METHODS})
            for path, item in request.app.openapi().get("paths", {}).items()
        ]
        request.app.state.path_methods = table
    path = request.url.path
    return ", ".join(sorted({m for pattern, methods in table if pattern.match(path) for m in methods}))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_MESSAGES.get(exc.status_code, ("http_error", "请求失败"))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return error_response(request, exc.status_code, code, message, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error (request %s)", request_id_of(request.scope), exc_info=exc)
    return error_response(request, 500, "internal_error", "服务器内部错误，请联系管理员")


class ErrorBody(BaseModel):
    """错误响应"""

    code: str = Field(description="错误类别的英文标识，供程序判断，如 not_found、permission_denied")
    message: str = Field(description="中文错误说明，可直接展示给用户")
    request_id: str | None = Field(description="请求编号，与响应头 X-Request-ID 相同，排查问题时请提供")
    details: dict[str, Any] | None = Field(default=None, description="补充信息，如不合法的字段列表")


def error_doc(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for an error of the common shape, with a Chinese description."""
    return {"model": ErrorBody, "description": description}


# Documented on every operation: the one error shape, whichever layer (firewall, auth, service,
# validation) produced it. Declaring 422 here also replaces FastAPI's own validation-error schema,
# which this service never returns.
COMMON_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: error_doc("请求有误"),
    401: error_doc("未登录、登录已过期或凭证无效"),
    403: error_doc("无权访问，或请求被安全策略拦截"),
    404: error_doc("资源不存在"),
    409: error_doc("与当前状态冲突，如名称已被使用"),
    413: error_doc("请求体超过大小限制"),
    422: error_doc("请求参数不合法"),
    429: error_doc("请求过于频繁，请稍后重试"),
    500: error_doc("服务器内部错误"),
    503: error_doc("服务暂不可用"),
}


def register_error_handlers(app: FastAPI) -> None:
    """Render domain, validation, HTTP and unexpected errors in the one shape."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
