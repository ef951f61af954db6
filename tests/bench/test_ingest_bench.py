"""Smoke test of `singlewindow bench ingest` (figures are measured by hand, never asserted)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from singlewindow.cli.main import app

KEYS = {
    "backend",
    "count",
    "declarations_per_s",
    "p50_ms",
    "p99_ms",
    "engine_baseline_per_s",
    "ratio",
    "peak_rss_mb",
    "lost",
}


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--batch", "10"]])
def test_bench_ingest_prints_the_figures(extra: list[str]) -> None:
    result = CliRunner().invoke(
        app, ["bench", "ingest", "--backend", "embedded", "--count", "20", "--json", *extra]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert set(figures) >= KEYS
    assert figures["count"] == 20
    assert figures["lost"] == 0
    assert figures["ratio"] > 0
    assert figures["engine_baseline_per_s"] > 0
    assert figures["mode"] == ("batch10" if extra else "single")


def test_bench_rejects_an_unknown_backend() -> None:
    result = CliRunner().invoke(app, ["bench", "ingest", "--backend", "oracle"])
    assert result.exit_code == 2
