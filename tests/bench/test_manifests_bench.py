"""``singlewindow bench manifests``: a smoke run (tiny count, no timing assertions)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from singlewindow.cli.main import app


def test_bench_manifests_prints_both_formats_with_the_raw_parsers() -> None:
    done = CliRunner().invoke(
        app, ["bench", "manifests", "--count", "4", "--consignments", "2", "--json"]
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert [f["format"] for f in result["formats"]] == ["edifact", "xml"]
    for fmt in result["formats"]:
        assert (fmt["messages"], fmt["accepted"], fmt["rejected"]) == (4, 4, 0)
        assert fmt["consignments"] == 8
        assert fmt["messages_per_s"] > 0
        assert fmt["raw_messages_per_s"] > 0
        assert fmt["ratio"] == round(fmt["messages_per_s"] / fmt["raw_messages_per_s"], 4)
    assert result["memory_large_bytes"] > 3 * result["memory_small_bytes"]
    assert result["memory_small_peak_kib"] > 0
    assert result["memory_growth"] > 0
