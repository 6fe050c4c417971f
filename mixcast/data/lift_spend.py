"""The two spend plans a lift test compares (the DESIGN.md lift_tests.csv contract).

A test *happened*. Inside the data the observed spend already includes its change, so the
test compares the observed spend with the same spend whose window is put back to business
as usual: observed minus ``spend_delta``, spread over the window's weeks (and, for a
national test, geos) in proportion to the observed spend there, or evenly over the weeks
(and over geos by the channel's usual geo split) where the observed spend is 0, as in a
go-dark holdout. A test dated outside the data compares, on a synthetic timeline,
``bau_spend`` every week plus ``spend_delta`` spread evenly over the window with
``bau_spend`` every week; a warm-up of business-as-usual weeks before the window stands
for the carryover from before.

Currency throughout; the model turns spend into its media units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.data.dataset import Dataset, LiftTest

__all__ = ["Timeline", "business_as_usual", "geo_shares", "lift_timeline"]


@dataclass(frozen=True, slots=True)
class Timeline:
    """The tested channel's spend under the test and at business as usual.

    Shapes: G geos, L steps (the data's T weeks inside the data; warm-up, window and
    measurement tail outside it).

    Attributes
    ----------
    observed : True when the steps are the data's weeks (``tested`` is the observed spend).
    tested : (G, L) spend as tested.
    bau : (G, L) spend with the window at business as usual.
    measure : (G, L) 1 where the lift is counted: start .. measure end, the test's geo
        (every geo for a national test).
    week : (L,) the data week each step stands for (the nearest one outside the data),
        for time-varying effectiveness.
    """

    observed: bool
    tested: np.ndarray
    bau: np.ndarray
    measure: np.ndarray
    week: np.ndarray


def geo_shares(test: LiftTest, data: Dataset) -> np.ndarray:
    """(G,) how a test's spend splits over geos: all in its geo; for a national test the
    geos' shares of the channel's spend over the data (evenly where it has none)."""
    shares = np.zeros(data.n_geos)
    if test.geo is not None:
        shares[test.geo] = 1.0
        return shares
    per_geo = data.spend[:, :, data.channels.index(test.channel)].sum(axis=1)
    total = per_geo.sum()
    return per_geo / total if total > 0 else np.full(data.n_geos, 1.0 / data.n_geos)


def business_as_usual(test: LiftTest, data: Dataset) -> np.ndarray:
    """(G, T) the channel's observed spend with the window of a test inside the data put
    back to business as usual (may be negative where ``spend_delta`` exceeds the observed
    spend; the reader rejects such tests)."""
    spend = data.spend[:, :, data.channels.index(test.channel)].astype(np.float64)
    region = _region(test, data.n_geos, data.n_times)
    observed = np.where(region, spend, 0.0)
    total = observed.sum()
    bau = spend.copy()
    if total > 0:
        bau[region] = spend[region] * (1.0 - test.spend_delta / total)
    else:
        per_week = -test.spend_delta / test.n_weeks
        bau[:, test.start:test.end + 1] = spend[:, test.start:test.end + 1] + (
            per_week * geo_shares(test, data)[:, None])
    return bau


def lift_timeline(test: LiftTest, data: Dataset, *, warmup: int) -> Timeline:
    """The spend plans of ``test``; ``warmup`` business-as-usual weeks precede the window
    of a test outside the data (the model's ``l_max``: all the carryover there is).

    Raises
    ------
    ValueError
        A test outside the data without ``bau_spend`` (the reader never makes one).
    """
    n_geos, n_times = data.n_geos, data.n_times
    if test.inside(n_times):
        measure = np.zeros((n_geos, n_times))
        measure[:, test.start:test.last_week + 1] = _geo_mask(test, n_geos)[:, None]
        tested = data.spend[:, :, data.channels.index(test.channel)].astype(np.float64)
        return Timeline(observed=True, tested=tested, bau=business_as_usual(test, data),
                        measure=measure, week=np.arange(n_times))
    if test.bau_spend is None:
        raise ValueError(f"Lift test '{test.label}' lies outside the data's weeks and has no "
                         "bau_spend; give the channel's usual weekly spend.")
    n_steps = warmup + test.last_week - test.start + 1
    shares = geo_shares(test, data)[:, None]
    bau = np.broadcast_to(test.bau_spend * shares, (n_geos, n_steps)).copy()
    tested = bau.copy()
    tested[:, warmup:warmup + test.n_weeks] += test.spend_delta / test.n_weeks * shares
    measure = np.zeros((n_geos, n_steps))
    measure[:, warmup:] = _geo_mask(test, n_geos)[:, None]
    edge = 0 if test.start < 0 else n_times - 1
    return Timeline(observed=False, tested=tested, bau=bau, measure=measure,
                    week=np.full(n_steps, edge))


def _geo_mask(test: LiftTest, n_geos: int) -> np.ndarray:
    if test.geo is None:
        return np.ones(n_geos)
    mask = np.zeros(n_geos)
    mask[test.geo] = 1.0
    return mask


def _region(test: LiftTest, n_geos: int, n_times: int) -> np.ndarray:
    """(G, T) True on the test's window weeks in its geo(s)."""
    region = np.zeros((n_geos, n_times), dtype=bool)
    region[:, test.start:test.end + 1] = _geo_mask(test, n_geos)[:, None] > 0
    return region
