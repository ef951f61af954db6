"""Pure rules: reconciliation differences, container mapping, the declaration B/L check."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.transport.manifests import rules
from singlewindow.transport.manifests.rules import Facts

_facts = st.builds(
    Facts,
    packages=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
    gross_weight_kg=st.one_of(st.none(), st.decimals(0, 10**6, places=2).map(str)),
    containers=st.frozensets(st.sampled_from(["C1", "C2", "C3", "C4"])),
)
_manifests = st.dictionaries(st.sampled_from(["B1", "B2", "B3", "B4", "B5"]), _facts)


@settings(max_examples=60, deadline=None)
@given(_manifests, _manifests)
def test_loading_differences_account_for_every_bill(
    preload: dict[str, Facts], loading: dict[str, Facts]
) -> None:
    assert rules.compare_loading(preload, preload) == []
    found = rules.compare_loading(preload, loading)
    missing = {d.bill_no for d in found if d.field == "bill_no" and d.found is None}
    extra = {d.bill_no for d in found if d.field == "bill_no" and d.expected is None}
    assert missing == preload.keys() - loading.keys()
    assert extra == loading.keys() - preload.keys()
    assert len({d.key for d in found}) == len(found)
    for d in found:
        code = rules.difference_code(d.field, d.expected, d.found)
        assert code in rules.DIFFERENCE_TEXT


def test_tally_compares_only_what_was_counted() -> None:
    manifest = {
        "B1": Facts(10, "100.0", frozenset({"C1"})),
        "B2": Facts(5, "50", frozenset({"C2"})),
    }
    tally = {"B1": Facts(10, "100", frozenset()), "B3": Facts(1, None, frozenset())}
    found = rules.compare_tally(manifest, tally)
    assert [(d.bill_no, d.field, d.expected, d.found) for d in found] == [
        ("B3", "bill_no", None, "B3")
    ]  # 100.0 kg = 100 kg; B2 is not tallied yet; containers only when counted
    tally["B1"] = Facts(9, "101", frozenset({"C1", "C9"}))
    assert [(d.field, d.found) for d in rules.compare_tally(manifest, tally)][:3] == [
        ("packages", "9"),
        ("gross_weight_kg", "101"),
        ("container_no", "C9"),
    ]


def test_container_md_from_iso_and_customs_size_types() -> None:
    cases = {
        "22G1": "21", "42G1": "11", "45G1": "11", "L5G1": "11", "22R1": "22", "45R1": "12",
        "22T6": "23", "42T0": "13", "22U1": "31", "42P1": "32", "20GP": "21", "40HC": "11",
        "40RF": "12", "20TK": "23", None: None, "": None, "9999": None, "X": None,
    }  # fmt: skip
    for size_type, expected in cases.items():
        assert rules.container_md(size_type) == expected, size_type


def test_bill_check_by_voyage_and_vessel() -> None:
    rows = [("045E", "9074729", "COSCO SHIPPING ARIES")]

    def check(
        voy: str | None, name: str | None, found: Sequence[tuple[str, str, str | None]]
    ) -> str:
        finding = rules.bill_check(
            found, bill_no="B1", voy_no=voy, traf_name=name, severity="warning"
        )
        return "ok" if finding is None else finding.code

    assert check("045e", "cosco  shipping aries", rows) == "ok"
    assert check(None, None, rows) == "ok"
    assert check("045E", "UN9074729", rows) == "ok"
    assert check("046E", None, rows) == "bill_not_on_manifest"
    assert check("045E", "EVER GIVEN", rows) == "bill_not_on_manifest"
    assert check("045E", "ANY", [("045E", "9074729", None)]) == "ok"
    assert check("045E", None, []) == "bill_not_on_manifest"


def test_manifest_types_and_parties() -> None:
    assert rules.declaration_manifest_types("I", "2") == ("MT1101",)
    assert rules.declaration_manifest_types("E", "5") == ("MT2201",)
    assert rules.declaration_manifest_types("E", None) == ("MT2101", "MT2201")
    assert rules.declaration_manifest_types("I", "4") == ()
    assert rules.party_uscc("USCI+91440300MA5D12345X") == "91440300MA5D12345X"
    assert rules.party_uscc("usci + X1") == "X1"
    assert rules.party_uscc("TIN+123") is None
    assert rules.party_uscc(None) is None
