"""A node with its directory of agencies (the declarations fixture) and status thresholds
low enough that one failed delivery shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from singlewindow.kit.settings import Settings
from tests.declarations.conftest import Node, node  # noqa: F401 - the fixture, reused

__all__ = ["Node"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        run_workers=False,
        run_simulator=False,
        retry_base_seconds=0.01,
        retry_max_seconds=0.02,
        resend_after_seconds=0.01,
        webhook_timeout_seconds=2.0,
        status_min_attempts=1,
    )
