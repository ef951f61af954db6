"""Exchange helpers for other contexts' tests: deliver everything that is ready, now."""

from __future__ import annotations

from singlewindow.exchange.workers import pump

__all__ = ["pump"]
