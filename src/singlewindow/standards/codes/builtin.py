"""The code tables shipped in the package: ``data/manifest.json`` plus one CSV per table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class TableSpec:
    """What the manifest says about one shipped table."""

    name: str
    file: str
    title_zh: str
    title_en: str
    source: str
    version: str
    valid_from: date
    confidence: str
    provisional: bool

    @property
    def path(self) -> Path:
        return DATA_DIR / self.file


@cache
def builtin_tables() -> dict[str, TableSpec]:
    """Every shipped table by name, in manifest order."""
    raw = json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
    specs = (
        TableSpec(
            name=t["name"],
            file=t["file"],
            title_zh=t["title_zh"],
            title_en=t["title_en"],
            source=t["source"],
            version=t["version"],
            valid_from=date.fromisoformat(t["valid_from"]),
            confidence=t["confidence"],
            provisional=bool(t["provisional"]),
        )
        for t in raw["tables"]
    )
    return {s.name: s for s in specs}


# Tables an operator loads from the official parameter files; not shipped (too large, licensed).
LOADABLE_TITLES: dict[str, tuple[str, str]] = {
    "hs_code": ("商品编号 (税则号列, 10位)", "National tariff codes (10 digits)"),
}


def titles_for(name: str) -> tuple[str, str]:
    """Default (zh, en) titles of a table: the manifest's, a known loadable table's, or the name."""
    spec = builtin_tables().get(name)
    if spec is not None:
        return spec.title_zh, spec.title_en
    return LOADABLE_TITLES.get(name, (name, name))
