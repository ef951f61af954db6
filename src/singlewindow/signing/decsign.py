"""The signature inside a China customs ``DecMessage``: its ``DecSign`` block.

``DecSign/Sign`` carries the base64 ``r || s``, ``DecSign/Certificate`` the certificate's SHA-256
fingerprint (64 hex digits, which fits the element's 64 characters), ``DecSign/SignDate`` the
signing time ``yyyyMMddHHmmss`` (optionally two more digits, read as hundredths of a second) in
China Standard Time (UTC+8), and ``DecSign/ClientSeqNo`` the sender's reference. DecSign has no
nonce element, so the nonce is ``dec:<ClientSeqNo>:<SignDate>``: one signing act of one
declaration. The algorithm is the certificate's (ES256 for P-256, SM2-SM3 for SM2).

What is signed: exclusive C14N of the whole ``DecMessage`` with the text of ``Sign`` emptied
(see ``canonical``), so every other byte of content, ``SignDate`` and ``Certificate`` included,
is covered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import BadRequest, Finding
from singlewindow.signing import errors as err
from singlewindow.signing.canonical import exclusive_c14n
from singlewindow.signing.envelope import certificate_reference, decode_value
from singlewindow.standards.documents.registry import get_document_type
from singlewindow.standards.xml.safe import parse_xml

_DEFINITION = get_document_type("goods_declaration")
NAMESPACE = _DEFINITION.xml_namespace
ROOT = _DEFINITION.xml_root
BASE = f"/{ROOT}/DecSign"
# DecSign child order (reference §1.4), used when the signing helper adds an element.
CHILD_ORDER = (
    "OperType", "ICCode", "CopCode", "OperName", "ClientSeqNo", "Sign", "SignDate",
    "Certificate", "HostId",
)  # fmt: skip
MAX_CLIENT_REF = 64
_SIGN_DATE = re.compile(r"\d{14}(\d{2})?", re.ASCII)


@dataclass(frozen=True, slots=True)
class DecSignClaim:
    fingerprint: str
    signed_at: datetime
    nonce: str
    value: bytes
    signed_bytes: bytes


def q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def load_root(xml_bytes: bytes) -> etree._Element:
    """The ``DecMessage`` root, parsed safely; 400 for unsafe/malformed XML or a wrong root."""
    root = parse_xml(xml_bytes)
    if root.tag != q(ROOT):
        en, zh = f"The root element must be {{{NAMESPACE}}}{ROOT}", f"根元素应为 {ROOT}"
        raise BadRequest(en, zh, code="wrong_root", findings=[Finding("/", "wrong_root", en, zh)])
    return root


def sign_block(root: etree._Element) -> etree._Element | None:
    blocks = root.findall(q("DecSign"))
    if len(blocks) > 1:
        raise err.malformed(BASE, "DecSign occurs more than once", "DecSign 重复出现")
    return blocks[0] if blocks else None


def child(block: etree._Element, tag: str) -> etree._Element | None:
    found = block.findall(q(tag))
    if len(found) > 1:
        raise err.malformed(f"{BASE}/{tag}", "occurs more than once", "重复出现")
    if found and len(found[0]):
        raise err.malformed(f"{BASE}/{tag}", "must contain text only", "只能包含文本")
    return found[0] if found else None


def text_of(block: etree._Element, tag: str) -> str | None:
    element = child(block, tag)
    text = (element.text or "").strip() if element is not None else ""
    return text or None


def has_signature(xml_bytes: bytes) -> bool:
    """Whether the message carries a non-empty ``DecSign/Sign`` (400 if it is not readable)."""
    block = sign_block(load_root(xml_bytes))
    return block is not None and text_of(block, "Sign") is not None


def read_claim(xml_bytes: bytes) -> DecSignClaim:
    """Everything needed to verify the message's signature. 400 for malformed fields,
    422 ``signature_missing`` when there is no ``Sign``."""
    root = load_root(xml_bytes)
    block = sign_block(root)
    if block is None:
        raise err.missing(BASE)
    sign = child(block, "Sign")
    if sign is None or not (sign.text or "").strip():
        raise err.missing(f"{BASE}/Sign")
    value = decode_value(sign.text or "", f"{BASE}/Sign")
    certificate = _required(block, "Certificate")
    fingerprint = certificate_reference(certificate, f"{BASE}/Certificate")
    sign_date = _required(block, "SignDate")
    signed_at = parse_sign_date(sign_date)
    client_ref = _required(block, "ClientSeqNo")
    if len(client_ref) > MAX_CLIENT_REF:
        raise err.malformed(
            f"{BASE}/ClientSeqNo",
            f"longer than {MAX_CLIENT_REF} characters",
            f"超过 {MAX_CLIENT_REF} 个字符",
        )
    sign.text = ""
    return DecSignClaim(
        fingerprint=fingerprint,
        signed_at=signed_at,
        nonce=f"dec:{client_ref}:{sign_date}",
        value=value,
        signed_bytes=exclusive_c14n(root),
    )


def _required(block: etree._Element, tag: str) -> str:
    text = text_of(block, tag)
    if text is None:
        raise err.malformed(
            f"{BASE}/{tag}", "required in a signed DecMessage", "已签名的 DecMessage 必须填写"
        )
    return text


def parse_sign_date(text: str) -> datetime:
    """``yyyyMMddHHmmss[cc]`` in China Standard Time."""
    path = f"{BASE}/SignDate"
    if not _SIGN_DATE.fullmatch(text):
        raise err.malformed(
            path,
            "must be yyyyMMddHHmmss, optionally followed by 2 digits",
            "须为 yyyyMMddHHmmss，可再跟 2 位数字",
        )
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    hour, minute, second = int(text[8:10]), int(text[10:12]), int(text[12:14])
    hundredths = int(text[14:16] or "0")
    try:
        return datetime(
            year, month, day, hour, minute, second, hundredths * 10_000, tzinfo=CHINA_TZ
        )
    except ValueError:
        raise err.malformed(path, "not a calendar date and time", "不是有效的日期时间") from None


def format_sign_date(moment: datetime) -> str:
    local = moment.astimezone(CHINA_TZ)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 10_000:02d}"


def place(block: etree._Element, tag: str) -> etree._Element:
    """The ``tag`` child of DecSign, created at its place in the standard order if absent."""
    existing = child(block, tag)
    if existing is not None:
        return existing
    element = etree.Element(q(tag))
    rank = CHILD_ORDER.index(tag)
    for position, sibling in enumerate(block):
        name = etree.QName(sibling).localname if isinstance(sibling.tag, str) else ""
        if name in CHILD_ORDER and CHILD_ORDER.index(name) > rank:
            block.insert(position, element)
            return element
    block.append(element)
    return element
