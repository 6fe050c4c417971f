"""The one protocol every fitted model meets, Bayesian or ML.

The decision, forecast, report and web layers work through it and never ask which kind
of model they hold.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from mixcast.data.dataset import Dataset


@runtime_checkable
class FittedModel(Protocol):
    """What the layers above inference need from a fit."""

    kind: str                      # "bayes" | "ml": for labels only, never for branching
    data: Dataset

    @property
    def channels(self) -> tuple[str, ...]: ...
