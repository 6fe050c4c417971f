"""The `report` verb: a run directory -> HTML report, PDF, or PNG charts for slides."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from mixcast.cli._app import app, console, err_console
from mixcast.errors import UserError

FORMATS = ("html", "pdf", "png")


@app.command()
def report(
    run: Annotated[Path, typer.Option("--run", help="A run directory written by `mixcast fit`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (a folder for --format png).")],
    format: Annotated[str | None, typer.Option("--format", "-f", help="html (one offline file), pdf, or png (one chart per file); default: from --out's suffix (.pdf: pdf), else html.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    registry: Annotated[str | None, typer.Option("--registry", "-r", help="Registry whose adopted plans the report tracks (DuckDB file or postgresql:// URL; default: registry.duckdb beside the run, if there).")] = None,
) -> None:
    """Render a run as a report a CMO reads in five minutes and an analyst in an hour.

    Example: mixcast report --run runs/q3 --out report.html
    """
    from mixcast.report import export
    from mixcast.report.gather import gather
    from mixcast.report.html import render_html
    from mixcast.report.tracked import tracked_plans
    from mixcast.storage import read_manifest

    format, out = _format_and_path(format, out)
    read_manifest(run)
    with _status("Computing report figures from the posterior", quiet):
        ctx = replace(gather(run), tracked=tracked_plans(run, registry))
    chromium = export.find_chromium()
    if format == "html":
        from mixcast.storage import write_text_atomic

        write_text_atomic(out, render_html(ctx))
    elif format == "pdf":
        out.parent.mkdir(parents=True, exist_ok=True)
        with _status("Printing to PDF", quiet):
            _pdf(ctx, out, chromium)
    else:
        with _status("Drawing PNG charts", quiet):
            files = (export.figures_to_png(export.report_figures(ctx), out, chromium=chromium)
                     if chromium else export.matplotlib_pngs(ctx, out))
        console.print(f"{len(files)} charts written to [bold]{out}[/]")
        return
    console.print(f"Report written to [bold]{out}[/]")


SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def _format_and_path(format: str | None, out: Path) -> tuple[str, Path]:
    """The format (given, else read from ``out``'s suffix, else html) and the file to
    write: ``report.<format>`` inside ``out`` when it is a folder."""
    if format is not None and format not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}. Got {format!r} instead.")
    implied = SUFFIXES.get(out.suffix.lower())
    if format is None:
        format = implied or "html"
    elif implied and implied != format:
        raise UserError(f"--out {out} ends in {out.suffix} but --format is {format}: name the "
                        f"file .{format}, or leave out --format to write {implied}.")
    if format != "png" and out.is_dir():
        out = out / f"report.{format}"
    return format, out


def _pdf(ctx, out: Path, chromium: str | None) -> None:
    from mixcast.report import export
    from mixcast.report.html import render_html

    if chromium is None:
        err_console.print("[yellow]Chromium not found: writing a plainer matplotlib PDF. "
                          "Install it (apt-get install chromium) for the full report.[/]")
        export.matplotlib_pdf(ctx, out)
        return
    with tempfile.TemporaryDirectory(prefix="mixcast-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(render_html(ctx), encoding="utf-8")
        export.html_to_pdf(page, out, chromium=chromium)


def _status(message: str, quiet: bool):
    from contextlib import nullcontext

    return nullcontext() if quiet else err_console.status(message)
