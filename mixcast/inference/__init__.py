"""Inference: NUTS over the model, compiled once and run over every core.

:func:`~mixcast.inference.fit.fit` turns data and a spec into a
:class:`~mixcast.posterior.fitted.Fit`; :mod:`~mixcast.inference.sampler` runs the chains,
:mod:`~mixcast.inference.laplace` finds each chain's mode and whitens the geometry there,
:mod:`~mixcast.inference.geo_centring` chooses how each geo contrast is centred. The only
package that touches ``numpyro.infer``.
"""
