"""Search keys kept beside a declaration's document: the vessel and voyage it names.

The clearance query finds declarations by vessel + voyage through an index on these columns
instead of going manifest → B/Ls → declarations (docs/performance.md, "Clearance query").
"""

from __future__ import annotations

import re
from typing import Any

_IMO = re.compile(r"^(?:UN)?(\d{7})$")  # TrafName "UN" + IMO, as in the manifests
_SPACE = re.compile(r"\s+")


def vessel_key(name: str | None) -> str | None:
    """A means-of-transport name as a key: upper case, single spaces; an IMO number (with or
    without the ``UN`` prefix of customs messages) as its seven digits."""
    if name is None:
        return None
    key = _SPACE.sub(" ", name.strip()).upper()
    if not key:
        return None
    match = _IMO.match(key.replace(" ", ""))
    return match.group(1) if match else key[:50]


def voyage_key(voyage: str | None) -> str | None:
    if voyage is None:
        return None
    key = voyage.strip().upper()
    return key[:32] or None


def document_keys(document: dict[str, Any]) -> dict[str, str | None]:
    """``vessel_key`` (head/traf_name) and ``voyage_no`` (free_text/voy_no) of a document."""

    def text(block: str, name: str) -> str | None:
        part = document.get(block)
        value = part.get(name) if isinstance(part, dict) else None
        return value if isinstance(value, str) else None

    return {
        "vessel_key": vessel_key(text("head", "traf_name")),
        "voyage_no": voyage_key(text("free_text", "voy_no")),
    }
