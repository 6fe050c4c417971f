"""mixcast: Bayesian marketing mix modeling you can act on.

The pipeline: ``load`` a config (validated data, model spec) -> ``fit`` (NUTS) -> a
``Fit`` -> ``channel_metrics`` / ``summarize`` (ROI, mROI, contributions) ->
``save_run`` / ``load_run``. Importing the package changes no global state; JAX is set up
(one device per core, the compilation cache) when the first fit starts.
"""

from mixcast._version import __version__
from mixcast.analysis.decomposition import contributions
from mixcast.analysis.metrics import channel_metrics, roi_table
from mixcast.analysis.simulate import simulate
from mixcast.analysis.summary import summarize
from mixcast.data.dataset import Dataset, LiftTest
from mixcast.errors import ConvergenceWarning, DataWarning, MixcastError, MixcastWarning, UserError
from mixcast.inference.fit import fit
from mixcast.posterior.fitted import Fit
from mixcast.posterior.protocol import FittedModel
from mixcast.project import Project, load, sample_config_path
from mixcast.runs.directory import load_run, save_run
from mixcast.spec import Adstock, Likelihood, ModelSpec, RoiPrior, SamplerConfig

__all__ = [
    "Adstock", "ConvergenceWarning", "DataWarning", "Dataset", "Fit", "FittedModel",
    "LiftTest", "Likelihood", "MixcastError", "MixcastWarning", "ModelSpec", "Project",
    "RoiPrior", "SamplerConfig", "UserError", "__version__", "channel_metrics",
    "contributions", "fit", "load", "load_run", "roi_table", "sample_config_path",
    "save_run", "simulate", "summarize",
]
