"""Check 8 on simulated lift tests with known truth: leave each test out, refit, and ask
whether the model predicts it. Truthful tests are predicted; a test whose reported lift is
far from the truth is not, and its channel's verdict says so."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.data.dataset import LiftTest
from mixcast.analysis.simulate import simulate, true_lift
from mixcast.validation import validate
from tests.conftest import SHORT, small_spec


def _test(sim, channel: str, start: int, factor: float, *, distort: float = 1.0) -> LiftTest:
    """A 6-week test changing ``channel``'s spend by ``factor``; measured lift = truth x
    ``distort``, standard error 10% of the truth."""
    c = sim.data.channels.index(channel)
    end = start + 5
    spend = float(sim.data.spend[0, start:end + 1, c].sum())
    draft = LiftTest(channel=channel, start=start, end=end, geo=None,
                     spend_delta=factor * spend, lift=0.0, lift_se=1.0)
    lift = true_lift(sim, draft)
    return dataclasses.replace(draft, lift=distort * lift, lift_se=0.1 * abs(lift),
                               label=f"{channel} week {start}")


@pytest.fixture(scope="module")
def lift_fit():
    from mixcast.inference.fit import fit

    sim = simulate(small_spec(seed=3))
    tests = (_test(sim, "tv_spend", 30, -1.0), _test(sim, "search_spend", 60, 0.5),
             _test(sim, "social_spend", 45, -1.0, distort=-4.0))   # impossible: sign flipped
    return fit(dataclasses.replace(sim.data, lift_tests=tests), sampler=SHORT)


@pytest.mark.slow
def test_leave_one_out_predicts_true_tests_and_flags_the_false_one(lift_fit):
    document = validate(lift_fit, quick=True, checks=("experiments",))
    check = document["checks"]["experiments"]
    assert document["refits"] == 3           # one refit per held-out test
    rows = {row["channel"]: row for row in check["tests"]}
    assert rows["tv_spend"]["covered"] and rows["search_spend"]["covered"]
    false = rows["social_spend"]
    assert not false["covered"]
    assert false["hi90"] < 0 < false["measured_lift"]   # go-dark: the model predicts a loss
    assert check["status"] == "warn" and "2 of 3" in check["summary"]
    reasons = " ".join(document["channels"]["social_spend"]["reasons"])
    assert "held-out lift test 'social_spend week 45'" in reasons
    assert document["channels"]["social_spend"]["verdict"] != "solid"
    for channel in ("tv_spend", "search_spend"):
        assert "held-out lift test" not in " ".join(document["channels"][channel]["reasons"])
