"""Experiments: which lift test to run next, its design and power, its analysis, and the
row that feeds its result back into the model.

- :mod:`~mixcast.experiments.power`: the time-based regression estimator, its placebo
  calibration on the data's own history, power, assurance and minimum detectable lift.
- :mod:`~mixcast.experiments.matching`: matched markets (treated and control geos).
- :mod:`~mixcast.experiments.predict`: the lift the fitted model predicts for a test.
- :mod:`~mixcast.experiments.design`: durations, power, assurance and cost of a test.
- :mod:`~mixcast.experiments.analysis`: the measured effect, its interval and p-value,
  the pre-period placebo, and the lift_tests.csv rows.
"""
