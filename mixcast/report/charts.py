"""Plotly figures for the report and the dashboard: draws already-computed numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = ("#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626",
           "#65a30d", "#9333ea", "#ea580c")
BASE_COLORS = {"baseline": "#cbd5e1", "seasonality": "#94a3b8", "controls": "#a8a29e",
               "events": "#fca5a5", "organic": "#86efac", "interactions": "#fde68a",
               "holidays": "#fdba74", "national_time_effect": "#c4b5fd"}
FONT = "Inter, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"


def channel_color(channels: tuple[str, ...], name: str) -> str:
    return PALETTE[channels.index(name) % len(PALETTE)] if name in channels else "#64748b"


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(fig: go.Figure, *, title: str, height: int = 380, hovermode: str = "x unified",
            **kwargs) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        height=height, template="plotly_white", font={"family": FONT, "size": 12},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15, "x": 0}, hovermode=hovermode, **kwargs)
    return fig


def _error_bars(mean, lo, hi) -> dict:
    """Asymmetric error bars from a mean and its 90% interval (arrays of one length)."""
    return {"type": "data", "symmetric": False, "color": "#334155",
            "array": hi - mean, "arrayminus": mean - lo}


def _band_traces(fig: go.Figure, x, mean, lo, hi, *, color: str, name: str) -> None:
    """A mean line over a shaded 90% band."""
    fig.add_trace(go.Scatter(x=x, y=hi, mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=lo, mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=_rgba(color, 0.15), showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=mean, mode="lines", name=name,
                             line={"color": color, "width": 2}))


def decomposition(frame: pd.DataFrame, channels: tuple[str, ...], *, target: str) -> go.Figure:
    """Stacked weekly contributions with the actual outcome on top."""
    fig = go.Figure()
    parts = [c for c in frame.columns if c not in ("date", "fitted", "actual")]
    for name in parts:
        color = BASE_COLORS.get(name) or channel_color(channels, name)
        fig.add_trace(go.Scatter(x=frame["date"], y=frame[name], name=name, mode="lines",
                                 stackgroup="one", line={"width": 0.5, "color": color},
                                 fillcolor=_rgba(color, 0.75)))
    fig.add_trace(go.Scatter(x=frame["date"], y=frame["actual"], name=f"actual {target}",
                             mode="lines", line={"color": "#0f172a", "width": 1.6}))
    return _layout(fig, title="What made up the outcome, week by week", height=420,
                   yaxis_title=target)


def roi_ranked(rows: list[dict], channels: tuple[str, ...]) -> go.Figure:
    """Horizontal ROI bars with 90% intervals, best at the top; mROI as diamonds."""
    rows = sorted(rows, key=lambda r: r["roi"]["mean"])
    names = [r["channel"] for r in rows]
    roi = {k: np.array([r["roi"][k] for r in rows], dtype=float) for k in ("mean", "lo90",
                                                                            "hi90")}
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=names, x=roi["mean"], orientation="h", name="ROI",
        marker_color=[channel_color(channels, n) for n in names],
        error_x=_error_bars(roi["mean"], roi["lo90"], roi["hi90"])))
    fig.add_trace(go.Scatter(
        y=names, x=[r["mroi"]["mean"] for r in rows], mode="markers", name="mROI",
        marker={"symbol": "diamond", "size": 11, "color": "#0f172a"}))
    fig.add_vline(x=1.0, line_dash="dot", line_color="#94a3b8")
    return _layout(fig, title="Return per unit of spend (90% interval)",
                   height=120 + 60 * len(rows), hovermode="closest", xaxis_title="ROI")


def spend_vs_return(frame: pd.DataFrame, channels: tuple[str, ...]) -> go.Figure:
    names = list(frame.index)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=frame["spend"], name="spend", marker_color="#cbd5e1"))
    fig.add_trace(go.Bar(
        x=names, y=frame["incremental_mean"], name="incremental return",
        marker_color=[channel_color(channels, n) for n in names],
        error_y=_error_bars(frame["incremental_mean"], frame["incremental_lo90"],
                            frame["incremental_hi90"])))
    weeks = int(frame["weeks"].iloc[0]) if len(frame) else 0
    return _layout(fig, title=f"Spend vs incremental return, last {weeks} weeks",
                   barmode="group", hovermode="closest")


def rolling(dates, bands: dict, channels: tuple[str, ...]) -> go.Figure:
    fig = go.Figure()
    x = pd.to_datetime(np.asarray(dates))
    for name, band in bands.items():
        _band_traces(fig, x, band.mean, band.lo90, band.hi90,
                     color=channel_color(channels, name), name=name)
    return _layout(fig, title="Rolling 13-week return per unit of spend",
                   yaxis_title="return / spend")


def response_curves(curves, channels: tuple[str, ...]) -> go.Figure:
    """Curves with 90% bands; today's spend (●) and the saturation point (✕) marked."""
    fig = go.Figure()
    for c, name in enumerate(curves.channels):
        color = channel_color(channels, name)
        spend, band = curves.spend[c], {k: v[c] for k, v in curves.outcome.items()}
        _band_traces(fig, spend, band["mean"], band["lo90"], band["hi90"], color=color,
                     name=name)
        i = curves.current_index
        fig.add_trace(go.Scatter(x=[spend[i]], y=[band["mean"][i]], mode="markers",
                                 name=f"{name}: today", showlegend=False,
                                 marker={"size": 12, "color": color,
                                         "line": {"width": 2, "color": "white"}}))
        knee = curves.saturation_spend[c]
        if np.isfinite(knee) and knee <= spend[-1]:
            fig.add_trace(go.Scatter(x=[knee], y=[np.interp(knee, spend, band["mean"])],
                                     mode="markers", name=f"{name}: saturation",
                                     showlegend=False,
                                     marker={"symbol": "x", "size": 11, "color": color}))
    return _layout(fig, title="Response curves (● today's spend, ✕ saturation: 80% of the "
                              "maximum effect, when inside the range shown; all in the table)",
                   height=420, hovermode="closest",
                   xaxis_title="total spend over the data window",
                   yaxis_title="incremental return")


