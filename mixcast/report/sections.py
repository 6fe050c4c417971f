"""One function per report section: ReportContext -> HTML. Formats, never computes.

Every number a reader (or a test) may want to check is also in a ``data-value``
attribute with full precision, next to its rounded display text.
"""

from __future__ import annotations

from html import escape

import numpy as np
import plotly.graph_objects as go

from mixcast.report import charts
from mixcast.report.context import REPORT_MAX_CHANGE, ReportContext
from mixcast.report.terminal import fmt_number
from mixcast.validation.suite import ALL_CHECKS

VERDICT_TEXT = {"solid": "Solid — act on it", "care": "Use with care",
                "do_not_act": "Do not act yet", None: "Not validated"}


def chart(fig: go.Figure, key: str) -> str:
    """A Plotly figure as a div (the page inlines plotly.js once)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{key}",
                       config={"displaylogo": False, "responsive": True})


def num(value, *, key: str = "", digits: int = 2, pct: bool = False) -> str:
    """A number as a span carrying its exact value."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return f'<span class="num" data-metric="{key}" data-value="">—</span>'
    shown = f"{100 * value:.{max(digits - 2, 0)}f}%" if pct else fmt_number(value, digits)
    return f'<span class="num" data-metric="{key}" data-value="{float(value)!r}">{shown}</span>'


def interval(entry: dict, key: str, *, pct: bool = False, digits: int = 2) -> str:
    """'mean (lo – hi)' with each number tagged ``key_mean`` / ``key_lo90`` / ``key_hi90``."""
    return (f"{num(entry['mean'], key=f'{key}_mean', pct=pct, digits=digits)} "
            f'<span class="range">({num(entry["lo90"], key=f"{key}_lo90", pct=pct, digits=digits)}'
            f" – {num(entry['hi90'], key=f'{key}_hi90', pct=pct, digits=digits)})</span>")


def section(key: str, title: str, body: str, *, lead: str = "", note: str = "") -> str:
    lead_html = f'<p class="lead">{lead}</p>' if lead else ""
    if note:
        lead_html += f'<p class="model-note" data-note="{key}">{escape(note)}</p>'
    return (f'<section id="{key}" data-section="{key}"><h2>{escape(title)}</h2>'
            f"{lead_html}{body}</section>")


def missing(reason: str) -> str:
    return f'<div class="missing" data-missing="true">Not available in this run. {escape(reason)}</div>'


def verdict_chip(verdict: str | None) -> str:
    cls = verdict or "none"
    return f'<span class="chip {cls}" data-verdict="{cls}">{VERDICT_TEXT.get(verdict, verdict)}</span>'


def executive_summary(ctx: ReportContext) -> str:
    """Headline tiles, what drove the outcome, top three moves, trust verdicts."""
    channels = ctx.summary["channels"]
    top = max(channels, key=lambda c: channels[c]["contribution_share"]["mean"] or 0)
    media = ctx.media_total
    share = float(media.mean) / ctx.outcome_total if ctx.outcome_total else float("nan")
    overall = _overall_verdict(ctx)
    tiles = "".join([
        _tile(f"Total {escape(ctx.target)}", num(ctx.outcome_total, key="outcome_total")),
        _tile("Driven by paid media", num(share, key="media_share", pct=True, digits=3),
              f"{num(float(media.lo90), key='media_lo90')} – "
              f"{num(float(media.hi90), key='media_hi90')} {escape(ctx.target)}"),
        _tile("Largest driver", escape(top), interval(channels[top]["contribution_share"],
                                                      "top_share", pct=True, digits=3)),
        _tile("Can we act on it?", verdict_chip(overall)),
    ])
    drivers = "".join(
        f'<li data-channel="{escape(c)}"><b>{escape(c)}</b>: '
        f'{interval(e["contribution_share"], "share", pct=True, digits=3)} of media-driven '
        f'{escape(ctx.target)}, ROI {interval(e["roi"], "roi")}</li>'
        for c, e in sorted(channels.items(), key=lambda kv: -(kv[1]["contribution_share"]["mean"] or 0)))
    body = (f'<div class="tiles">{tiles}</div><div class="cols"><div><h3>What drove the outcome</h3>'
            f'<ul class="drivers">{drivers}</ul></div><div><h3>Top three recommendations</h3>'
            f"{_recommendation_list(ctx)}</div></div><h3>Trust</h3>{_trust_table(ctx)}")
    start, end = ctx.summary.get("date_range", ["", ""])
    return section("executive-summary", "Executive summary", body,
                   lead=f"{escape(ctx.target)} from {start} to {end}, "
                        f"{ctx.summary.get('n_weeks', '')} weeks. Ranges are 90% intervals.")


