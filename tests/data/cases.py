"""Bad inputs a user can give, each with what its error message must say.

Shared by tests/data/test_errors.py (the library raises a UserError) and
tests/cli/test_cli_errors.py (the CLI prints it and exits 2). Row numbers are spreadsheet
rows: the header is row 1, so the frame's position ``i`` is row ``i + 2``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tests.data.tables import geo_frame, weekly_frame, write_project

START = pd.Timestamp("2023-01-01")


def day(position: int) -> str:
    """The ISO date of the frame's week at ``position`` (weekly_frame's default start)."""
    return (START + pd.Timedelta(weeks=position)).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Case:
    """``make(folder)`` writes the files and returns the config; ``expect`` are fragments
    the message must contain (file, column, rows, dates, value, fix)."""

    id: str
    make: Callable[[Path], Path]
    expect: tuple[str, ...]


def _missing_file(folder: Path) -> Path:
    config = write_project(folder)
    (folder / "data.csv").unlink()
    return config


def _unknown_key(folder: Path) -> Path:
    config = write_project(folder)
    config.write_text(config.read_text() + "chanels: [tv_spend]\n")
    return config


def _missing_column(folder: Path) -> Path:
    return write_project(folder, channels=["tv_spnd", "search_spend", "social_spend"])


def _bad_date(folder: Path) -> Path:
    frame = weekly_frame()
    frame.loc[5, "date"] = "2023-02-30x"
    return write_project(folder, frame)


def _duplicate_date(folder: Path) -> Path:
    frame = geo_frame()
    south = frame.index[frame["geo"] == "south"]
    frame.loc[south[10], "date"] = frame.loc[south[9], "date"]
    return write_project(folder, frame)


def _gap(folder: Path) -> Path:
    frame = weekly_frame().drop(index=[30, 31]).reset_index(drop=True)
    return write_project(folder, frame)


def _negative(folder: Path) -> Path:
    frame = weekly_frame()
    frame.loc[12, "tv_spend"] = -500.0
    return write_project(folder, frame)


def _non_numeric(folder: Path) -> Path:
    frame = weekly_frame().astype({"search_spend": object})
    frame.loc[3, "search_spend"] = "1,234"
    return write_project(folder, frame)


def _nan_target(folder: Path) -> Path:
    frame = weekly_frame()
    frame.loc[[20, 21], "revenue"] = float("nan")
    return write_project(folder, frame)


def _nan_spend(folder: Path) -> Path:
    frame = weekly_frame()
    frame.loc[40, "social_spend"] = float("nan")
    return write_project(folder, frame)


def _zero_channel(folder: Path) -> Path:
    frame = weekly_frame()
    frame["social_spend"] = 0.0
    return write_project(folder, frame)


BAD_INPUTS = (
    Case("missing_file", _missing_file, ("data.csv", "not found", "config")),
    Case("unknown_config_key", _unknown_key, ("config.yaml", "'chanels'",
                                              "Did you mean 'channels'")),
    Case("missing_column", _missing_column,
         ("data.csv", "'tv_spnd'", "not found", "Did you mean 'tv_spend'",
          "Available columns", "search_spend")),
    Case("unparseable_date", _bad_date,
         ("data.csv", "'date'", "row 7", "'2023-02-30x'", "2024-01-07")),
    Case("duplicate_date_in_geo", _duplicate_date,
         ("data.csv", "'date'", "duplicate", "south", "rows 101, 102", day(9),
          "one row per geo")),
    Case("weekly_gap", _gap, ("data.csv", "missing", day(30), day(31), "Add")),
    Case("negative_spend", _negative,
         ("data.csv", "'tv_spend'", "negative", "row 14", day(12), "-500", "correct")),
    Case("non_numeric", _non_numeric,
         ("data.csv", "'search_spend'", "row 5", day(3), "'1,234'", "plain numbers")),
    Case("nan_target", _nan_target,
         ("data.csv", "'revenue'", "rows 22, 23", day(20), "fill_missing: {revenue:")),
    Case("nan_spend", _nan_spend,
         ("data.csv", "'social_spend'", "row 42", day(40), "fill_missing: {social_spend: zero}")),
    Case("all_zero_channel", _zero_channel,
         ("data.csv", "'social_spend'", "zero in every row", "Remove it")),
)
