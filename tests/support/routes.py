"""Every route an application serves, including routers FastAPI wraps on inclusion and
routes hidden from OpenAPI (the portal's pages)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) of every ``APIRoute`` of the app."""

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield prefix + route.path, route
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)

    yield from walk(app.routes, "")


def route_methods(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route (HEAD left out)."""
    for path, route in api_routes(app):
        for method in sorted(route.methods - {"HEAD"}):
            yield method, path
