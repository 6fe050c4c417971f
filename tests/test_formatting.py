"""The one number format (mixcast.formatting), as every layer writes numbers."""

from __future__ import annotations

import numpy as np

from mixcast.formatting import compact_number


def test_compact_numbers_by_magnitude():
    assert compact_number(0.8712) == "0.87"
    assert compact_number(106.7) == "106.7"
    assert compact_number(9_386.24) == "9,386"      # no cents beside 45.6k
    assert compact_number(45_600.0) == "45.6k"
    assert compact_number(-1_234_567.0) == "-1.23M"
    assert compact_number(2.5, digits=0) == "2"


def test_missing_numbers_are_a_dash():
    assert compact_number(None) == compact_number(float("nan")) == "—"
    assert compact_number(np.float32("nan")) == "—"
