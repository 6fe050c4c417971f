"""Data layer: config → validated, immutable Dataset.

``read_config`` checks config.yaml; ``load_dataset`` reads the data file, validates it
(every problem in one :class:`~mixcast.errors.DataError`), builds the arrays and attaches
the guardrail findings of ``diagnose``.
"""

from mixcast.config import Config, read_config
from mixcast.data._common import read_table
from mixcast.data.dataset import Dataset, Issue, LiftTest
from mixcast.data.guardrails import diagnose
from mixcast.data.load import load_dataset

__all__ = ["Config", "Dataset", "Issue", "LiftTest", "diagnose", "load_dataset",
           "read_config", "read_table"]