def narrative(ctx: ReportContext) -> str:
    """The run in words: the same text as `mixcast summary` and the dashboard."""
    found = ctx.narrative
    if found is None or found.value is None:
        return section("narrative", "The run in words", missing(
            found.missing if found is not None else "The narrative was not computed."))
    body = "".join(
        f'<h3>{escape(title)}</h3><ul>{"".join(f"<li>{escape(s)}</li>" for s in sentences)}</ul>'
        for title, sentences in found.value.paragraphs)
    return section("narrative", "The run in words", body,
                   lead="The same text as <code>mixcast summary</code> and the dashboard; "
                        "ranges are 90% intervals.")


def _tile(label: str, value: str, note: str = "") -> str:
    return (f'<div class="tile"><div class="label">{label}</div><div class="value">{value}'
            f'</div><div class="note">{note}</div></div>')


def _overall_verdict(ctx: ReportContext) -> str | None:
    if ctx.validation.value:
        return ctx.validation.value.get("overall", {}).get("verdict")
    return None


def _recommendation_list(ctx: ReportContext) -> str:
    if ctx.recommendations.value is None:
        return missing(ctx.recommendations.missing)
    tests = _test_list(ctx)
    if not ctx.recommendations.value:
        return ('<p class="muted">No 10% budget shift between channels is expected to '
                'help.</p>' + tests)
    items = []
    for rank, move in enumerate(ctx.recommendations.value, start=1):
        items.append(
            f'<li data-recommendation="{rank}" data-from="{escape(move["from"])}" '
            f'data-to="{escape(move["to"])}">Move {num(move["amount"], key="amount")} from '
            f'<b>{escape(move["from"])}</b> to <b>{escape(move["to"])}</b>: expected '
            f'{interval(move["change"], "change")} {escape(ctx.target)}; '
            f'{_chance(move["prob_better"])} chance it helps</li>')
    plan = ctx.allocation.value
    full = ("" if plan is None else
            f'<p data-recommendation="optimiser">The optimiser\'s full reallocation (same '
            f"budget, each channel ±{100 * REPORT_MAX_CHANGE:.0f}% at most): expected "
            f'{interval(plan.gain.as_dict(), "gain")} {escape(ctx.target)} — see Allocation.</p>')
    return (f'<ol class="recs">{"".join(items)}</ol>{tests}{full}<p class="muted small">Each move '
            "shifts 10% of one channel's spend to another over the data window, scored over "
            f"{'the bootstrap replicates' if ctx.is_ml else 'the posterior'}; moves into "
            "channels validation says not to act on, and moves out of or into channels "
            "whose ROI is mostly the prior's, are left out."
            "</p>")


def _test_list(ctx: ReportContext) -> str:
    """"Run a lift test on X" for every channel to test before moving its budget."""
    tests = "".join(
        f'<li data-recommendation="test" data-channel="{escape(a["channel"])}">'
        f'{escape(a["reason"][0].upper() + a["reason"][1:])}</li>'
        for a in ctx.actions if a["action"] == "test first" and a.get("reason"))
    return (f'<p>Before moving these channels\' budgets:</p><ul class="tests">{tests}</ul>'
            if tests else "")


def _chance(p: float) -> str:
    """A posterior probability, never shown as a certain 0% or 100%."""
    shown = ">99%" if p > 0.99 else "<1%" if p < 0.01 else f"{100 * p:.0f}%"
    return f'<span class="num" data-metric="prob_better" data-value="{float(p)!r}">{shown}</span>'


