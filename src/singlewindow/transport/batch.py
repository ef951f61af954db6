"""Batch import: a file of any size holding many messages (an EDIFACT interchange, or an XML
file of manifests / vessel messages / FAL reports, bare or in DXP envelopes) is read as a
stream, and each message is validated and stored on its own — one transaction each, so a bad
message never takes a good one with it and memory stays flat however large the file.

The readers (``standards.edifact.detect``, ``standards.xml.transport``) yield one parsed
document or one rejection per message; this module files each parsed document through the
same service the API uses, as the given party, and reports per message.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal

from sqlalchemy.orm import Session

from singlewindow.kit.db import Database
from singlewindow.kit.errors import Finding, SingleWindowError, ValidationFailed
from singlewindow.kit.settings import Settings
from singlewindow.parties.auth import Principal
from singlewindow.standards import validation

Format = Literal["edifact", "xml"]
STORABLE = ("manifest", "ship_report", "goods_declaration")


@dataclass(frozen=True, slots=True)
class Item:
    """A message read from the file: a document, or the findings that rejected it."""

    index: int
    where: str  # "offset 1234" (EDIFACT) or "line 56" (XML)
    doc_type: str | None
    document: dict[str, Any] | None
    findings: tuple[Finding, ...] = ()
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one message: ``accepted``, ``duplicate`` or ``rejected``."""

    index: int
    where: str
    doc_type: str | None
    status: str
    id: str | None = None
    reference: str = ""
    code: str = ""
    findings: tuple[Finding, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "where": self.where,
            "doc_type": self.doc_type,
            "status": self.status,
        }
        if self.id:
            out["id"] = self.id
        if self.reference:
            out["reference"] = self.reference
        if self.code:
            out["code"] = self.code
        if self.findings:
            out["findings"] = [f.as_dict() for f in self.findings]
        return out


@dataclass
class Summary:
    messages: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        self.messages += 1
        if outcome.status == "accepted":
            self.accepted += 1
        elif outcome.status == "duplicate":
            self.duplicates += 1
        else:
            self.rejected += 1
        key = outcome.doc_type or "unknown"
        self.by_type[key] = self.by_type.get(key, 0) + 1


class _Counting(io.RawIOBase):
    """A read-only stream that reports how many bytes were read (for a progress bar)."""

    def __init__(self, inner: BinaryIO, on_read: Callable[[int], None] | None) -> None:
        self._inner = inner
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n and self._on_read is not None:
            self._on_read(n)
        return n


