"""``singlewindow bench validate``: a smoke run (tiny count, no timing assertions)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from singlewindow.cli.main import app

KEYS = {"count", "lines", "per_s", "p50_us", "p99_us", "engine_baseline_per_s", "ratio"}


def test_bench_validate_prints_json_with_the_engine_baseline() -> None:
    done = CliRunner().invoke(app, ["bench", "validate", "--count", "3", "--lines", "2", "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result.keys() >= KEYS
    assert (result["count"], result["lines"]) == (3, 2)
    assert result["findings"] == result["engine_errors"] == 0  # the samples are valid
    assert result["per_s"] > 0
    assert result["engine_baseline_per_s"] > 0
    assert result["ratio"] > 0