def _trust_table(ctx: ReportContext) -> str:
    diag = ctx.summary["diagnostics"]
    verdicts = (ctx.validation.value or {}).get("channels", {}) if ctx.validation.value else {}
    rows = "".join(
        f'<tr data-channel="{escape(c)}"><td>{escape(c)}</td><td>'
        f'{verdict_chip((verdicts.get(c) or {}).get("verdict"))}</td><td>'
        f'{escape("; ".join((verdicts.get(c) or {}).get("reasons", [])))}</td></tr>'
        for c in ctx.channels)
    note = ("" if ctx.validation.value else
            f'<p class="muted small">{escape(ctx.validation.missing)}</p>')
    table = (f'<table data-table="trust"><tr><th>channel</th><th>verdict</th><th>why</th></tr>'
             f"{rows}</table>{note}")
    if ctx.is_ml:
        return _ml_trust(ctx) + table
    # The verdict of mixcast.posterior.diagnostics.judge, as summary.json stores it.
    state = {"pass": "converged", "warn": "converged, with caveats",
             "fail": "<b>not converged</b>"}[diag.get("status", "pass" if diag.get("converged")
                                                      else "fail")]
    problems = "".join(f"<li>{escape(p)}</li>" for p in diag.get("problems", []))
    return (f'<p>Sampler: {state} — R-hat max '
            f'{num(diag["rhat_max"], key="rhat_max", digits=3)}, divergences '
            f'{num(diag["divergences"], key="divergences", digits=0)}.</p>'
            + (f'<ul class="small">{problems}</ul>' if problems else "") + table)


def _ml_trust(ctx: ReportContext) -> str:
    """What an ML run can and cannot say: out-of-sample accuracy, then its limits."""
    accuracy = ctx.summary.get("accuracy", {})
    limits = "".join(f"<li>{escape(text)}</li>" for text in ctx.summary.get("limits", []))
    return (f'<div class="ml-limits" data-model="ml"><p><b>Machine-learning challenger</b> '
            f'(tree ensemble, not the Bayesian model). Out of sample (time-ordered CV): MAPE '
            f'{num(accuracy.get("cv_mape"), key="cv_mape", pct=True, digits=3)}, R² '
            f'{num(accuracy.get("cv_r2"), key="cv_r2", digits=2)}. Good prediction does not '
            f"make its ROI causal.</p><ul>{limits}</ul></div>")


def decomposition(ctx: ReportContext) -> str:
    fig = charts.decomposition(ctx.decomposition, ctx.channels, target=ctx.target)
    totals = ctx.decomposition.drop(columns=["date"]).sum()
    rows = "".join(f'<tr data-part="{escape(k)}"><td>{escape(k)}</td><td>'
                   f'{num(float(v), key="total")}</td></tr>' for k, v in totals.items())
    return section("decomposition", "Decomposition over time",
                   chart(fig, "decomposition") + '<details><summary>Totals by part</summary>'
                   f'<table data-table="decomposition">{rows}</table></details>',
                   lead="Baseline (level and trend), seasonality, controls and each channel, "
                        "posterior mean, summed over geos.",
                   note=ctx.notes.get("decomposition", ""))


def channel_returns(ctx: ReportContext) -> str:
    channels = ctx.summary["channels"]
    ranked = sorted(channels.items(), key=lambda kv: -(kv[1]["roi"]["mean"] or 0))
    has_cpa = any("cpa" in e for _, e in ranked)
    head = ("<tr><th>rank</th><th>channel</th><th>spend</th><th>ROI (90%)</th>"
            "<th>mROI (90%)</th><th>share of media effect</th>"
            + ("<th>CPA (90%)</th>" if has_cpa else "") + "</tr>")
    rows = []
    for rank, (name, e) in enumerate(ranked, start=1):
        cpa = f'<td>{interval(e["cpa"], "cpa")}</td>' if has_cpa and "cpa" in e else (
            "<td>—</td>" if has_cpa else "")
        rows.append(
            f'<tr data-channel="{escape(name)}" data-rank="{rank}"><td>{rank}</td>'
            f'<td>{escape(name)}</td><td>{num(e["spend"], key="spend")}</td>'
            f'<td>{interval(e["roi"], "roi")}</td><td>{interval(e["mroi"], "mroi")}</td>'
            f'<td>{interval(e["contribution_share"], "contribution_share", pct=True, digits=3)}'
            f"</td>{cpa}</tr>")
    rows_for_chart = [{"channel": n, "roi": e["roi"], "mroi": e["mroi"]} for n, e in ranked]
    body = (f'<table data-table="channels">{head}{"".join(rows)}</table>'
            + chart(charts.roi_ranked(rows_for_chart, ctx.channels), "roi")
            + chart(charts.spend_vs_return(ctx.last_year, ctx.channels), "last-year")
            + _last_year_table(ctx)
            + chart(charts.rolling(ctx.rolling_dates, ctx.rolling, ctx.channels), "rolling"))
    return section("channel-returns", "Return by channel", body,
                   lead="ROI: outcome per unit of spend, against switching the channel off. "
                        "mROI: return on the next unit. Ranked by ROI.",
                   note=ctx.notes.get("channel-returns", ""))


