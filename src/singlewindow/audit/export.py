"""Export for auditors: sealed entries of a period, in chain order, as JSON Lines or CSV.

Each record carries the hashed content plus ``seq``, ``prev_hash`` and ``entry_hash``, so an
auditor can recompute every hash and link (``singlewindow audit verify --file``) and compare the
last hash with a head recorded elsewhere. Rows are streamed: memory stays flat.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from singlewindow.audit import models as m
from singlewindow.audit.chain import Anchor, Link, Walker, timestamp
from singlewindow.audit.service import content_of
from singlewindow.kit.digest import canonical_json


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


COLUMNS = (
    "seq",
    "id",
    "at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "org",
    "ip",
    "detail",
    "prev_hash",
    "entry_hash",
    "sealed_at",
    "v",
)


def export_record(entry: m.AuditEntry) -> dict[str, Any]:
    content = content_of(entry)
    return {
        "seq": entry.seq,
        **content,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
        "sealed_at": timestamp(entry.sealed_at) if entry.sealed_at else None,
    }


def seq_range(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> tuple[int, int] | None:
    """The first and last sequence numbers of the sealed entries with ``since <= at < until``."""
    query = select(func.min(m.AuditEntry.seq), func.max(m.AuditEntry.seq)).where(
        m.AuditEntry.seq.is_not(None)
    )
    if since is not None:
        query = query.where(m.AuditEntry.at >= since)
    if until is not None:
        query = query.where(m.AuditEntry.at < until)
    first, last = session.execute(query).one()
    return None if first is None or last is None else (int(first), int(last))


def sealed_entries(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """A contiguous piece of the chain covering every sealed entry with ``since <= at < until``.

    The sealer numbers entries in commit order, so an entry committed late can sit among entries
    a little newer than itself: such neighbours from just outside the period are included too,
    so that the piece has no gaps and its links can be checked.
    """
    bounds = seq_range(session, since=since, until=until)
    if bounds is None:
        return
    rows = session.scalars(
        select(m.AuditEntry)
        .where(m.AuditEntry.seq >= bounds[0], m.AuditEntry.seq <= bounds[1])
        .order_by(m.AuditEntry.seq)
        .execution_options(yield_per=1000)
    )
    for entry in rows:
        yield export_record(entry)
        session.expunge(entry)


def write(records: Iterable[dict[str, Any]], out: IO[str], fmt: ExportFormat) -> int:
    count = 0
    if fmt is ExportFormat.jsonl:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
        return count
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = dict(record)
        row["detail"] = canonical_json(record["detail"]).decode("utf-8")
        writer.writerow(row)
        count += 1
    return count


_CHAIN_FIELDS = frozenset({"seq", "prev_hash", "entry_hash", "sealed_at"})


class BadExport(ValueError):
    """A line of an export file that is not an exported entry."""


def read_jsonl(lines: Iterable[str]) -> Iterator[Link]:
    """Links from an exported JSON Lines file (for ``verify --file``)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            content = {k: record[k] for k in COLUMNS if k not in _CHAIN_FIELDS}
            yield Link(
                seq=int(record["seq"]),
                entry_id=str(record["id"]),
                prev_hash=str(record["prev_hash"]),
                entry_hash=str(record["entry_hash"]),
                content=content,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BadExport(f"line {number}: not an exported audit entry ({exc})") from exc


def verify_export(links: Iterable[Link], *, head: str | None = None) -> Walker:
    """Checks an export on its own: every hash, and every link after the first record.

    The first record's ``prev_hash`` is taken as given (the export may start mid-chain); the
    export proves itself against the live chain through ``head`` (an anchor ``seq:hash``) or
    by comparing its last hash with one recorded elsewhere.
    """
    walker: Walker | None = None
    anchor = Anchor.parse(head) if head else None
    for link in links:
        if walker is None:
            walker = Walker(start_seq=link.seq - 1, start_hash=link.prev_hash, anchor=anchor)
        walker.feed(link)
    if walker is None:
        walker = Walker(anchor=anchor)
    walker.finish(None)
    return walker
