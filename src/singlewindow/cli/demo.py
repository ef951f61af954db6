"""``singlewindow demo --json``: the scripted scenarios on fresh temporary nodes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import typer

from singlewindow.cli.common import console, print_json


def demo(
    count: int = typer.Option(24, min=4, max=5000, help="declarations to submit"),
    scenario: str = typer.Option(
        "all",
        help="goods (declarations mix) | ship-call (a vessel's whole visit) | "
        "inspection (two agencies, one joint inspection) | all",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run the demo scenarios; exit code 0 only if every check held.

    ``goods``: a mix of declarations, some with licences, rejected or inspected. ``ship-call``:
    pre-arrival → arrival → manifests → goods declarations pre-filled from them → release →
    loading → departure, with every agency receiving only its projection.
    """
    if scenario not in ("all", "goods", "ship-call", "inspection"):
        console.print(
            "[red]--scenario must be goods, ship-call, inspection or all / 场景取值无效[/red]"
        )
        raise typer.Exit(2)
    out: dict[str, Any] = {}
    checks: dict[str, bool] = {}
    if scenario in ("all", "goods"):
        from singlewindow.demo.scenario import run_demo

        with console.status("running the declarations demo / 正在运行报关演示…"):
            goods = run_demo(count)
        out.update(asdict(goods))
        checks.update(goods.checks)
    if scenario in ("all", "ship-call"):
        from singlewindow.demo.ship_call import run_ship_call

        with console.status("running the ship call demo / 正在运行船舶进出港演示…"):
            ship = run_ship_call()
        out["ship_call"] = asdict(ship)
        checks.update({f"ship_call.{k}": v for k, v in ship.checks.items()})
    if scenario in ("all", "inspection"):
        from singlewindow.demo.inspection import run_inspection

        with console.status("running the joint inspection demo / 正在运行联合查验演示…"):
            inspection = run_inspection()
        out["inspection"] = asdict(inspection)
        checks.update({f"inspection.{k}": v for k, v in inspection.checks.items()})
    out["checks"] = checks
    out["ok"] = bool(checks) and all(checks.values())
    if as_json:
        print_json(out)
    else:
        for name, held in checks.items():
            console.print(f"{'[green]✓' if held else '[red]✗'}[/] {name}")
        console.print(out)
    if not out["ok"]:
        raise typer.Exit(1)
