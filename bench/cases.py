"""Simulated MMM cases with known truth, generated independently of mixcast's own code.

The generator is plain numpy (normalised geometric or delayed-peak adstock in currency
units, Hill saturation with the half-saturation in currency, intercept + trend + yearly
Fourier seasonality + controls, Gaussian noise as a share of the mean), the form in which
outside benchmarks are usually written, so a case does not share mixcast's scaling or
parameterisation. True ROI and mROI follow the DESIGN.md counterfactual definitions.

Two sets:

* ``hard_cases()`` (the default of bench_recovery.py): 12 cases standing for the hidden
  cases of issue 14 — 8 national, 4 geo panels (12-40 geos). Their baselines carry what a
  data file does not show: holiday spikes (Black Friday, the weeks before and of
  Christmas, New Year, Easter; computed from the dates), unobserved promotions (1-2 week
  baseline shocks, national in geo panels) and an AR(1) national demand shock common to
  every geo. Their media include national TV-like flights in geo panels (the same weekly
  pattern in every geo, heavier in Q4), always-on search with little spend variation, a
  high ROI and spend that follows demand, collinear pairs, delayed carryover, saturated
  and linear channels, zero-effect channels, a time-varying effect, many noisy channels
  and a short history; 6 of them have go-dark and spend-up lift tests.
* ``cases()`` (``--set classic``): the earlier 8 cases (their data unchanged; the lift
  tests of ``lift_tests`` now written the DESIGN.md way, see below).

Lift tests follow the DESIGN.md contract: a test *happened*, so the observed spend in its
window already includes the change. Go-dark: the observed spend in the window is 0 and
``spend_delta`` is minus the business-as-usual (BAU) spend over the window; spend-up: the
observed spend is BAU x (1 + f) and ``spend_delta`` is f x BAU. ``lift`` is the true
incremental outcome of the change, outcome(observed) - outcome(observed with the window put
back to BAU), summed over start_date..measure_end_date and the test's geo (all geos for a
national test), from the generator's true parameters; ``lift_se`` is 15% of |lift|. The
lift is exact (no measurement noise): the SE says how much a model may trust it.
"""

from __future__ import annotations

import datetime as dt
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
    half_sat_ratio: float = 1.0     # half-saturation / mean active weekly BAU spend
    slope: float = 1.5
    pattern: str = "always_on"
    weekly_spend: float = 30_000.0
    cv: float = 0.1                 # week-to-week variation of the "steady" pattern
    national: bool = False          # geo panels: the same weekly pattern in every geo
    q4_boost: float = 0.0           # spend x (1 + q4_boost) from November to Christmas
    follows_demand: float = 0.0     # spend x demand ** follows_demand (search chasing demand)
    drift: float = 0.0              # effect x (1 + drift/2) in week 0 ... (1 - drift/2) at the end


@dataclass(frozen=True)
class Lift:
    """One experiment: ``change`` is "dark" (spend 0) or the proportional spend change."""
    channel: str
    start: int                      # first week (index)
    weeks: int = 4
    change: str | float = "dark"
    tail: int = 0                   # measured this many weeks past the window (carryover)
    geos: tuple[int, ...] | None = None   # one row per geo; None = one national test


@dataclass(frozen=True)
class Case:
    name: str
    channels: dict[str, Channel]
    n_weeks: int = 156
    n_geos: int = 1
    noise: float = 0.05
    baseline: float = 500_000.0     # weekly baseline (per geo on average in geo panels)
    collinear: tuple[str, str] | None = None
    correlation: float = 0.95
    lift_tests_for: tuple[str, ...] = ()   # classic: a go-dark and a +50% test each
    lifts: tuple[Lift, ...] = ()
    model: dict = field(default_factory=dict)
    seed: int = 0
    start: str = "2022-01-03"
    holidays: bool = False          # holiday spikes in the baseline (weeks from the dates)
    promotions: float = 0.0         # unobserved promotions per year
    demand_noise: float = 0.0       # sd of the AR(1) national demand shock (log scale)
    geo_roi_sd: float = 0.0         # geo-to-geo spread of the media effect (log scale)

    @property
    def has_lift_tests(self) -> bool:
        return bool(self.lifts or self.lift_tests_for)


