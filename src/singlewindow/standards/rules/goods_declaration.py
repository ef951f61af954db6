"""Cross-field rules of the goods declaration. Each rule reads only values that are
well-typed (malformed values are already reported by the structural rules) and skips
the rest, so every rule can run on any input and all findings come back at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from singlewindow.kit.errors import Finding
from singlewindow.standards.rules.context import Context, field_finding
from singlewindow.standards.rules.values import as_date, as_decimal, as_integer, is_present, pointer

Rule = Callable[[Context], list[Finding]]


def _head(ctx: Context) -> dict[str, Any]:
    head = ctx.document.get("head")
    return head if isinstance(head, dict) else {}


def _items(ctx: Context, block: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = ctx.document.get(block)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def net_not_above_gross(ctx: Context) -> list[Finding]:
    head = _head(ctx)
    gross, net = as_decimal(head.get("gross_wet")), as_decimal(head.get("net_wt"))
    if gross is None or net is None or net <= gross:
        return []
    f = ctx.definition.block("head").field("net_wt")
    return [
        field_finding(
            "/head/net_wt",
            "net_exceeds_gross",
            f,
            f"net weight {net} exceeds gross weight {gross}",
            f"净重 {net} 大于毛重 {gross}",
        )
    ]


def line_totals(ctx: Context) -> list[Finding]:
    """Total price must equal quantity x unit price, within rounding.

    Tolerance = half a unit in the last place of the total + quantity x half a unit in the
    last place of the unit price (with the shipped scales 2 and 4: 0.005 + qty x 0.00005).
    These are exactly the two rounding errors the format allows: a total rounded to cents,
    and a unit price rounded to 4 places after being derived from the total. Anything
    larger is an arithmetic or keying error, whatever the size of the line (a fixed
    percentage would hide real errors on large lines and reject honest ones on tiny lines).
    """
    lines = ctx.definition.block("lines")
    total_def, price_def = lines.field("decl_total"), lines.field("decl_price")
    half_total = Decimal(5).scaleb(-(total_def.scale or 0) - 1)
    half_price = Decimal(5).scaleb(-(price_def.scale or 0) - 1)
    out = []
    for index, line in _items(ctx, "lines"):
        qty = as_decimal(line.get("g_qty"))
        price = as_decimal(line.get("decl_price"))
        total = as_decimal(line.get("decl_total"))
        if qty is None or price is None or total is None:
            continue
        expected = qty * price
        if abs(expected - total) > half_total + abs(qty) * half_price:
            out.append(
                field_finding(
                    pointer("lines", index, "decl_total"),
                    "line_total_mismatch",
                    total_def,
                    f"{total} differs from quantity x unit price = {expected}",
                    f"{total} 与 数量×单价 = {expected} 不符",
                )
            )
    return out


def line_numbers(ctx: Context) -> list[Finding]:
    g_no = ctx.definition.block("lines").field("g_no")
    out = []
    for index, line in _items(ctx, "lines"):
        number = as_integer(line.get("g_no"))
        if number is not None and number != index + 1:
            out.append(
                field_finding(
                    pointer("lines", index, "g_no"),
                    "line_numbers_gap",
                    g_no,
                    f"is {number}, expected {index + 1} (lines are numbered 1..n without gaps)",
                    f"为 {number}，应为 {index + 1}(项号须从1连续编号)",
                )
            )
    return out


def import_date_not_in_future(ctx: Context) -> list[Finding]:
    if ctx.ie_flag != "I":
        return []
    ie_date = as_date(_head(ctx).get("ie_date"))
    if ie_date is None or ie_date <= ctx.today:
        return []
    f = ctx.definition.block("head").field("ie_date")
    return [
        field_finding(
            "/head/ie_date",
            "date_in_future",
            f,
            f"{ie_date.isoformat()} is after today ({ctx.today.isoformat()})",
            f"{ie_date.isoformat()} 晚于今天({ctx.today.isoformat()})",
        )
    ]


_CHARGES = (
    ("fee", "运费", "freight"),
    ("insur", "保费", "insurance"),
    ("other", "杂费", "other charges"),
)


def charge_triplets(ctx: Context) -> list[Finding]:
    """Mark, rate and currency travel together. Mark 1 is a percentage and has no
    currency; marks 2 (per unit) and 3 (total) are amounts and need one."""
    head, block = _head(ctx), ctx.definition.block("head")
    out = []
    for prefix, _zh, _en in _CHARGES:
        mark, rate, curr = (f"{prefix}_mark", f"{prefix}_rate", f"{prefix}_curr")
        given = {name: is_present(head.get(name)) for name in (mark, rate, curr)}
        if not any(given.values()):
            continue
        missing = [name for name in (mark, rate) if not given[name]]
        if head.get(mark) in ("2", "3") and not given[curr]:
            missing.append(curr)
        for name in missing:
            out.append(
                field_finding(
                    f"/head/{name}", "charge_incomplete", block.field(name),
                    "is required when the charge is declared", "申报该费用时必填",
                )
            )  # fmt: skip
        if head.get(mark) == "1" and given[curr]:
            out.append(
                field_finding(
                    f"/head/{curr}", "charge_incomplete", block.field(curr),
                    "must be empty when the charge is a rate", "费用为费率时不填币制",
                )
            )  # fmt: skip
    return out


def charges_match_transaction(ctx: Context) -> list[Finding]:
    """Freight and insurance against the transaction method (table in the definition)."""
    head, flag = _head(ctx), ctx.ie_flag
    rules = {(r.trans_mode, r.ie_flag): r for r in ctx.definition.charge_rules}
    rule = rules.get((str(head.get("trans_mode")), flag or ""))
    if rule is None:
        return []
    out = []
    for prefix, expected, code in (
        ("fee", rule.freight, "freight_inconsistent"),
        ("insur", rule.insurance, "insurance_inconsistent"),
    ):
        declared = any(is_present(head.get(f"{prefix}_{s}")) for s in ("mark", "rate", "curr"))
        f = ctx.definition.block("head").field(f"{prefix}_mark")
        direction = "import" if flag == "I" else "export"
        direction_zh = "进口" if flag == "I" else "出口"
        if expected == "required" and not declared:
            out.append(
                field_finding(
                    f"/head/{prefix}_mark", code, f,
                    f"required for transaction method {rule.trans_mode} on {direction}",
                    f"{direction_zh}成交方式为 {rule.trans_mode} 时必须申报",
                )
            )  # fmt: skip
        if expected == "forbidden" and declared:
            out.append(
                field_finding(
                    f"/head/{prefix}_mark", code, f,
                    f"must not be declared for transaction method {rule.trans_mode} on {direction}",
                    f"{direction_zh}成交方式为 {rule.trans_mode} 时不得申报",
                )
            )  # fmt: skip
    return out


def containers_consistent(ctx: Context) -> list[Finding]:
    """Container numbers are unique; GoodsNo lists only existing line numbers."""
    line_nos = {str(as_integer(line.get("g_no"))) for _, line in _items(ctx, "lines")}
    block = ctx.definition.block("containers")
    seen: set[str] = set()
    out = []
    for index, box in _items(ctx, "containers"):
        number = box.get("container_id")
        if isinstance(number, str) and number:
            if number in seen:
                out.append(
                    field_finding(
                        pointer("containers", index, "container_id"), "duplicate_container",
                        block.field("container_id"), "is declared twice", "重复申报",
                    )
                )  # fmt: skip
            seen.add(number)
        goods = box.get("goods_no")
        if isinstance(goods, str) and goods:
            numbers = [n for n in goods.split(",") if n.isascii() and n.isdigit()]
            unknown = [n for n in numbers if str(int(n)) not in line_nos]
            if unknown:
                out.append(
                    field_finding(
                        pointer("containers", index, "goods_no"), "container_goods_unknown",
                        block.field("goods_no"), f"no goods line {', '.join(unknown)}",
                        f"不存在的商品项号 {', '.join(unknown)}",
                    )
                )  # fmt: skip
    return out


RULES: tuple[Rule, ...] = (
    net_not_above_gross,
    line_totals,
    line_numbers,
    import_date_not_in_future,
    charge_triplets,
    charges_match_transaction,
    containers_consistent,
)
