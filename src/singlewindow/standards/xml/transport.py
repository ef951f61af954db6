"""Any supported transport XML -> (document type, canonical JSON), one message or a stream.

Supported messages, bare or inside a DXP envelope (``dxp``): the manifest family
(``manifest``: ``<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MTnnnn:1">``), the
CSM vessel messages (``csm``: ``<CSM00nMessage xmlns="http://www.chinaport.gov.cn/csm">``)
and the FAL ship report (``fal``: ``<FalReport xmlns="urn:singlewindow:fal:1">``).

A bulk file holds one message, or many inside the wrapper
``<TransportMessages xmlns="urn:singlewindow:transport-messages:1">`` in any mix.
``iter_documents`` reads it with ``lxml.etree.iterparse`` (no entities, no DTD, no network,
huge trees off, DOCTYPE/ENTITY markup refused as the bytes stream in) and clears every
message once it has been turned into JSON, so memory stays flat however long the file: a
bad message yields a ``Rejection`` and the rest is still read. Text between the messages
of the wrapper is ignored. Malformed XML ends the stream (nothing after the error can be
read reliably) with a last ``Rejection``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from lxml import etree

from singlewindow.kit.errors import BadRequest, Finding, SingleWindowError
from singlewindow.standards.xml import csm, dxp, fal, manifest
from singlewindow.standards.xml.mapping import Envelope
from singlewindow.standards.xml.safe import forbidden_markup, parse_xml

BATCH_NAMESPACE = "urn:singlewindow:transport-messages:1"
BATCH_ROOT = "TransportMessages"
_CHUNK = 1 << 16

Reader = Callable[[etree._Element], tuple[dict[str, Any], Envelope]]
# (format name, document type, is it this format, read it)
_FORMATS: tuple[tuple[str, str, Callable[[etree._Element], bool], Reader], ...] = (
    ("manifest", "manifest", manifest.is_manifest, manifest.read_element),
    ("csm", "ship_report", csm.is_csm, csm.read_element),
    ("fal", "ship_report", fal.is_fal, fal.read_element),
)


@dataclass(frozen=True, slots=True)
class Parsed:
    """One message read: ``index`` is its position in the file (from 1), ``line`` the line
    its root starts on, ``format`` one of ``manifest``, ``csm``, ``fal``."""

    index: int
    doc_type: str
    format: str
    document: dict[str, Any]
    envelope: Envelope = field(default_factory=Envelope)
    dxp: dxp.DxpInfo | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """One message that could not be read, with the error it would have raised; finding
    paths are XPaths from the message root (``/DxpMsg/Data/…`` inside an envelope)."""

    index: int
    code: str
    message: str
    message_zh: str
    findings: tuple[Finding, ...]
    line: int | None = None


def detect(data: bytes) -> tuple[str, dict[str, Any]]:
    """(document type, canonical JSON) of one transport message, bare or DXP-wrapped.
    ``BadRequest`` (400) with findings at XPaths for anything that is not one."""
    parsed = read_root(parse_xml(data))
    return parsed.doc_type, parsed.document


def read_root(root: etree._Element, *, index: int = 1) -> Parsed:
    """A parsed message root -> ``Parsed``; raises our ``SingleWindowError``s only."""
    line = root.sourceline
    if not dxp.is_dxp(root):
        return _read_bare(root, index=index, line=line, info=None)
    info, inner = dxp.unwrap_element(root)
    try:
        inner_root = parse_xml(inner)
        if dxp.is_dxp(inner_root):
            path = f"/{dxp.ROOT}"
            en, zh = "A DXP envelope cannot contain another envelope", "DXP 报文不能嵌套"
            raise BadRequest(
                en, zh, code="nested_envelope", findings=[Finding(path, "nested_envelope", en, zh)]
            )
        return _read_bare(inner_root, index=index, line=line, info=info)
    except SingleWindowError as exc:
        prefixed = [_prefixed(f, f"/{dxp.ROOT}/Data") for f in exc.findings]
        raise type(exc)(exc.message, exc.message_zh, code=exc.code, findings=prefixed) from None


def _prefixed(f: Finding, prefix: str) -> Finding:
    path = prefix if f.path == "/" else prefix + f.path
    return Finding(path, f.code, f.message, f.message_zh, f.severity)


def _read_bare(
    root: etree._Element, *, index: int, line: int | None, info: dxp.DxpInfo | None
) -> Parsed:
    for name, doc_type, matches, reader in _FORMATS:
        if matches(root):
            document, envelope = reader(root)
            return Parsed(index, doc_type, name, document, envelope, info, line)
    local = etree.QName(root).localname[:64]
    en = (
        f"Not a supported transport message: {str(root.tag)[:120]} (expected Manifest, "
        "CSM001Message … CSM007Message, FalReport or DxpMsg in their namespaces)"
    )
    zh = "不支持的运输工具/舱单报文(应为 Manifest、CSM00nMessage、FalReport 或 DxpMsg)"
    finding = Finding(f"/{local}", "unsupported_message", en, zh)
    raise BadRequest(en, zh, code="unsupported_message", findings=[finding])


def iter_documents(stream: BinaryIO) -> Iterator[Parsed | Rejection]:
    """Every message of a file holding one message or a ``TransportMessages`` wrapper of
    many, in order; a ``Rejection`` for each one that cannot be read. Never raises for
    bad input: stream-level problems (malformed XML, DOCTYPE) end with a ``Rejection``."""
    events = etree.iterparse(
        _Guarded(stream),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth, index, batch = 0, 0, False
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    batch = _is_batch(element)
                continue
            depth -= 1
            if depth != (1 if batch else 0):
                continue
            index += 1
            yield _one(element, index)
            _release(element)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        en, zh = f"Malformed XML (line {line}): {exc.msg}", f"XML 格式错误(第 {line} 行)：{exc.msg}"
        yield Rejection(
            index + 1, "malformed_xml", en, zh, (Finding("/", "malformed_xml", en, zh),), line
        )
    except SingleWindowError as exc:  # DOCTYPE or ENTITY markup seen by the guard
        yield Rejection(index + 1, exc.code, exc.message, exc.message_zh, tuple(exc.findings))


def _is_batch(element: etree._Element) -> bool:
    name = etree.QName(element)
    return name.localname == BATCH_ROOT and name.namespace == BATCH_NAMESPACE


def _one(element: etree._Element, index: int) -> Parsed | Rejection:
    try:
        return read_root(element, index=index)
    except SingleWindowError as exc:
        findings = tuple(exc.findings) or (Finding("/", exc.code, exc.message, exc.message_zh),)
        return Rejection(index, exc.code, exc.message, exc.message_zh, findings, element.sourceline)


def _release(element: etree._Element) -> None:
    """Drop a finished message and everything before it from the tree being built."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


# DOCTYPE / ENTITY declarations in any ASCII-compatible or UTF-16/32 encoding: NULs may
# sit between the characters, so one byte pattern covers them all.
def _spread(word: str) -> bytes:
    return rb"\x00{0,3}".join(re.escape(c.encode()) for c in word)


_DTD_MARKUP = re.compile(
    _spread("<!") + rb"[\s\x00]*(?:" + _spread("DOCTYPE") + b"|" + _spread("ENTITY") + b")",
    re.IGNORECASE,
)
_OVERLAP = 64


class _Guarded:
    """A read-only view of ``stream`` that refuses DTD markup before the parser sees it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size if size and size > 0 else _CHUNK)
        if not isinstance(chunk, bytes | bytearray):
            raise BadRequest(
                "The transport file must be read as bytes",
                "运输报文文件应以字节读取",
                code="malformed_xml",
            )
        if chunk:
            window = self.tail + bytes(chunk)
            if _DTD_MARKUP.search(window):
                raise forbidden_markup()
            self.tail = window[-_OVERLAP:]
        return bytes(chunk)


__all__ = [
    "BATCH_NAMESPACE",
    "BATCH_ROOT",
    "Parsed",
    "Rejection",
    "detect",
    "iter_documents",
    "read_root",
]
