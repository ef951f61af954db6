"""The China e-port DXP transport envelope around a business message.

PROVISIONAL: element names come from public samples (cn-standards §1.4, source S4), not
from a published schema::

    <DxpMsg ver="1.0" xmlns="http://www.chinaport.gov.cn/dxp">
      <TransInfo>
        <CopMsgId/> <SenderId/> <ReceiverIds><ReceiverId/>…</ReceiverIds>
        <CreatTime>yyyy-MM-ddTHH:mm:ss (China time)</CreatTime> <MsgType/>
      </TransInfo>
      <Data>base64 of the business message</Data>
      <AddInfo><FileName/> <IcCard/> <BizKey><Key name="…">…</Key>…</BizKey></AddInfo>
    </DxpMsg>

An XML-DSig ``ds:Signature`` (and the root's ``Id`` it refers to) is accepted and dropped:
``DxpInfo.signed`` says one was there; verifying it is the job of whoever holds the
e-port certificates, not of this parser.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from singlewindow.kit.errors import Finding
from singlewindow.standards.xml.mapping import (
    Group,
    Leaf,
    china_now,
    finding,
    invalid_xml,
    not_renderable,
    read_message,
    root_group,
    serialise,
    write_message,
    wrong_root,
)
from singlewindow.standards.xml.safe import parse_xml

NAMESPACE = "http://www.chinaport.gov.cn/dxp"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
ROOT = "DxpMsg"
VERSION = "1.0"

TABLE = root_group((
    Leaf("cop_msg_id", "TransInfo/CopMsgId", required=True),
    Leaf("sender", "TransInfo/SenderId", required=True),
    Leaf("receivers", "TransInfo/ReceiverIds/ReceiverId", required=True, many=True),
    Leaf("created", "TransInfo/CreatTime"),
    Leaf("msg_type", "TransInfo/MsgType", required=True),
    Leaf("data", "Data", required=True),
    Leaf("file_name", "AddInfo/FileName"),
    Leaf("ic_card", "AddInfo/IcCard"),
    Group("biz_keys", "AddInfo/BizKey/Key", nodes=(
        Leaf("name", "@name", required=True),
        Leaf("value", "."),
    )),
))  # fmt: skip


@dataclass(frozen=True, slots=True)
class DxpInfo:
    """The envelope of one DXP message (everything but the business data)."""

    cop_msg_id: str
    sender: str
    receivers: tuple[str, ...]
    msg_type: str
    created: str = ""
    file_name: str = ""
    ic_card: str = ""
    biz_keys: tuple[tuple[str, str], ...] = ()
    signed: bool = False


def wrap(
    inner: bytes,
    *,
    msg_type: str,
    sender: str,
    receivers: Sequence[str],
    cop_msg_id: str | None = None,
    file_name: str | None = None,
    biz_keys: Mapping[str, str] | None = None,
) -> bytes:
    """``inner`` (any bytes, usually a business XML message) in a DXP envelope. The message
    id defaults to a fresh UUID, the creation time to now. ``ValidationFailed`` (422) for
    an empty inner message or an empty or blank-containing id."""
    problems: list[Finding] = []
    if not isinstance(inner, bytes | bytearray) or not inner:
        problems.append(
            finding(
                "/inner",
                "required",
                "The inner message must be non-empty bytes",
                "内层报文应为非空字节串",
            )
        )
    ids = {"msg_type": [msg_type], "sender": [sender], "receivers": list(receivers)}
    if cop_msg_id is not None:
        ids["cop_msg_id"] = [cop_msg_id]
    for name, values in ids.items():
        if not values or any(not isinstance(v, str) or not v or v.split() != [v] for v in values):
            problems.append(
                finding(
                    f"/{name}",
                    "invalid_id",
                    f"{name} must be non-empty and without blanks",
                    f"{name} 应非空且不含空白",
                )
            )
    document: dict[str, Any] = {
        "cop_msg_id": cop_msg_id or str(uuid.uuid4()),
        "sender": sender,
        "receivers": " ".join(str(r) for r in receivers),
        "created": china_now("%Y-%m-%dT%H:%M:%S"),
        "msg_type": msg_type,
        "data": base64.b64encode(bytes(inner)).decode("ascii") if not problems else "",
        "file_name": file_name,
    }
    if biz_keys:
        document["biz_keys"] = [{"name": k, "value": v} for k, v in biz_keys.items()]
    root = etree.Element(etree.QName(NAMESPACE, ROOT), nsmap={None: NAMESPACE})
    root.set("ver", VERSION)
    problems = problems or write_message(root, TABLE, document, {})
    if problems:
        raise not_renderable(problems, "DXP", "DXP")
    return serialise(root)


def unwrap(data: bytes) -> tuple[DxpInfo, bytes]:
    """(envelope, inner message bytes) of a DXP message. ``BadRequest`` (400) with findings
    at XPaths for unsafe or malformed XML, a wrong root or namespace, any layout problem
    and ``Data`` that is not base64."""
    return unwrap_element(parse_xml(data))


def is_dxp(root: etree._Element) -> bool:
    name = etree.QName(root)
    return name.localname == ROOT and name.namespace == NAMESPACE


def unwrap_element(root: etree._Element) -> tuple[DxpInfo, bytes]:
    """Like ``unwrap`` for a parsed ``DxpMsg`` element (its signature is removed)."""
    name = etree.QName(root)
    path = f"/{name.localname[:64]}"
    if name.localname != ROOT:
        raise wrong_root(
            path,
            "wrong_root",
            f"Root element must be {ROOT}, not {name.localname[:64]}",
            f"根元素应为 {ROOT}",
        )
    if name.namespace != NAMESPACE:
        raise wrong_root(
            path,
            "wrong_namespace",
            f"{ROOT} must be in namespace {NAMESPACE}",
            f"{ROOT} 的命名空间应为 {NAMESPACE}",
        )
    signatures = [c for c in root if isinstance(c.tag, str) and etree.QName(c).namespace == DSIG]
    for signature in signatures:
        root.remove(signature)
    document, _, findings = read_message(root, TABLE, root_attributes=frozenset({"ver", "Id"}))
    inner = b""
    if "data" in document:
        try:
            inner = base64.b64decode("".join(str(document["data"]).split()), validate=True)
        except (binascii.Error, ValueError):
            findings.append(
                finding(
                    f"{path}/Data", "invalid_base64", "Data must be base64", "Data 应为 Base64 编码"
                )
            )
    if findings:
        raise invalid_xml(findings, "DXP envelope", "DXP 报文", "invalid_dxp_xml")
    keys = tuple((str(k["name"]), str(k.get("value", ""))) for k in document.get("biz_keys", ()))
    info = DxpInfo(
        cop_msg_id=document["cop_msg_id"],
        sender=document["sender"],
        receivers=tuple(document["receivers"].split()),
        msg_type=document["msg_type"],
        created=document.get("created", ""),
        file_name=document.get("file_name", ""),
        ic_card=document.get("ic_card", ""),
        biz_keys=keys,
        signed=bool(signatures),
    )
    return info, inner


__all__ = ["NAMESPACE", "DxpInfo", "is_dxp", "unwrap", "unwrap_element", "wrap"]