def _last_year_table(ctx: ReportContext) -> str:
    rows = "".join(
        f'<tr data-channel="{escape(c)}"><td>{escape(c)}</td><td>{num(r.spend, key="spend")}'
        f'</td><td>{interval({"mean": r.incremental_mean, "lo90": r.incremental_lo90, "hi90": r.incremental_hi90}, "incremental")}'
        f'</td><td>{interval({"mean": r.roi_mean, "lo90": r.roi_lo90, "hi90": r.roi_hi90}, "roi")}</td></tr>'
        for c, r in ctx.last_year.iterrows())
    return ('<table data-table="last-year"><tr><th>channel</th><th>spend</th>'
            f"<th>incremental return</th><th>ROI</th></tr>{rows}</table>")


def curves_and_carryover(ctx: ReportContext) -> str:
    title = "Response curves and carryover"
    if ctx.curves.value is None:
        return section("response-curves", title, missing(ctx.curves.missing))
    curves, profile = ctx.curves.value, ctx.carryover.value
    i = curves.current_index
    relative, searched = curves.hurdle.relative, curves.searched_to
    weeks = dict(zip(profile.channels, profile.weeks_to_90pct)) if profile else {}
    # A KPI without a value has no break-even: the point shown is where the channel's
    # next unit falls to what the average channel's buys today.
    breakeven = ("where the next unit returns the channels' average "
                 f"(mROI {num(curves.hurdle.value, key='curves_hurdle')})" if relative
                 else "breakeven (the next unit pays for itself)")
    rows = "".join(
        f'<tr data-channel="{escape(name)}"><td>{escape(name)}</td>'
        f'<td>{num(curves.current_spend[c], key="current_spend")}</td>'
        f'<td>{interval({k: v[c, i] for k, v in curves.mroi.items()}, "mroi")}</td>'
        f'<td>{_spend_point(curves.breakeven_spend[c], "breakeven_spend", searched, relative)}'
        f'</td><td>{_spend_point(curves.saturation_spend[c], "saturation_spend", searched)}</td>'
        f'<td>{num(weeks.get(name), key="weeks_to_90pct", digits=0)}</td></tr>'
        for c, name in enumerate(curves.channels))
    body = (chart(charts.response_curves(curves, ctx.channels), "curves")
            + '<table data-table="curves"><tr><th>channel</th><th>today\'s spend</th>'
              f"<th>mROI today</th><th>{breakeven}</th><th>saturation (80% of max)</th>"
              f"<th>weeks to 90% of effect</th></tr>{rows}</table>"
            + (chart(charts.carryover(profile, ctx.channels), "carryover") if profile else
               missing(ctx.carryover.missing)))
    return section("response-curves", title, body,
                   lead="How each channel's return grows with its spend (weekly pattern kept, "
                        "other channels fixed), and how long its effect lasts.",
                   note=ctx.notes.get("response-curves", ""))


def _spend_point(value: float, key: str, searched: float, relative: bool = False) -> str:
    if value is None or not np.isfinite(value):
        return f"beyond {searched:,g}× today"
    if value == 0:
        return "below the average at any spend" if relative else "never pays back 1:1"
    return num(float(value), key=key)


