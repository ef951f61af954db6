"""``singlewindow bench validate``: validating a goods declaration, against the raw engine.

The product path is ``validate_document`` (a fresh ``DbCodeLookup`` per declaration, as each
request builds one) on a temporary SQLite database holding the shipped code tables, measured
warm. The raw engine underneath is the ``jsonschema`` library checking the same documents
against our generated JSON Schema, compiled once: it checks the structure only (no code
tables, check digits or arithmetic), so it is the floor a pure-Python validator competes with.
Both run in the same process, one after the other; the ratio of the two rates is the figure we
track, because machines are noisy.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from singlewindow.kit.db import Database
from singlewindow.standards.codes.service import ensure_builtin_tables
from singlewindow.standards.documents.jsonschema import json_schema
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.validation import validate_document

DOC_TYPE = "goods_declaration"
WARM_UP = 20


@dataclass
class ValidateResult:
    count: int
    lines: int
    per_s: float = 0.0
    p50_us: float = 0.0
    p99_us: float = 0.0
    engine_baseline_per_s: float = 0.0
    engine_p50_us: float = 0.0
    engine_p99_us: float = 0.0
    ratio: float = 0.0
    findings: int = 0
    engine_errors: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _documents(count: int, lines: int) -> list[dict[str, Any]]:
    # Imports and exports alternate: they take different direction and charge rules.
    return [sample_goods_declaration("I" if i % 2 == 0 else "E", lines=lines) for i in range(count)]


def _timed(
    docs: list[dict[str, Any]], check: Callable[[dict[str, Any]], int]
) -> tuple[list[int], float, int]:
    """(per-document nanoseconds, total seconds, problems found) of ``check`` over ``docs``."""
    for doc in docs[:WARM_UP]:
        check(doc)
    samples: list[int] = []
    problems = 0
    clock = time.perf_counter_ns
    start = clock()
    for doc in docs:
        t0 = clock()
        problems += check(doc)
        samples.append(clock() - t0)
    return samples, (clock() - start) / 1e9, problems


def _percentile_us(samples: list[int], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def run_validate(count: int, lines: int) -> ValidateResult:
    result = ValidateResult(count=count, lines=lines)
    docs = _documents(count, lines)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sw-bench-validate-") as tmp:
        from singlewindow.migrate import upgrade

        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        try:
            with db.unit_of_work() as session:
                ensure_builtin_tables(session)
            with db.unit_of_work() as session:
                ours, our_seconds, findings = _timed(
                    docs, lambda doc: len(validate_document(session, DOC_TYPE, doc))
                )
        finally:
            db.dispose()
    validator = jsonschema.Draft202012Validator(json_schema(DOC_TYPE))
    raw, raw_seconds, errors = _timed(docs, lambda doc: sum(1 for _ in validator.iter_errors(doc)))
    result.per_s = round(count / our_seconds, 1)
    result.p50_us = round(statistics.median(ours) / 1000, 1)
    result.p99_us = round(_percentile_us(ours, 0.99), 1)
    result.engine_baseline_per_s = round(count / raw_seconds, 1)
    result.engine_p50_us = round(statistics.median(raw) / 1000, 1)
    result.engine_p99_us = round(_percentile_us(raw, 0.99), 1)
    result.ratio = round(result.per_s / result.engine_baseline_per_s, 3)
    result.findings, result.engine_errors = findings, errors
    result.seconds = round(time.perf_counter() - started, 2)
    if findings or errors:
        result.notes.append("sample declarations should be valid: check the findings")
    result.notes.append(
        "engine baseline: jsonschema Draft202012Validator on the generated schema "
        "(structure only, no code tables)"
    )
    return result
