"""Reading interchanges: envelope checks around pydifact, message by message, streaming.

``iter_messages`` reads an interchange of any size in bounded memory and yields one item
per message: a ``Message`` (its pydifact segments, UNH to UNT) or a ``Rejection`` (its
findings). A bad message never stops the good ones. Problems of the interchange as a
whole raise ``EdifactError`` (422): at once when nothing can be read (no UNB, wrong
separators, unknown syntax), after the last message for the trailer (missing UNZ — a
truncated file —, wrong UNZ/UNE counts or references). A consumer that must be
all-or-nothing therefore commits only when the iterator is exhausted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, NoReturn

from singlewindow.kit.errors import Finding
from singlewindow.standards.edifact.catalogue import finding
from singlewindow.standards.edifact.envelope import (
    Interchange,
    InterchangeHeader,
    Message,
    Rejection,
)
from singlewindow.standards.edifact.errors import rejected, segment_path
from singlewindow.standards.edifact.scanner import RawSegment, SegmentTooLong, scan
from singlewindow.standards.edifact.syntax import (
    DEFAULT_DELIMITERS,
    SYNTAX_ENCODINGS,
    Segment,
    SyntaxProblem,
    parse_segment,
    parse_una,
    value,
)

_BOM = b"\xef\xbb\xbf"
_BLANK = b" \t\r\n"
_MESSAGE_TYPE = re.compile(r"[A-Z]{6}", re.ASCII)
_DIGITS = re.compile(r"\d{1,6}", re.ASCII)
_UNB_DATE = re.compile(r"(\d{6}|\d{8})", re.ASCII)
_UNB_TIME = re.compile(r"([01]\d|2[0-3])[0-5]\d", re.ASCII)
_SERVICE = ("UNH", "UNT", "UNG", "UNE", "UNZ", "UNB", "UNA")
_IDENTIFIER_PARTS = (("version", "版本"), ("release", "发布号"), ("controlling agency", "控制机构"))


@dataclass
class _Open:
    """A message being collected."""

    index: int
    offset: int
    unh: Segment | None = None
    segments: list[Segment] = field(default_factory=list)
    count: int = 0  # every segment seen, parsed or not (what UNT counts)
    size: int = 0
    overflow: bool = False
    findings: list[Finding] = field(default_factory=list)

    def problem(
        self,
        position: int | None,
        code: str,
        *,
        element: int | None = None,
        component: int | None = None,
        **params: object,
    ) -> None:
        path = (
            f"/messages/{self.index}"
            if position is None
            else segment_path(self.index, position, element, component)
        )
        self.findings.append(finding(path, code, **params))


class InterchangeReader:
    """Reads one interchange from a binary stream; iterate it for the messages.

    ``header`` is set once UNB has been read. ``encoding`` overrides the codec the UNB
    syntax identifier implies (for partners that send, say, GB 18030 under UNOA).
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        encoding: str | None = None,
        chunk_size: int = 64 * 1024,
        max_segment_bytes: int = 256 * 1024,
        max_message_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.stream = stream
        self.encoding = encoding
        self.chunk_size = chunk_size
        self.max_segment_bytes = max_segment_bytes
        self.max_message_bytes = max_message_bytes
        self.header: InterchangeHeader | None = None
        self.findings: list[Finding] = []
        self._delimiters = DEFAULT_DELIMITERS
        self._index = 0
        self._units = 0  # messages of the interchange
        self._groups = 0
        self._group: tuple[int, Segment] | None = None  # (group number, UNG)
        self._group_units = 0
        self._bare_messages = False
        self._ended = False

    # -- driving ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Message | Rejection]:
        data, offset = self._start()
        d = self._delimiters
        segments = scan(
            self.stream,
            terminator=d.terminator.encode("ascii"),
            release=d.release.encode("ascii") if d.release != " " else None,
            start=data,
            start_offset=offset,
            chunk_size=self.chunk_size,
            max_segment_bytes=self.max_segment_bytes,
        )
        try:
            self.header = self._read_unb(next(segments, None))
            current: _Open | None = None
            for position, raw in enumerate(segments, 2):
                tag = self._service_tag(raw.data)
                if self._ended:
                    self._after_end(position)
                elif tag == "UNH":
                    if current is not None:
                        yield self._close(current, None)
                    current = self._open(raw)
                    current.unh = self._add(current, raw)
                elif tag == "UNT":
                    if current is None:
                        current = self._open(raw)
                        current.problem(1, "missing_unh")
                    yield self._close(current, raw)
                    current = None
                elif tag is not None:
                    if current is not None:
                        yield self._close(current, None)
                        current = None
                    self._service(tag, raw, position)
                else:
                    if current is None:
                        current = self._open(raw)
                        current.problem(1, "missing_unh")
                    self._add(current, raw)
            if current is not None:
                yield self._close(current, None)
        except SegmentTooLong as error:
            self._fail("/interchange", "segment_too_long", limit=error.limit, offset=error.offset)
        self._finish()

    def _start(self) -> tuple[bytes, int]:
        """The first bytes after BOM, blanks and UNA (whose delimiters are then in force)."""
        data = b""
        while len(data) < 64:
            chunk = self.stream.read(self.chunk_size)
            if not isinstance(chunk, bytes):
                raise TypeError("iter_messages needs a binary stream")
            if not chunk:
                break
            data += chunk
        offset = 3 if data.startswith(_BOM) else 0
        data, offset = self._skip_blanks(data[offset:], offset)
        if not data:
            self._fail("/interchange", "empty_interchange")
        if data.startswith(b"UNA"):
            try:
                self._delimiters = parse_una(data[:9].decode("ascii"))
            except SyntaxProblem as error:
                self._fail("/interchange/UNA", "invalid_una", detail=error.en, detail_zh=error.zh)
            except UnicodeDecodeError:
                self._fail(
                    "/interchange/UNA",
                    "invalid_una",
                    detail="The UNA separators must be ASCII characters",
                    detail_zh="UNA 分隔符必须为 ASCII 字符",
                )
            data, offset = self._skip_blanks(data[9:], offset + 9)
        if not data.startswith(b"UNB"):
            if data[:3] == b"ISA":
                self._fail("/interchange", "not_edifact", what="ANSI X12")
            if data[:1] == b"<":
                self._fail("/interchange", "not_edifact", what="XML")
            self._fail("/interchange/UNB", "missing_unb")
        separator, expected = data[3:4].decode("latin-1"), self._delimiters.data
        if separator != expected:
            self._fail(
                "/interchange/UNA",
                "wrong_separators",
                detail=f"UNB is followed by {separator!r}, not the data element "
                f"separator {expected!r}: declare the separators in a UNA segment",
                detail_zh=f"UNB 后为 {separator!r}，不是数据元分隔符 {expected!r}："
                "请用 UNA 段声明分隔符",
            )
        return data, offset

    @staticmethod
    def _skip_blanks(data: bytes, offset: int) -> tuple[bytes, int]:
        stripped = data.lstrip(_BLANK)
        return stripped, offset + len(data) - len(stripped)

    # -- the interchange header --------------------------------------------------------------

    def _read_unb(self, raw: RawSegment | None) -> InterchangeHeader:
        terminator = self._delimiters.terminator
        if raw is None or not raw.terminated:
            self._fail(
                "/interchange/UNB",
                "wrong_separators",
                detail=f"The UNB segment is not terminated by {terminator!r}: the file "
                "is truncated or uses other separators (declare them in a UNA segment)",
                detail_zh=f"UNB 段未以 {terminator!r} 结束：文件被截断或使用了其他分隔符"
                "(请用 UNA 段声明)",
            )
        unb = self._parse_service(raw, "/interchange/UNB", "latin-1")
        if unb is None:
            raise rejected(self.findings)
        self._check_unb(unb)
        syntax = value(unb, 1, 1)
        encoding = self.encoding or SYNTAX_ENCODINGS.get(syntax)
        if encoding is None:
            self._fail(
                "/interchange/UNB/elements/1",
                "unsupported_syntax",
                syntax=syntax[:8],
                supported=", ".join(SYNTAX_ENCODINGS),
            )
        day, clock = value(unb, 4, 1), value(unb, 4, 2)
        full = ("" if len(day) == 8 else ("19" if day[:2] > "50" else "20")) + day
        return InterchangeHeader(
            syntax=syntax,
            syntax_version=value(unb, 1, 2),
            sender=value(unb, 2, 1),
            sender_qualifier=value(unb, 2, 2),
            recipient=value(unb, 3, 1),
            recipient_qualifier=value(unb, 3, 2),
            prepared_at=f"{full[:4]}-{full[4:6]}-{full[6:]}T{clock[:2]}:{clock[2:]}",
            reference=value(unb, 5),
            application_reference=value(unb, 7),
            test=value(unb, 11) == "1",
            encoding=encoding,
            delimiters=self._delimiters,
        )

    @staticmethod
    def _check_unb(unb: Segment) -> None:
        problems: list[tuple[int, str, str]] = []
        if not value(unb, 1, 1) or not value(unb, 1, 2):
            problems.append(
                (
                    1,
                    "UNB must name the syntax and its version (e.g. UNOC:3)",
                    "UNB 必须给出语法标识及版本(如 UNOC:3)",
                )
            )
        if not value(unb, 2):
            problems.append((2, "UNB must name the sender", "UNB 必须给出发送方"))
        if not value(unb, 3):
            problems.append((3, "UNB must name the recipient", "UNB 必须给出接收方"))
        if not _UNB_DATE.fullmatch(value(unb, 4, 1)) or not _UNB_TIME.fullmatch(value(unb, 4, 2)):
            problems.append(
                (
                    4,
                    "UNB date/time must be YYMMDD (or CCYYMMDD) and HHMM",
                    "UNB 日期/时间应为 YYMMDD(或 CCYYMMDD)和 HHMM",
                )
            )
        if not 1 <= len(value(unb, 5)) <= 14:
            problems.append(
                (
                    5,
                    "UNB must carry an interchange control reference of 1 to 14 characters",
                    "UNB 交换控制参考号应为 1 至 14 个字符",
                )
            )
        if problems:
            raise rejected(
                finding(
                    f"/interchange/UNB/elements/{element}", "invalid_unb", detail=en, detail_zh=zh
                )
                for element, en, zh in problems
            )

    # -- groups and the trailer ----------------------------------------------------------------

    def _service(self, tag: str, raw: RawSegment, position: int) -> None:
        if tag in ("UNB", "UNA"):
            self._problem(f"/interchange/segments/{position}", "nested_interchange", tag=tag)
        elif tag == "UNG":
            self._open_group(raw)
        elif tag == "UNE":
            self._close_group(raw)
        else:
            self._end(raw)

    def _open_group(self, raw: RawSegment) -> None:
        number = self._groups
        path = f"/groups/{number}/UNG"
        if self._group is not None:
            self._problem(f"/groups/{self._group[0]}/UNE", "missing_une")
        if self._bare_messages:
            self._problem(path, "mixed_groups")
        ung = self._parse_service(raw, path, self._codec)
        self._groups += 1
        self._group_units = 0
        self._group = (number, ung) if ung is not None else None
        if ung is not None and not value(ung, 5):
            self._problem(path + "/elements/5", "invalid_ung")

    def _close_group(self, raw: RawSegment) -> None:
        if self._group is None:
            self._problem(f"/groups/{max(self._groups - 1, 0)}/UNE", "missing_ung")
            return
        number, ung = self._group
        path = f"/groups/{number}/UNE"
        une = self._parse_service(raw, path, self._codec)
        self._group = None
        if une is None:
            return
        self._count_check(une, self._group_units, path, "messages")
        if value(une, 2) != value(ung, 5):
            self._problem(path + "/elements/2", "group_reference_mismatch")

    def _end(self, raw: RawSegment) -> None:
        self._ended = True
        if self._group is not None:
            self._problem(f"/groups/{self._group[0]}/UNE", "missing_une")
            self._group = None
        unz = self._parse_service(raw, "/interchange/UNZ", self._codec)
        if unz is None:
            return
        if self._groups:
            self._count_check(unz, self._groups, "/interchange/UNZ", "functional groups")
        else:
            self._count_check(unz, self._units, "/interchange/UNZ", "messages")
        assert self.header is not None
        if value(unz, 2) != self.header.reference:
            self._problem(
                "/interchange/UNZ/elements/2",
                "interchange_reference_mismatch",
                found=value(unz, 2)[:14],
                expected=self.header.reference,
            )

    def _count_check(self, segment: Segment, actual: int, path: str, what: str) -> None:
        declared = value(segment, 1)
        if not _DIGITS.fullmatch(declared):
            self._problem(path + "/elements/1", "invalid_control_count", tag=segment.tag, what=what)
        elif int(declared) != actual:
            self._problem(
                path + "/elements/1",
                "control_count_mismatch",
                tag=segment.tag,
                declared=int(declared),
                actual=actual,
                what=what,
            )

    def _after_end(self, position: int) -> None:
        if not any(f.code == "data_after_unz" for f in self.findings):
            self._problem(f"/interchange/segments/{position}", "data_after_unz")

    # -- messages ----------------------------------------------------------------------------

    def _open(self, raw: RawSegment) -> _Open:
        current = _Open(index=self._index, offset=raw.offset)
        self._index += 1
        if self._group is None:
            self._bare_messages = True
            if self._groups:
                self.findings.append(finding(f"/messages/{current.index}", "mixed_groups"))
        return current

    def _add(self, current: _Open, raw: RawSegment) -> Segment | None:
        """Count ``raw`` into the message and keep its segment; findings for bad ones."""
        current.count += 1
        position = current.count
        if not raw.terminated:
            current.problem(position, "truncated")
            return None
        current.size += len(raw.data)
        if current.size > self.max_message_bytes:
            if not current.overflow:
                current.overflow = True
                current.segments.clear()
                current.problem(None, "message_too_large", limit=self.max_message_bytes)
            return None
        try:
            segment = parse_segment(raw.data.decode(self._codec), self._delimiters)
        except (UnicodeDecodeError, LookupError):
            current.problem(position, "invalid_encoding", codec=self._codec, syntax=self._syntax)
            return None
        except SyntaxProblem as problem:
            current.findings.append(
                Finding(segment_path(current.index, position), problem.code, problem.en, problem.zh)
            )
            return None
        current.segments.append(segment)
        return segment

    def _close(self, current: _Open, raw: RawSegment | None) -> Message | Rejection:
        unt = self._add(current, raw) if raw is not None else None
        if raw is None:
            current.problem(None, "missing_unt")
        unh = current.unh
        parts = [value(unh, 1), *(value(unh, 2, n) for n in range(1, 6))] if unh else [""] * 6
        reference, message_type, version, release, agency, association = parts
        if unh is not None:
            self._check_unh(current, parts)
        if unt is not None:
            self._check_unt(current, unt, reference if unh is not None else None)
        if raw is not None or unh is not None:
            self._units += 1
            self._group_units += 1
        if current.findings or unh is None or unt is None:
            return Rejection(
                current.index,
                current.offset,
                reference or None,
                message_type or None,
                tuple(current.findings),
            )
        assert self.header is not None
        return Message(
            index=current.index,
            offset=current.offset,
            reference=reference,
            message_type=message_type,
            version=version,
            release=release,
            agency=agency,
            association=association,
            segments=tuple(current.segments),
            header=self.header,
            group_reference=value(self._group[1], 5) if self._group else None,
        )

    def _check_unh(self, current: _Open, parts: list[str]) -> None:
        reference, message_type, *identifier = parts[:5]
        if not 1 <= len(reference) <= 14:
            current.problem(1, "invalid_message_reference", element=1)
        if not _MESSAGE_TYPE.fullmatch(message_type):
            current.problem(
                1,
                "invalid_message_identifier",
                element=2,
                component=1,
                part="type (six letters)",
                part_zh="类型(六个字母)",
            )
        for number, (part, (en, zh)) in enumerate(
            zip(identifier, _IDENTIFIER_PARTS, strict=True), 2
        ):
            if not part:
                current.problem(
                    1,
                    "invalid_message_identifier",
                    element=2,
                    component=number,
                    part=en,
                    part_zh=zh,
                )
        if self._group is not None:
            expected = value(self._group[1], 1)
            if expected and message_type and expected != message_type:
                current.problem(
                    1,
                    "group_message_type_mismatch",
                    element=2,
                    component=1,
                    found=message_type,
                    expected=expected[:6],
                )

    @staticmethod
    def _check_unt(current: _Open, unt: Segment, reference: str | None) -> None:
        position, declared = current.count, value(unt, 1)
        if not _DIGITS.fullmatch(declared):
            current.problem(position, "invalid_segment_count", element=1)
        elif int(declared) != current.count:
            current.problem(
                position,
                "segment_count_mismatch",
                element=1,
                declared=int(declared),
                actual=current.count,
            )
        if reference is not None and value(unt, 2) != reference:
            current.problem(
                position,
                "message_reference_mismatch",
                element=2,
                found=value(unt, 2)[:14],
                expected=reference[:14],
            )

    # -- helpers -------------------------------------------------------------------------------

    @property
    def _codec(self) -> str:
        return self.header.encoding if self.header else "latin-1"

    @property
    def _syntax(self) -> str:
        return self.header.syntax if self.header else ""

    def _service_tag(self, data: bytes) -> str | None:
        """The service segment tag (UNH, UNT, UNG, UNE, UNZ, UNB, UNA) of ``data``, if any."""
        tag = data[:3].decode("latin-1")
        if tag in _SERVICE and data[3:4] in (self._delimiters.data.encode("ascii"), b""):
            return tag
        return None

    def _parse_service(self, raw: RawSegment, path: str, codec: str) -> Segment | None:
        """A service segment, or ``None`` with an interchange finding."""
        if not raw.terminated:
            self._problem(path, "truncated")
            return None
        try:
            return parse_segment(raw.data.decode(codec), self._delimiters)
        except UnicodeDecodeError:
            self._problem(path, "invalid_encoding", codec=codec, syntax=self._syntax)
        except SyntaxProblem as error:
            self.findings.append(Finding(path, error.code, error.en, error.zh))
        return None

    def _problem(self, path: str, code: str, **params: object) -> None:
        self.findings.append(finding(path, code, **params))

    def _fail(self, path: str, code: str, **params: object) -> NoReturn:
        raise rejected([*self.findings, finding(path, code, **params)])

    def _finish(self) -> None:
        if self._group is not None:
            self._problem(f"/groups/{self._group[0]}/UNE", "missing_une")
        if not self._ended:
            self._problem("/interchange/UNZ", "missing_unz")
        if self.findings:
            raise rejected(self.findings)