def allocation(ctx: ReportContext) -> str:
    title = "Current vs optimised allocation"
    if ctx.allocation.value is None:
        return section("allocation", title, missing(ctx.allocation.missing))
    plan = ctx.allocation.value
    rows = allocation_rows(plan)
    table = "".join(
        f'<tr data-channel="{escape(r["channel"])}"><td>{escape(r["channel"])}</td>'
        f'<td>{num(r["current"], key="current_spend")}</td>'
        f'<td>{num(r["recommended"], key="recommended_spend")}</td>'
        f'<td>{num(r["change_pct"], key="change_pct", digits=1)}%</td>'
        f'<td>{interval(r["outcome"], "expected_outcome")}</td></tr>' for r in rows)
    unit = escape(plan.outcome_unit)
    outcome = (
        f'<div class="tiles">{_tile("Today: media-driven " + unit, interval(plan.current_outcome.as_dict(), "current_outcome"))}'
        f'{_tile("Optimised", interval(plan.recommended_outcome.as_dict(), "optimised_outcome"))}'
        f'{_tile("Gain", interval(plan.gain.as_dict(), "gain"))}</div>')
    return section("allocation", title,
                   outcome + chart(charts.allocation(rows, ctx.channels), "allocation")
                   + '<table data-table="allocation"><tr><th>channel</th><th>current</th>'
                     "<th>optimised</th><th>change</th><th>media-driven outcome (90%)</th></tr>"
                     f"{table}</table>",
                   lead=f"Same total budget over the data window; each channel moves at most "
                        f"±{100 * REPORT_MAX_CHANGE:.0f}%. {escape(plan.note)}"
                        + "".join(f" {escape(c)}: {escape(why)}." for c, why
                                  in getattr(plan, "held", {}).items())
                        + "".join(" " + escape(f"Beyond the data: {c}'s {note}.")
                                  for c, note in plan.beyond_data_notes().items()))


def allocation_rows(plan) -> list[dict]:
    """Rows of an optimiser Allocation, as the report tables and charts read them."""
    frame = plan.to_frame()
    return [{"channel": r.channel, "current": r.current_spend,
             "recommended": r.recommended_spend, "change_pct": r.change_pct,
             "outcome": {"mean": r.expected_outcome_mean, "lo90": r.expected_outcome_lo90,
                         "hi90": r.expected_outcome_hi90}} for r in frame.itertuples()]


def validation(ctx: ReportContext) -> str:
    diag = ctx.summary["diagnostics"]
    digits = {"rhat_max": 3, "tree_depth_saturated": 3, "fit_seconds": 1}
    conv = "".join(f'<tr data-check="{k}"><td>{k.replace("_", " ")}</td><td>'
                   f'{num(diag[k], key=k, digits=digits.get(k, 0))}</td></tr>'
                   for k in ("rhat_max", "ess_bulk_min", "ess_tail_min", "divergences",
                             "tree_depth_saturated", "n_draws", "fit_seconds") if k in diag)
    body = f'<h3>Convergence</h3><table data-table="convergence">{conv}</table>'
    if ctx.is_ml:
        accuracy = ctx.summary.get("accuracy", {})
        rows = "".join(
            f'<tr data-check="{k}"><td>{label}</td><td>'
            f'{num(accuracy.get(k), key=k, pct=k.endswith("mape"), digits=3)}</td></tr>'
            for k, label in (("cv_mape", "out-of-sample MAPE (time-ordered CV)"),
                             ("cv_r2", "out-of-sample R²"), ("in_sample_mape", "in-sample MAPE"),
                             ("in_sample_r2", "in-sample R²")))
        body = ("<h3>Accuracy (no MCMC: machine-learning challenger)</h3>"
                f'<table data-table="accuracy">{rows}</table>')
    doc = ctx.validation.value
    if doc is None:
        body += missing(ctx.validation.missing)
    else:
        overall = doc.get("overall", {})
        body += (f'<h3>Overall: {verdict_chip(overall.get("verdict"))}</h3><ul>'
                 + "".join(f"<li>{escape(str(r))}</li>" for r in overall.get("reasons", []))
                 + "</ul>" + _checks_table(doc.get("checks") or {}))
    return section("validation", "Validation", body,
                   lead="Convergence, backtests, forecast accuracy under spend shifts, "
                        "recovery of known effects and stability.")


STATUS_CHIP = {"pass": "solid", "warn": "care", "fail": "do_not_act", "skipped": "none"}


