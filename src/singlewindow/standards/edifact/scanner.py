"""Split a byte stream into segments in bounded memory.

Segments are found on the bytes, not on decoded text: every syntax the platform reads
(ASCII, ISO 8859, UTF-8, GB 18030) is ASCII-compatible, so a terminator byte that is not
released is a segment end, and byte offsets stay exact. Memory is one chunk plus the
longest segment; ``max_segment_bytes`` stops a file without (or with the wrong)
terminator from being read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

_BLANK = b" \t\r\n"


@dataclass(frozen=True, slots=True)
class RawSegment:
    offset: int  # byte offset of the segment's first byte in the stream
    data: bytes  # without the terminator and without leading blanks (line breaks)
    terminated: bool = True  # False for text that ends the stream without a terminator


class SegmentTooLong(Exception):
    def __init__(self, offset: int, limit: int) -> None:
        super().__init__(f"segment at byte {offset} exceeds {limit} bytes")
        self.offset, self.limit = offset, limit


def scan(
    stream: BinaryIO,
    *,
    terminator: bytes,
    release: bytes | None,
    start: bytes = b"",
    start_offset: int = 0,
    chunk_size: int = 64 * 1024,
    max_segment_bytes: int = 256 * 1024,
) -> Iterator[RawSegment]:
    """Yield the segments of ``start`` followed by the rest of ``stream``.

    Empty segments (two terminators in a row, blank lines) are skipped. A terminator
    preceded by an odd number of release characters is data, not a segment end.
    """
    term = terminator[0]
    rel = release[0] if release else None
    buf, base, pos, search, eof = start, start_offset, 0, 0, False
    while True:
        idx = buf.find(terminator, search)
        if idx < 0:
            if len(buf) - pos > max_segment_bytes:
                raise SegmentTooLong(base + pos, max_segment_bytes)
            if eof:
                break
            chunk = stream.read(chunk_size)
            if not chunk:
                eof = True
                continue
            buf, base, search = buf[pos:] + chunk, base + pos, search - pos
            pos = 0
            continue
        if rel is not None and rel != term:
            released, j = 0, idx - 1
            while j >= pos and buf[j] == rel:
                released, j = released + 1, j - 1
            if released % 2:
                search = idx + 1
                continue
        if idx - pos > max_segment_bytes:
            raise SegmentTooLong(base + pos, max_segment_bytes)
        segment = _segment(buf, pos, idx, base, terminated=True)
        if segment is not None:
            yield segment
        pos = search = idx + 1
    segment = _segment(buf, pos, len(buf), base, terminated=False)
    if segment is not None:
        yield segment


def _segment(buf: bytes, start: int, end: int, base: int, *, terminated: bool) -> RawSegment | None:
    data = buf[start:end]
    stripped = data.lstrip(_BLANK)
    if not stripped.strip(_BLANK):
        return None
    return RawSegment(base + start + len(data) - len(stripped), stripped, terminated)
