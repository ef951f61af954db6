"""The DXP transport envelope: wrap and unwrap, signatures, and every bad envelope."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable

import pytest
from lxml import etree

from singlewindow.kit.errors import BadRequest, ValidationFailed
from singlewindow.standards.xml import dxp

INNER = '<?xml version="1.0" encoding="UTF-8"?><Manifest>舱单</Manifest>'.encode()


def test_wrap_and_unwrap() -> None:
    data = dxp.wrap(INNER, msg_type="MT1101", sender="DXPENT0000001", receivers=["DXPEDCCUS0001"])
    root = etree.fromstring(data)
    assert root.tag == "{http://www.chinaport.gov.cn/dxp}DxpMsg"
    assert root.get("ver") == "1.0"
    info, inner = dxp.unwrap(data)
    assert inner == INNER
    assert uuid.UUID(info.cop_msg_id)
    assert (info.sender, info.receivers, info.msg_type) == (
        "DXPENT0000001",
        ("DXPEDCCUS0001",),
        "MT1101",
    )
    assert len(info.created) == 19
    assert info.created[10] == "T"
    assert not info.signed


def test_optional_parts_survive() -> None:
    data = dxp.wrap(
        INNER,
        msg_type="CSM002",
        sender="S",
        receivers=["R1", "R2"],
        cop_msg_id="MSG-1",
        file_name="csm002.xml",
        biz_keys={"RetType": "1", "DealFlag": ""},
    )
    info, inner = dxp.unwrap(data)
    assert inner == INNER
    assert info.cop_msg_id == "MSG-1"
    assert info.receivers == ("R1", "R2")
    assert info.file_name == "csm002.xml"
    assert info.biz_keys == (("RetType", "1"), ("DealFlag", ""))


SIGNED = f"""<DxpMsg xmlns="http://www.chinaport.gov.cn/dxp"
  xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ver="1.0" Id="ID01">
  <TransInfo>
    <CopMsgId>A1</CopMsgId><SenderId>S</SenderId>
    <ReceiverIds><ReceiverId>R</ReceiverId></ReceiverIds>
    <CreatTime>2026-11-29T08:00:00</CreatTime><MsgType>DECCUSSH1</MsgType>
  </TransInfo>
  <Data>
{base64.encodebytes(INNER * 3).decode()}  </Data>
  <AddInfo><FileName/><IcCard/><BizKey><Key name="RetType">2</Key></BizKey></AddInfo>
  <ds:Signature><ds:SignedInfo/><ds:SignatureValue>abc=</ds:SignatureValue></ds:Signature>
</DxpMsg>"""


def test_signed_envelope_with_wrapped_base64_is_read() -> None:
    info, inner = dxp.unwrap(SIGNED.encode())
    assert inner == INNER * 3
    assert info.signed
    assert info.msg_type == "DECCUSSH1"
    assert info.biz_keys == (("RetType", "2"),)
    assert info.file_name == ""


def _edit(old: str, new: str) -> Callable[[str], str]:
    def edit(xml: str) -> str:
        assert old in xml, old
        return xml.replace(old, new, 1)

    return edit


BAD: list[tuple[str, Callable[[str], str], str, str]] = [
    ("wrong root", lambda x: x.replace("DxpMsg", "DxpMessage"), "wrong_root", "/DxpMessage"),
    ("wrong namespace", _edit("chinaport.gov.cn/dxp", "chinaport.gov.cn/dec"),
     "wrong_namespace", "/DxpMsg"),
    ("missing message id", _edit("<CopMsgId>A1</CopMsgId>", ""),
     "missing_element", "/DxpMsg/TransInfo/CopMsgId"),
    ("no receiver", _edit("<ReceiverId>R</ReceiverId>", ""),
     "missing_element", "/DxpMsg/TransInfo/ReceiverIds/ReceiverId"),
    ("missing data", lambda x: x.split("<Data>")[0] + x.split("</Data>")[1],
     "missing_element", "/DxpMsg/Data"),
    ("not base64", _edit("<Data>", "<Data>@@@"), "invalid_base64", "/DxpMsg/Data"),
    ("key without name", _edit('<Key name="RetType">', "<Key>"),
     "missing_element", "/DxpMsg/AddInfo/BizKey/Key[1]/@name"),
    ("unknown element", _edit("<MsgType>", "<Priority>1</Priority><MsgType>"),
     "unknown_element", "/DxpMsg/TransInfo/Priority"),
    ("unknown attribute", _edit('ver="1.0"', 'ver="1.0" mode="x"'),
     "unknown_attribute", "/DxpMsg/@mode"),
    ("duplicate", _edit("<SenderId>S</SenderId>", "<SenderId>S</SenderId><SenderId>T</SenderId>"),
     "duplicate_element", "/DxpMsg/TransInfo/SenderId"),
    ("doctype", _edit("<DxpMsg ", "<!DOCTYPE d [<!ENTITY x 'y'>]><DxpMsg "), "dtd_forbidden", "/"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "edit", "code", "path"), BAD, ids=[b[0] for b in BAD])
def test_bad_envelopes_are_refused(
    name: str, edit: Callable[[str], str], code: str, path: str
) -> None:
    with pytest.raises(BadRequest) as raised:
        dxp.unwrap(edit(SIGNED).encode())
    assert (path, code) in [(f.path, f.code) for f in raised.value.findings]
    assert all(f.message_zh for f in raised.value.findings)


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"inner": b""}, "/inner"),
        ({"sender": ""}, "/sender"),
        ({"sender": "A B"}, "/sender"),
        ({"receivers": []}, "/receivers"),
        ({"receivers": ["R", " "]}, "/receivers"),
        ({"msg_type": "MT\x011101"}, "/msg_type"),
        ({"cop_msg_id": ""}, "/cop_msg_id"),
    ],
    ids=[
        "empty inner",
        "empty sender",
        "blank",
        "no receivers",
        "blank receiver",
        "control",
        "empty id",
    ],
)
def test_wrap_refuses_bad_arguments(kwargs: dict[str, object], path: str) -> None:
    arguments: dict[str, object] = {"inner": INNER, "msg_type": "MT1101", "sender": "S",
                                    "receivers": ["R"]} | kwargs  # fmt: skip
    inner = arguments.pop("inner")
    with pytest.raises(ValidationFailed) as raised:
        dxp.wrap(inner, **arguments)  # type: ignore[arg-type]
    assert path in [f.path for f in raised.value.findings]
