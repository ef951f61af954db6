"""The ASGI application factory: one node's HTTP API (and, with ``run``, its workers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from singlewindow import __version__
from singlewindow.kit.db import Database
from singlewindow.kit.http import BodySizeLimit, SecurityHeaders, install_error_handlers
from singlewindow.kit.settings import Settings, get_settings
from singlewindow.kit.signals import start_listener
from singlewindow.routers import all_routers


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = db or Database(
        settings.effective_database_url, sqlite_cache_kib=settings.sqlite_cache_kib
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from singlewindow.runtime import background, settle_heap

        listener = start_listener(database.url)  # wake-ups from other processes (PostgreSQL)
        try:
            async with background(database, settings):
                if settings.settle_heap:  # after start-up: no long full collections later
                    settle_heap()
                yield
        finally:
            if listener is not None:
                listener.stop()
            if db is None:
                database.dispose()

    app = FastAPI(
        title="Single Window API",
        summary="International Trade Single Window — declare once, route, feed back",
        version=__version__,
        openapi_url="/openapi.json",
        docs_url=None,  # served below from this node's own copy of Swagger UI (no CDN)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    install_error_handlers(app)
    for router in all_routers():
        app.include_router(router)
    from singlewindow.web.routes import install_api_docs, install_portal

    install_api_docs(app)

    install_portal(app)  # after the API: its error pages wrap the API's JSON errors
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:  # an explicit allow-list; nothing is allowed by default
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "SW-Signature"],
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)
    return app
