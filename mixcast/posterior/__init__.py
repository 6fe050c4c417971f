"""The fitted object and how draws are read.

:class:`~mixcast.posterior.fitted.Fit` (draws with the data, spec and sampler that made
them), :mod:`~mixcast.posterior.diagnostics` (the one convergence rule),
:mod:`~mixcast.posterior.intervals` (the one way to summarise draws: mean and 90%
interval, thinning) and :mod:`~mixcast.posterior.protocol` (what every fitted model,
Bayesian or ML, offers the layers above).
"""
