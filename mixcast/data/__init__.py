"""Data layer: config → validated, immutable Dataset."""

from mixcast.data.dataset import Dataset, Issue, LiftTest

__all__ = ["Dataset", "Issue", "LiftTest"]
