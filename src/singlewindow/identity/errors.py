"""Errors of the login path that ``kit.errors`` lacks: locked accounts and rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from singlewindow.kit.errors import SingleWindowError


@dataclass
class RetryLater(SingleWindowError):
    """An error the client may retry after ``retry_after`` seconds (sent as ``Retry-After``)."""

    retry_after: int = 60
    status: ClassVar[int] = 429

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, self.retry_after))}


@dataclass
class AccountLocked(RetryLater):
    status: ClassVar[int] = 423
    default_code: ClassVar[str] = "account_locked"


@dataclass
class TooManyRequests(RetryLater):
    status: ClassVar[int] = 429
    default_code: ClassVar[str] = "rate_limited"
