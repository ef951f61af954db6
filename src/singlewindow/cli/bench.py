"""``singlewindow bench …``: benchmarks that print JSON."""

from __future__ import annotations

import typer

from singlewindow.cli.common import console, print_json

app = typer.Typer(no_args_is_help=True)


@app.command("ingest")
def ingest(
    backend: str = typer.Option("embedded", help="embedded | postgres-nats"),
    count: int = typer.Option(2000, min=1, max=1_000_000),
    concurrency: int = typer.Option(16, min=1, max=512),
    batch: int = typer.Option(0, min=0, max=1000, help="use the batch endpoint with this size"),
    rate: float = typer.Option(
        0.0, min=0.0, help="open-loop arrivals per second (0: closed loop, as fast as possible)"
    ),
    processes: int = typer.Option(
        1, "--processes", min=1, max=16, help="API processes of the node (run --processes)"
    ),
    worker_process: bool = typer.Option(
        False,
        "--worker-process",
        help="exchange workers in their own process (run --worker-process)",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Submit → every routed recipient has it, with the raw engine measured alongside."""
    from dataclasses import asdict

    from singlewindow.bench.ingest import run_ingest

    if backend not in ("embedded", "postgres-nats"):
        console.print("[red]--backend must be embedded or postgres-nats / 后端取值无效[/red]")
        raise typer.Exit(2)
    with console.status(f"bench ingest {backend} ×{count}…"):
        result = run_ingest(
            backend,
            count,
            concurrency=concurrency,
            batch=batch,
            rate=rate,
            processes=processes,
            worker_process=worker_process,
        )
    if as_json:
        print_json(asdict(result))
    else:
        console.print(asdict(result))
    if result.lost:
        raise typer.Exit(1)


@app.command("validate")
def validate(
    count: int = typer.Option(1000, min=1, max=1_000_000),
    lines: int = typer.Option(5, min=1, max=50),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Validate sample declarations with warm code tables, with the raw engine alongside."""
    from dataclasses import asdict

    from singlewindow.bench.validate import run_validate

    with console.status(f"bench validate ×{count} ({lines} lines)…"):
        result = run_validate(count, lines)
    if as_json:
        print_json(asdict(result))
    else:
        console.print(asdict(result))
    if result.findings or result.engine_errors:
        raise typer.Exit(1)


@app.command("manifests")
def manifests(
    count: int = typer.Option(200, min=1, max=1_000_000, help="manifest messages per format"),
    consignments: int = typer.Option(10, min=1, max=999, help="B/Ls per message"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Parse + validate + store CUSCAR and MT1101 files, with the raw parsers alongside."""
    from dataclasses import asdict

    from singlewindow.bench.manifests import run_manifest_bench

    with console.status(f"bench manifests ×{count} ({consignments} B/Ls each)…"):
        result = run_manifest_bench(count, consignments)
    if as_json:
        print_json(asdict(result))
    else:
        console.print(asdict(result))
    if any(f.rejected or f.accepted != count for f in result.formats):
        raise typer.Exit(1)


@app.command("query")
def query(
    count: int = typer.Option(1_000_000, min=1, max=10_000_000, help="declarations stored"),
    samples: int = typer.Option(500, min=1, max=100_000, help="lookups per key"),
    backend: str = typer.Option("postgres", help="postgres | sqlite (a smoke run)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Clearance query p50/p99 by every key, with the raw indexed SELECT alongside."""
    from dataclasses import asdict

    from singlewindow.bench.query import run_query_bench

    if backend not in ("postgres", "sqlite"):
        console.print("[red]--backend must be postgres or sqlite / 后端取值无效[/red]")
        raise typer.Exit(2)
    with console.status(f"bench query {backend} ×{count}…"):
        result = run_query_bench(count, backend=backend, samples=samples)
    if as_json:
        print_json(asdict(result))
    else:
        console.print(asdict(result))
    if any(k.found != k.samples for k in result.keys):
        raise typer.Exit(1)
