"""Shared type aliases."""

from __future__ import annotations

from typing import TypeAlias

import jax
import numpy as np

Array: TypeAlias = jax.Array | np.ndarray
ChannelName: TypeAlias = str
Draws: TypeAlias = dict[str, np.ndarray]
