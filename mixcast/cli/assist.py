"""Plain-language verbs: ask (operator questions) and mcp (the Model Context Protocol server)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mixcast.cli._app import app, console, err_console
from mixcast.errors import UserError

RunOpt = Annotated[Path, typer.Option("--run", help="A run directory written by `mixcast fit`.")]


@app.command()
def ask(
    run: RunOpt,
    question: Annotated[str, typer.Argument(help="e.g. \"shift 15% from TV to Meta\", \"which "
                                                 "channels are saturated\".")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Answer an operator question from the fitted model, with ranges and verdicts.

    Understood without any language model: shift X% (or $N) from A to B; increase or cut
    A by X%; what if the total budget is N; where should the next dollar go; which
    channels are saturated; spend vs return by channel over the last 12 months; what did
    A drive last quarter; how sure are we about A; what should we test next. With
    MIXCAST_LLM_BASE_URL and MIXCAST_LLM_MODEL set, other phrasings are translated by
    that model into the same calls (the numbers still come from mixcast).

    Example: mixcast ask --run runs/q3 "what if we shift 15% from TV to Meta?"
    """
    from rich.markup import escape

    from mixcast.assist.answer import ask as answer
    from mixcast.assist.llm import translator
    from mixcast.runs.models import open_run
    from mixcast.storage import read_manifest

    if not question.strip():
        raise UserError("The question is empty. Ask e.g. mixcast ask --run RUN \"which "
                        "channels are saturated?\"")
    read_manifest(run)
    with err_console.status("Reading the model"):
        result = answer(open_run(run), question, translate=translator())
    if as_json:
        console.print_json(data=result.as_dict())
        return
    console.print(f"[bold]{escape(result.interpretation)}[/]", highlight=False)
    for line in result.lines:
        console.print(escape(line), highlight=False)


@app.command()
def mcp(
    runs: Annotated[Path, typer.Option(
        "--runs", help="Folder whose sub-folders are runs.")] = Path("runs"),
    http: Annotated[int | None, typer.Option("--http", help="Serve streamable HTTP on this "
                                             "port of 127.0.0.1 instead of stdio.")] = None,
    allow_fit: Annotated[bool, typer.Option(
        "--allow-fit", help="Also offer the 'fit' tool (writes new runs; off by default: "
                            "read-only).")] = False,
) -> None:
    """Serve the runs to AI assistants over the Model Context Protocol (stdio by default).

    Tools: list_runs, channel_results, response_curve, scenario, optimise, forecast,
    validation_report, narrative, test_plan, ask (and fit with --allow-fit). Every result
    carries its 90% intervals and each channel's trust verdict.

    Example: mixcast mcp --runs runs
    """
    from mixcast.mcp_server.server import build_server, serve

    if not runs.is_dir():
        raise UserError(f"{runs}: no such folder of runs. Fit one with `mixcast fit --config "
                        f"config.yaml --out {runs}/NAME`, or pass --runs DIR.")
    if http is not None and not 1 <= http <= 65535:
        raise UserError(f"--http must be an int in the range [1, 65535]. Got {http} instead.")
    if http is not None:
        err_console.print(f"MCP server on http://127.0.0.1:{http}/mcp · Ctrl-C stops.")
    serve(build_server(runs, allow_fit=allow_fit), http_port=http)
