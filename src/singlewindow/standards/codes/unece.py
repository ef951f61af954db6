"""Reading the official UNECE UN/LOCODE code list (CSV release) as ``unlocode`` rows.

The release ships as ``CodeListPart1.csv`` … ``Part3.csv`` without a header; concatenate
the parts (``cat CodeListPart*.csv > unlocode.csv``) and load the result with
``singlewindow codes load unlocode.csv --format unece``. Columns:

    Ch, ISO country, location, name, name without diacritics, subdivision, function,
    status, date, IATA, coordinates, remarks

* Country header rows (empty location, name ``.CHINA``) and reference entries (``=``) are not
  locations and are skipped; entries marked ``X`` (removed in the next issue) are skipped too.
* The function classifier becomes boolean attributes (``port``, ``rail``, ``road``,
  ``airport``, ``postal``, ``multimodal``, ``fixed_transport``, ``border_crossing``; only
  set ones are stored, as ``"true"``), and the raw ``function`` string is kept.
* Older releases are ISO 8859-1, newer UTF-8: each line is read as UTF-8 and, failing that,
  as Latin-1. An optional header row (a first row whose country cell is not a code) is
  skipped.
* ``name_en`` is the name without diacritics (the name itself when that is empty); a name
  with diacritics is kept as attribute ``name``. Chinese names come from ``zh_names`` (the
  shipped, curated table) since the UNECE list has none.

The file is streamed: memory stays flat however large it is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from singlewindow.standards.codes.loader import CsvRow, ProgressFn, finding, refuse

COLUMNS = (
    "change", "country", "location", "name", "name_ascii", "subdivision", "function",
    "status", "date", "iata", "coordinates", "remarks",
)  # fmt: skip
FUNCTIONS = (
    ("1", "port"),
    ("2", "rail"),
    ("3", "road"),
    ("4", "airport"),
    ("5", "postal"),
    ("6", "multimodal"),
    ("7", "fixed_transport"),
    ("B", "border_crossing"),
)
_FUNCTION = re.compile(r"[0-7B-]{1,8}", re.ASCII)
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
_SKIPPED_CHANGES = frozenset({"=", "X"})


def _lines(path: Path, progress: ProgressFn | None) -> Iterator[str]:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if progress is not None:
                progress(len(raw))
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")  # never fails: every byte is a character
            yield text.removeprefix("\ufeff") if number == 1 else text


def function_attrs(function: str) -> dict[str, str]:
    """``"1-3----B"`` -> ``{"port": "true", "road": "true", "border_crossing": "true"}``."""
    return {name: "true" for flag, name in FUNCTIONS if flag in function}


def read_unece_rows(
    path: Path,
    progress: ProgressFn | None = None,
    zh_names: Mapping[str, str] | None = None,
) -> Iterator[CsvRow]:
    """Streams the locations of a UNECE UN/LOCODE CSV file as code-table rows.

    Refuses (``ValidationFailed``, nothing stored) a row of the wrong width or with a
    malformed function classifier, naming its line.
    """
    reader = csv.reader(_lines(path, progress))
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) not in (len(COLUMNS) - 1, len(COLUMNS)):
            raise refuse(
                [
                    finding(
                        line, "", "wrong_width",
                        f"has {len(values)} values, a UN/LOCODE row has {len(COLUMNS)}",
                        f"有 {len(values)} 个值，UN/LOCODE 行应有 {len(COLUMNS)} 列",
                    )
                ]
            )  # fmt: skip
        row = dict(zip(COLUMNS, (v.strip() for v in values), strict=False))
        if not _COUNTRY.fullmatch(row["country"]):
            if line == 1:
                continue  # a header row
            raise refuse(
                [
                    finding(
                        line, "country", "country_format",
                        f"{row['country'][:20]!r} is not a 2-letter country code",
                        f"{row['country'][:20]!r} 不是2位国家代码",
                    )
                ]
            )  # fmt: skip
        if not row["location"] or row["change"] in _SKIPPED_CHANGES:
            continue
        yield _row(line, row, zh_names)


def _row(line: int, row: dict[str, str], zh_names: Mapping[str, str] | None) -> CsvRow:
    function = row.get("function", "")
    if function and not _FUNCTION.fullmatch(function):
        raise refuse(
            [
                finding(
                    line, "function", "function_format",
                    f"function {function[:20]!r} is not a UN/LOCODE function classifier",
                    f"功能代码 {function[:20]!r} 格式错误",
                )
            ]
        )  # fmt: skip
    code = row["country"] + row["location"]
    name_en = row["name_ascii"] or row["name"]
    attrs = {
        "country": row["country"],
        "subdivision": row["subdivision"],
        "function": function,
        **function_attrs(function),
        "status": row["status"],
        "date": row["date"],
        "iata": row["iata"],
        "coordinates": row["coordinates"],
        "remarks": row.get("remarks", ""),
        "name": row["name"] if row["name"] != name_en else "",
        "change": row["change"],
    }
    name_zh = (zh_names or {}).get(code, "")
    return CsvRow(line, code, name_zh, name_en, {k: v for k, v in attrs.items() if v})
