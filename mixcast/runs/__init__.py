"""Run directories: save, load, validate and compare fitted models on disk.

:mod:`~mixcast.runs.directory` writes and reads a Bayesian run (the DESIGN.md contract),
:mod:`~mixcast.runs.models` opens a run of either kind behind one protocol (optimise,
scenarios, forecast), :mod:`~mixcast.runs.validate` and :mod:`~mixcast.runs.compare` work
on run directories. Atomic writes and manifests live in :mod:`mixcast.storage`.
"""
