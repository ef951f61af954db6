"""Message-level rules per message type: supported versions, the segments a message may
carry, the mandatory ones, and the code lists of their qualifiers.

pydifact checks syntax only; these rules are what a receiving customs system checks
next. Each mapping module declares its ``MessageSpec``; ``check_message`` returns every
finding (unknown segment, missing mandatory segment, unknown or missing qualifier).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from singlewindow.kit.errors import Finding
from singlewindow.standards.edifact.envelope import Message
from singlewindow.standards.edifact.syntax import value


@dataclass(frozen=True, slots=True)
class Qualifier:
    """Where a segment's qualifier sits (1-based element and component) and its codes."""

    codes: frozenset[str]
    element: int = 1
    component: int = 1


def codes(*values: str, element: int = 1, component: int = 1) -> Qualifier:
    return Qualifier(frozenset(values), element, component)


@dataclass(frozen=True, slots=True)
class MessageSpec:
    message_type: str
    versions: frozenset[str]  # "D:95B:UN"
    segments: Mapping[str, tuple[Qualifier, ...]]  # every tag allowed between UNH and UNT
    mandatory: tuple[str, ...] = ()
    title_en: str = ""
    title_zh: str = ""
    notes: tuple[str, ...] = field(default=())


def check_message(message: Message, spec: MessageSpec) -> list[Finding]:
    """Every finding about ``message`` against ``spec`` (empty when it conforms)."""
    findings: list[Finding] = []
    version = f"{message.version}:{message.release}:{message.agency}"
    if message.message_type != spec.message_type:
        findings.append(
            Finding(
                message.path(1, 2, 1),
                "unexpected_message_type",
                f"A {spec.message_type} message was expected, not {message.message_type}",
                f"应为 {spec.message_type} 报文，而非 {message.message_type}",
            )
        )
        return findings
    if version not in spec.versions:
        supported = ", ".join(sorted(spec.versions))
        findings.append(
            Finding(
                message.path(1, 2, 2),
                "unsupported_message_version",
                f"{message.identifier} is not supported; supported: "
                f"{spec.message_type}:{supported}",
                f"不支持 {message.identifier}；支持的版本：{supported}",
            )
        )
        return findings
    seen: set[str] = set()
    for position, segment in enumerate(message.segments[1:-1], 2):
        tag = segment.tag
        seen.add(tag)
        rules = spec.segments.get(tag)
        if rules is None:
            findings.append(
                Finding(
                    message.path(position),
                    "unexpected_segment",
                    f"Segment {tag} is not used in {spec.message_type}",
                    f"{spec.message_type} 报文中不使用 {tag} 段",
                )
            )
            continue
        for rule in rules:
            code = value(segment, rule.element, rule.component)
            path = message.path(position, rule.element, rule.component)
            if not code:
                findings.append(
                    Finding(
                        path,
                        "missing_qualifier",
                        f"{tag} needs a qualifier here",
                        f"{tag} 段此处需要限定符",
                    )
                )
            elif code not in rule.codes:
                known = " ".join(sorted(rule.codes))
                findings.append(
                    Finding(
                        path,
                        "unknown_qualifier",
                        f"Unknown {tag} qualifier {code[:17]!r}; known: {known}",
                        f"未知的 {tag} 限定符 {code[:17]!r}；可用：{known}",
                    )
                )
    for tag in spec.mandatory:
        if tag not in seen:
            findings.append(
                Finding(
                    message.path(),
                    "missing_segment",
                    f"{spec.message_type} needs a {tag} segment",
                    f"{spec.message_type} 报文缺少必备的 {tag} 段",
                )
            )
    return findings


__all__ = ["MessageSpec", "Qualifier", "check_message", "codes"]
