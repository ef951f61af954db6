"""A vessel's whole visit through a node in its own process, over the public API only:
pre-arrival → arrival → manifests → goods declarations pre-filled from them → release →
loading → departure (the ``singlewindow demo --scenario ship-call`` run)."""

from __future__ import annotations

from singlewindow.demo.ship_call import PROJECTIONS, run_ship_call


def test_a_full_ship_call_end_to_end() -> None:
    result = run_ship_call(timeout=90)
    assert result.error == ""
    failed = [name for name, held in result.checks.items() if not held]
    assert not failed, (failed, result)
    # Each agency received only its projection of the ship reports.
    for agency, (must, never) in PROJECTIONS.items():
        seen = set(result.projections[agency])
        assert must <= seen, (agency, seen)
        assert not never & seen, (agency, seen)
    assert result.stage == "departed"
    assert result.departure_clearance == "cleared"
    assert result.released == 3
    assert result.loading_permits == 1
    assert result.prefilled_fields >= 6
