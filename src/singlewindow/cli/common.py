"""What every command shares: settings, the database, JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings, get_settings

console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


def database(s: Settings | None = None) -> Database:
    s = s or settings()
    s.data_dir.mkdir(parents=True, exist_ok=True)
    return Database(s.effective_database_url, sqlite_cache_kib=s.sqlite_cache_kib)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")
