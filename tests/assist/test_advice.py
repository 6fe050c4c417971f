"""The advice rules the narrative and the answers share."""

from __future__ import annotations

from mixcast.assist.advice import test_candidates as candidates
from mixcast.assist.trust import ChannelTrust


def _roi(mean, lo, hi):
    return {"mean": mean, "lo90": lo, "hi90": hi}


def test_with_every_channel_movable_the_most_outcome_at_stake_is_tested_first():
    # tv: a narrow range on a big budget (0.8 x 1M at stake); display: a range wide for
    # its size (2.25x its mean) on little spend (0.45 x 20k). The test settles more on tv.
    summary = {"channels": {"tv_spend": {"spend": 1_000_000.0, "roi": _roi(1.0, 0.6, 1.4)},
                            "display_spend": {"spend": 20_000.0, "roi": _roi(0.2, 0.05, 0.5)}}}
    trust = {c: ChannelTrust(c, "solid") for c in summary["channels"]}
    picks = candidates(summary, trust)
    assert [p["channel"] for p in picks] == ["tv_spend"]
    assert "on spend of 1.00M" in picks[0]["reason"]


def test_channels_that_cannot_be_acted_on_come_first():
    summary = {"channels": {"tv_spend": {"spend": 1e6, "roi": _roi(1.0, 0.6, 1.4)},
                            "search_spend": {"spend": 1e4, "roi": _roi(2.0, 0.4, 8.0)}}}
    trust = {"tv_spend": ChannelTrust("tv_spend", "solid"),
             "search_spend": ChannelTrust("search_spend", "care", mostly_prior="its ROI "
                                          "interval is mostly the prior's")}
    assert [p["channel"] for p in candidates(summary, trust)] == ["search_spend"]


def test_a_kpi_without_a_value_is_advised_against_the_average_channel_not_its_cost():
    from mixcast.assist.advice import spend_advice

    solid = ChannelTrust("tv_spend", "solid")
    assert spend_advice("saturated", solid).endswith("less than it costs")
    for status in ("saturated", "underfunded", "hold"):
        words = spend_advice(status, solid, relative=True)
        assert "average channel" in words and "cost" not in words and "pay" not in words
    blocked = ChannelTrust("tv_spend", "do_not_act", reasons=("wide",))
    assert spend_advice("underfunded", blocked, relative=True).startswith("test it before")
