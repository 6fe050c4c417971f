"""Simulated MMM cases with known truth, generated independently of mixcast's own code.

The generator is plain numpy (normalised geometric or delayed-peak adstock in currency
units, Hill saturation with the half-saturation in currency, intercept + trend + yearly
Fourier seasonality + controls, Gaussian noise as a share of the mean), the form in which
outside benchmarks are usually written, so a case does not share mixcast's scaling or
parameterisation. True ROI and mROI follow the DESIGN.md counterfactual definitions.

Each case is one of the hard situations MMM users meet: collinear channels, delayed
carryover, saturated and linear channels, zero-effect channels, a short history, a geo
panel, and lift tests for a channel the data cannot separate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml


@dataclass(frozen=True)
class Channel:
    roi: float                      # target ROI over the window (0 = no effect)
    decay: float = 0.4
    peak: float = 0.0               # weeks to the carryover peak (0 = geometric)
    half_sat_ratio: float = 1.0     # half-saturation / mean active weekly spend
    slope: float = 1.5
    pattern: str = "always_on"
    weekly_spend: float = 30_000.0


@dataclass(frozen=True)
class Case:
    name: str
    channels: dict[str, Channel]
    n_weeks: int = 156
    n_geos: int = 1
    noise: float = 0.05
    baseline: float = 500_000.0
    collinear: tuple[str, str] | None = None
    correlation: float = 0.95
    lift_tests_for: tuple[str, ...] = ()
    model: dict = field(default_factory=dict)
    seed: int = 0


L_MAX = 8
EXPERIMENTS = ((30, 0.0), (90, 1.5))   # lift tests: (first week, spend factor) ...
TEST_WEEKS, TEST_TAIL = 6, 4            # ... for 6 weeks, measured 4 weeks on


def weights(decay: float, peak: float) -> np.ndarray:
    lags = np.arange(L_MAX)
    raw = decay ** np.abs(lags - peak)
    return raw / raw.sum()


def adstock(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x (..., T) -> carried over along the last axis (zero before the first week)."""
    out = np.zeros_like(x)
    for lag, weight in enumerate(w):
        out[..., lag:] += weight * x[..., :x.shape[-1] - lag]
    return out


def hill(x: np.ndarray, half: float, slope: float) -> np.ndarray:
    return x ** slope / (x ** slope + half ** slope)


