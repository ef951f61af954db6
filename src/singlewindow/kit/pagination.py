"""Cursor pagination: opaque cursors over time-ordered ids."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, Field

from singlewindow.kit.errors import BadRequest, Finding

T = TypeVar("T")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Identified)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(default=None, description="pass as ?cursor= for the next page")


def page_of(rows: Sequence[R], limit: int, item: Callable[[R], T]) -> Page[T]:
    """One page from the ``limit + 1`` rows a listing fetched (the extra row only tells that
    there is more); the cursor is the last shown row's id."""
    shown = rows[:limit]
    more = len(rows) > limit and len(shown) > 0
    return Page[T](
        items=[item(r) for r in shown], next_cursor=encode_cursor(shown[-1].id) if more else None
    )


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,400}$")


def _invalid() -> BadRequest:
    return BadRequest(
        "Invalid cursor",
        "分页游标无效",
        code="invalid_cursor",
        findings=[Finding("query:cursor", "invalid_cursor", "Invalid cursor", "分页游标无效")],
    )


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    if not _CURSOR.match(cursor):
        raise _invalid()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _invalid() from exc
    if not value or not value.isprintable():
        raise _invalid()
    return value
