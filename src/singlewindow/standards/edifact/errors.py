"""Errors and findings of the EDIFACT reader and writers.

Finding paths (stable, documented in ``README.md``):

* ``/interchange/UNA``, ``/interchange/UNB``, ``/interchange/UNZ`` — the service segments
  of the interchange; ``/interchange/segments/{n}`` — a segment outside any message (``n``
  counts every segment of the interchange, UNB = 1);
* ``/groups/{g}/UNG`` and ``/groups/{g}/UNE`` — functional group ``g`` (0-based);
* ``/messages/{i}/segments/{n}[/elements/{e}[/components/{c}]]`` — message ``i`` (0-based,
  the ``index`` of the yielded item), segment ``n`` of that message counted as in UNT (UNH
  = 1), data element ``e`` and component ``c`` counted from 1 after the tag, as in the
  CONTRL message. A finding about the message as a whole has the path ``/messages/{i}``.

Writers report problems in the canonical JSON with JSON pointers (``/consignments/2/bill_no``).
"""

from __future__ import annotations

from collections.abc import Iterable

from singlewindow.kit.errors import Finding, ValidationFailed


class EdifactError(ValidationFailed):
    """The interchange (or one message, when raised by a mapping) cannot be read: 422."""

    default_code = "invalid_edifact"


def rejected(findings: Iterable[Finding], *, what: str = "interchange") -> EdifactError:
    """An ``EdifactError`` carrying ``findings``; ``what`` is ``interchange`` or ``message``."""
    found = list(findings)
    if what == "message":
        en, zh = "The EDIFACT message is invalid", "EDIFACT 报文无效"
    else:
        en, zh = "The EDIFACT interchange is invalid", "EDIFACT 交换无效"
    first = found[0] if found else None
    if first is not None and len(found) == 1:
        en, zh = f"{en}: {first.message}", f"{zh}：{first.message_zh}"
    return EdifactError(en, zh, findings=found)


def not_representable(findings: Iterable[Finding]) -> ValidationFailed:
    """A canonical document that cannot be written as EDIFACT (422, findings in JSON pointers)."""
    return ValidationFailed(
        "The document cannot be written as EDIFACT",
        "该单证无法转换为 EDIFACT",
        code="edifact_not_representable",
        findings=list(findings),
    )


def segment_path(
    index: int, position: int, element: int | None = None, component: int | None = None
) -> str:
    """``/messages/{index}/segments/{position}[/elements/{e}[/components/{c}]]``."""
    path = f"/messages/{index}/segments/{position}"
    if element is not None:
        path += f"/elements/{element}"
        if component is not None:
            path += f"/components/{component}"
    return path


__all__ = ["EdifactError", "Finding", "not_representable", "rejected", "segment_path"]
