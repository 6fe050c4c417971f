"""From a config file to everything a fit needs: the one entry point for users' data."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from mixcast.config import Config, read_config
from mixcast.data.dataset import Dataset
from mixcast.data.load import load_dataset
from mixcast.errors import DataWarning
from mixcast.spec import ModelSpec, SamplerConfig


@dataclass(frozen=True, slots=True)
class Project:
    """A loaded config: validated data, model spec and sampler settings."""

    config: Config
    data: Dataset
    spec: ModelSpec
    sampler: SamplerConfig


def load(config_path: str | Path) -> Project:
    """Read ``config.yaml``, load and validate its data, and parse its model options.

    Raises
    ------
    ConfigError, DataError, SpecError
        With a message naming the file, column, rows and the fix.

    Examples
    --------
    >>> import mixcast
    >>> project = mixcast.load(mixcast.sample_config_path())  # doctest: +SKIP
    >>> fit = mixcast.fit(project.data, project.spec)          # doctest: +SKIP
    """
    config = read_config(config_path)
    data = load_dataset(config)
    # Holidays are a top-level key (``country:`` / ``holidays:``); the spec carries them.
    spec = ModelSpec.from_options({**config.model, "holidays": list(config.holidays)},
                                  channels=data.channels)
    sampler = SamplerConfig.from_options(config.sampler)
    for issue in data.issues:
        if issue.level == "warning":  # the guardrails, for notebook and CLI users alike
            warnings.warn(issue.message, DataWarning, stacklevel=2)
    return Project(config=config, data=data, spec=spec, sampler=sampler)


def sample_config_path() -> Path:
    """Path of the bundled demo config (Meta Robyn's simulated weekly data)."""
    return Path(__file__).parent / "sample_data" / "robyn_config.yaml"
