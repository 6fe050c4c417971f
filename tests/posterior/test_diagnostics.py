"""The one convergence rule: thresholds, verdicts and how each output reads it."""

from __future__ import annotations

import warnings

import pytest

from mixcast.errors import ConvergenceWarning
from mixcast.posterior.diagnostics import DiagnosticsReport, diagnose_fit, warn_if_unconverged


def report(**changes) -> DiagnosticsReport:
    figures = dict(rhat_max=1.003, rhat_worst="roi[tv_spend]", ess_bulk_min=1629.0,
                   ess_tail_min=1500.0, ess_worst="decay[tv_spend]", divergences=0,
                   tree_depth_saturated=0.0, n_draws=4000, n_chains=4, fit_seconds=1.0,
                   bfmi_min=0.9)
    return DiagnosticsReport(**{**figures, **changes})


def test_one_divergence_in_4000_draws_is_converged_with_a_caveat():
    # The case from the issue: summary.json said "not converged", the console nothing.
    found = report(divergences=1)
    assert found.converged and found.verdict.status == "warn"
    assert found.as_dict()["converged"] is True and found.as_dict()["status"] == "warn"
    assert "1 divergent transition (0.03% of draws)" in found.problems()[0]


@pytest.mark.parametrize("changes, status", [
    ({}, "pass"),
    ({"rhat_max": 1.02}, "warn"),
    ({"rhat_max": 1.06}, "fail"),
    ({"divergences": 40}, "warn"),
    ({"divergences": 41}, "fail"),
    ({"ess_bulk_min": 390.0}, "warn"),
    ({"ess_tail_min": 70.0}, "fail"),
    ({"tree_depth_saturated": 0.2}, "warn"),
    ({"bfmi_min": 0.2}, "warn"),
    ({"rhat_max": 1.02, "divergences": 100}, "fail"),
])
def test_thresholds(changes, status):
    found = report(**changes)
    assert found.verdict.status == status
    assert found.converged == (status != "fail")
    assert (found.problems() == []) == (status == "pass")


def test_warning_is_issued_through_the_warnings_module():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_unconverged(report())
        assert caught == []
        warn_if_unconverged(report(rhat_max=1.2))
    assert len(caught) == 1 and issubclass(caught[0].category, ConvergenceWarning)
    assert "did not converge" in str(caught[0].message)


def test_parameter_names_are_the_channels_names(small_fit):
    found = diagnose_fit(small_fit)
    for label in (found.rhat_worst, found.ess_worst):
        assert "np.int64" not in label and "[" in label
        name, index = label.rstrip("]").split("[")
        assert index in {*small_fit.channels, "national", *map(str, range(20))}, label