L_MAX = 8


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


def pattern(kind: str, n: int, rng, cv: float = 0.1) -> np.ndarray:
    weeks = np.arange(n)
    if kind == "always_on":
        walk = np.exp(np.cumsum(rng.normal(0, 0.07, n)))
        shape = walk * (1 + 0.3 * np.sin(2 * np.pi * weeks / 52.18 + rng.uniform(0, 6.3)))
        shape = shape * rng.lognormal(0, 0.2, n)
    elif kind == "steady":           # always-on, little variation (search-like)
        walk = np.exp(np.cumsum(rng.normal(0, 0.3 * cv, n)))
        shape = walk / walk.mean() * rng.lognormal(0, cv, n)
    elif kind == "flighting":
        shape = (rng.uniform(size=n // 4 + 1) < 0.55).repeat(4)[:n] * rng.lognormal(0, 0.3, n)
    elif kind == "bursty":
        shape = rng.lognormal(0, 0.7, n) * (rng.uniform(size=n) < 0.7)
    elif kind == "pulsed":
        shape = ((weeks % 13) < 5) * rng.lognormal(0, 0.25, n)
    else:
        raise ValueError(kind)
    return shape / shape.mean()


# --- the baseline's hidden drivers ---------------------------------------------------------

def easter(year: int) -> dt.date:
    """Easter Sunday (Gregorian; the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def black_friday(year: int) -> dt.date:
    first = dt.date(year, 11, 1)
    thanksgiving = first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thanksgiving + dt.timedelta(days=1)


HOLIDAY_LIFT = {"black_friday": 0.30, "cyber_week": 0.10, "pre_christmas": 0.20,
                "christmas": 0.15, "new_year": -0.08, "easter": 0.08}


def holiday_weeks(dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Boolean masks of the weeks (7 days from each date) holding each holiday."""
    starts = [d.date() for d in dates]
    years = range(starts[0].year - 1, starts[-1].year + 2)

    def holding(days: list[dt.date], shift: int = 0) -> np.ndarray:
        days = [d + dt.timedelta(days=shift) for d in days]
        return np.array([any(s <= d < s + dt.timedelta(days=7) for d in days) for s in starts])

    christmas = [dt.date(y, 12, 25) for y in years]
    bf = [black_friday(y) for y in years]
    return {"black_friday": holding(bf), "cyber_week": holding(bf, 7),
            "pre_christmas": holding(christmas, -7), "christmas": holding(christmas),
            "new_year": holding([dt.date(y, 1, 1) for y in years]),
            "easter": holding([easter(y) for y in years])}


def holiday_multiplier(dates: pd.DatetimeIndex) -> np.ndarray:
    out = np.ones(len(dates))
    for name, mask in holiday_weeks(dates).items():
        out = out * np.where(mask, 1 + HOLIDAY_LIFT[name], 1.0)
    return out


def promotion_multiplier(n: int, per_year: float, rng) -> np.ndarray:
    """Unobserved promotions: 1-2 week baseline lifts of 6-15%, at random weeks."""
    out = np.ones(n)
    for _ in range(rng.poisson(per_year * n / 52.18)):
        start, length = rng.integers(0, n), rng.integers(1, 3)
        out[start:start + length] *= 1 + rng.uniform(0.06, 0.15)
    return out


def demand_shock(n: int, sd: float, rng, rho: float = 0.5) -> np.ndarray:
    e = np.zeros(n)
    z = rng.normal(size=n) * sd * np.sqrt(1 - rho ** 2)
    e[0] = rng.normal() * sd
    for i in range(1, n):
        e[i] = rho * e[i - 1] + z[i]
    return np.exp(e)


def q4_weeks(dates: pd.DatetimeIndex) -> np.ndarray:
    return np.array([(d.month in (11, 12)) and not (d.month == 12 and d.day > 24)
                     for d in dates])


# --- generation ----------------------------------------------------------------------------

def generate(case: Case) -> tuple[pd.DataFrame, dict, list[dict]]:
    """(data frame, truth, lift tests) for ``case``."""
    rng = np.random.default_rng(case.seed)
    extra = np.random.default_rng((case.seed, 7))   # the new drivers; classic draws unchanged
    names = list(case.channels)
    g, t = case.n_geos, case.n_weeks
    dates = pd.date_range(case.start, periods=t, freq="7D")
    weeks = np.arange(t)
    season = 0.06 * np.sin(2 * np.pi * weeks / 52.18) + 0.08 * np.cos(2 * np.pi * weeks / 52.18)
    holiday = holiday_multiplier(dates) if case.holidays else np.ones(t)
    demand = (1 + season) * holiday                  # what demand-following spend chases
    pop = np.sort(rng.lognormal(12.0, 0.7, g))[::-1] if g > 1 else np.ones(1)
    share = pop / pop.sum()
    bau = np.zeros((len(names), g, t))
    for c, name in enumerate(names):
        ch = case.channels[name]
        shape = pattern(ch.pattern, t, rng, ch.cv)
        if ch.q4_boost:
            shape = shape * np.where(q4_weeks(dates) & (shape > 0), 1 + ch.q4_boost, 1.0)
        if ch.follows_demand:
            shape = shape * demand ** ch.follows_demand
        national = ch.weekly_spend * shape / shape.mean()
        if ch.national and g > 1:
            bau[c] = national[None] * share[:, None] * extra.lognormal(0, 0.1, (g, 1))
        else:
            bau[c] = national[None] * (share[:, None] if g > 1 else 1.0) * rng.lognormal(
                0, 0.2 if g > 1 else 0.0, (g, t))
    if case.collinear:
        a, b = (names.index(n) for n in case.collinear)
        ratio = bau[b].mean() / bau[a].mean()
        noise = bau[b] / bau[b].mean() * bau[a].mean()
        rho = case.correlation
        bau[b] = ratio * (rho * bau[a] + (1 - rho) * 0.5 * noise)
    bau = np.round(bau, 2)
    tests = _test_plan(case, names, bau)
    spend = bau.copy()
    for test in tests:
        c, window, geos = test["c"], test["window"], test["geos"]
        spend[c][np.ix_(geos, window)] = (0.0 if test["dark"] else np.round(
            bau[c][np.ix_(geos, window)] * (1 + test["factor"]), 2))
    scale = case.baseline * (share * g if g > 1 else np.ones(1))[:, None]  # (G, 1)
    controls = rng.normal(size=(2, g, t))
    hidden = holiday
    if case.promotions:
        hidden = hidden * promotion_multiplier(t, case.promotions, extra)
    if case.demand_noise:
        hidden = hidden * demand_shock(t, case.demand_noise, extra)
    base = scale * (1 + 0.1 * weeks / t + season + 0.03 * controls[0] - 0.02 * controls[1])
    base = base * hidden[None]
    geo_gain = extra.lognormal(0, case.geo_roi_sd, (len(names), g)) if case.geo_roi_sd else (
        np.ones((len(names), g)))

    def media_effect(sp: np.ndarray, c: int, beta: np.ndarray) -> np.ndarray:
        ch = case.channels[names[c]]
        active = np.where(bau[c] > 0, bau[c], np.nan)
        half = ch.half_sat_ratio * np.nanmean(active, axis=1, keepdims=True)  # (G, 1)
        carried = adstock(sp, weights(ch.decay, ch.peak))
        drift = 1 + ch.drift * (0.5 - weeks / max(t - 1, 1))
        return beta[:, None] * hill(carried, half, ch.slope) * drift

    betas = []
    for c, name in enumerate(names):
        unit = media_effect(spend[c], c, scale[:, 0] * geo_gain[c])
        target = case.channels[name].roi * spend[c].sum()
        betas.append(scale[:, 0] * geo_gain[c] * target / max(unit.sum(), 1e-12))
    betas = np.array(betas)  # (C, G)
    effects = np.stack([media_effect(spend[c], c, betas[c]) for c in range(len(names))])
    mean = base + effects.sum(0)
    y = mean + rng.normal(size=mean.shape) * case.noise * mean.mean(axis=1, keepdims=True)
    roi, mroi, total_spend = {}, {}, {}
    for c, name in enumerate(names):
        total = spend[c].sum()
        total_spend[name] = float(total)
        roi[name] = float(effects[c].sum() / total)
        up = media_effect(spend[c] * 1.01, c, betas[c]).sum()
        mroi[name] = float((up - effects[c].sum()) / (0.01 * total))
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
    lift_rows = _lift_rows(tests, names, spend, bau, media_effect, betas, dates, g)
    factors = shift_factors(len(names))
    shifted = sum(media_effect(spend[c] * factors[c], c, betas[c]).sum()
                  for c in range(len(names)))
    truth = {"roi": roi, "mroi": mroi, "spend": total_spend,
             "media_share": float(effects.sum() / mean.sum()),
             "holiday_weeks": int((holiday != 1).sum()),
             "shift": {"factors": factors.tolist(), "media_outcome": float(effects.sum()),
                       "change": float(shifted - effects.sum())}}
    return df, truth, lift_rows


def shift_factors(n_channels: int) -> np.ndarray:
    """The shifted spend plan of the forecast score: every week's spend of channel c
    times 1.3 (even c) or 0.7 (odd c), a reallocation that a planner might try."""
    return np.where(np.arange(n_channels) % 2 == 0, 1.3, 0.7)


def _test_plan(case: Case, names: list[str], bau: np.ndarray) -> list[dict]:
    """Each test as channel index, window weeks, geo indices (one entry per written row).

    A test runs while its channel is on air: the window starts at the first week from
    ``Lift.start`` whose weeks all have BAU spend in every geo of the test.
    """
    plan = []
    lifts = list(case.lifts) + [Lift(name, start, 6, change)
                                for name in case.lift_tests_for
                                for start, change in ((30, "dark"), (90, 0.5))]
    for lift in lifts:
        c = names.index(lift.channel)
        rows = slice(None) if lift.geos is None else list(lift.geos)
        on_air = (bau[c][rows] > 0).all(axis=0)
        start = lift.start
        while start + lift.weeks + lift.tail <= case.n_weeks and not on_air[
                start:start + lift.weeks].all():
            start += 1
        window = np.arange(start, start + lift.weeks)
        if window[-1] + lift.tail >= case.n_weeks:
            raise ValueError(f"{case.name}: no window for the test on {lift.channel}")
        dark = lift.change == "dark"
        groups = ([list(range(case.n_geos))] if lift.geos is None
                  else [[geo] for geo in lift.geos])
        for geos in groups:
            plan.append({"c": c, "window": window, "geos": geos,
                         "dark": dark, "factor": -1.0 if dark else float(lift.change),
                         "tail": lift.tail, "national": lift.geos is None})
    return plan


def _lift_rows(tests, names, spend, bau, media_effect, betas, dates, g) -> list[dict]:
    rows = []
    for test in tests:
        c, window, geos = test["c"], test["window"], test["geos"]
        as_usual = spend[c].copy()
        as_usual[np.ix_(geos, window)] = bau[c][np.ix_(geos, window)]
        measured = slice(window[0], window[-1] + 1 + test["tail"])
        lift = float((media_effect(spend[c], c, betas[c])
                      - media_effect(as_usual, c, betas[c]))[geos, measured].sum())
        delta = float(spend[c][np.ix_(geos, window)].sum() - bau[c][np.ix_(geos, window)].sum())
        rows.append({"channel": names[c], "start_date": str(dates[window[0]].date()),
                     "end_date": str(dates[window[-1]].date()),
                     "measure_end_date": str(dates[window[-1] + test["tail"]].date()),
                     "geo": "" if test["national"] or g == 1 else f"geo_{geos[0]:02d}",
                     "spend_delta": round(delta, 2), "lift": lift,
                     "lift_se": 0.15 * abs(lift)})
    return rows


def write(case: Case, folder: Path, *, holidays: bool = False, holiday_events: bool = False,
          lift_columns: tuple[str, ...] | None = None) -> tuple[Path, dict]:
    """Write data, config (and lift tests) of ``case`` into ``folder``; return config, truth.

    ``holidays``: add ``holidays: US`` to the config of a case with holiday spikes.
    ``holiday_events``: give such a case the simulator's own holiday weeks as events.csv
    (one event per holiday: oracle knowledge of the baseline's spikes).
    ``lift_columns``: the lift-test columns to write (default all, ``measure_end_date``
    included); the lift values are the same either way.
    """
    folder.mkdir(parents=True, exist_ok=True)
    df, truth, tests = generate(case)
    df.to_csv(folder / "data.csv", index=False)
    config = {"data": "data.csv", "date": "date", "target": "revenue", "kpi_type": "revenue",
              "channels": list(case.channels), "controls": ["control_1", "control_2"]}
    if case.n_geos > 1:
        config.update(geo="geo", population="population")
    if tests:
        frame = pd.DataFrame(tests)
        if lift_columns is not None:
            frame = frame[[c for c in frame.columns if c in lift_columns]]
        frame.to_csv(folder / "lift_tests.csv", index=False)
        config["lift_tests"] = "lift_tests.csv"
    if holidays and case.holidays:
        config["holidays"] = "US"
    if holiday_events and case.holidays:
        dates = pd.DatetimeIndex(sorted(df["date"].unique()))
        pd.DataFrame([{"name": name, "start_date": day.date().isoformat()}
                      for name, mask in holiday_weeks(dates).items() for day in dates[mask]]
                     ).to_csv(folder / "events.csv", index=False)
        config["events"] = "events.csv"
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
    """The classic set (2026-12-02)."""
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


# --- the hard set (issue 14) ---------------------------------------------------------------

TV = Channel(roi=1.5, decay=0.6, half_sat_ratio=1.0, slope=2.0, pattern="flighting",
             weekly_spend=40_000, national=True, q4_boost=0.8)
SEARCH = Channel(roi=4.5, decay=0.15, half_sat_ratio=0.8, slope=1.2, pattern="steady",
                 cv=0.08, weekly_spend=30_000, follows_demand=0.5)
SOCIAL = Channel(roi=1.2, decay=0.4, half_sat_ratio=1.2, slope=1.5, weekly_spend=25_000)
DISPLAY = Channel(roi=0.5, decay=0.3, half_sat_ratio=1.0, slope=1.0, pattern="bursty",
                  weekly_spend=15_000)
OOH = Channel(roi=0.8, decay=0.5, half_sat_ratio=0.7, slope=1.8, pattern="pulsed",
              weekly_spend=10_000, national=True)
HARD5 = {"tv_spend": TV, "search_spend": SEARCH, "social_spend": SOCIAL,
         "display_spend": DISPLAY, "ooh_spend": OOH}
MANY = {
    **HARD5,
    "video_spend": Channel(roi=1.0, decay=0.5, pattern="flighting", weekly_spend=18_000),
    "radio_spend": Channel(roi=0.7, decay=0.5, slope=1.8, pattern="pulsed",
                           weekly_spend=8_000, national=True),
    "affiliate_spend": Channel(roi=2.2, decay=0.1, half_sat_ratio=1.5, slope=1.0,
                               weekly_spend=6_000),
    "podcast_spend": Channel(roi=0.0, decay=0.4, pattern="bursty", weekly_spend=5_000),
    "print_spend": Channel(roi=0.3, decay=0.6, pattern="pulsed", weekly_spend=6_000),
    "influencer_spend": Channel(roi=1.8, decay=0.3, pattern="bursty", weekly_spend=7_000),
    "ctv_spend": Channel(roi=0.0, decay=0.5, pattern="flighting", weekly_spend=9_000,
                         q4_boost=0.6),
}


def hard_cases() -> list[Case]:
    """The 12 hard cases (issue 14): 8 national, 4 geo panels; lift tests in 6."""
    hidden = dict(holidays=True, promotions=4.0, demand_noise=0.03)
    nat = Case(name="", channels=HARD5, **hidden)
    geo = replace(nat, n_weeks=104, geo_roi_sd=0.2)
    delayed = {**HARD5, "tv_spend": replace(TV, peak=2.0, decay=0.7, roi=1.8),
               "ooh_spend": replace(OOH, peak=3.0, decay=0.6)}
    return [
        # national (8)
        replace(nat, name="n_holiday_search", seed=101),
        replace(nat, name="n_search_golift", seed=102, lifts=(
            Lift("search_spend", 40, 3, "dark"), Lift("tv_spend", 110, 4, 1.0, tail=3))),
        replace(nat, name="n_collinear_lift", seed=103, collinear=("tv_spend", "social_spend"),
                channels={**HARD5, "social_spend": replace(SOCIAL, pattern="flighting",
                                                           roi=0.6)},
                lifts=(Lift("social_spend", 60, 6, 0.6), Lift("tv_spend", 120, 4, "dark",
                                                              tail=2))),
        replace(nat, name="n_delayed_lift", seed=104, channels=delayed,
                lifts=(Lift("tv_spend", 70, 4, "dark", tail=6),)),
        replace(nat, name="n_saturated_linear", seed=105, channels={
            **HARD5, "search_spend": replace(SEARCH, half_sat_ratio=0.15),
            "social_spend": replace(SOCIAL, half_sat_ratio=25.0, slope=1.0, drift=0.6)}),
        replace(nat, name="n_zero_effect", seed=106, channels={
            **HARD5, "display_spend": replace(DISPLAY, roi=0.0, q4_boost=1.0),
            "ooh_spend": replace(OOH, roi=0.0)}),
        replace(nat, name="n_short_lift", seed=107, n_weeks=78, lifts=(
            Lift("social_spend", 20, 4, "dark"), Lift("search_spend", 55, 4, 0.5))),
        replace(nat, name="n_many_noisy", seed=108, channels=MANY, noise=0.08),
        # geo (4)
        replace(geo, name="g20_national_tv", seed=201, n_geos=20, baseline=25_000),
        replace(geo, name="g30_tv_holdout_lift", seed=202, n_geos=30, baseline=500_000 / 30,
                lifts=(Lift("tv_spend", 30, 4, "dark", tail=2, geos=(3, 8, 15, 22)),
                       Lift("search_spend", 60, 4, "dark", geos=(5, 12, 19)))),
        replace(geo, name="g12_collinear_short_lift", seed=203, n_geos=12, n_weeks=78,
                baseline=500_000 / 12, collinear=("tv_spend", "social_spend"),
                channels={**HARD5, "social_spend": replace(SOCIAL, pattern="flighting",
                                                           national=True)},
                lifts=(Lift("social_spend", 40, 4, 1.0),)),
        replace(geo, name="g40_many_delayed", seed=204, n_geos=40, baseline=500_000 / 40,
                channels={**delayed,
                          "video_spend": MANY["video_spend"],
                          "radio_spend": MANY["radio_spend"],
                          "podcast_spend": MANY["podcast_spend"]}),
    ]


def shape_cases() -> list[Case]:
    """Shapes of the hidden cases the hard set does not have: a year of national
    history (with and without a lift test), 10 and 60 geos. Same drivers as the hard set."""
    hard = {c.name: c for c in hard_cases()}
    return [
        replace(hard["n_short_lift"], name="n_52w_lift", n_weeks=52, seed=301,
                lifts=(Lift("social_spend", 20, 4, "dark"),)),
        replace(hard["n_holiday_search"], name="n_52w", n_weeks=52, seed=302),
        replace(hard["g20_national_tv"], name="g10_national_tv", n_geos=10, seed=304,
                baseline=50_000),
        replace(hard["g40_many_delayed"], name="g60_many_delayed", n_geos=60, seed=303,
                baseline=500_000 / 60),
    ]


SETS = {"hard": hard_cases, "classic": cases, "shapes": shape_cases}


if __name__ == "__main__":
    # A look at each case: spend correlations that matter, media share, lift tests.
    for case in hard_cases():
        df, truth, tests = generate(case)
        names = list(case.channels)
        nat_df = df.groupby("date")[names + ["revenue"]].sum()
        cv = (nat_df[names].std() / nat_df[names].mean()).round(2)
        print(f"{case.name:<26} geos {case.n_geos:>2} weeks {case.n_weeks:>3} media share "
              f"{truth['media_share']:.2f} holiday weeks {truth['holiday_weeks']:>2} "
              f"tests {len(tests)}")
        print("   ROI " + " ".join(f"{n.removesuffix('_spend')}={truth['roi'][n]:.2f}"
                                   f"(cv {cv[n]})" for n in names))
        for t in tests:
            print(f"   lift {t['channel']} {t['start_date']}..{t['measure_end_date']} "
                  f"geo '{t['geo']}' delta {t['spend_delta']:.0f} lift {t['lift']:.0f}")