def _checks_table(checks: dict) -> str:
    """One row per check (status, summary, advice), details folded underneath."""
    names = [n for n in ALL_CHECKS if n in checks] + [n for n in checks if n not in ALL_CHECKS]
    rows = []
    for name in names:
        check = checks[name] if isinstance(checks[name], dict) else {"summary": checks[name]}
        status = str(check.get("status", ""))
        advice = " ".join(str(a) for a in check.get("advice", []) or [])
        details = {k: v for k, v in check.items() if k not in ("status", "summary", "advice")}
        rows.append(
            f'<tr data-check="{escape(name)}" data-status="{escape(status)}"><td><b>'
            f'{escape(name.replace("_", " "))}</b></td><td><span class="chip '
            f'{STATUS_CHIP.get(status, "none")}">{escape(status or "—")}</span></td><td>'
            f'{escape(str(check.get("summary", "")))}'
            + (f'<div class="muted small">{escape(advice)}</div>' if advice else "")
            + (f"<details><summary>details</summary>{_nested(details)}</details>"
               if details else "") + "</td></tr>")
    return ('<table data-table="checks"><tr><th>check</th><th>status</th><th>finding</th></tr>'
            f'{"".join(rows)}</table>')


def _nested(value, depth: int = 0) -> str:
    """A validation check of unknown shape as nested definition lists."""
    if isinstance(value, dict):
        items = "".join(f"<dt>{escape(str(k))}</dt><dd>{_nested(v, depth + 1)}</dd>"
                        for k, v in list(value.items())[:40])
        return f'<dl class="nested">{items}</dl>'
    if isinstance(value, list):
        shown = ", ".join(_nested(v, depth + 1) for v in value[:12])
        return shown + (" …" if len(value) > 12 else "")
    if isinstance(value, float):
        return num(value, digits=3)
    return escape(str(value))


def platform(ctx: ReportContext) -> str:
    frame = ctx.platform.value
    if frame is None:
        return section("platform", "MMM-incremental vs platform-attributed",
                       missing(ctx.platform.missing))
    rows = "".join(
        f'<tr data-channel="{escape(c)}"><td>{escape(c)}</td><td>{num(r.platform, key="platform")}</td>'
        f'<td>{interval({"mean": r.mmm_mean, "lo90": r.mmm_lo90, "hi90": r.mmm_hi90}, "mmm")}</td>'
        f'<td>{num(r.ratio, key="ratio")}×</td><td>'
        f'{"over-credited" if r.platform > r.mmm_hi90 else "under-credited" if r.platform < r.mmm_lo90 else "consistent"}'
        f"</td></tr>" for c, r in frame.iterrows())
    return section("platform", "MMM-incremental vs platform-attributed",
                   chart(charts.platform(frame, ctx.channels), "platform")
                   + '<table data-table="platform"><tr><th>channel</th><th>platform-claimed</th>'
                     "<th>MMM incremental (90%)</th><th>claimed / MMM</th><th>reading</th></tr>"
                     f"{rows}</table>",
                   lead="Platforms credit themselves with conversions they would partly have "
                        "got anyway; above the MMM's 90% range means over-credited.")


