"""mixcast: Bayesian marketing mix modeling you can act on.

The pipeline: ``load`` a config (validated data, model spec) -> ``fit`` (NUTS) -> a
``Fit`` -> ``channel_metrics`` / ``summarize`` (ROI, mROI, contributions) ->
``save_run`` / ``load_run``. Importing the package changes no global state; JAX is set up
(one device per core, the compilation cache) when the first fit starts.

The public names are imported on first use (PEP 562), so that ``import mixcast`` and the
command line's ``--help`` or ``check`` do not pay for JAX and ArviZ until a model is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mixcast._version import __version__
from mixcast.errors import ConvergenceWarning, DataWarning, MixcastError, MixcastWarning, UserError

# public name -> the module that defines it
_LAZY = {
    "contributions": "mixcast.analysis.decomposition",
    "channel_metrics": "mixcast.analysis.metrics",
    "roi_table": "mixcast.analysis.metrics",
    "simulate": "mixcast.analysis.simulate",
    "summarize": "mixcast.analysis.summary",
    "Dataset": "mixcast.data.dataset",
    "LiftTest": "mixcast.data.dataset",
    "fit": "mixcast.inference.fit",
    "Fit": "mixcast.posterior.fitted",
    "FittedModel": "mixcast.posterior.protocol",
    "Project": "mixcast.project",
    "load": "mixcast.project",
    "sample_config_path": "mixcast.project",
    "load_run": "mixcast.runs.directory",
    "save_run": "mixcast.runs.directory",
    "Adstock": "mixcast.spec",
    "Likelihood": "mixcast.spec",
    "ModelSpec": "mixcast.spec",
    "RoiPrior": "mixcast.spec",
    "SamplerConfig": "mixcast.spec",
}

__all__ = [
    "Adstock", "ConvergenceWarning", "DataWarning", "Dataset", "Fit", "FittedModel",
    "LiftTest", "Likelihood", "MixcastError", "MixcastWarning", "ModelSpec", "Project",
    "RoiPrior", "SamplerConfig", "UserError", "__version__", "channel_metrics",
    "contributions", "fit", "load", "load_run", "roi_table", "sample_config_path",
    "save_run", "simulate", "summarize",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mixcast' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value          # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:   # for type checkers and IDEs: the names as if imported eagerly
    from mixcast.analysis.decomposition import contributions
    from mixcast.analysis.metrics import channel_metrics, roi_table
    from mixcast.analysis.simulate import simulate
    from mixcast.analysis.summary import summarize
    from mixcast.data.dataset import Dataset, LiftTest
    from mixcast.inference.fit import fit
    from mixcast.posterior.fitted import Fit
    from mixcast.posterior.protocol import FittedModel
    from mixcast.project import Project, load, sample_config_path
    from mixcast.runs.directory import load_run, save_run
    from mixcast.spec import Adstock, Likelihood, ModelSpec, RoiPrior, SamplerConfig
