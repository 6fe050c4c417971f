"""Small synthetic tables and projects for the data-layer tests (written to tmp_path)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mixcast.data.dataset import Dataset

START = "2023-01-01"  # a Sunday: weeks start on Sundays


def weekly_frame(n: int = 104, *, channels: tuple[str, ...] = ("tv_spend", "search_spend"),
                 seed: int = 0, start: str = START, geos: tuple[str, ...] = (),
                 freq: str = "7D") -> pd.DataFrame:
    """A clean table: date, [geo, population,] revenue, one column per channel, price."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n, freq=freq).strftime("%Y-%m-%d")
    parts = []
    for g, geo in enumerate(geos or ("",)):
        part = pd.DataFrame({"date": dates})
        if geo:
            part["geo"] = geo
            part["population"] = 1000.0 * (g + 1)
        part["revenue"] = 5000 + 100 * np.sin(np.arange(n) / 8) + rng.normal(0, 50, n)
        for c, channel in enumerate(channels):
            part[channel] = rng.gamma(4.0, 250.0 * (c + 1), n).round(2)
        part["price"] = rng.normal(10, 1, n).round(3)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def write_project(folder: Path, frame: pd.DataFrame, *, data_name: str = "data.csv",
                  **config: object) -> Path:
    """Write ``frame`` and a config.yaml next to it; return the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    if data_name.endswith(".parquet"):
        frame.to_parquet(folder / data_name, index=False)
    else:
        frame.to_csv(folder / data_name, index=False)
    channels = [c for c in frame.columns if c.endswith("_spend")]
    base = {"data": data_name, "date": "date", "target": "revenue", "channels": channels}
    (folder / "config.yaml").write_text(yaml.safe_dump({**base, **config}, sort_keys=False))
    return folder / "config.yaml"


def small_dataset(n: int = 30, *, geos: tuple[str, ...] = (),
                  channels: tuple[str, ...] = ("tv_spend", "search_spend"),
                  start: str = "2024-01-01") -> Dataset:
    """A Dataset built directly: weekly dates from ``start`` (a Monday by default)."""
    dates = np.array(pd.date_range(start, periods=n, freq="7D"), dtype="datetime64[D]")
    shape = (max(len(geos), 1), n)
    spend = np.ones((*shape, len(channels)))
    return Dataset(dates=dates, geos=geos or ("national",), channels=channels,
                   y=np.ones(shape), spend=spend, media=spend,
                   geo_column="geo" if geos else None)


def line_of(path: Path, row: int) -> str:
    """The text of spreadsheet row ``row`` of a CSV (the header is row 1)."""
    return path.read_text().splitlines()[row - 1]
