"""``iter_documents``: many messages in one file, bad ones rejected, memory flat."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

from singlewindow.standards.documents.transport_samples import sample_manifest, sample_ship_report
from singlewindow.standards.xml import csm, dxp, fal, manifest, transport
from singlewindow.standards.xml.transport import Parsed, Rejection, iter_documents

OPEN = f'<TransportMessages xmlns="{transport.BATCH_NAMESPACE}">\n'.encode()
CLOSE = b"</TransportMessages>\n"


def _body(xml: bytes) -> bytes:
    """A message without its XML declaration, to sit inside the wrapper."""
    return (xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml).strip() + b"\n"


MT = manifest.to_xml(sample_manifest("MT1101"))
CSM = csm.to_xml(sample_ship_report("CSM004"))
FAL = fal.to_xml(sample_ship_report("CSM002", passengers=1))


def _batch(*messages: bytes) -> io.BytesIO:
    return io.BytesIO(OPEN + b"".join(_body(m) for m in messages) + CLOSE)


def test_a_mixed_file_yields_every_message_in_order() -> None:
    bad = MT.replace(b"<Carrier>", b"<Carrier><Bogus/>")
    bad_base64 = dxp.wrap(CSM, msg_type="CSM004", sender="S", receivers=["R"]).replace(
        b"<Data>", b"<Data>%%"
    )
    items = list(iter_documents(_batch(
        MT, CSM, FAL, dxp.wrap(MT, msg_type="MT1101", sender="S", receivers=["R"]), bad,
        b'<DecMessage xmlns="http://www.chinaport.gov.cn/dec"/>', bad_base64, FAL,
    )))  # fmt: skip
    assert [(type(i).__name__, i.index) for i in items] == [
        ("Parsed", 1), ("Parsed", 2), ("Parsed", 3), ("Parsed", 4), ("Rejection", 5),
        ("Rejection", 6), ("Rejection", 7), ("Parsed", 8),
    ]  # fmt: skip
    parsed = [i for i in items if isinstance(i, Parsed)]
    assert [(p.doc_type, p.format) for p in parsed] == [
        ("manifest", "manifest"), ("ship_report", "csm"), ("ship_report", "fal"),
        ("manifest", "manifest"), ("ship_report", "fal"),
    ]  # fmt: skip
    assert parsed[0].document == manifest.from_xml(MT)
    assert parsed[3].dxp is not None
    assert parsed[3].document == parsed[0].document
    assert parsed[0].line == 2
    rejected = [i for i in items if isinstance(i, Rejection)]
    assert [(r.code, r.findings[0].path, r.findings[0].code) for r in rejected] == [
        ("invalid_manifest_xml", "/Manifest/Declaration/Carrier/Bogus", "unknown_element"),
        ("unsupported_message", "/DecMessage", "unsupported_message"),
        ("invalid_dxp_xml", "/DxpMsg/Data", "invalid_base64"),
    ]
    assert all(r.message_zh and r.line for r in rejected)


def test_a_file_with_one_bare_message() -> None:
    (item,) = iter_documents(io.BytesIO(FAL))
    assert isinstance(item, Parsed)
    assert item.document == fal.from_xml(FAL)
    (dxp_item,) = iter_documents(io.BytesIO(dxp.wrap(CSM, msg_type="C", sender="S",
                                                     receivers=["R"])))  # fmt: skip
    assert isinstance(dxp_item, Parsed)
    assert dxp_item.format == "csm"


def test_an_empty_wrapper_yields_nothing() -> None:
    assert list(iter_documents(io.BytesIO(OPEN + CLOSE))) == []


def test_malformed_xml_ends_the_stream_after_the_good_messages() -> None:
    data = OPEN + _body(MT) + _body(CSM) + b"<Manifest><Head></Manifest>"
    items = list(iter_documents(io.BytesIO(data)))
    assert [type(i).__name__ for i in items] == ["Parsed", "Parsed", "Rejection"]
    last = items[-1]
    assert isinstance(last, Rejection)
    assert (last.index, last.code) == (3, "malformed_xml")
    assert last.line is not None


@pytest.mark.parametrize(
    "data",
    [
        b'<!DOCTYPE t [<!ENTITY a "aaaa">]>' + OPEN + CLOSE,
        OPEN + b'<!ENTITY a "x">' + CLOSE,
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE t>' + OPEN.decode()
         + CLOSE.decode()).encode("utf-16"),
        ('<?xml version="1.0" encoding="UTF-16BE"?><!doctype t>' + OPEN.decode()
         + CLOSE.decode()).encode("utf-16-be"),
    ],
    ids=["doctype", "entity", "utf-16", "utf-16-be lower case"],
)  # fmt: skip
def test_dtd_markup_is_refused(data: bytes) -> None:
    (item,) = iter_documents(io.BytesIO(data))
    assert isinstance(item, Rejection)
    assert item.code == "dtd_forbidden"


class _Trickle(io.RawIOBase):
    """A stream that hands out at most three bytes per read."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.data.read(min(3, size) if size and size > 0 else 3)


