"""Tables for the data-layer tests: clean synthetic tables and configs written to disk.

Every test starts from a clean table (no guardrail warnings), breaks one thing, writes it
with :func:`write_project`, and checks the message mixcast gives. No model is fitted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

CHANNELS = ("tv_spend", "search_spend", "social_spend")


def weekly_frame(n_weeks: int = 104, *, seed: int = 0, start: str = "2023-01-01",
                 freq: str = "7D", channels: tuple[str, ...] = CHANNELS,
                 seasonal: float = 0.0) -> pd.DataFrame:
    """A clean national table: independent channels, one control, a noisy KPI.

    ``seasonal`` adds a yearly sine of that relative size to the KPI.
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n_weeks, freq=freq)
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d")})
    effect = np.zeros(n_weeks)
    for c, name in enumerate(channels):
        spend = np.round(rng.lognormal(np.log(10_000 * (c + 1)), 0.4, n_weeks), 2)
        frame[name] = spend
        effect += 0.5 * spend
    frame["price"] = np.round(10 + rng.normal(0, 0.5, n_weeks), 3)
    weeks = np.asarray((dates - dates[0]).days) / 7
    base = 200_000 * (1 + seasonal * np.sin(2 * np.pi * weeks / 52.18))
    frame["revenue"] = np.round(base + effect + rng.normal(0, 2_000, n_weeks), 2)
    return frame


def geo_frame(geos: tuple[str, ...] = ("north", "south", "west"), n_weeks: int = 90, *,
              seed: int = 0) -> pd.DataFrame:
    """Geo-level long table (one row per geo and week) with a constant population per geo."""
    parts = []
    for g, name in enumerate(geos):
        part = weekly_frame(n_weeks, seed=seed + g)
        part.insert(1, "geo", name)
        part["population"] = 1_000_000 * (g + 1)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def base_config(frame: pd.DataFrame) -> dict:
    channels = [c for c in frame.columns if c.endswith("_spend")]
    config = {"data": "data.csv", "date": "date", "target": "revenue",
              "channels": channels, "controls": ["price"]}
    if "geo" in frame.columns:
        config.update(geo="geo", population="population")
    return config


def write_project(folder: Path, frame: pd.DataFrame | str | bytes | None = None, *,
                  data_name: str = "data.csv", **overrides) -> Path:
    """Write the table (a DataFrame, raw text or raw bytes) and a config; return the config.

    ``overrides`` replace config keys; a value of None removes the key.
    """
    folder.mkdir(parents=True, exist_ok=True)
    table = weekly_frame() if frame is None else frame
    target = folder / data_name
    if isinstance(table, pd.DataFrame):
        if data_name.endswith(".parquet"):
            table.to_parquet(target, index=False)
        else:
            table.to_csv(target, index=False)
        config = base_config(table)
    else:
        if isinstance(table, str):
            target.write_text(table, encoding="utf-8")
        else:
            target.write_bytes(table)
        config = base_config(weekly_frame(2))
    config["data"] = data_name
    for key, value in overrides.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
