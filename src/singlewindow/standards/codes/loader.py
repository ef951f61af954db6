"""Streaming reader and checker for code-table CSV files.

Format: UTF-8 (a BOM is accepted), a header row with ``code``, ``name_zh``, ``name_en`` and any
further columns, which become the entry's attributes (empty cells are left out). The file is
read line by line, so memory stays flat however large it is; only the set of codes seen is kept,
to find duplicates.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from singlewindow.kit.errors import Finding, ValidationFailed
from singlewindow.standards.codes.models import CODE_MAX, NAME_MAX

REQUIRED_COLUMNS = ("code", "name_zh", "name_en")
MAX_FINDINGS = 20
TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# The shape of each known table's codes; other tables only get the generic checks.
CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "country": r"^[A-Z]{3}$",
        "currency": r"^[A-Z]{3}$",
        "customs_district": r"^\d{4}$",
        "transport_mode": r"^[0-9A-Z]$",
        "trade_mode": r"^\d{4}$",
        "levy_nature": r"^\d{3}$",
        "duty_mode": r"^\d$",
        "transaction_method": r"^\d$",
        "packaging": r"^\d{2}$",
        "unit": r"^\d{3}$",
        "container_size": r"^\d{2}$",
        "licence_document": r"^[0-9A-Za-z]$",
        "attached_document": r"^\d{8}$",
        "domestic_district": r"^[0-9A-Z]{5}$",
        "unlocode": r"^[A-Z]{2}[A-Z2-9]{3}$",
        "hs_chapter": r"^\d{2}$",
        "hs_heading": r"^\d{4}$",
        "hs_code": r"^\d{10}$",
    }.items()
}

ProgressFn = Callable[[int], None]
"""Called with the number of bytes read since the previous call."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    code: str
    name_zh: str
    name_en: str
    attrs: dict[str, str]


RowCheck = Callable[[CsvRow], Finding | None]
"""A table-specific check (e.g. the heading of an ``hs_code`` exists)."""


def finding(line: int, column: str, code: str, message: str, message_zh: str) -> Finding:
    return Finding(path=f"line:{line}/{column}", code=code, message=message, message_zh=message_zh)


def refuse(findings: list[Finding]) -> ValidationFailed:
    """The error for a refused file (raise it): nothing of the file is stored."""
    return ValidationFailed(
        f"The code table file was refused ({len(findings)} problem(s)); nothing was stored",
        f"码表文件未通过校验（{len(findings)} 个问题），未保存任何数据",
        code="code_table_file_invalid",
        findings=findings,
    )


def _lines(path: Path, progress: ProgressFn | None) -> Iterator[str]:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if progress is not None:
                progress(len(raw))
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise refuse(
                    [finding(number, "", "not_utf8", "is not valid UTF-8", "不是有效的 UTF-8 编码")]
                ) from exc
            yield text.removeprefix("\ufeff") if number == 1 else text


def _header(reader: Iterator[list[str]]) -> list[str]:
    first = next(reader, None)
    if first is None:
        raise refuse([finding(1, "", "empty_file", "the file is empty", "文件为空")])
    header = [h.strip().lower() for h in first]
    problems = [
        finding(1, col, "missing_column", f"column {col} is missing", f"缺少列 {col}")
        for col in REQUIRED_COLUMNS
        if col not in header
    ]
    if "" in header:
        problems.append(finding(1, "", "empty_column_name", "a column has no name", "存在无名列"))
    for col in sorted({h for h in header if header.count(h) > 1 and h}):
        problems.append(
            finding(1, col, "duplicate_column", f"column {col} appears twice", f"列 {col} 重复")
        )
    if problems:
        raise refuse(problems)
    return header


def read_rows(path: Path, progress: ProgressFn | None = None) -> Iterator[CsvRow]:
    """Streams the rows of a code-table CSV. Refuses a bad header, encoding or row width."""
    reader = csv.reader(_lines(path, progress))
    header = _header(reader)
    for values in reader:
        if not any(v.strip() for v in values):
            continue  # blank line
        line = reader.line_num
        if len(values) != len(header):
            raise refuse(
                [
                    finding(
                        line,
                        "",
                        "wrong_width",
                        f"has {len(values)} values, the header has {len(header)}",
                        f"有 {len(values)} 个值，表头有 {len(header)} 列",
                    )
                ]
            )
        row = {h: v.strip() for h, v in zip(header, values, strict=True)}
        attrs = {k: v for k, v in row.items() if k not in REQUIRED_COLUMNS and v}
        yield CsvRow(line, row["code"], row["name_zh"], row["name_en"], attrs)


def _row_findings(table: str, row: CsvRow) -> Iterator[Finding]:
    if not row.code:
        yield finding(row.line, "code", "empty_code", "the code is empty", "代码为空")
        return
    if len(row.code) > CODE_MAX:
        yield finding(
            row.line,
            "code",
            "code_too_long",
            f"the code is longer than {CODE_MAX} characters",
            f"代码超过 {CODE_MAX} 个字符",
        )
    elif (pattern := CODE_PATTERNS.get(table)) and not pattern.match(row.code):
        yield finding(
            row.line,
            "code",
            "code_format",
            f"{row.code!r} does not match the format of table {table}",
            f"{row.code!r} 不符合码表 {table} 的代码格式",
        )
    if not row.name_zh and not row.name_en:
        yield finding(row.line, "name_zh", "empty_name", "both names are empty", "中英文名称均为空")
    for column, value in (("name_zh", row.name_zh), ("name_en", row.name_en)):
        if len(value) > NAME_MAX:
            yield finding(
                row.line,
                column,
                "name_too_long",
                f"the name is longer than {NAME_MAX} characters",
                f"名称超过 {NAME_MAX} 个字符",
            )


def check_file(
    path: Path, table: str, *, extra: RowCheck | None = None, progress: ProgressFn | None = None
) -> int:
    """First pass: checks every row and returns their number; stores nothing.

    Raises ``ValidationFailed`` listing up to ``MAX_FINDINGS`` problems.
    """
    return check_rows(read_rows(path, progress), table, extra=extra)


def check_rows(rows: Iterable[CsvRow], table: str, *, extra: RowCheck | None = None) -> int:
    """``check_file`` for rows from any reader (the UNECE UN/LOCODE list, …)."""
    seen: dict[str, int] = {}
    problems: list[Finding] = []
    count = 0
    for row in rows:
        count += 1
        problems.extend(_row_findings(table, row))
        if row.code and row.code in seen:
            problems.append(
                finding(
                    row.line,
                    "code",
                    "duplicate_code",
                    f"code {row.code} already appears on line {seen[row.code]}",
                    f"代码 {row.code} 与第 {seen[row.code]} 行重复",
                )
            )
        elif row.code:
            seen[row.code] = row.line
        if extra is not None and row.code and (problem := extra(row)) is not None:
            problems.append(problem)
        if len(problems) >= MAX_FINDINGS:
            break
    if count == 0 and not problems:
        problems.append(finding(2, "", "no_rows", "the file has no rows", "文件没有数据行"))
    if problems:
        raise refuse(problems[:MAX_FINDINGS])
    return count