def pattern(kind: str, n: int, rng) -> np.ndarray:
    weeks = np.arange(n)
    if kind == "always_on":
        walk = np.exp(np.cumsum(rng.normal(0, 0.07, n)))
        shape = walk * (1 + 0.3 * np.sin(2 * np.pi * weeks / 52.18 + rng.uniform(0, 6.3)))
        shape = shape * rng.lognormal(0, 0.2, n)
    elif kind == "flighting":
        shape = (rng.uniform(size=n // 4 + 1) < 0.55).repeat(4)[:n] * rng.lognormal(0, 0.3, n)
    elif kind == "bursty":
        shape = rng.lognormal(0, 0.7, n) * (rng.uniform(size=n) < 0.7)
    elif kind == "pulsed":
        shape = ((weeks % 13) < 5) * rng.lognormal(0, 0.25, n)
    else:
        raise ValueError(kind)
    return shape / shape.mean()


def generate(case: Case) -> tuple[pd.DataFrame, dict, list[dict]]:
    """(data frame, truth, lift tests) for ``case``."""
    rng = np.random.default_rng(case.seed)
    names = list(case.channels)
    g, t = case.n_geos, case.n_weeks
    pop = np.sort(rng.lognormal(12.0, 0.7, g))[::-1] if g > 1 else np.ones(1)
    share = pop / pop.sum()
    spend = np.zeros((len(names), g, t))
    for c, name in enumerate(names):
        ch = case.channels[name]
        national = ch.weekly_spend * pattern(ch.pattern, t, rng)
        spend[c] = national[None] * (share[:, None] if g > 1 else 1.0) * rng.lognormal(
            0, 0.2 if g > 1 else 0.0, (g, t))
    if case.collinear:
        a, b = (names.index(n) for n in case.collinear)
        ratio = spend[b].mean() / spend[a].mean()
        noise = spend[b] / spend[b].mean() * spend[a].mean()
        rho = case.correlation
        spend[b] = ratio * (rho * spend[a] + (1 - rho) * 0.5 * noise)
    spend = np.round(spend, 2)
    planned = spend.copy()
    for name in case.lift_tests_for:  # the tests happen: the data's spend includes them
        c = names.index(name)
        for start, factor in EXPERIMENTS:
            window = slice(start, start + TEST_WEEKS)
            spend[c][:, window] = np.round(planned[c][:, window] * factor, 2)
    weeks = np.arange(t)
    scale = case.baseline * (share * g if g > 1 else np.ones(1))[:, None]  # (G, 1)
    season = 0.06 * np.sin(2 * np.pi * weeks / 52.18) + 0.08 * np.cos(2 * np.pi * weeks / 52.18)
    controls = rng.normal(size=(2, g, t))
    base = scale * (1 + 0.1 * weeks / t + season + 0.03 * controls[0] - 0.02 * controls[1])

    def media_effect(sp: np.ndarray, c: int, beta: np.ndarray) -> np.ndarray:
        ch = case.channels[names[c]]
        observed = spend[c]
        active = np.where(observed > 0, observed, np.nan)
        half = ch.half_sat_ratio * np.nanmean(active, axis=1, keepdims=True)  # (G, 1)
        carried = adstock(sp, weights(ch.decay, ch.peak))
        return beta[:, None] * hill(carried, half, ch.slope)

    betas = []
    for c, name in enumerate(names):
        unit = media_effect(spend[c], c, np.ones(g) * scale[:, 0])
        target = case.channels[name].roi * spend[c].sum()
        betas.append(scale[:, 0] * target / max(unit.sum(), 1e-12))
    betas = np.array(betas)  # (C, G)
    effects = np.stack([media_effect(spend[c], c, betas[c]) for c in range(len(names))])
    mean = base + effects.sum(0)
    y = mean + rng.normal(size=mean.shape) * case.noise * mean.mean(axis=1, keepdims=True)
    roi, mroi = {}, {}
    for c, name in enumerate(names):
        total = spend[c].sum()
        roi[name] = float(effects[c].sum() / total)
        up = media_effect(spend[c] * 1.01, c, betas[c]).sum()
        mroi[name] = float((up - effects[c].sum()) / (0.01 * total))
    dates = pd.date_range("2022-01-03", periods=t, freq="7D")
    rows = []
    for gi in range(g):
        frame = {"date": dates, "revenue": y[gi]}
        if g > 1:
            frame["geo"] = f"geo_{gi:02d}"
            frame["population"] = pop[gi]
        frame.update({name: spend[c, gi] for c, name in enumerate(names)})
        frame.update({"control_1": controls[0, gi], "control_2": controls[1, gi]})
        rows.append(pd.DataFrame(frame))
    df = pd.concat(rows, ignore_index=True)
    tests = _lift_tests(case, names, spend, planned, media_effect, betas, dates)
    truth = {"roi": roi, "mroi": mroi}
    return df, truth, tests


def _lift_tests(case, names, spend, planned, media_effect, betas, dates) -> list[dict]:
    """A go-dark and a +50% boost per listed channel, as they happened in the data: the
    measured lift is the outcome at the observed spend minus at the planned spend of the
    window, over the window and ``TEST_TAIL`` weeks of carryover after it; SE 15%."""
    tests = []
    for name in case.lift_tests_for:
        c = names.index(name)
        for start, _ in EXPERIMENTS:
            window = slice(start, start + TEST_WEEKS)
            measured = slice(start, start + TEST_WEEKS + TEST_TAIL)
            usual = spend[c].copy()
            usual[:, window] = planned[c][:, window]
            lift = float(media_effect(spend[c], c, betas[c])[:, measured].sum()
                         - media_effect(usual, c, betas[c])[:, measured].sum())
            tests.append({"channel": name, "start_date": str(dates[start].date()),
                          "end_date": str(dates[start + TEST_WEEKS - 1].date()), "geo": "",
                          "spend_delta": float((spend[c] - usual)[:, window].sum()),
                          "lift": lift, "lift_se": 0.15 * abs(lift),
                          "measure_end_date": str(
                              dates[start + TEST_WEEKS + TEST_TAIL - 1].date())})
    return tests


def write(case: Case, folder: Path) -> tuple[Path, dict]:
    """Write data, config (and lift tests) of ``case`` into ``folder``; return config, truth."""
    folder.mkdir(parents=True, exist_ok=True)
    df, truth, tests = generate(case)
    df.to_csv(folder / "data.csv", index=False)
    config = {"data": "data.csv", "date": "date", "target": "revenue", "kpi_type": "revenue",
              "channels": list(case.channels), "controls": ["control_1", "control_2"]}
    if case.n_geos > 1:
        config.update(geo="geo", population="population")
    if tests:
        pd.DataFrame(tests).to_csv(folder / "lift_tests.csv", index=False)
        config["lift_tests"] = "lift_tests.csv"
    if case.model:
        config["model"] = case.model
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (folder / "truth.json").write_text(json.dumps(truth, indent=1))
    return folder / "config.yaml", truth


FIVE = {
    "tv_spend": Channel(roi=1.6, decay=0.6, half_sat_ratio=1.0, slope=2.0, pattern="flighting",
                        weekly_spend=40_000),
    "search_spend": Channel(roi=3.0, decay=0.2, half_sat_ratio=0.9, slope=1.2,
                            weekly_spend=30_000),
    "social_spend": Channel(roi=1.2, decay=0.4, half_sat_ratio=1.2, slope=1.5,
                            weekly_spend=25_000),
    "display_spend": Channel(roi=0.6, decay=0.3, half_sat_ratio=1.0, slope=1.0,
                             pattern="bursty", weekly_spend=15_000),
    "ooh_spend": Channel(roi=0.9, decay=0.5, half_sat_ratio=0.7, slope=1.8, pattern="pulsed",
                         weekly_spend=10_000),
}


def cases() -> list[Case]:
    five = Case(name="baseline_5ch", channels=FIVE, seed=1)
    return [
        five,
        replace(five, name="collinear", collinear=("tv_spend", "social_spend"), seed=2),
        replace(five, name="delayed", seed=3, channels={
            **FIVE, "tv_spend": replace(FIVE["tv_spend"], peak=2.0, decay=0.6),
            "ooh_spend": replace(FIVE["ooh_spend"], peak=3.0, decay=0.5)}),
        replace(five, name="saturated_linear", seed=4, channels={
            **FIVE, "search_spend": replace(FIVE["search_spend"], half_sat_ratio=0.15),
            "social_spend": replace(FIVE["social_spend"], half_sat_ratio=25.0, slope=1.0)}),
        replace(five, name="zero_effect", seed=5, channels={
            **FIVE, "display_spend": replace(FIVE["display_spend"], roi=0.0),
            "ooh_spend": replace(FIVE["ooh_spend"], roi=0.0)}),
        replace(five, name="short_history", n_weeks=70, seed=6),
        replace(five, name="geo_panel", n_geos=20, n_weeks=104, seed=7),
        replace(five, name="lift_tests", collinear=("tv_spend", "social_spend"), seed=2,
                lift_tests_for=("social_spend",)),
    ]