def sniff(head: bytes) -> Format | None:
    """The format of a file from its first bytes (after a BOM and whitespace)."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text[:3] in (b"UNA", b"UNB"):
        return "edifact"
    if text[:1] == b"<":
        return "xml"
    return None


def read_items(
    stream: BinaryIO, fmt: Format, *, on_read: Callable[[int], None] | None = None
) -> Iterator[Item]:
    """Every message of ``stream`` as an ``Item``, read lazily in bounded memory."""
    counted = io.BufferedReader(_Counting(stream, on_read), buffer_size=256 * 1024)
    if fmt == "edifact":
        yield from _edifact_items(counted)
        return
    from singlewindow.standards.xml import transport as xml

    for got in xml.iter_documents(counted):
        where = f"line {got.line}" if got.line is not None else f"message {got.index}"
        if isinstance(got, xml.Parsed):
            yield Item(got.index, where, got.doc_type, got.document)
        else:
            findings = got.findings or (Finding("/", got.code, got.message, got.message_zh),)
            yield Item(got.index, where, None, None, tuple(findings))


def _edifact_items(counted: BinaryIO) -> Iterator[Item]:
    """EDIFACT messages as items. An interchange-level problem found after some messages
    (a truncated file, a wrong UNZ count) ends the stream with one more rejected item: the
    messages before it were complete and stand, each on its own."""
    from singlewindow.standards.edifact import detect as edifact

    index = 0
    try:
        for parsed in edifact.iter_documents(counted):
            if isinstance(parsed, edifact.Parsed):
                index = parsed.message_index
                yield Item(
                    parsed.message_index,
                    f"offset {parsed.offset}",
                    parsed.doc_type,
                    parsed.document,
                    reference=parsed.reference,
                )
            else:
                index = parsed.index
                yield Item(
                    parsed.index,
                    f"offset {parsed.offset}",
                    None,
                    None,
                    tuple(parsed.findings),
                    reference=parsed.reference or "",
                )
    except SingleWindowError as error:
        findings = tuple(error.findings) or (
            Finding("/", error.code, error.message, error.message_zh),
        )
        yield Item(index + 1, "interchange", None, None, findings)


Submit = Callable[[Session, Principal, str, dict[str, Any]], tuple[str, bool]]


def _submit(
    settings: Settings,
) -> Submit:
    """Files one document through its context's service: (id, was a duplicate)."""

    def submit(
        session: Session, principal: Principal, doc_type: str, document: dict[str, Any]
    ) -> tuple[str, bool]:
        if doc_type == "manifest":
            from singlewindow.transport.manifests import service as manifests

            filed = manifests.submit_manifest(session, principal, document, settings=settings)
            return filed.id, bool(getattr(filed, "duplicate", False))
        if doc_type == "goods_declaration":
            from singlewindow.declarations import service as declarations

            done = declarations.submit(
                session,
                principal,
                document,
                node_code=settings.node_code,
                max_lines=settings.max_lines,
                settings=settings,
            )
            return done.declaration.id, done.duplicate
        from singlewindow.transport.calls import service as calls

        report = calls.submit_report(session, principal, doc_type, document, settings=settings)
        return report.report_id, bool(getattr(report, "duplicate", False))

    return submit


def _check_only(session: Session, doc_type: str, document: dict[str, Any]) -> None:
    findings = [
        f
        for f in validation.validate_document(session, doc_type, document)
        if f.severity == "error"
    ]
    if findings:
        raise ValidationFailed(
            f"The {doc_type} has {len(findings)} error(s)",
            f"报文有 {len(findings)} 处错误",
            findings=findings,
        )


def import_items(
    db: Database,
    principal: Principal,
    items: Iterator[Item],
    *,
    settings: Settings,
    dry_run: bool = False,
) -> Iterator[Outcome]:
    """Files each item in a transaction of its own and yields what happened to it."""
    submit = _submit(settings)
    for item in items:
        if item.document is None or item.doc_type is None:
            yield Outcome(
                item.index,
                item.where,
                item.doc_type,
                "rejected",
                reference=item.reference,
                code="unreadable",
                findings=item.findings,
            )
            continue
        if item.doc_type not in STORABLE:
            yield Outcome(
                item.index,
                item.where,
                item.doc_type,
                "rejected",
                reference=item.reference,
                code="not_importable",
                findings=(
                    Finding(
                        "/",
                        "not_importable",
                        f"{item.doc_type} messages are read but not filed by a batch import",
                        f"批量导入不提交 {item.doc_type} 报文",
                    ),
                ),
            )
            continue
        try:
            with db.unit_of_work() as session:
                if dry_run:
                    _check_only(session, item.doc_type, item.document)
                    ident, duplicate = "", False
                    session.rollback()
                else:
                    ident, duplicate = submit(session, principal, item.doc_type, item.document)
        except SingleWindowError as error:
            yield Outcome(
                item.index,
                item.where,
                item.doc_type,
                "rejected",
                reference=item.reference,
                code=error.code,
                findings=tuple(error.findings)
                or (Finding("/", error.code, error.message, error.message_zh),),
            )
            continue
        yield Outcome(
            item.index,
            item.where,
            item.doc_type,
            "duplicate" if duplicate else "accepted",
            id=ident or None,
            reference=item.reference,
        )