def iter_messages(
    stream: BinaryIO,
    *,
    encoding: str | None = None,
    chunk_size: int = 64 * 1024,
    max_segment_bytes: int = 256 * 1024,
    max_message_bytes: int = 64 * 1024 * 1024,
) -> Iterator[Message | Rejection]:
    """The messages of the interchange in ``stream``, one item each, in bounded memory.

    Memory is one chunk plus the largest message (capped by ``max_message_bytes``; a
    larger message is rejected without being kept). ``EdifactError`` for interchange-level
    problems (see the module docstring).
    """
    yield from InterchangeReader(
        stream,
        encoding=encoding,
        chunk_size=chunk_size,
        max_segment_bytes=max_segment_bytes,
        max_message_bytes=max_message_bytes,
    )


def read_interchange(data: str | bytes, *, encoding: str | None = None) -> Interchange:
    """A small interchange in memory. ``str`` input is taken as already decoded text.

    Raises ``EdifactError`` if the interchange as a whole is invalid — then nothing of it
    should be stored; rejected messages of a valid interchange are in ``rejections``.
    """
    if isinstance(data, str):
        data, encoding = data.encode("utf-8", "surrogatepass"), encoding or "utf-8"
    reader = InterchangeReader(io.BytesIO(data), encoding=encoding)
    items = tuple(reader)
    assert reader.header is not None
    return Interchange(reader.header, items)


__all__ = ["InterchangeReader", "iter_messages", "read_interchange"]
