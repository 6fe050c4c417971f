"""The memory available to a fit, and sizes as people write them."""

from __future__ import annotations

import pytest

from mixcast.errors import UserError
from mixcast.inference.memory import available_memory, format_bytes, parse_bytes


def test_parse_bytes_reads_units_and_refuses_nonsense():
    assert parse_bytes("8G") == 8 * 2 ** 30
    assert parse_bytes("512M") == 512 * 2 ** 20
    assert parse_bytes("1.5GB") == int(1.5 * 2 ** 30)
    assert parse_bytes("2000000") == 2_000_000
    assert parse_bytes(" 64 kib ") == 64 * 1024
    with pytest.raises(UserError, match="MIXCAST_MEMORY_LIMIT.*8G"):
        parse_bytes("eight gigs")


def test_available_memory_honours_the_override(monkeypatch):
    monkeypatch.setenv("MIXCAST_MEMORY_LIMIT", "3G")
    assert available_memory() == 3 * 2 ** 30
    monkeypatch.delenv("MIXCAST_MEMORY_LIMIT")
    found = available_memory()
    assert found is None or found > 0


def test_sizes_are_written_in_decimal_units():
    assert format_bytes(5.82e9) == "5.8 GB"
    assert format_bytes(1.0e6) == "1.0 MB"
    assert format_bytes(999) == "999 B"
