"""How a block's fields are grouped on the page: presentation only.

The goods declaration's header is long (70-odd fields), so it is shown in the groups a
declarant knows from the paper form; the groups name fields, they do not describe them, and
any header field not named here still appears (in "more fields"). Every other block shows
its required and conditional fields first and the optional ones folded away.
"""

from __future__ import annotations

from singlewindow.standards.documents.model import NEVER, BlockDef, DocumentType, FieldDef

Group = tuple[str, list[FieldDef], bool]  # catalogue key, fields, folded

_GOODS_HEAD: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "form.group_basic",
        (
            "ie_flag", "custom_master", "ie_port", "ie_date", "entry_type", "decl_trn_rel",
            "trade_mode", "cut_mode", "manual_no", "contr_no", "license_no",
        ),
    ),
    (
        "form.group_parties",
        (
            "trade_code", "trade_co_scc", "trade_ciq_code", "trade_name",
            "owner_code", "owner_code_scc", "owner_ciq_code", "owner_name",
            "agent_code", "agent_code_scc", "decl_ciq_code", "agent_name",
            "overseas_consignor_code", "overseas_consignor_cname", "overseas_consignor_ename",
            "overseas_consignor_addr", "overseas_consignee_code", "overseas_consignee_ename",
        ),
    ),
    (
        "form.group_transport",
        (
            "traf_mode", "traf_name", "bill_no", "trade_country", "trade_area_code",
            "distinate_port", "desp_port_code", "enty_port_code", "goods_place", "desp_date",
            "cmpl_dschrg_dt",
        ),
    ),
    (
        "form.group_value",
        (
            "trans_mode", "fee_mark", "fee_rate", "fee_curr", "insur_mark", "insur_rate",
            "insur_curr", "other_mark", "other_rate", "other_curr",
        ),
    ),
    (
        "form.group_packing",
        (
            "pack_no", "wrap_type", "no_other_pack", "gross_wet", "net_wt", "promise_items",
            "mark_no", "note_s",
        ),
    ),
)  # fmt: skip


def groups_for(definition: DocumentType, block: BlockDef) -> list[Group]:
    fields = list(block.fields)
    if definition.type == "goods_declaration" and block.name == "head":
        by_name = {f.name: f for f in fields}
        groups: list[Group] = []
        placed: set[str] = set()
        for key, names in _GOODS_HEAD:
            members = [by_name[n] for n in names if n in by_name]
            placed.update(f.name for f in members)
            groups.append((key, members, False))
        rest = [f for f in fields if f.name not in placed]
        if rest:
            groups.append(("form.group_more", rest, True))
        return groups
    main = [f for f in fields if f.required != NEVER]
    more = [f for f in fields if f.required == NEVER]
    if len(more) <= 3 or not main:  # a short block is shown whole
        return [("", main + more, False)]
    return [("", main, False), ("form.more_fields", more, True)]