def board(ctx: ReportContext) -> str:
    """The printable one-pager: allocation logic with honest uncertainty."""
    rows = "".join(
        f'<tr data-channel="{escape(a["channel"])}" data-action="{escape(a["action"])}">'
        f'<td>{escape(a["channel"])}</td><td>{interval(a["roi"], "roi")}</td>'
        f'<td>{interval(a["mroi"], "mroi")}</td><td>{verdict_chip(a["verdict"])}</td>'
        f'<td class="action {a["action"].replace(" ", "-")}">{escape(a["action"])}</td></tr>'
        for a in ctx.actions)
    hurdle = ctx.actions[0]["hurdle"] if ctx.actions else 1.0
    relative = bool(ctx.actions and ctx.actions[0].get("hurdle_relative"))
    # Without a value per conversion nothing "pays for itself": channels are compared
    # with the budget's average next unit.
    hurdle_words = (f'{num(hurdle, key="hurdle")} (the channels\' spend-weighted average: '
                    "the KPI has no value per unit, so channels are compared with one "
                    "another; give revenue_per_kpi to compare with what a conversion is "
                    "worth)" if relative else num(hurdle, key="hurdle"))
    unsure = [a["channel"] for a in ctx.actions if a["action"] in ("hold", "test first")]
    media = ctx.media_total
    plan = ctx.allocation.value
    tiles = "".join([
        _tile("Driven by paid media", num(float(media.mean) / ctx.outcome_total
                                          if ctx.outcome_total else None,
                                          key="board_media_share", pct=True, digits=3)),
        _tile("Reallocation upside", interval(plan.gain.as_dict(), "board_gain")
              if plan is not None else "—",
              f"{escape(plan.outcome_unit) + ', ' if plan is not None else ''}"
              "same budget, ±30% per channel"),
        _tile("Can we act on it?", verdict_chip(_overall_verdict(ctx)))])
    open_questions = (
        f'<p><b>Still open:</b> the data cannot yet tell whether {", ".join(unsure)} '
        f"{'is' if len(unsure) == 1 else 'are'} worth more or less than the hurdle; a geo "
        "lift test (<code>mixcast design-test</code>) would settle it before large moves.</p>"
        if unsure else "")
    body = (f'<div class="tiles">{tiles}</div>'
            f'<p>Rule: grow a channel while its next unit of spend returns more than '
            f'{hurdle_words} with 90% confidence; cut it when it returns less '
            "with 90% confidence; hold otherwise; test first where validation says do not act or "
            "the ROI is mostly the prior's."
            '</p><table data-table="board"><tr><th>channel</th><th>ROI</th><th>mROI</th>'
            f"<th>trust</th><th>action</th></tr>{rows}</table>{open_questions}"
            f"<h3>Moves</h3>{_recommendation_list(ctx)}"
            '<button class="no-print" onclick="document.body.classList.add(\'print-board\');'
            'window.print();document.body.classList.remove(\'print-board\')">'
            "Print this page for the board</button>")
    return section("board", "Board one-pager", body,
                   lead="From the channel debate to allocation logic.")


def recommendations_tracked(ctx: ReportContext) -> str:
    """Adopted plans with the later refreshes' predicted vs actual outcome (the record of
    where the model's advice proved right or wrong); "" (no section) without a registry."""
    if ctx.tracked is None:
        return ""
    lead = ("Plans adopted with <code>mixcast adopt</code>, scored by later refreshes: the "
            "adopted run's predicted outcome under the plan (90% interval) against what "
            "happened over the weeks observed so far.")
    if not ctx.tracked:
        body = missing("No plan has been adopted in the registry yet: record one with "
                       "`mixcast adopt --run RUN --plan plan.csv` (or --scenario \"...\").")
        return section("recommendations-tracked", "Recommendations tracked", body, lead=lead)
    rows = []
    for plan in ctx.tracked:
        score = plan["score"]
        this = " <span class=\"muted small\">(this run)</span>" if plan["from_this_run"] else ""
        head = (f'<tr data-adoption="{escape(plan["id"])}" '
                f'data-inside="{"" if score is None else str(score["inside"]).lower()}">'
                f'<td>{escape(str(plan["source"]))}</td><td>{escape(plan["run_id"])}{this}</td>'
                f'<td>{escape(plan["start_date"])} · {plan["weeks"]} wk</td>')
        if score is None:
            rows.append(head + '<td colspan="4" class="muted">not scored yet: no refresh '
                               "has reached its weeks</td></tr>")
            continue
        predicted = {"mean": score["predicted_mean"], "lo90": score["predicted_lo90"],
                     "hi90": score["predicted_hi90"]}
        verdict = ("inside — advice held" if score["inside"] else
                   "outside — advice proved wrong")
        rows.append(head + f'<td>{score["weeks_scored"]}</td>'
                    f'<td>{interval(predicted, "predicted", digits=0)}</td>'
                    f'<td>{num(score["actual"], key="actual", digits=0)}</td>'
                    f'<td>{verdict}</td></tr>')
    header = "".join(f"<th>{h}</th>" for h in (
        "plan", "made from run", "window", "weeks scored", "predicted (90%)", "actual",
        "actual vs interval"))
    body = f'<table data-table="tracked"><tr>{header}</tr>{"".join(rows)}</table>'
    return section("recommendations-tracked", "Recommendations tracked", body, lead=lead)
