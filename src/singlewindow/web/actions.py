"""What every portal form action needs: the posted form, a savepoint around the service call
(a refused action keeps nothing it wrote, and the page still answers with the findings), and
redirect-after-post."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from singlewindow.kit.errors import SingleWindowError

T = TypeVar("T")


async def _posted(request: Request) -> FormData:
    """The posted form. The body is read (and cached) first, as the session's CSRF check does,
    so either may run first."""
    await request.body()
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A form action inside a savepoint: an error undoes what it wrote, and the request's
    transaction still commits what came before (a failed login counter, an audit row)."""
    nested = session.begin_nested()
    try:
        yield
    except BaseException:
        if nested.is_active:
            nested.rollback()
        raise
    else:
        if nested.is_active:
            nested.commit()


def attempt(session: Session, action: Callable[[], T]) -> tuple[T | None, SingleWindowError | None]:
    """Runs a service action in a savepoint; its result, or the domain error it raised."""
    try:
        with savepoint(session):
            return action(), None
    except SingleWindowError as exc:
        return None, exc


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def see_other(request: Request | None, url: str) -> Response:
    """Redirect-after-post: 303, or for htmx ``HX-Redirect`` (a whole new page)."""
    if request is not None and is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
