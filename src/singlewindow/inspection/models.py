"""Tables of this context (filled in by its migration)."""

from __future__ import annotations
