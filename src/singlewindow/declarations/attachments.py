"""Declaration attachments kept by the node (issue 6)."""

from __future__ import annotations
