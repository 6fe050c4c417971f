"""The self-contained HTML report: one file, plotly.js inlined, works offline."""

from __future__ import annotations

from html import escape
from pathlib import Path

from mixcast.formatting import counted
from mixcast.posterior.fitted import Fit
from mixcast.report import sections
from mixcast.report.context import ReportContext
from mixcast.report.gather import gather

SECTIONS = (
    ("executive-summary", "Summary", sections.executive_summary),
    ("narrative", "In words", sections.narrative),
    ("board", "Board one-pager", sections.board),
    ("decomposition", "Decomposition", sections.decomposition),
    ("channel-returns", "Returns", sections.channel_returns),
    ("response-curves", "Curves", sections.curves_and_carryover),
    ("allocation", "Allocation", sections.allocation),
    ("validation", "Validation", sections.validation),
    ("platform", "Platform vs MMM", sections.platform),
    ("recommendations-tracked", "Tracked", sections.recommendations_tracked),
)

CSS = """
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --accent:#2563eb; }
* { box-sizing: border-box; }
body { margin:0; font-family: Inter,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
       color:var(--ink); background:var(--bg); line-height:1.5; font-size:15px; }
header.top { background:#0f172a; color:white; padding:28px 40px 18px; }
header.top h1 { margin:0 0 4px; font-size:26px; font-weight:650; }
header.top .meta { color:#cbd5e1; font-size:13px; }
nav { position:sticky; top:0; z-index:5; background:white; border-bottom:1px solid var(--line);
      padding:8px 40px; display:flex; gap:18px; flex-wrap:wrap; font-size:14px; }
nav a { color:var(--ink); text-decoration:none; opacity:.75; } nav a:hover { opacity:1; color:var(--accent); }
main { max-width:1180px; margin:0 auto; padding:10px 24px 60px; }
section { background:white; border:1px solid var(--line); border-radius:14px; padding:22px 28px;
          margin:22px 0; box-shadow:0 1px 2px rgba(15,23,42,.04); }
h2 { margin:0 0 6px; font-size:21px; } h3 { font-size:16px; margin:18px 0 8px; }
.lead { color:var(--muted); margin:0 0 14px; }
.tiles { display:grid; grid-template-columns:repeat(auto-fit,minmax(200px,1fr)); gap:14px; margin:10px 0 6px; }
.tile { background:var(--bg); border:1px solid var(--line); border-radius:12px; padding:14px 16px; }
.tile .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.tile .value { font-size:24px; font-weight:650; margin-top:4px; }
.tile .note { color:var(--muted); font-size:13px; }
.tile .value .range { font-size:14px; font-weight:500; }
.cols { display:grid; grid-template-columns:1fr 1fr; gap:28px; }
@media (max-width: 860px) { .cols { grid-template-columns:1fr; } }
ul.drivers, ol.recs { padding-left:20px; margin:6px 0; } li { margin:6px 0; }
.range { color:var(--muted); font-size:.92em; }
table { border-collapse:collapse; width:100%; margin:10px 0 16px; font-size:14px; }
th { text-align:left; color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase;
     letter-spacing:.03em; border-bottom:2px solid var(--line); padding:8px 10px; }
td { border-bottom:1px solid var(--line); padding:8px 10px; vertical-align:top; }
.chip { display:inline-block; white-space:nowrap; padding:2px 10px; border-radius:999px; font-size:12px; font-weight:600; }
.chip.solid { background:#dcfce7; color:#166534; } .chip.care { background:#fef3c7; color:#92400e; }
.chip.do_not_act { background:#fee2e2; color:#991b1b; } .chip.none { background:#e2e8f0; color:#475569; }
td.action { font-weight:650; text-transform:uppercase; font-size:13px; }
td.action.grow { color:#15803d; } td.action.cut { color:#b91c1c; } td.action.hold { color:#475569; }
td.action.test-first { color:#b45309; }
.model-note { background:#eff6ff; border-left:3px solid var(--accent); padding:6px 12px; margin:0 0 12px; font-size:14px; }
.ml-limits { background:#fffbeb; border:1px solid #fde68a; border-radius:10px; padding:6px 16px; margin:8px 0; font-size:14px; }
.missing { background:#f1f5f9; border:1px dashed #94a3b8; border-radius:10px; padding:12px 16px; color:#475569; }
.muted { color:var(--muted); } .small { font-size:13px; }
details summary { cursor:pointer; color:var(--accent); margin:6px 0; }
dl.nested { margin:4px 0 4px 8px; display:grid; grid-template-columns:max-content 1fr; gap:2px 14px; font-size:13px; }
dl.nested dt { color:var(--muted); } dl.nested dd { margin:0; }
button { background:var(--accent); color:white; border:0; border-radius:8px; padding:8px 14px;
         font-size:14px; cursor:pointer; margin-top:8px; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:20px; }
@media print {
  body { background:white; font-size:12px; } nav, .no-print, details summary { display:none; }
  header.top { background:white; color:var(--ink); padding:0 0 8px; border-bottom:2px solid var(--ink); }
  header.top .meta { color:var(--muted); }
  main { max-width:none; padding:0; }
  section { border:0; box-shadow:none; padding:8px 0; margin:0 0 10px; break-inside:avoid; }
  #board { break-after:page; }
  body.print-board section:not(#board) { display:none; }
  body.print-board footer { display:none; }
}
"""


def render_html(ctx: ReportContext) -> str:
    """The full report page for ``ctx`` as one HTML string."""
    from plotly.offline import get_plotlyjs

    parts = [(key, label, render(ctx)) for key, label, render in SECTIONS]
    parts = [part for part in parts if part[2]]   # a section with nothing to show is left out
    nav = "".join(f'<a href="#{key}">{escape(label)}</a>' for key, label, _ in parts)
    body = "".join(html for _, _, html in parts)
    start, end = ctx.summary.get("date_range", ["", ""])
    diag = ctx.summary["diagnostics"]
    draws = "bootstrap replicates of the ML challenger" if ctx.is_ml else "posterior draws"
    model = " (machine-learning challenger)" if ctx.is_ml else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>mixcast report — {escape(ctx.run_name)}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
        f'<body data-run="{escape(ctx.run_name)}" data-kpi-type="{escape(ctx.kpi_type)}">'
        f'<header class="top"><h1>Marketing mix report: {escape(ctx.target)}{model}</h1>'
        f'<div class="meta">Run <b>{escape(ctx.run_name)}</b> · {start} – {end} · '
        f'{counted(int(ctx.summary.get("n_geos", 1)), "geo")} · '
        f'{counted(len(ctx.channels), "channel")} · fitted '
        f'{escape(str(ctx.manifest.get("created", "")))} · mixcast '
        f'{escape(str(ctx.manifest.get("mixcast_version", "")))}</div></header>'
        f"<nav>{nav}</nav><main>{body}</main>"
        f'<footer>{diag.get("n_draws", "")} {draws} · ranges are 90% intervals '
        "(5th–95th percentile) · generated by mixcast</footer></body></html>")


def render_report(run: str | Path, out: str | Path, *, fit: Fit | None = None,
                  registry: str | None = None) -> Path:
    """Write the HTML report of the run directory ``run`` to ``out`` and return ``out``
    (with the adopted plans of ``registry``, default the registry beside the run if any)."""
    from dataclasses import replace

    from mixcast.report.tracked import tracked_plans
    from mixcast.storage import write_text_atomic

    out = Path(out)
    ctx = replace(gather(run, fit=fit), tracked=tracked_plans(run, registry))
    write_text_atomic(out, render_html(ctx))
    return out
