"""The `serve` verb: the dashboard and REST API over a folder (or registry) of runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mixcast.cli._app import app, console
from mixcast.errors import UserError


@app.command()
def serve(
    runs: Annotated[Path | None, typer.Option("--runs", help="Folder whose sub-folders are runs.")] = None,
    registry: Annotated[str | None, typer.Option("--registry", help="A run registry: DuckDB file or postgresql:// URL (instead of --runs); adds the /history page.")] = None,
    host: Annotated[str, typer.Option(help="Address to bind; beyond 127.0.0.1 a --token is required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    token: Annotated[str | None, typer.Option(envvar="MIXCAST_TOKEN", help="Access token required on every request (env MIXCAST_TOKEN).")] = None,
) -> None:
    """Serve the dashboard (scenario planner, optimiser, validation, reports) and REST API.

    Example: mixcast serve --runs runs --port 8000
    """
    from mixcast.web.server import check_bind
    from mixcast.web.server import serve as run_server

    if runs is not None and registry is not None:
        raise UserError("Give either --runs DIR or --registry R, not both.")
    if not 1 <= port <= 65535:
        raise UserError(f"--port must be an int in the range [1, 65535]. Got {port} instead.")
    folder = runs if runs is not None or registry is not None else Path("runs")
    if registry is None and not folder.is_dir():
        raise UserError(f"{folder}: no such folder of runs. Fit one with `mixcast fit --config "
                        f"config.yaml --out {folder}/NAME`, or pass --runs DIR.")
    check_bind(host, token)
    where = f"http://{host}:{port}/" + (f"?token={token}" if token else "")
    console.print(f"Dashboard on [bold]{where}[/] · API schema at /openapi.json · Ctrl-C stops.")
    run_server(runs_dir=None if registry else folder, registry=registry, host=host,
               port=port, token=token)
