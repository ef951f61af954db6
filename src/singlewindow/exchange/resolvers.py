"""Recipient resolvers, chosen by name in a routing rule: ``{"resolver": "fixed", "code": ...}``.

Each resolver validates its parameters (pure) and turns a document into party codes (reads the
party register through the parties service). An empty answer means "nobody to route to", which
the router turns into a 422 so that nothing is accepted that cannot be delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from singlewindow.exchange.pointers import MISSING, PointerError, parse, resolve
from singlewindow.kit.errors import Finding
from singlewindow.parties import directory

ResolveFn = Callable[[Session, dict[str, Any], dict[str, Any], dict[str, Any]], list[str]]
ParamCheck = Callable[[dict[str, Any], str], list[Finding]]


@dataclass(frozen=True)
class Resolver:
    name: str
    check: ParamCheck
    resolve: ResolveFn
    describe: str


def _pointer_param(params: dict[str, Any], at: str) -> list[Finding]:
    try:
        parse(params.get("path"))  # type: ignore[arg-type]
    except PointerError as exc:
        return [Finding(f"{at}/path", "invalid_pointer", str(exc), "JSON 指针格式错误")]
    if params.get("path") == "":
        return [
            Finding(f"{at}/path", "invalid_pointer", "path must name a field", "路径必须指向字段")
        ]
    return []


def _source(params: dict[str, Any], document: dict[str, Any], context: dict[str, Any]) -> Any:
    value = resolve(context if params.get("in") == "context" else document, params["path"])
    return None if value is MISSING else value


def _check_fixed(params: dict[str, Any], at: str) -> list[Finding]:
    code = params.get("code")
    if not isinstance(code, str) or not code:
        return [
            Finding(f"{at}/code", "required", "fixed resolver needs a code", "固定接收方需要 code")
        ]
    return []


def _resolve_fixed(
    session: Session, params: dict[str, Any], _doc: dict[str, Any], _ctx: dict[str, Any]
) -> list[str]:
    party = directory.lookup(session, params["code"])
    return [party.code] if party is not None and party.active else []


def district_of(office: str) -> str:
    """The head office (直属海关) of a customs office code: 5316 → 5300."""
    return office[:2] + "00"


def _resolve_district(
    session: Session, params: dict[str, Any], doc: dict[str, Any], ctx: dict[str, Any]
) -> list[str]:
    office = _source(params, doc, ctx)
    if not isinstance(office, str) or len(office) < 2:
        return []
    district = district_of(office)
    return [
        p.code
        for p in directory.service_parties(session).values()
        if p.kind == "agency"
        and p.active
        and p.agency_type in (None, "customs")
        and p.attrs.get("customs_district") == district
    ]


def _resolve_port(
    session: Session, params: dict[str, Any], doc: dict[str, Any], ctx: dict[str, Any]
) -> list[str]:
    port = _source(params, doc, ctx)
    if not isinstance(port, str) or not port:
        return []
    return [
        p.code
        for p in directory.service_parties(session).values()
        if p.kind == "port_operator" and p.active and port in (p.attrs.get("customs_offices") or [])
    ]


RESOLVERS: dict[str, Resolver] = {
    r.name: r
    for r in (
        Resolver("fixed", _check_fixed, _resolve_fixed, "one party by code"),
        Resolver(
            "customs_district",
            _pointer_param,
            _resolve_district,
            "the customs agency whose attrs.customs_district is the head office of the code",
        ),
        Resolver(
            "port_operator",
            _pointer_param,
            _resolve_port,
            "every port operator whose attrs.customs_offices lists the code",
        ),
    )
}


def recipient_findings(spec: Any, at: str = "/recipient") -> list[Finding]:
    if not isinstance(spec, dict):
        return [Finding(at, "invalid_recipient", "recipient must be an object", "接收方必须是对象")]
    name = spec.get("resolver")
    resolver = RESOLVERS.get(name) if isinstance(name, str) else None
    if resolver is None:
        known = ", ".join(sorted(RESOLVERS))
        return [
            Finding(
                f"{at}/resolver",
                "unknown_resolver",
                f"unknown resolver {name!r}; use one of {known}",
                f"未知的接收方解析器 {name!r}，可用：{known}",
            )
        ]
    findings = resolver.check(spec, at)
    if "optional" in spec and not isinstance(spec["optional"], bool):
        findings.append(
            Finding(
                f"{at}/optional",
                "type",
                "optional must be true or false",
                "optional 必须为 true 或 false",
            )
        )
    return findings


def resolve_recipients(
    session: Session, spec: dict[str, Any], document: dict[str, Any], context: dict[str, Any]
) -> list[str]:
    return RESOLVERS[spec["resolver"]].resolve(session, spec, document, context)
