"""Fixtures for the data-layer tests (helpers live in tests/data/tables.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.tables import write_project


@pytest.fixture
def project(tmp_path):
    """``project(frame, **config)`` -> path of a config.yaml written under tmp_path."""
    counter = iter(range(1_000))

    def make(frame=None, **overrides) -> Path:
        return write_project(tmp_path / f"p{next(counter)}", frame, **overrides)

    return make
