"""HTTP plumbing shared by every context: the session dependency, error rendering, limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from singlewindow.kit.db import Database
from singlewindow.kit.errors import Finding, PayloadTooLarge, SingleWindowError
from singlewindow.kit.settings import Settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _session(request: Request) -> Iterator[Session]:
    """One request, one transaction. Commits before the response is sent (scope=function)."""
    with get_db(request).unit_of_work() as session:
        yield session


DbSession = Annotated[Session, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
AppDatabase = Annotated[Database, Depends(get_db)]

_STATUS_ZH = {
    400: "请求无效",
    401: "未认证",
    403: "无权访问",
    404: "未找到",
    405: "方法不允许",
    406: "不可接受的格式",
    409: "状态冲突",
    413: "请求体过大",
    415: "不支持的内容类型",
    422: "数据校验未通过",
    429: "请求过于频繁",
}


def error_body(
    code: str, message: str, message_zh: str, findings: list[Finding] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "message_zh": message_zh,
            "findings": [f.as_dict() for f in findings or []],
        }
    }


def _pointer(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        head, rest = parts[0], parts[1:]
        return ("/" + "/".join(rest)) if head == "body" else f"{head}:" + "/".join(rest)
    return "/" + "/".join(parts)


_PYDANTIC_ZH = {
    "missing": "缺少必填项",
    "string_too_long": "长度超过上限",
    "string_too_short": "长度不足",
    "string_pattern_mismatch": "格式不符合要求",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "json_invalid": "JSON 格式错误",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "extra_forbidden": "不允许的字段",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "date_parsing": "日期格式错误",
    "model_type": "应为对象",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "string_type": "应为字符串",
    "timezone_aware": "时间必须带时区",
    "value_error": "取值无效",
    "datetime_parsing": "日期时间格式错误",
    "datetime_from_date_parsing": "日期时间格式错误",
    "bool_parsing": "应为布尔值",
    "too_short": "数量不足",
    "too_long": "数量超过上限",
    "uuid_parsing": "应为 UUID",
    "url_parsing": "URL 格式错误",
}


def findings_from_pydantic(errors: list[dict[str, Any]]) -> list[Finding]:
    out = []
    for err in errors:
        kind = str(err.get("type", "invalid"))
        out.append(
            Finding(
                path=_pointer(err.get("loc", ())),
                code=kind,
                message=str(err.get("msg", "invalid value")),
                message_zh=_PYDANTIC_ZH.get(kind, "取值无效"),
            )
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SingleWindowError)
    async def _domain_error(_request: Request, exc: SingleWindowError) -> JSONResponse:
        return JSONResponse(exc.as_body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        findings = findings_from_pydantic(list(exc.errors()))
        json_broken = any(f.code == "json_invalid" for f in findings)
        body = error_body(
            "malformed_json" if json_broken else "validation_failed",
            "Malformed JSON body" if json_broken else "Request validation failed",
            "JSON 请求体格式错误" if json_broken else "请求数据校验未通过",
            findings,
        )
        return JSONResponse(body, status_code=400 if json_broken else 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail) if exc.detail else "HTTP error"
        body = error_body(
            f"http_{exc.status_code}", message, _STATUS_ZH.get(exc.status_code, "请求错误")
        )
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


class BodySizeLimit:
    """Refuses request bodies over ``max_bytes`` with 413, counting bytes as they stream in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = PayloadTooLarge(
            f"Request body exceeds the limit of {self.max_bytes} bytes",
            f"请求体超过上限 {self.max_bytes} 字节",
        )
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await JSONResponse(too_large.as_body(), status_code=413)(scope, receive, send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise too_large
            return message

        await self.app(scope, limited_receive, send)


# Paths whose pages load their own scripts and styles (the interactive API documentation).
_DOC_PATHS = ("/docs", "/redoc")
_API_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class SecurityHeaders:
    """Adds the usual response headers (OWASP ASVS V14.4) to every HTTP response.

    ``nosniff``, no framing, no referrer, a deny-all CSP for API answers (the portal sets its
    own), ``no-store`` for API answers that did not choose a cache policy, and HSTS when the
    request came over HTTPS (directly or, with ``--proxy-headers``, through a proxy).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        is_api = path.startswith(("/api/", "/oauth/", "/.well-known/"))
        is_docs = path.startswith(_DOC_PATHS)
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if not is_docs:
                    extra.append((b"content-security-policy", _API_CSP))
                if is_api:
                    extra.append((b"cache-control", b"no-store"))
                if https:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
