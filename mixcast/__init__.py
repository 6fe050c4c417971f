"""mixcast: Bayesian marketing mix modeling you can act on.

The pipeline: ``load`` a config (validated data, model spec) -> ``fit`` (NUTS) -> a
``Fit`` with ROI, mROI and contributions -> ``save_run`` / ``load_run``.
"""

from mixcast._runtime import configure_compilation_cache, configure_host_devices

configure_host_devices()
configure_compilation_cache()

from mixcast.analysis import channel_metrics, contributions, roi_table  # noqa: E402
from mixcast.data.dataset import Dataset, LiftTest  # noqa: E402
from mixcast.fit import fit  # noqa: E402
from mixcast.posterior import Fit  # noqa: E402
from mixcast.project import Project, load, sample_config_path  # noqa: E402
from mixcast.run import load_run, save_run  # noqa: E402
from mixcast.simulate import simulate  # noqa: E402
from mixcast.spec import Adstock, Likelihood, ModelSpec, RoiPrior, SamplerConfig  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Adstock", "Dataset", "Fit", "LiftTest", "Likelihood", "ModelSpec", "Project", "RoiPrior",
    "SamplerConfig", "channel_metrics", "contributions", "fit", "load", "load_run",
    "roi_table", "sample_config_path", "save_run", "simulate", "__version__",
]
