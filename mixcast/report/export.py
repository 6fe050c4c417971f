"""PDF and PNG versions of the report, for print and for slides.

Headless Chromium (Debian's ``chromium`` package) prints the HTML report to PDF and
screenshots each chart to PNG, so both look exactly like the HTML. Without Chromium, a
matplotlib fallback draws the key charts and tables (plainer, same numbers).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import plotly.graph_objects as go

from mixcast.errors import UserError
from mixcast.report import charts
from mixcast.report.context import ReportContext

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--hide-scrollbars", "--virtual-time-budget=8000")
TIMEOUT_S = 180


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _run_chromium(binary: str, *args: str) -> None:
    with tempfile.TemporaryDirectory(prefix="mixcast-chromium-") as profile:
        command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT_S)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise UserError(f"Chromium ({binary}) failed to render the report: {error}. "
                            "Try --format html, or reinstall chromium.") from None


def html_to_pdf(html_path: Path, pdf_path: Path, *, chromium: str) -> Path:
    """Print an HTML file to PDF with headless Chromium (print CSS applies)."""
    _run_chromium(chromium, "--no-pdf-header-footer",
                  f"--print-to-pdf={pdf_path.resolve()}", html_path.resolve().as_uri())
    return pdf_path


def report_figures(ctx: ReportContext) -> dict[str, go.Figure]:
    """The report's charts by name (the ones worth pasting into slides)."""
    rows = [{"channel": n, "roi": e["roi"], "mroi": e["mroi"]}
            for n, e in ctx.summary["channels"].items()]
    figures = {
        "decomposition": charts.decomposition(ctx.decomposition, ctx.channels,
                                              target=ctx.target),
        "roi": charts.roi_ranked(rows, ctx.channels),
        "last-year": charts.spend_vs_return(ctx.last_year, ctx.channels),
        "rolling": charts.rolling(ctx.rolling_dates, ctx.rolling, ctx.channels),
    }
    if ctx.curves.value is not None:
        figures["response-curves"] = charts.response_curves(ctx.curves.value, ctx.channels)
    if ctx.carryover.value is not None:
        figures["carryover"] = charts.carryover(ctx.carryover.value, ctx.channels)
    if ctx.allocation.value is not None:
        from mixcast.report.sections import allocation_rows

        figures["allocation"] = charts.allocation(allocation_rows(ctx.allocation.value),
                                                  ctx.channels)
    if ctx.platform.value is not None:
        figures["platform"] = charts.platform(ctx.platform.value, ctx.channels)
    return figures


def figures_to_png(figures: dict[str, go.Figure], out_dir: Path, *, chromium: str,
                   width: int = 1200) -> list[Path]:
    """Screenshot each figure (standalone, offline HTML) to ``out_dir/<name>.png``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="mixcast-png-") as tmp:
        for name, fig in figures.items():
            height = int(fig.layout.height or 420)
            page = Path(tmp) / f"{name}.html"
            fig.update_layout(width=width, height=height)
            page.write_text(fig.to_html(include_plotlyjs=True, full_html=True,
                                        config={"displayModeBar": False,
                                                "staticPlot": True}).replace(
                "<body>", '<body style="margin:0">'), encoding="utf-8")
            target = out_dir / f"{name}.png"
            _run_chromium(chromium, f"--window-size={width},{height}",
                          f"--screenshot={target.resolve()}", page.as_uri())
            written.append(target)
    return written


def matplotlib_pdf(ctx: ReportContext, pdf_path: Path) -> Path:
    """Fallback PDF without a browser: summary table, ROI, decomposition, curves."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(pdf_path) as pdf:
        for draw in (_mpl_summary, _mpl_decomposition, _mpl_curves):
            fig = draw(ctx)
            pdf.savefig(fig)
            matplotlib.pyplot.close(fig)
    return pdf_path


def matplotlib_pngs(ctx: ReportContext, out_dir: Path) -> list[Path]:
    """Fallback PNG charts without a browser."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (("roi", _mpl_summary), ("decomposition", _mpl_decomposition),
                       ("response-curves", _mpl_curves)):
        fig = draw(ctx)
        fig.savefig(out_dir / f"{name}.png", dpi=150)
        matplotlib.pyplot.close(fig)
        written.append(out_dir / f"{name}.png")
    return written


def _mpl_summary(ctx: ReportContext):
    import matplotlib.pyplot as plt

    items = sorted(ctx.summary["channels"].items(), key=lambda kv: kv[1]["roi"]["mean"])
    fig, ax = plt.subplots(figsize=(11, 4 + 0.4 * len(items)))
    names = [n for n, _ in items]
    means = [e["roi"]["mean"] for _, e in items]
    err = [[e["roi"]["mean"] - e["roi"]["lo90"] for _, e in items],
           [e["roi"]["hi90"] - e["roi"]["mean"] for _, e in items]]
    ax.barh(names, means, xerr=err, color=[charts.channel_color(ctx.channels, n)
                                           for n in names], capsize=4)
    ax.axvline(1.0, ls=":", color="grey")
    ax.set_title(f"{ctx.target}: ROI by channel (90% interval) — run {ctx.run_name}",
                 loc="left")
    ax.set_xlabel("ROI")
    fig.tight_layout()
    return fig


def _mpl_decomposition(ctx: ReportContext):
    import matplotlib.pyplot as plt

    frame = ctx.decomposition
    parts = [c for c in frame.columns if c not in ("date", "fitted", "actual")]
    fig, ax = plt.subplots(figsize=(11, 5))
    ax.stackplot(frame["date"], *[frame[p] for p in parts], labels=parts, alpha=0.8,
                 colors=[charts.BASE_COLORS.get(p) or charts.channel_color(ctx.channels, p)
                         for p in parts])
    ax.plot(frame["date"], frame["actual"], color="black", lw=1.2, label="actual")
    ax.legend(loc="upper left", ncol=4, fontsize=8)
    ax.set_title("What made up the outcome, week by week", loc="left")
    fig.tight_layout()
    return fig


def _mpl_curves(ctx: ReportContext):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 5))
    curves = ctx.curves.value
    if curves is None:
        ax.text(0.02, 0.5, f"Response curves not available: {ctx.curves.missing}",
                transform=ax.transAxes)
        return fig
    for c, name in enumerate(curves.channels):
        color = charts.channel_color(ctx.channels, name)
        spend = curves.spend[c]
        ax.fill_between(spend, curves.outcome["lo90"][c], curves.outcome["hi90"][c],
                        color=color, alpha=0.15)
        ax.plot(spend, curves.outcome["mean"][c], color=color, label=name)
        ax.axvline(curves.current_spend[c], color=color, ls=":", lw=1)
    ax.set_xlabel("total spend")
    ax.set_ylabel("incremental return")
    ax.legend()
    ax.set_title("Response curves (dotted: today's spend)", loc="left")
    fig.tight_layout()
    return fig
