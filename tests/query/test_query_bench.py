"""``singlewindow bench query``: a smoke run on SQLite (tiny count, no timing assertions)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from singlewindow.cli.main import app


def test_bench_query_finds_every_key_and_prints_the_raw_ratio() -> None:
    done = CliRunner().invoke(
        app,
        ["bench", "query", "--count", "1200", "--samples", "5", "--backend", "sqlite", "--json"],
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["count"] == 1200
    keys = {k["key"]: k for k in result["keys"]}
    assert set(keys) == {
        "unified_no", "entry_no", "client_ref", "bill_no", "container_no", "vessel_voyage",
    }  # fmt: skip
    for key in keys.values():
        assert (key["samples"], key["found"]) == (5, 5), key
        assert key["p99_ms"] >= key["p50_ms"] > 0
        assert key["raw_p99_ms"] > 0
        assert key["ratio"] == round(key["p99_ms"] / key["raw_p99_ms"], 2)
    assert result["worst_p99_ms"] == max(k["p99_ms"] for k in keys.values())


def test_bench_query_refuses_an_unknown_backend() -> None:
    done = CliRunner().invoke(app, ["bench", "query", "--count", "1", "--backend", "oracle"])
    assert done.exit_code == 2
