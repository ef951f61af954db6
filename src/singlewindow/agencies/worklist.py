"""Agency worklist: an officer claims a routed declaration (issue 6)."""

from __future__ import annotations
