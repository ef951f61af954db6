"""``singlewindow bench manifests``: parse + validate + store CUSCAR and MT1101 manifest files.

The product path is the batch import (``transport.batch``): the streaming reader, the
definition-driven validation, and ``submit_manifest`` storing and routing each message in a
transaction of its own, on a temporary SQLite database. The raw engine underneath is the
parser alone on the same bytes: ``pydifact`` tokenising and parsing the whole interchange,
and ``lxml`` iterparse over the XML file. Both run in the same process; the ratio of the two
message rates is the figure we track, because machines are noisy.

Memory: the same reader + validation (``--dry-run``) runs over a file and a file four times
larger under ``tracemalloc``; flat memory means the peak does not grow with the file.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from singlewindow.agencies.directory import ensure_directory
from singlewindow.demo.seed import with_check_digit
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.migrate import upgrade
from singlewindow.node import bootstrap
from singlewindow.parties import service as parties
from singlewindow.parties.auth import Principal, party_principal
from singlewindow.parties.schemas import PartyIn, PartyKind
from singlewindow.standards.documents.transport_samples import container_number, sample_manifest
from singlewindow.transport.batch import Format, Summary, import_items, read_items

CARRIER = "BENCH-CARRIER"


@dataclass
class FormatResult:
    format: str
    messages: int = 0
    consignments: int = 0
    bytes: int = 0
    accepted: int = 0
    rejected: int = 0
    messages_per_s: float = 0.0
    consignments_per_s: float = 0.0
    raw_messages_per_s: float = 0.0
    raw_engine: str = ""
    ratio: float = 0.0


@dataclass
class ManifestBenchResult:
    count: int
    consignments_per_message: int
    formats: list[FormatResult] = field(default_factory=list)
    memory_small_bytes: int = 0
    memory_large_bytes: int = 0
    memory_small_peak_kib: float = 0.0
    memory_large_peak_kib: float = 0.0
    memory_growth: float = 0.0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _documents(count: int, per_message: int, tag: str) -> list[dict[str, Any]]:
    docs = []
    for i in range(count):
        bills = [f"{tag}{i:06d}{n:04d}" for n in range(per_message)]
        boxes = [
            container_number(f"BNCU{(i * per_message + n) % 1_000_000:06d}")
            for n in range(per_message)
        ]
        docs.append(
            sample_manifest(
                "MT1101",
                bill_nos=bills,
                containers=boxes[: len(bills)],
                journey_id=f"{tag}{i:05d}",
                client_ref=f"BENCH-{tag}-{i:07d}",
            )
        )
    return docs


def _cuscar_bytes(docs: list[dict[str, Any]]) -> bytes:
    from singlewindow.standards.edifact import cuscar
    from singlewindow.standards.edifact.writer import encode_interchange, write_interchange

    text = write_interchange(
        [cuscar.manifest_segments(d) for d in docs],
        message=cuscar.MESSAGE,
        sender="BENCHCARRIER",
        recipient="SWGD",
        reference="BENCH1",
        line_breaks=True,
    )
    return encode_interchange(text)


def _xml_bytes(docs: list[dict[str, Any]]) -> bytes:
    from singlewindow.standards.xml import manifest
    from singlewindow.standards.xml.transport import BATCH_NAMESPACE, BATCH_ROOT

    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{BATCH_ROOT} xmlns="{BATCH_NAMESPACE}">\n']
    out = [p.encode() for p in parts]
    for doc in docs:
        body = manifest.to_xml(doc)
        if body.startswith(b"<?xml"):
            body = body[body.index(b"?>") + 2 :].lstrip()
        out.append(body + b"\n")
    out.append(f"</{BATCH_ROOT}>\n".encode())
    return b"".join(out)


def _raw_edifact(data: bytes) -> int:
    from pydifact.segmentcollection import Interchange

    with warnings.catch_warnings():  # pydifact lacks service-segment specs for syntax 4
        warnings.simplefilter("ignore")
        interchange = Interchange.from_str(data.decode("latin-1"))
        return sum(1 for s in interchange.segments if s.tag == "UNH")


def _raw_xml(path: Path) -> int:
    from lxml import etree

    count = 0
    for _event, element in etree.iterparse(
        str(path), events=("end",), resolve_entities=False, no_network=True
    ):
        if etree.QName(element).localname == "Manifest":
            count += 1
            element.clear(keep_tail=False)
    return count


def _prepare(root: Path) -> tuple[Database, Settings, Principal]:
    root.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=root, run_workers=False, run_simulator=False)
    url = settings.effective_database_url
    upgrade(url)
    db = Database(url)
    with db.unit_of_work() as session:
        bootstrap(session, settings)
        ensure_directory(session)
        carrier = parties.find_party(session, CARRIER) or parties.create_party(
            session,
            PartyIn(
                code=CARRIER,
                kind=PartyKind.carrier,
                uscc=with_check_digit("91440300MA5BENCH1"),
                customs_code="4403980B01",
                name_zh="基准测试承运人",
                name_en="Benchmark carrier",
            ),
        )
        principal = party_principal(carrier)
    return db, settings, principal


def _import(
    db: Database, settings: Settings, principal: Principal, path: Path, fmt: Format, dry: bool
) -> Summary:
    summary = Summary()
    with path.open("rb") as stream:
        for outcome in import_items(
            db, principal, read_items(stream, fmt), settings=settings, dry_run=dry
        ):
            summary.add(outcome)
    return summary


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds > 0 else 0.0


def _measure(
    fmt: Format,
    data: bytes,
    root: Path,
    raw: Callable[[Path, bytes], int],
    raw_name: str,
    per_message: int,
    template: Path,
) -> FormatResult:
    result = FormatResult(format=fmt, bytes=len(data), raw_engine=raw_name)
    path = root / f"manifests.{fmt}"
    path.write_bytes(data)
    work = root / fmt
    shutil.copytree(template, work)
    db, settings, principal = _prepare(work)
    try:
        started = time.perf_counter()
        summary = _import(db, settings, principal, path, fmt, dry=False)
        product_s = time.perf_counter() - started
    finally:
        db.dispose()
    started = time.perf_counter()
    raw_count = raw(path, data)
    raw_s = time.perf_counter() - started
    result.messages = summary.messages
    result.accepted = summary.accepted
    result.rejected = summary.rejected
    result.consignments = summary.accepted * per_message
    result.messages_per_s = _rate(summary.accepted, product_s)
    result.consignments_per_s = _rate(result.consignments, product_s)
    result.raw_messages_per_s = _rate(raw_count, raw_s)
    if result.raw_messages_per_s:
        result.ratio = round(result.messages_per_s / result.raw_messages_per_s, 4)
    return result


def _peak_kib(
    db: Database, settings: Settings, principal: Principal, path: Path
) -> tuple[float, int]:
    tracemalloc.start()
    try:
        summary = _import(db, settings, principal, path, "edifact", dry=True)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 1024, 1), summary.messages


def run_manifest_bench(count: int = 200, consignments: int = 10) -> ManifestBenchResult:
    started = time.perf_counter()
    result = ManifestBenchResult(count=count, consignments_per_message=consignments)
    root = Path(tempfile.mkdtemp(prefix="sw-bench-manifests-"))
    try:
        template = root / "template"
        db, _settings, _principal = _prepare(template)
        db.dispose()
        result.formats.append(
            _measure(
                "edifact",
                _cuscar_bytes(_documents(count, consignments, "E")),
                root,
                lambda _path, data: _raw_edifact(data),
                "pydifact Interchange.from_str",
                consignments,
                template,
            )
        )
        result.formats.append(
            _measure(
                "xml",
                _xml_bytes(_documents(count, consignments, "X")),
                root,
                lambda path, _data: _raw_xml(path),
                "lxml iterparse",
                consignments,
                template,
            )
        )
        # Flat memory: the same reader + validation over a file and one four times larger.
        small_n = max(count // 4, 10)
        small, large = root / "small.edi", root / "large.edi"
        small.write_bytes(_cuscar_bytes(_documents(small_n, consignments, "S")))
        large.write_bytes(_cuscar_bytes(_documents(small_n * 4, consignments, "L")))
        work = root / "memory"
        shutil.copytree(template, work)
        db, settings, principal = _prepare(work)
        try:
            # Warm the bounded caches (code tables, compiled plans, check-digit LRUs) with the
            # larger file first, so that what remains is what grows with the file itself.
            _peak_kib(db, settings, principal, large)
            result.memory_small_peak_kib, _ = _peak_kib(db, settings, principal, small)
            result.memory_large_peak_kib, _ = _peak_kib(db, settings, principal, large)
        finally:
            db.dispose()
        result.memory_small_bytes = small.stat().st_size
        result.memory_large_bytes = large.stat().st_size
        if result.memory_small_peak_kib:
            result.memory_growth = round(
                result.memory_large_peak_kib / result.memory_small_peak_kib, 3
            )
        result.notes.append(
            "ratio = product messages/s (read + validate + store + route, one transaction per "
            "message, SQLite) / raw parser messages/s on the same bytes"
        )
        result.notes.append(
            "memory_growth = tracemalloc peak of read + validate over a 4x larger file / "
            "over the smaller file (1.0 = flat)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result.seconds = round(time.perf_counter() - started, 2)
    return result
