"""The model: what is fitted, written once and reused by every later stage.

- :mod:`~mixcast.model.inputs`: a Dataset and a ModelSpec -> the scaled arrays the model
  reads (media, controls, season and trend bases).
- :mod:`~mixcast.model.mean`: the mean function (carryover, saturation, baseline,
  interactions, mediators), pure JAX.
- :mod:`~mixcast.model.mmm`: the one NumPyro model (priors, likelihood, geo hierarchy).
- :mod:`~mixcast.model.lift`: a lift test's implied lift, observed by the likelihood.
- :mod:`~mixcast.model.counterfactual`: outcomes of media plans under parameter draws,
  the primitive behind ROI, curves, scenarios and the optimiser.
"""
