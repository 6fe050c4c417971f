"""The one protocol every fitted model meets, Bayesian or ML.

:class:`~mixcast.posterior.fitted.Fit` (posterior draws) and
:class:`~mixcast.ml.fit.MLFit` (bootstrap replicates of a tree ensemble) both carry the
data they were fitted on, its channels and a ``kind`` label. The run-level protocol built
on it (:class:`mixcast.runs.models.RunModel`: optimise, score scenarios, forecast) is what
the CLI, the report and the dashboard use, so none of them asks which model it holds.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from mixcast.data.dataset import Dataset


@runtime_checkable
class FittedModel(Protocol):
    """What every fitted model offers the layers above inference."""

    kind: ClassVar[str]            # "bayes" | "ml": for labels and messages, not branching
    data: Dataset

    @property
    def channels(self) -> tuple[str, ...]: ...
