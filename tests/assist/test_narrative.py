"""The narrative never states an estimate without its range and never recommends moving
budget on a channel that is not movable (do_not_act, or mostly the prior) — checked over
many generated runs, and on the fitted small run."""

from __future__ import annotations

import re

import pytest

from hypothesis import given
from hypothesis import strategies as st

from mixcast.assist.narrative import run_narrative, write_narrative
from mixcast.assist.trust import ChannelTrust

NUMBER = r"[-+]?[0-9][0-9,]*(?:\.[0-9]+)?(?:[kMB%])?"
# estimates come only as "M (90% range L to H)"; spend (data, not an estimate) as
# "spend of X"; the window's dates; identification's "(a–b)" intervals and width ratio
ALLOWED = [rf"{NUMBER} \(90% range {NUMBER} to {NUMBER}\)", rf"spend of {NUMBER}",
           r"\d{4}-\d{2}-\d{2}", r"90% intervals", rf"\({NUMBER}–{NUMBER}\)",
           rf"{NUMBER} as wide", r"reported \d+ divergent"]
MOVE_WORDS = ("a candidate for more budget", "a candidate to trim", "hold:")


def _no_bare_numbers(text: str) -> None:
    for pattern in ALLOWED:
        text = re.sub(pattern, "", text)
    assert not re.search(r"\d", text), text


def _never_moves(narrative, trust) -> None:
    for _, sentences in narrative.paragraphs:
        for sentence in sentences:
            for name, entry in trust.items():
                if not entry.movable and sentence.startswith(name):
                    assert not any(w in sentence for w in MOVE_WORDS), sentence


band = st.tuples(st.floats(0, 1e7), st.floats(0, 1e7), st.floats(0, 1e7)).map(
    lambda t: dict(zip(("lo90", "mean", "hi90"), sorted(t))))


@st.composite
def runs(draw):
    names = draw(st.lists(st.sampled_from(["tv_spend", "search_spend", "social_spend",
                                           "ooh_spend", "radio_spend"]),
                          min_size=1, max_size=5, unique=True))
    summary = {"target": "revenue", "date_range": ["2022-01-03", "2023-12-25"],
               "diagnostics": {"divergences": draw(st.integers(0, 3))},
               "channels": {n: {"spend": draw(st.floats(0, 1e7)), "roi": draw(band),
                                "mroi": draw(band), "incremental_outcome": draw(band),
                                "contribution_share": draw(band)} for n in names}}
    trust = {n: ChannelTrust(n, draw(st.sampled_from(["solid", "care", "do_not_act",
                                                       "not_validated"])),
                             reasons=("its ROI moves between refits",),
                             mostly_prior=draw(st.sampled_from([None, (
                                 "its ROI interval (0.21–2.27) is 81% as wide as the "
                                 "prior's (0.23–4.39)")])))
             for n in names}
    ranking = [{"channel": n, "status": draw(st.sampled_from(["saturated", "underfunded",
                                                              "hold"])),
                "mroi": summary["channels"][n]["mroi"]} for n in names]
    validated = draw(st.booleans())
    return summary, trust, ranking, ({"overall": {"verdict": "care", "reasons": ["x"]}}
                                     if validated else None)


@given(runs())
def test_generated_runs_keep_both_rules(run):
    summary, trust, ranking, validation = run
    narrative = write_narrative(summary, trust, ranking=ranking, validation=validation)
    _no_bare_numbers(narrative.text())
    _never_moves(narrative, trust)
    blocked = [n for n, t in trust.items() if not t.movable]
    tests = dict(narrative.paragraphs)["What to test next"]
    assert all(any(s.startswith(n) for s in tests) for n in blocked)


def test_the_checks_catch_a_bare_point_and_a_move():
    import pytest

    with pytest.raises(AssertionError):
        _no_bare_numbers("tv_spend drove 1.2M of revenue")
    trust = {"tv_spend": ChannelTrust("tv_spend", "do_not_act")}
    bad = type("N", (), {"paragraphs": (("x", ("tv_spend is underfunded: a candidate for "
                                                "more budget",)),)})()
    with pytest.raises(AssertionError):
        _never_moves(bad, trust)


def test_the_fitted_run_narrative(validated_model, ranking):
    narrative = run_narrative(validated_model.fit, validated_model.path, ranking=ranking)
    text = narrative.text()
    # validation's own reasons are quoted as written (they carry their own numbers)
    _no_bare_numbers(text.replace("its ROI moves by 80% between refits", ""))
    trust = {c: ChannelTrust(c, v) for c, v in (("tv_spend", "solid"),
                                                ("social_spend", "do_not_act"))}
    _never_moves(narrative, trust)
    assert "social_spend (do not act): validation says do not act (its ROI moves by 80%" in text
    assert [title for title, _ in narrative.paragraphs] == [
        "What drove the outcome", "Saturated or underfunded", "What to test next",
        "Not yet trustworthy"]


def test_a_conversions_kpi_says_conversions_and_what_they_were_worth(small_fit):
    # The incremental outcome of a KPI with a price is a value (ROI's numerator); the
    # narrative had called it "of conversions". Worth 50 a conversion here.
    import dataclasses

    import numpy as np

    from mixcast.analysis.summary import summarize

    data = dataclasses.replace(small_fit.data, kpi_type="conversions", target="conversions",
                               revenue_per_kpi=np.full_like(small_fit.data.y, 50.0))
    summary = summarize(dataclasses.replace(small_fit, data=data))
    entry = summary["channels"]["tv_spend"]
    assert entry["incremental_kpi"]["mean"] * 50.0 == \
        pytest.approx(entry["incremental_outcome"]["mean"], rel=1e-4)
    trust = {c: ChannelTrust(c, "solid") for c in summary["channels"]}
    text = write_narrative(summary, trust).text()
    _no_bare_numbers(text)
    line = next(s for s in text.splitlines() if s.startswith("- tv_spend drove"))
    assert re.search(r"drove \S+ \(90% range .+\) conversions worth \S+ \(90% range", line)


def test_conversions_without_a_value_never_say_a_channel_pays_or_costs(small_fit):
    """With no value per conversion the statuses are judged against the channels'
    average mROI, and the words say so ("less than it costs" had been said of every
    channel)."""
    import dataclasses

    from mixcast.analysis.summary import summarize
    from mixcast.assist.narrative import ranking_rows
    from mixcast.optimize import channel_ranking

    data = dataclasses.replace(small_fit.data, kpi_type="conversions", target="orders")
    conv = dataclasses.replace(small_fit, data=data)
    summary = summarize(conv)
    assert summary["breakeven_roi"] is None
    drivers = dict(write_narrative(summary, {c: ChannelTrust(c, "solid")
                                             for c in summary["channels"]}).paragraphs)
    line = next(s for s in drivers["What drove the outcome"] if s.startswith("tv_spend"))
    assert re.search(r"ROI \S+ \(90% range .+\), CPA \S+ \(90% range .+\)\.$", line), line
    trust = {c: ChannelTrust(c, "solid") for c in summary["channels"]}
    rows = ranking_rows(channel_ranking(conv))
    assert all(row["relative"] for row in rows)
    paragraph = dict(write_narrative(summary, trust, ranking=rows).paragraphs)[
        "Saturated or underfunded"]
    assert len(paragraph) == 3 and all("average channel" in s for s in paragraph)
    assert not any("costs" in s or "would pay" in s for s in paragraph)
