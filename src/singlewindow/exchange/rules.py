"""Pure checks of a routing rule definition (condition, recipient resolver, projection)."""

from __future__ import annotations

from typing import Any

from singlewindow.exchange.conditions import condition_findings
from singlewindow.exchange.pointers import PointerError, parse
from singlewindow.exchange.resolvers import recipient_findings
from singlewindow.kit.errors import Finding

LICENSING_PROJECTION = [
    "/client_ref",
    "/head/ie_flag",
    "/head/trade_co_scc",
    "/head/trade_name",
    "/head/trade_mode",
    "/licences",
    "/lines/*/g_no",
    "/lines/*/code_ts",
    "/lines/*/g_name",
    "/lines/*/g_qty",
    "/lines/*/g_unit",
    "/lines/*/decl_total",
    "/lines/*/trade_curr",
]

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "name": "goods_declaration.customs",
        "kind": "goods_declaration",
        "priority": 10,
        "condition": None,
        "recipient": {"resolver": "customs_district", "path": "/head/custom_master"},
        "projection": [],
        "description": "Every goods declaration goes to the customs district of its master office.",
    },
    {
        "name": "goods_declaration.licensing",
        "kind": "goods_declaration",
        "priority": 20,
        "condition": {"op": "nonempty", "path": "/licences"},
        "recipient": {"resolver": "fixed", "code": "LIC-GD"},
        "projection": LICENSING_PROJECTION,
        "description": "Declarations with licences go to the licensing authority (minimised).",
    },
    {
        "name": "release_notice.port_operator",
        "kind": "release_notice",
        "priority": 10,
        "condition": None,
        "recipient": {"resolver": "port_operator", "path": "/head/ie_port"},
        "projection": [],
        "description": "Release notices go to the port operators serving the port of entry/exit.",
    },
]


def projection_findings(projection: Any, at: str = "/projection") -> list[Finding]:
    if not isinstance(projection, list):
        return [Finding(at, "invalid_projection", "projection must be a list", "投影必须是列表")]
    out = []
    for i, pointer in enumerate(projection):
        try:
            if parse(pointer) == []:
                raise PointerError("use an empty projection to keep the whole document")
        except PointerError as exc:
            out.append(Finding(f"{at}/{i}", "invalid_pointer", str(exc), "JSON 指针格式错误"))
    return out


def rule_findings(condition: Any, recipient: Any, projection: Any) -> list[Finding]:
    return (
        condition_findings(condition)
        + recipient_findings(recipient)
        + projection_findings(projection)
    )
