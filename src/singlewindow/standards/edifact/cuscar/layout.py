"""CUSCAR message identifier, transport mode codes and message rules (D.95B)."""

from __future__ import annotations

from singlewindow.standards.edifact.spec import MessageSpec, codes

MESSAGE = "CUSCAR:D:95B:UN"
TO_REC19 = {"2": "1", "3": "2", "4": "3", "5": "4"}
FROM_REC19 = {rec: china for china, rec in TO_REC19.items()}

SPEC = MessageSpec(
    message_type="CUSCAR",
    versions=frozenset({"D:95B:UN"}),
    segments={
        "BGM": (codes("785", "85"),),
        "DTM": (codes("132", "133", "178", "186", "137"),),
        "LOC": (codes("5", "7", "8", "9", "11", "13", "22", "24", "76", "88"),),
        "TDT": (codes("20"),),
        "NAD": (codes("AG", "CA", "MS", "CZ", "CN", "N1"),),
        "CTA": (codes("IC"),),
        "FTX": (codes("ACD", "AAA", "AAI"),),
        "EQD": (codes("CN"),),
        "SEL": (),
        "CNI": (),
        "RFF": (codes("BM", "BH"),),
        "PAC": (),
        "MEA": (codes("AAE", "WT"), codes("G", "AAW", element=2)),
        "MOA": (codes("44"),),
        "CPI": (),
        "DGS": (codes("IMD"),),
        "GID": (),
        "PIA": (codes("5", "1"),),
        "SGP": (),
        "CNT": (codes("7", "11"),),
    },
    mandatory=("BGM", "TDT", "CNI"),
    title_en="Customs cargo report",
    title_zh="海关货物报告(舱单)",
)