def test_dtd_markup_split_across_reads_is_refused() -> None:
    data = _body(MT).replace(b"<Manifest", b'<!DOCTYPE Manifest [<!ENTITY e "x">]><Manifest', 1)
    items = list(iter_documents(_Trickle(data)))  # type: ignore[arg-type]
    assert [getattr(i, "code", None) for i in items] == ["dtd_forbidden"]
    (good,) = iter_documents(_Trickle(FAL))  # type: ignore[arg-type]
    assert isinstance(good, Parsed)


def test_entities_are_never_expanded() -> None:
    data = MT.replace(b"<JourneyID>001E", b"<JourneyID>&undefined;")
    (item,) = iter_documents(io.BytesIO(data))
    assert isinstance(item, Rejection)
    assert item.code == "malformed_xml"


# --------------------------------------------------------------------------- memory


def _write(path: Path, count: int) -> Path:
    """``count`` messages (manifests and ship reports, every tenth one bad) in one file."""
    good = [_body(MT), _body(CSM), _body(FAL)]
    bad = _body(CSM).replace(b"<SHIP>", b"<SHIP><BOGUS/>")
    with path.open("wb") as out:
        out.write(OPEN)
        for n in range(count):
            out.write(bad if n % 10 == 9 else good[n % 3])
        out.write(CLOSE)
    return path


def _peak(path: Path) -> tuple[int, dict[str, int]]:
    counts = {"Parsed": 0, "Rejection": 0}
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            for item in iter_documents(stream):
                counts[type(item).__name__] += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, counts


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    small = _write(tmp_path / "small.xml", 30)
    large = _write(tmp_path / "large.xml", 300)
    assert large.stat().st_size > 1_000_000
    peak_small, counts_small = _peak(small)
    peak_large, counts_large = _peak(large)
    assert counts_small == {"Parsed": 27, "Rejection": 3}
    assert counts_large == {"Parsed": 270, "Rejection": 30}
    # Ten times the messages, not ten times the memory: bounded by one message's worth.
    assert peak_large < 1.5 * peak_small + 200_000
    assert peak_large < large.stat().st_size / 4


def test_the_tree_is_trimmed_after_every_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libxml2's memory is not seen by tracemalloc: check the tree itself is released."""
    released = transport._release
    kept: list[tuple[int, bool]] = []

    def spy(element: etree._Element) -> None:
        released(element)
        # Later siblings may already be parsed (iterparse reads ahead by a buffer), earlier
        # ones must be gone.
        kept.append((len(element), element.getprevious() is None))

    monkeypatch.setattr(transport, "_release", spy)
    with _write(tmp_path / "batch.xml", 50).open("rb") as stream:
        assert sum(1 for _ in iter_documents(stream)) == 50
    assert len(kept) == 50
    assert all(children == 0 and first for children, first in kept)
