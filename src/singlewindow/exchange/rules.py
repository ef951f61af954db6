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

# Transport declarations (docs/transport.md): each agency receives only its projection.
_MEANS = {
    "ship_report": ("/vessel", "/voyage", "/voyage/customs_office"),
    "aircraft_report": ("/flight", None, "/flight/customs_office"),
    "vehicle_report": ("/vehicle", None, "/vehicle/crossing"),
    "train_report": ("/train", "/wagons", "/train/crossing"),
}
_PERSONS = ["/crew", "/passengers"]
_HEADER = ["/client_ref", "/message_type"]


def _transport_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for kind, (means, journey, office) in _MEANS.items():
        particulars = [means] + ([journey] if journey else [])
        rules += [
            {
                "name": f"{kind}.customs",
                "kind": kind,
                "priority": 10,
                "condition": None,
                "recipient": {"resolver": "customs_district", "path": office},
                "projection": _HEADER
                + particulars
                + ["/cargo", "/stores", "/crew_effects", "/movements"],
                "description": "Customs receives the call, cargo, stores and crew's effects.",
            },
            {
                "name": f"{kind}.border",
                "kind": kind,
                "priority": 30,
                "condition": {"op": "ne", "path": "/message_type", "value": "CSM001"},
                "recipient": {"resolver": "fixed", "code": "BIS-GD"},
                "projection": _HEADER + particulars + _PERSONS,
                "description": "Border inspection receives the call with its crew and passengers.",
            },
        ]
    rules += [
        {
            "name": "ship_report.maritime",
            "kind": "ship_report",
            "priority": 20,
            "condition": None,
            "recipient": {"resolver": "fixed", "code": "MSA-GD"},
            "projection": [*_HEADER, "/vessel", "/voyage", "/dangerous_goods", "/movements"],
            "description": "Maritime safety receives ship particulars, dangerous goods, movements.",
        },
        {
            "name": "ship_report.port_operator",
            "kind": "ship_report",
            "priority": 40,
            "condition": {"op": "ne", "path": "/message_type", "value": "CSM001"},
            "recipient": {
                "resolver": "port_operator",
                "path": "/voyage/customs_office",
                "optional": True,
            },
            "projection": [*_HEADER, "/vessel", "/voyage", "/movements", "/cargo"],
            "description": "The terminal at the customs office receives the call and its cargo.",
        },
        {
            "name": "manifest.customs",
            "kind": "manifest",
            "priority": 10,
            "condition": None,
            "recipient": {"resolver": "customs_district", "path": "/head/customs_office"},
            "projection": [],
            "description": "Every manifest message goes to the customs district.",
        },
        {
            "name": "manifest.port_operator",
            "kind": "manifest",
            "priority": 20,
            "condition": {"op": "in", "path": "/message_type", "values": ["MT2101", "MT4101"]},
            "recipient": {
                "resolver": "port_operator",
                "path": "/head/customs_office",
                "optional": True,
            },
            "projection": [],
            "description": "Export pre-load and loading manifests also go to the terminal.",
        },
        {
            "name": "person_list.border",
            "kind": "person_list",
            "priority": 10,
            "condition": None,
            "recipient": {"resolver": "fixed", "code": "BIS-GD"},
            "projection": [],
            "description": "Crew and passenger pre-declarations go to border inspection.",
        },
        {
            "name": "dangerous_goods.maritime",
            "kind": "dangerous_goods",
            "priority": 10,
            "condition": {"op": "eq", "path": "/call/mode", "value": "sea"},
            "recipient": {"resolver": "fixed", "code": "MSA-GD"},
            "projection": [],
            "description": "Dangerous goods carried by sea go to maritime safety.",
        },
        {
            "name": "dangerous_goods.customs",
            "kind": "dangerous_goods",
            "priority": 20,
            "condition": None,
            "recipient": {"resolver": "customs_district", "path": "/call/customs_office"},
            "projection": [],
            "description": "Dangerous goods declarations go to the customs district.",
        },
        {
            "name": "manifest_discrepancy.customs",
            "kind": "manifest_discrepancy",
            "priority": 10,
            "condition": None,
            "recipient": {"resolver": "customs_district", "path": "/customs_office"},
            "projection": [],
            "description": "Reconciliation discrepancies are raised to the customs district.",
        },
        {
            "name": "loading_permit.port_operator",
            "kind": "loading_permit",
            "priority": 10,
            "condition": None,
            "recipient": {
                "resolver": "port_operator",
                "path": "/customs_office",
                "optional": True,
            },
            "projection": [],
            "description": "Export loading permits go to the terminal at the customs office.",
        },
    ]
    return rules


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
    *_transport_rules(),
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