def carryover(profile, channels: tuple[str, ...]) -> go.Figure:
    fig = go.Figure()
    for c, name in enumerate(profile.channels):
        mean, lo, hi = (profile.share[k][c] for k in ("mean", "lo90", "hi90"))
        fig.add_trace(go.Bar(
            x=np.arange(len(mean)), y=mean, name=name,
            marker_color=channel_color(channels, name), error_y=_error_bars(mean, lo, hi)))
    return _layout(fig, title="Carryover: share of the effect landing each week after spend",
                   barmode="group", hovermode="closest", xaxis_title="weeks after spend",
                   yaxis_tickformat=".0%")


def allocation(rows: list[dict], channels: tuple[str, ...]) -> go.Figure:
    names = [r["channel"] for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=[r["current"] for r in rows], name="current",
                         marker_color="#cbd5e1"))
    fig.add_trace(go.Bar(x=names, y=[r["recommended"] for r in rows], name="optimised",
                         marker_color=[channel_color(channels, n) for n in names]))
    return _layout(fig, title="Current vs optimised spend", barmode="group",
                   hovermode="closest")


def platform(frame: pd.DataFrame, channels: tuple[str, ...]) -> go.Figure:
    names = list(frame.index)
    fig = make_subplots()
    fig.add_trace(go.Bar(x=names, y=frame["platform"], name="platform-claimed",
                         marker_color="#fda4af"))
    fig.add_trace(go.Bar(
        x=names, y=frame["mmm_mean"], name="MMM incremental",
        marker_color=[channel_color(channels, n) for n in names],
        error_y=_error_bars(frame["mmm_mean"], frame["mmm_lo90"], frame["mmm_hi90"])))
    return _layout(fig, title="Platform-claimed vs MMM-incremental outcome",
                   barmode="group", hovermode="closest")
