"""Forecasts from the ML challenger for a spend plan (the forecast contract).

The plan frame has the data's columns for the weeks to predict (DESIGN.md: "PLAN has the
data's columns for future periods without the target"). Weeks of the run's data before
the plan's first date supply carryover; the plan's spend is converted to media at each
geo-channel's observed cost per unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixcast.analysis.forecast import Forecast
from mixcast.data.dataset import Dataset
from mixcast.errors import DataError
from mixcast.ml.features import Baseline
from mixcast.ml.fit import MLFit

NOISE_DRAWS = 1000    # predictive draws of a forecast: (replicate, out-of-fold error) pairs


def forecast(fit: MLFit, frame: pd.DataFrame, *, date_column: str = "date",
             seed: int = 0) -> Forecast:
    """Predictive draws of the KPI for each week (and geo) of ``frame``.

    Returns
    -------
    :class:`~mixcast.analysis.forecast.Forecast`, as the Bayesian model's: ``expected``
    (S, G, H) holds the bootstrap replicates' predictions, ``draws`` (NOISE_DRAWS, G, H)
    adds the time-ordered CV's out-of-fold errors (:func:`with_cv_noise`); its ``frame()``
    is the forecast.csv table ``date, [geo,] mean, lo90, hi90``.
    """
    data = fit.data
    dates, future = plan_arrays(fit, frame, date_column=date_column)
    history = int(np.searchsorted(data.dates.astype("datetime64[D]"), dates[0]))
    past = data.window(0, history)
    media = np.concatenate([past.media / fit.scales.media_scale[:, None, :],
                            fit.scales.media_of_spend(future["spend"])], axis=1)
    base = Baseline(dates=np.concatenate([past.dates.astype("datetime64[D]"), dates]),
                    controls=np.concatenate([past.controls_or_empty(), future["controls"]], 1),
                    organic=np.concatenate([past.organic_or_empty(), future["organic"]], 1),
                    events=np.concatenate([past.events_or_empty(), future["events"]], 1))
    kpi = fit.predict_kpi(media[None], base=base)[:, 0, :, history:]   # (S, G, H)
    return Forecast(dates=dates, geos=data.geos, draws=with_cv_noise(kpi, fit.cv, seed=seed),
                    expected=kpi, geo_column=data.geo_column if data.is_geo else None)


def with_cv_noise(kpi: np.ndarray, cv: dict, *, n_draws: int = NOISE_DRAWS,
                  seed: int = 0) -> np.ndarray:
    """(n_draws, ...) predictive draws from replicate predictions ``kpi`` (S, ...): a
    random replicate's prediction times (1 + an out-of-fold relative error), the error
    drawn afresh for every cell (week, geo), so that a total over weeks averages them as
    weekly errors do."""
    rng = np.random.default_rng(seed)
    residuals = np.asarray(cv.get("oof_relative_residuals") or [0.0], dtype=float)
    picks = rng.integers(len(kpi), size=n_draws)
    return kpi[picks] * (1.0 + rng.choice(residuals, size=(n_draws, *kpi.shape[1:])))


def plan_arrays(fit: MLFit, frame: pd.DataFrame, *,
                date_column: str = "date") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The plan's sorted weekly dates and (G, T', ...) arrays of spend, controls, organic
    and events, with every problem in the frame reported at once."""
    data = fit.data
    geo_column = data.geo_column if data.is_geo else None
    needed = [date_column, *([geo_column] if geo_column else []), *data.channels,
              *data.control_names, *data.organic_names]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(f"spend plan: missing column(s) {', '.join(map(repr, missing))}. "
                        "The plan needs the data's date, geo, channel spend, control and "
                        "organic columns for every future week.")
    values = list(data.channels) + list(data.control_names) + list(data.organic_names)
    bad = [c for c in values if frame[c].isna().any()]
    if bad:
        raise DataError(f"spend plan: column(s) {', '.join(map(repr, bad))} have empty "
                        "values. Fill every week of the plan.")
    table = frame.assign(**{date_column: pd.to_datetime(frame[date_column])})
    dates = np.sort(table[date_column].unique()).astype("datetime64[D]")
    geos = list(data.geos)
    if geo_column:
        table = table[table[geo_column].astype(str).isin(geos)]
        index = pd.MultiIndex.from_product([geos, pd.to_datetime(dates)])
        table = table.set_index([table[geo_column].astype(str), date_column]).reindex(index)
    else:
        table = table.set_index(date_column).reindex(pd.to_datetime(dates))
    if table[list(data.channels)].isna().any().any():
        raise DataError("spend plan: some geo-week rows are missing. Give one row per week "
                        f"for each of the {len(geos)} geos of the data.")
    shape = (len(geos), len(dates))

    def block(columns) -> np.ndarray:
        columns = [c for c in columns if c in table.columns]
        if not columns:
            return np.zeros((*shape, 0))
        return table[columns].to_numpy(float).reshape(*shape, len(columns))

    events = np.zeros((*shape, len(data.event_names)))
    for e, name in enumerate(data.event_names):
        if name in table.columns:
            events[..., e] = table[name].fillna(0).to_numpy(float).reshape(shape)
    return dates, {"spend": block(data.channels), "controls": block(data.control_names),
                   "organic": block(data.organic_names), "events": events}


def predict_span(fit: MLFit, data: Dataset) -> np.ndarray:
    """(S, G, T) challenger predictions over ``data``'s weeks (fitted weeks first)."""
    media = data.media / fit.scales.media_scale[:, None, :]
    return fit.predict_kpi(media[None], base=Baseline.of(data))[:, 0]
