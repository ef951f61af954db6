"""Streaming: a large generated interchange is read in small chunks with flat memory."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator

from singlewindow.standards.documents.transport_samples import sample_manifest
from singlewindow.standards.edifact import Parsed, iter_documents, iter_messages
from singlewindow.standards.edifact.cuscar import manifest_segments
from singlewindow.standards.edifact.syntax import render


class GeneratedInterchange(io.RawIOBase):
    """``count`` CUSCAR messages produced while being read: the file never exists whole."""

    def __init__(self, count: int) -> None:
        body = render(manifest_segments(sample_manifest(bill_nos=("B1",))), una=False)
        self.count = count
        self.body_segments = body.count("'")
        self.body = body
        self.size = 0
        self._parts = self._generate()
        self._pending = b""

    def _generate(self) -> Iterator[bytes]:
        yield b"UNA:+.? 'UNB+UNOW:4+SENDER+RECIPIENT+20261129:0800+BIG'"
        for n in range(1, self.count + 1):
            text = f"UNH+{n}+CUSCAR:D:95B:UN'{self.body}UNT+{self.body_segments + 2}+{n}'"
            yield text.encode("utf-8")
        yield f"UNZ+{self.count}+BIG'".encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer):
            part = next(self._parts, None)
            if part is None:
                break
            self._pending += part
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.size += size
        return size


def peak_while_reading(count: int) -> tuple[int, int, int]:
    """(messages read, bytes read, peak traced memory) for ``count`` generated messages."""
    stream = GeneratedInterchange(count)
    tracemalloc.start()
    try:
        read = 0
        for item in iter_messages(stream, chunk_size=4096):
            assert item.offset >= 0
            read += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return read, stream.size, peak


def test_memory_stays_flat_as_the_input_grows() -> None:
    small = peak_while_reading(50)
    large = peak_while_reading(1000)
    assert small[0] == 50
    assert large[0] == 1000
    assert large[1] > 20 * small[1]
    assert large[1] > 600_000
    assert large[2] < 150_000  # a small fraction of what went through was ever held
    assert large[2] < small[2] * 1.5  # twenty times the input, about the same peak


def test_documents_stream_with_offsets_pointing_at_unh() -> None:
    stream = GeneratedInterchange(40)
    data = b"".join(stream._generate())
    found = list(iter_documents(io.BytesIO(data), chunk_size=64))
    assert len(found) == 40
    for index, item in enumerate(found):
        assert isinstance(item, Parsed)
        assert item.message_index == index
        assert data[item.offset :].startswith(f"UNH+{index + 1}+".encode())
        assert item.document["consignments"][0]["bill_no"] == "B1"
