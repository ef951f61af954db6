"""``singlewindow demo --json``: the scripted scenario on a fresh temporary node."""

from __future__ import annotations

from dataclasses import asdict

import typer

from singlewindow.cli.common import console, print_json


def demo(
    count: int = typer.Option(24, min=4, max=5000, help="declarations to submit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run the demo scenario; exit code 0 only if every check held."""
    from singlewindow.demo.scenario import run_demo

    with console.status("running the demo scenario / 正在运行演示场景…"):
        result = run_demo(count)
    if as_json:
        print_json(asdict(result))
    else:
        for name, held in result.checks.items():
            console.print(f"{'[green]✓' if held else '[red]✗'}[/] {name}")
        console.print(asdict(result))
    if not result.ok:
        raise typer.Exit(1)
