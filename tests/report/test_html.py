"""The HTML report: every section present, its numbers equal to the run's summary.json,
and nothing loaded from the network."""

from __future__ import annotations

import math

import numpy as np
import pytest

EXPECTED_SECTIONS = ["executive-summary", "narrative", "board", "decomposition", "channel-returns",
                     "response-curves", "allocation", "validation", "platform"]


def test_sections_in_reading_order(rendered_report):
    _, page, _ = rendered_report
    assert page.sections() == EXPECTED_SECTIONS


def test_offline_no_remote_scripts_or_links(rendered_report):
    html, page, _ = rendered_report
    for tag, attrs, _ in page.elements:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            if tag in ("script", "link", "img", "iframe"):
                assert not value.startswith(("http://", "https://", "//")), (tag, value)
    # plotly.js itself is inlined (its bundle defines the Plotly global).
    assert "Plotly" in html and len(html) > 1_000_000


@pytest.mark.parametrize("key", ["roi", "mroi", "contribution_share"])
def test_channel_table_matches_summary(rendered_report, key):
    _, page, summary = rendered_report
    for channel, entry in summary["channels"].items():
        shown = page.metrics("channels", channel)
        for stat in ("mean", "lo90", "hi90"):
            assert shown[f"{key}_{stat}"] == pytest.approx(entry[key][stat], rel=1e-9), \
                (channel, key, stat)
        assert shown["spend"] == pytest.approx(entry["spend"], rel=1e-9)


def test_channels_ranked_by_roi(rendered_report):
    _, page, summary = rendered_report
    ranks = {a["data-channel"]: int(a["data-rank"]) for t, a, ctx in page.elements
             if t == "tr" and ctx.get("data-table") == "channels" and "data-rank" in a}
    expected = sorted(summary["channels"], key=lambda c: -summary["channels"][c]["roi"]["mean"])
    assert sorted(ranks, key=ranks.get) == expected


def test_board_actions_follow_mroi_intervals(rendered_report, small_fit):
    from mixcast.analysis.identification import weakly_identified

    _, page, summary = rendered_report
    weak = weakly_identified(small_fit)   # never acted on: "test first", with the reason
    actions = {a["data-channel"]: a["data-action"] for t, a, ctx in page.elements
               if t == "tr" and ctx.get("data-table") == "board" and "data-action" in a}
    assert set(actions) == set(summary["channels"])
    for channel, action in actions.items():
        mroi = summary["channels"][channel]["mroi"]
        expected = "grow" if mroi["lo90"] > 1 else "cut" if mroi["hi90"] < 1 else "hold"
        expected = "test first" if channel in weak else expected
        assert action == expected, channel
    tests = {a.get("data-channel") for t, a, ctx in page.elements
             if t == "li" and a.get("data-recommendation") == "test"}
    assert tests == set(weak)
    for t, a, ctx in page.elements:
        if t == "li" and "data-from" in a:
            assert a["data-from"] not in weak and a["data-to"] not in weak


def test_trust_and_convergence_numbers(rendered_report):
    html, page, summary = rendered_report
    values = {a["data-metric"]: float(a["data-value"]) for _, a, ctx in page.elements
              if ctx.get("data-table") == "convergence" and a.get("data-value")}
    diag = summary["diagnostics"]
    assert values["rhat_max"] == pytest.approx(diag["rhat_max"])
    assert values["divergences"] == diag["divergences"]
    # No validation.json in this run: the report says so rather than inventing verdicts.
    assert "Validation has not been run" in html


def test_recommendations_have_effect_and_range(rendered_report):
    _, page, summary = rendered_report
    recs = {}
    for _, attrs, ctx in page.elements:
        rank = ctx.get("data-recommendation")
        if rank and ctx.get("data-section") == "executive-summary" and attrs.get("data-value"):
            recs.setdefault(rank, {})[attrs["data-metric"]] = float(attrs["data-value"])
    optimiser = recs.pop("optimiser", None)
    if optimiser is not None:   # the optimiser's whole plan, when the optimiser is built
        assert optimiser["gain_lo90"] <= optimiser["gain_mean"] <= optimiser["gain_hi90"]
    assert 1 <= len(recs) <= 3
    for values in recs.values():
        assert values["change_lo90"] <= values["change_mean"] <= values["change_hi90"]
        assert values["amount"] > 0
        assert 0.5 < values["prob_better"] <= 1.0     # only moves expected to help
    means = [recs[k]["change_mean"] for k in sorted(recs)]
    assert means == sorted(means, reverse=True)


def test_decomposition_totals_add_up(rendered_report, small_fit):
    _, page, _ = rendered_report
    totals = {ctx["data-part"]: float(a["data-value"]) for _, a, ctx in page.elements
              if ctx.get("data-table") == "decomposition" and a.get("data-value")}
    parts = sum(v for k, v in totals.items() if k not in ("fitted", "actual"))
    assert parts == pytest.approx(totals["fitted"], rel=1e-6)
    assert totals["actual"] == pytest.approx(float(small_fit.data.y.sum()), rel=1e-9)
    # A decent fit explains the outcome to within a few percent in total.
    assert abs(totals["fitted"] / totals["actual"] - 1) < 0.05


def test_response_curves_table_agrees_with_summary(rendered_report):
    _, page, summary = rendered_report
    for channel, entry in summary["channels"].items():
        values = page.metrics("curves", channel)
        assert values["current_spend"] == pytest.approx(entry["spend"], rel=1e-9)
        # mROI at today's spend on the curve is the summary's mROI (same definition, same
        # draws; float32 kernels differ in rounding only).
        assert values["mroi_mean"] == pytest.approx(entry["mroi"]["mean"], rel=0.02)
        assert 1 <= values["weeks_to_90pct"] <= 8
        for key in ("breakeven_spend", "saturation_spend"):
            if key in values:
                assert values[key] > 0


def test_missing_pieces_say_why(rendered_report):
    html, page, _ = rendered_report
    missing_sections = {ctx.get("data-section") for _, a, ctx in page.elements
                        if a.get("data-missing") == "true"}
    # small_sim has no platform-attributed data; no validation.json was written.
    assert "platform" in missing_sections
    assert "validation" in missing_sections
    assert "platform_attributed" in html


def test_print_stylesheet_for_board(rendered_report):
    html, _, _ = rendered_report
    assert "@media print" in html and "body.print-board section:not(#board)" in html


def test_numbers_are_finite_where_shown(rendered_report):
    _, page, _ = rendered_report
    values = [a["data-value"] for _, a, _ in page.elements if "data-value" in a]
    assert values
    for value in values:
        if value:
            assert math.isfinite(float(value))
    assert np.isfinite(len(values))


def test_allocation_names_channels_planned_beyond_the_data(small_fit):
    import dataclasses
    from types import SimpleNamespace

    from mixcast.optimize import BudgetScenario, optimize
    from mixcast.report.context import REPORT_MAX_CHANGE, Optional_
    from mixcast.report.sections import allocation

    plan = optimize(small_fit, BudgetScenario(max_change=REPORT_MAX_CHANGE))   # the report's
    ctx = SimpleNamespace(allocation=Optional_(plan), channels=small_fit.channels)
    assert "Beyond the data" not in allocation(ctx) and not plan.beyond_data
    beyond = dataclasses.replace(plan, beyond_data={"tv_spend": 1.3})
    html = allocation(SimpleNamespace(allocation=Optional_(beyond), channels=small_fit.channels))
    assert ("Beyond the data: tv_spend&#x27;s plan spends up to 1.3x its highest week in the "
            "data") in html
