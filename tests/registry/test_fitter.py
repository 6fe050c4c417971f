"""The Bayesian model behind `mixcast refresh`: a saved run forecasts the weeks that came
after it (under their observed spend, or an adopted plan's), from the session's short fit."""

from __future__ import annotations

import numpy as np
import pytest

from mixcast.analysis.simulate import simulate
from mixcast.registry.fitter import BayesFitter, Prediction
from tests.conftest import small_spec

NEW_WEEKS = 8


@pytest.fixture(scope="module")
def longer(small_sim):
    """Eight weeks after the fitted ones (a longer simulation: its dates continue the
    fit's; its numbers are another draw of the business, so only plumbing and direction
    are asserted here — the alerts' statistics are tested in test_stream)."""
    sim = simulate(small_spec(n_weeks=104 + NEW_WEEKS))
    assert np.array_equal(sim.data.dates[:104], small_sim.data.dates)
    return sim.data


def test_saved_run_forecasts_the_new_weeks(small_run, small_fit, longer):
    from mixcast.analysis.forecast import forecast, plan_from_data

    prediction = BayesFitter().predict(small_run, longer, 104, 104 + NEW_WEEKS)
    direct = forecast(small_fit, plan_from_data(longer, 104, 104 + NEW_WEEKS))
    assert prediction.weekly["mean"] == pytest.approx(direct.interval(total=True)["mean"],
                                                      rel=1e-5)
    # Scoring two weeks later continues the fit's own weeks (the plan starts right after).
    later = BayesFitter().predict(small_run, longer, 106, 104 + NEW_WEEKS)
    assert later.weekly["mean"] == pytest.approx(prediction.weekly["mean"][2:], rel=0.02)
    weekly = prediction.weekly
    assert prediction.dates.tolist() == longer.dates[104:].astype("datetime64[D]").tolist()
    assert np.all(weekly["lo95"] < weekly["lo90"]) and np.all(weekly["hi90"] < weekly["hi95"])
    assert np.all((weekly["lo90"] < weekly["mean"]) & (weekly["mean"] < weekly["hi90"]))
    total = prediction.total
    assert total["lo90"] < weekly["mean"].sum() < total["hi90"]
    dark = BayesFitter().predict(small_run, longer, 104, 104 + NEW_WEEKS,
                                 weekly_spend=np.zeros(longer.n_channels))
    assert dark.total["mean"] < 0.97 * total["mean"]  # no media, less outcome


def test_prediction_summarises_draws():
    draws = np.random.default_rng(0).normal(100.0, 10.0, (4000, 3))
    p = Prediction.of(np.array(["2025-01-06", "2025-01-13", "2025-01-20"], "datetime64[D]"),
                      draws)
    assert p.weekly["lo95"] == pytest.approx(np.full(3, 100 - 19.6), abs=1.5)
    assert p.total["mean"] == pytest.approx(300.0, abs=1.0)
    assert p.total["hi90"] - p.total["lo90"] == pytest.approx(2 * 1.645 * 10 * 3 ** 0.5, rel=0.05)
