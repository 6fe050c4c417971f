"""Pure array transforms shared by the model, the analysis, the optimiser and the simulator.

Nothing here imports numpyro: these are plain JAX functions of arrays and parameters.
"""

from mixcast.transforms.adstock import (
    adstock,
    apply_carryover,
    carry_channel_major,
    lag_stack,
    carryover_weights,
    delayed_weights,
    geometric_weights,
)
from mixcast.transforms.saturation import hill, hill_derivative
from mixcast.transforms.seasonality import fourier_features
from mixcast.transforms.time_basis import bump_basis, trend_basis

__all__ = [
    "adstock",
    "bump_basis",
    "apply_carryover",
    "carry_channel_major",
    "lag_stack",
    "carryover_weights",
    "delayed_weights",
    "fourier_features",
    "geometric_weights",
    "hill",
    "hill_derivative",
    "trend_basis",
]
