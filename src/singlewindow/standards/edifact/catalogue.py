"""The stable finding codes of the envelope reader, with their English and Chinese texts.

Mapping-level codes (qualifiers, layout) are written where they are found; see README.md
for the full list.
"""

from __future__ import annotations

from singlewindow.kit.errors import Finding

TEXTS: dict[str, tuple[str, str]] = {
    # interchange: raised before any message
    "empty_interchange": ("The input is empty", "输入内容为空"),
    "not_edifact": ("This is {what}, not UN/EDIFACT", "这是 {what}，不是 UN/EDIFACT"),
    "invalid_una": ("{detail}", "{detail_zh}"),
    "missing_unb": (
        "The interchange must start with UNB (after an optional UNA)",
        "交换必须以 UNB 开头(之前可有 UNA)",
    ),
    "wrong_separators": ("{detail}", "{detail_zh}"),
    "invalid_unb": ("{detail}", "{detail_zh}"),
    "unsupported_syntax": (
        "Unknown syntax identifier {syntax!r}; supported: {supported}",
        "未知的语法标识 {syntax!r}；支持：{supported}",
    ),
    "segment_too_long": (
        "No segment terminator within {limit} bytes from byte {offset}: wrong separators or "
        "a damaged file",
        "自字节 {offset} 起 {limit} 字节内未找到段终止符：分隔符错误或文件损坏",
    ),
    # interchange: raised after the last message
    "missing_unz": (
        "The interchange has no UNZ trailer: the file is truncated",
        "交换缺少 UNZ 交换尾：文件被截断",
    ),
    "data_after_unz": (
        "Segments follow the UNZ trailer; they are ignored",
        "UNZ 之后还有段，已忽略",
    ),
    "nested_interchange": (
        "{tag} inside an interchange: one interchange per file",
        "交换内出现 {tag}：每个文件只能有一个交换",
    ),
    "missing_une": ("The functional group has no UNE trailer", "功能组缺少 UNE 组尾"),
    "missing_ung": ("UNE without UNG", "UNE 之前缺少 UNG"),
    "mixed_groups": (
        "An interchange has either functional groups or messages outside groups, not both",
        "一个交换中不能同时有功能组和组外报文",
    ),
    "invalid_ung": ("UNG must carry a group reference (0048)", "UNG 必须给出组参考号(0048)"),
    "group_reference_mismatch": (
        "UNE group reference differs from UNG",
        "UNE 组参考号与 UNG 不一致",
    ),
    "invalid_control_count": ("{tag} must give the number of {what}", "{tag} 必须给出数量"),
    "control_count_mismatch": (
        "{tag} counts {declared} {what}; there are {actual}",
        "{tag} 计数为 {declared}，实际为 {actual}",
    ),
    "interchange_reference_mismatch": (
        "UNZ control reference {found!r} differs from UNB {expected!r}",
        "UNZ 交换控制参考号 {found!r} 与 UNB {expected!r} 不一致",
    ),
    # messages
    "missing_unh": ("The message has no UNH header", "报文缺少 UNH 报文头"),
    "missing_unt": (
        "The message has no UNT trailer (truncated, or the next message starts too early)",
        "报文缺少 UNT 报文尾(被截断或下一报文过早开始)",
    ),
    "truncated": (
        "The input ends inside this segment: the file is truncated",
        "输入在此段中途结束：文件被截断",
    ),
    "invalid_encoding": (
        "The segment is not valid {codec} text (syntax {syntax})",
        "该段不是有效的 {codec} 文本(语法 {syntax})",
    ),
    "message_too_large": ("The message exceeds {limit} bytes", "报文超过 {limit} 字节"),
    "invalid_message_reference": (
        "UNH must carry a message reference of 1 to 14 characters",
        "UNH 报文参考号应为 1 至 14 个字符",
    ),
    "invalid_message_identifier": (
        "UNH must give the message {part} (e.g. CUSCAR:D:95B:UN)",
        "UNH 必须给出报文{part_zh}(如 CUSCAR:D:95B:UN)",
    ),
    "group_message_type_mismatch": (
        "A {found} message in a group of {expected} messages",
        "{expected} 功能组中出现 {found} 报文",
    ),
    "invalid_segment_count": (
        "UNT must give the number of segments in the message",
        "UNT 必须给出报文段数",
    ),
    "segment_count_mismatch": (
        "UNT counts {declared} segments; the message has {actual} (UNH to UNT)",
        "UNT 段数为 {declared}，报文实际有 {actual} 段(含 UNH 和 UNT)",
    ),
    "message_reference_mismatch": (
        "UNT message reference {found!r} differs from UNH {expected!r}",
        "UNT 报文参考号 {found!r} 与 UNH {expected!r} 不一致",
    ),
}


def finding(path: str, code: str, **params: object) -> Finding:
    """The finding ``code`` at ``path``, its texts filled with ``params``."""
    en, zh = TEXTS[code]
    return Finding(path, code, en.format(**params), zh.format(**params))
