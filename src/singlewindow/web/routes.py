"""The portal's routers (mounted by the app factory after the API) and its error pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from singlewindow.kit.errors import SingleWindowError
from singlewindow.web.auth import LoginRequired, PasswordChangeRequired
from singlewindow.web.render import STATIC, render


def portal_routers() -> list[APIRouter]:
    """Every area's router. The declaration form (``/portal/trader/declarations/new`` and
    ``…/{id}``) comes before the trader's list pages."""
    from singlewindow.web.views.agency import router as agency
    from singlewindow.web.views.agency_declaration import router as agency_declaration
    from singlewindow.web.views.declaration_form import router as declaration_form
    from singlewindow.web.views.operator import router as operator
    from singlewindow.web.views.port import router as port
    from singlewindow.web.views.query import router as query
    from singlewindow.web.views.session import router as session
    from singlewindow.web.views.trader import router as trader

    return [session, declaration_form, trader, query, agency, agency_declaration, port, operator]


def install_api_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the node's own copy (npm ``swagger-ui-dist``, ``make assets``),
    not from a CDN — the node runs in an isolated network."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    from singlewindow.web.render import static_url

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} — docs",
            swagger_js_url=static_url("vendor/swagger-ui-bundle.js"),
            swagger_css_url=static_url("vendor/swagger-ui.css"),
            swagger_favicon_url="/favicon.ico",
        )


def _is_page(request: Request) -> bool:
    path = request.url.path
    return path == "/" or path == "/portal" or path.startswith("/portal/")


def install_portal(app: FastAPI) -> None:
    """Mounts the static files and the portal routers, and makes errors on portal paths
    render as pages (the API keeps its JSON errors)."""
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    for router in portal_routers():
        app.include_router(router)
    api_handlers = dict(app.exception_handlers)

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        target = f"/portal/login?next={exc.next_url}"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def password_required(request: Request, exc: Exception) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": "/portal/password"})
        return RedirectResponse("/portal/password", status_code=303)

    def page_or_api(kind: type[Exception]) -> Any:
        api = api_handlers.get(kind)

        async def handle(request: Request, exc: Exception) -> Response:
            if _is_page(request):
                return error_page(request, exc)
            assert api is not None
            response: Response = await api(request, exc)
            return response

        return handle

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PasswordChangeRequired, password_required)
    for kind in (SingleWindowError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, page_or_api(kind))


def error_page(request: Request, exc: Exception) -> Response:
    """An error as a page (or, for htmx, as the alert it swaps in), in both languages."""
    from singlewindow.kit.http import findings_from_pydantic

    if isinstance(exc, SingleWindowError):
        status, error = exc.status, exc
    elif isinstance(exc, RequestValidationError):
        findings = findings_from_pydantic(list(exc.errors()))
        error = SingleWindowError(
            "Request validation failed",
            "请求数据校验未通过",
            code="validation_failed",
            findings=findings,
        )
        status = 422
    else:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        error = SingleWindowError(
            "Page not found" if status == 404 else str(exc.detail),
            "页面不存在" if status == 404 else "请求错误",
            code=f"http_{status}",
        )
    title = {404: "common.not_found", 403: "common.forbidden"}.get(status, "common.error_title")
    user = getattr(request.state, "portal_user", None)
    return render(
        request, "error.html", {"error": error, "title_key": title}, user=user, status_code=status
    )
