"""The published data dictionary (Markdown), generated from the definition.

``docs/data-dictionary/<type>.md`` is this text, committed; a test fails if they drift.
Regenerate with ``write_data_dictionary("goods_declaration")``.
"""

from __future__ import annotations

from pathlib import Path

from singlewindow.standards.documents.model import (
    BlockDef,
    Direction,
    DocumentType,
    FieldDef,
    FieldType,
)
from singlewindow.standards.documents.registry import get_document_type

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[4] / "docs" / "data-dictionary"

_REQUIRED = {
    "always": "always 必填",
    "import": "import 进口必填",
    "export": "export 出口必填",
    "never": "optional 选填",
}
_HEADER = (
    "| # | JSON | XML | 中文 | English | Type | Length | Required | Code table | Notes |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def data_dictionary(doc_type: str) -> str:
    definition = get_document_type(doc_type)
    parts = [_preamble(definition)]
    if definition.root_fields:
        parts.append("## Document root 单证根\n\n" + _root_table(definition))
    for block in definition.blocks:
        parts.append(_block_section(block))
    parts.append(_conditions(definition))
    if definition.charge_rules:
        parts.append(_charges(definition))
    return "\n\n".join(parts) + "\n"


def write_data_dictionary(doc_type: str, directory: Path | None = None) -> Path:
    """Write ``<directory>/<doc_type>.md`` (default: the repository's docs/data-dictionary)."""
    target_dir = directory or DEFAULT_DIRECTORY
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{doc_type}.md"
    target.write_text(data_dictionary(doc_type), encoding="utf-8")
    return target


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _preamble(d: DocumentType) -> str:
    if d.xml_root:
        xml = (
            f"China customs XML: root `{d.xml_root}` (version {d.xml_version}), namespace "
            f"`{d.xml_namespace}`.\n\n"
        )
        dates = "Dates are `YYYY-MM-DD` in JSON and `YYYYMMDD` in XML"
    else:
        # Definitions without XML tags: the message-format modules keep their own mapping.
        xml = "The XML and EDIFACT forms are mapped by the message-format modules.\n\n"
        dates = (
            "Dates are `YYYY-MM-DD`, date-times ISO 8601 with a UTC offset "
            "(`2026-11-29T08:00:00+08:00`)"
        )
    return (
        f"# {d.title_zh} / {d.title_en}\n\n"
        f"Document type `{d.type}`, definition version {d.version}. {d.description}\n\n"
        f"{xml}"
        "Generated from the definition by "
        "`singlewindow.standards.documents.dictionary.data_dictionary`; do not edit by hand.\n\n"
        "Required: *always* 必填 (when the block is present) · *import* / *export* 进口/出口必填 · "
        "*optional* 选填 · *if: name* — a condition listed at the end. "
        f"{dates}; decimals travel as JSON numbers or strings and are "
        "read as exact decimals. Code tables are checked as valid on the declaration date."
    )


def _type(f: FieldDef) -> str:
    if f.type is FieldType.DECIMAL:
        return f"decimal({f.precision},{f.scale})"
    if f.type is FieldType.INTEGER:
        low = "" if f.minimum is None else str(f.minimum)
        high = "" if f.maximum is None else str(f.maximum)
        return f"integer {low}..{high}"
    if f.type is FieldType.ENUM:
        return "enum: " + "; ".join(f"{v.code} = {v.en} {v.zh}" for v in f.enum)
    return f.type.value


def _length(f: FieldDef) -> str:
    if f.max_length is None:
        return ""
    if f.min_length == f.max_length:
        return str(f.max_length)
    return f"{f.min_length or ''}..{f.max_length}"


def _notes(f: FieldDef) -> str:
    notes = []
    if f.direction is Direction.IMPORT:
        notes.append("import only 仅进口")
    elif f.direction is Direction.EXPORT:
        notes.append("export only 仅出口")
    if f.pattern:
        notes.append(f"pattern `{f.pattern}`")
    if f.check:
        notes.append(f"check: {f.check}")
    if f.wco_id:
        notes.append(f"WCO DM {f.wco_id}")
    if f.description:
        notes.append(f.description)
    return "; ".join(notes)


def _row(index: int, f: FieldDef, xml_parent: str = "") -> str:
    required = _REQUIRED.get(f.required, f"if: {f.required}")
    cells = [
        str(index),
        f"`{f.name}`",
        f"`{xml_parent}{f.xml_tag}`" if f.xml_tag else "",
        f.label_zh,
        f.label_en,
        _type(f),
        _length(f),
        required,
        f.code_table or "",
        _notes(f),
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _table(fields: tuple[FieldDef, ...]) -> str:
    return "\n".join([_HEADER, *(_row(i, f) for i, f in enumerate(fields, 1))])


def _root_table(d: DocumentType) -> str:
    """Fields kept at the JSON root but written inside a block in XML (DecSign/ClientSeqNo)."""
    rows = [(b.xml_tag, f) for b in d.blocks for f in b.fields if f.at_root]
    return "\n".join([_HEADER, *(_row(i, f, f"{tag}/") for i, (tag, f) in enumerate(rows, 1))])


def _block_section(block: BlockDef) -> str:
    high = "n" if block.max_occurs is None else str(block.max_occurs)
    if block.name == "lines":
        high += " (setting max_lines)"
    xml = (
        f"`{block.xml_container}/{block.xml_tag}`" if block.xml_container else f"`{block.xml_tag}`"
    )
    shape = "array" if block.repeated else "object"
    xml = f", XML {xml}" if block.xml_tag else ""
    intro = (
        f"## {block.label_en} {block.label_zh} — `{block.name}`\n\n"
        f"JSON {shape}{xml}, occurs {block.min_occurs}..{high}."
    )
    if block.description:
        intro += f" {block.description}"
    return intro + "\n\n" + _table(block.json_fields)


def _conditions(d: DocumentType) -> str:
    rows = [
        "## Conditions 条件\n",
        "| name | depends on | values | English | 中文 |",
        "|---|---|---|---|---|",
    ]
    for c in d.conditions:
        values = ", ".join(c.values) or "(present)"
        if c.unless_field:
            values += f" — unless `{c.unless_field}` is {', '.join(c.unless_values)}"
        rows.append(
            "| "
            + " | ".join(_cell(x) for x in (f"`{c.name}`", f"`{c.field}`", values, c.en, c.zh))
            + " |"
        )
    return "\n".join(rows)


def _charges(d: DocumentType) -> str:
    rows = [
        "## Freight and insurance by transaction method 成交方式与运保费\n",
        "Customs value is CIF-based on import and FOB-based on export. Methods not listed: "
        "optional.\n",
        "| trans_mode | ie_flag | freight 运费 | insurance 保费 |",
        "|---|---|---|---|",
    ]
    rows += [
        f"| {r.trans_mode} | {r.ie_flag} | {r.freight} | {r.insurance} |" for r in d.charge_rules
    ]
    return "\n".join(rows)
