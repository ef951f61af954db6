"""Structural rules driven by the definition: shape, types, lengths, patterns, required
rules, direction (import/export-only), enumerations, code tables and named checks.

The definition is compiled once per document type into a ``Plan`` (see ``fields``): the
walk below only reads the document and calls the precompiled checks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from singlewindow.kit.errors import Finding
from singlewindow.standards.documents.model import ALWAYS, BlockDef, DocumentType
from singlewindow.standards.rules.context import Context, finding
from singlewindow.standards.rules.fields import AbsentCheck, PresentCheck, compile_field
from singlewindow.standards.rules.values import pointer

CompiledField = tuple[str, AbsentCheck | None, PresentCheck]


@dataclass(frozen=True, slots=True)
class CompiledBlock:
    block: BlockDef
    at: str  # JSON pointer of the block
    known: frozenset[str]
    fields: tuple[CompiledField, ...]
    # Checked in an absent optional object: what is required other than always.
    conditional: tuple[CompiledField, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    definition: DocumentType
    known: frozenset[str]
    root_fields: tuple[CompiledField, ...]
    blocks: tuple[CompiledBlock, ...]


_PLANS: dict[int, Plan] = {}
_PLANS_LOCK = threading.Lock()


def plan_for(definition: DocumentType) -> Plan:
    """The compiled plan of ``definition``, built on first use.

    Keyed by identity: a ``DocumentType`` holds a dict and is not hashable, and definitions
    are module-level constants. The plan keeps its definition alive, so the id is not reused.
    """
    plan = _PLANS.get(id(definition))
    if plan is None or plan.definition is not definition:
        plan = _compile(definition)
        with _PLANS_LOCK:
            _PLANS[id(definition)] = plan
    return plan


def _compile(definition: DocumentType) -> Plan:
    blocks = []
    for b in definition.blocks:
        fields = tuple(compile_field(f, definition) for f in b.json_fields)
        conditional = tuple(
            compiled
            for f, compiled in zip(b.json_fields, fields, strict=True)
            if f.required != ALWAYS
        )
        known = frozenset(f.name for f in b.json_fields)
        blocks.append(CompiledBlock(b, pointer(b.name), known, fields, conditional))
    root = definition.root_fields
    return Plan(
        definition=definition,
        known=frozenset(f.name for f in root) | {b.name for b in definition.blocks},
        root_fields=tuple(compile_field(f, definition) for f in root),
        blocks=tuple(blocks),
    )


def check_document(ctx: Context) -> list[Finding]:
    doc = ctx.document
    plan = plan_for(ctx.definition)
    flag = ctx.ie_flag
    out = _unknown_keys(doc, plan.known, "")
    _check_fields(plan.root_fields, doc, "", ctx, flag, out)
    for block in plan.blocks:
        _check_block(block, doc.get(block.block.name), ctx, flag, out)
    return out


def _unknown_keys(item: dict[str, Any], known: frozenset[str], at: str) -> list[Finding]:
    return [
        finding(
            at + pointer(str(key)),
            "unknown_field",
            f"Unknown field {str(key)[:64]!r}",
            f"未定义的字段 {str(key)[:64]!r}",
        )
        for key in item
        if key not in known
    ]


def _check_fields(
    fields: tuple[CompiledField, ...],
    item: dict[str, Any],
    at: str,
    ctx: Context,
    flag: str | None,
    out: list[Finding],
) -> None:
    get = item.get
    for name, absent, present in fields:
        value = get(name)
        if value is None or value == "":  # null and "" are absent (DecMessage sends empty tags)
            if absent is not None:
                missing = absent(item, at, ctx, flag)
                if missing is not None:
                    out.append(missing)
            continue
        found = present(value, at, ctx, flag)
        if found:
            out += found


def _check_block(
    compiled: CompiledBlock, value: Any, ctx: Context, flag: str | None, out: list[Finding]
) -> None:
    block, at = compiled.block, compiled.at
    if value is None:
        if block.min_occurs > 0:
            out.append(
                finding(
                    at, "required", f"{block.label_en} is required", f"{block.label_zh}为必填项"
                )
            )
        elif not block.repeated:
            # An absent optional object is read as empty so that fields required by the
            # declaration's direction or by a condition are still reported.
            _check_fields(compiled.conditional, {}, at, ctx, flag, out)
        return
    if not block.repeated:
        _check_item(compiled, value, at, ctx, flag, out)
        return
    if not isinstance(value, list):
        out.append(
            finding(at, "type", f"{block.label_en} must be an array", f"{block.label_zh}应为数组")
        )
        return
    if len(value) < block.min_occurs:
        out.append(
            finding(
                at,
                "required",
                f"{block.label_en}: at least {block.min_occurs} required",
                f"{block.label_zh}：至少需要 {block.min_occurs} 项",
            )
        )
    limit = ctx.max_lines if block.name == "lines" else block.max_occurs
    if limit is not None and len(value) > limit:
        code = "too_many_lines" if block.name == "lines" else "too_many_items"
        out.append(
            finding(
                at,
                code,
                f"{block.label_en}: {len(value)} given, at most {limit} allowed",
                f"{block.label_zh}：共 {len(value)} 项，最多允许 {limit} 项",
            )
        )
    for index, item in enumerate(value):
        _check_item(compiled, item, f"{at}/{index}", ctx, flag, out)


def _check_item(
    compiled: CompiledBlock,
    item: Any,
    at: str,
    ctx: Context,
    flag: str | None,
    out: list[Finding],
) -> None:
    if not isinstance(item, dict):
        block = compiled.block
        out.append(
            finding(at, "type", f"{block.label_en} must be an object", f"{block.label_zh}应为对象")
        )
        return
    known = compiled.known
    if not known.issuperset(item):
        out += _unknown_keys(item, known, at)
    _check_fields(compiled.fields, item, at, ctx, flag, out)
