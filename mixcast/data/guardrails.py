"""Guardrails: data that can be fitted but has a known weakness. Pure; returns Issues.

Codes are stable (reports, the API and tests key on them):

============================  =======  ====================================================
code                          level    finding
============================  =======  ====================================================
``short_history``             warning  fewer than 78 weeks of data
``coarse_granularity``        warning  monthly or coarser rows
``collinear_channels``        warning  two channels' spend with |r| > 0.8, or a VIF > 10
``low_spend_share``           warning  a channel below 2% of total spend
``low_spend_variation``       warning  weekly spend with a coefficient of variation < 0.1
``spend_kpi_scale``           warning  paid spend below 0.1% of the KPI's value, or above it
``calendar_control``          warning  a control that is the date in another form (week index)
``kpi_level_shift``           warning  a step change in the KPI (not seasonal)
``kpi_outliers``              warning  weeks with a robust z-score above 5
``no_controls``               info     no control variables given
============================  =======  ====================================================

Spend and KPI are summed over geos (national weekly totals) before these checks.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mixcast.data._common import day_text, listing
from mixcast.data.calendar_columns import calendar_part, date_parts
from mixcast.data.calendars import weekly_holidays
from mixcast.data.dataset import Dataset, Issue
from mixcast.formatting import compact_number, counted

MIN_WEEKS = 78
CORRELATION_LIMIT = 0.8
VIF_LIMIT = 10.0
MIN_SPEND_SHARE = 0.02
MIN_VARIATION = 0.1
# Paid spend against the KPI's value: advertising-to-sales ratios run ~1-30%. Outside
# these bounds spend and KPI are nearly always in different units (spend in thousands,
# the KPI in cents), and ROIs near 1, where a revenue ROI prior centres, cannot be right.
SPEND_TO_KPI = (0.001, 1.0)
OUTLIER_Z = 5.0
SHIFT_WINDOW_WEEKS = 13
SHIFT_MIN_SIZE = 0.15
# Markets whose public holidays an outlier week is checked against when the config names
# none: a KPI's outliers that fall on one country's holidays suggest ``holidays:`` for it.
HOLIDAY_MARKETS = ("US", "CA", "MX", "BR", "GB", "IE", "DE", "FR", "NL", "BE", "ES", "IT",
                   "PT", "AT", "CH", "SE", "NO", "DK", "FI", "PL", "AU", "NZ", "IN", "JP",
                   "SG", "ZA")
HOLIDAY_P = 0.01         # ... when that many would fall on its holidays by chance with a
                         # probability below this (Bonferroni over the markets tried)

__all__ = ["breakeven_roi", "diagnose", "spend_scale_mismatch", "spend_to_kpi",
           "spend_unit_factor"]


def diagnose(data: Dataset, *, cadence_days: int = 7, holidays: tuple[str, ...] = (),
             roi_prior_given: bool = False) -> tuple[Issue, ...]:
    """Every guardrail finding for ``data``, warnings and infos, in a stable order.

    Parameters
    ----------
    data : a loaded dataset.
    cadence_days : days between rows (7 for weekly data, about 30 for monthly).
    holidays : the countries whose public holidays the model includes (the config's
        ``holidays:``); their weeks are drivers of the KPI, not outliers.
    roi_prior_given : whether the config sets the default ROI prior (``model.roi_priors.
        default``): spend and KPI in different units are then the user's stated choice.

    Examples
    --------
    >>> from mixcast.data.dataset import Dataset
    >>> t = np.arange(104.0)
    >>> spend = np.stack([100 + 50 * np.sin(t / 5), 80 + 40 * np.cos(t / 7)], -1)[None]
    >>> data = Dataset(dates=np.arange(104) * np.timedelta64(7, "D") + np.datetime64("2022-01-03"),
    ...                geos=("national",), channels=("tv", "search"),
    ...                y=1000 + spend.sum(-1), spend=spend, media=spend)
    >>> [issue.code for issue in diagnose(data)]
    ['no_controls']
    """
    issues: list[Issue] = []
    issues += _history(data, cadence_days)
    spend = data.spend.sum(axis=0)
    issues += collinearity(spend, data.channels)
    issues += _spend_share_and_variation(spend, data.channels)
    issues += [] if roi_prior_given else _spend_scale(data)
    y = data.y.sum(axis=0)
    drivers = np.column_stack([spend, data.controls_or_empty().mean(axis=0),
                               data.events_or_empty().max(axis=0),
                               _holiday_columns(data, holidays, cadence_days)])
    periods_per_year = 365.25 / max(cadence_days, 1)
    window = max(3, round(SHIFT_WINDOW_WEEKS * 7 / max(cadence_days, 1)))
    shift = level_shift(y, drivers, periods_per_year, window)
    step_at = None if shift is None else shift[0]
    issues += _kpi_outliers(y, drivers, data, periods_per_year, step_at=step_at,
                            holidays=holidays, weekly=cadence_days == 7)
    issues += _kpi_level_shift(shift, data)
    issues += _calendar_controls(data)
    if not data.control_names:
        issues.append(Issue(
            "no_controls", "info",
            "No controls given. Consider price, promotions, competitor activity or macro "
            "indicators (e.g. consumer confidence): without them their effects can be "
            "credited to media."))
    return tuple(issues)


def _history(data: Dataset, cadence_days: int) -> list[Issue]:
    issues = []
    if cadence_days >= 28:
        kind = "monthly" if cadence_days < 80 else "quarterly"
        issues.append(Issue(
            "coarse_granularity", "warning",
            f"The data is {kind} (one row every ~{cadence_days} days, {data.n_times} rows). "
            "Carryover and short-term media effects cannot be separated at this grain and "
            "intervals will be wide; use weekly data if you have it."))
    weeks = data.n_times * cadence_days / 7
    if weeks < MIN_WEEKS:
        issues.append(Issue(
            "short_history", "warning",
            f"Only {weeks:.0f} weeks of history ({day_text(data.dates[0])} … "
            f"{day_text(data.dates[-1])}); {MIN_WEEKS} or more (18 months) are recommended. "
            "Seasonality and media effects will be poorly separated and intervals wide."))
    return issues


def collinearity(spend: np.ndarray, names: tuple[str, ...]) -> list[Issue]:
    """Pairs of channels with |corr| > 0.8, then channels with VIF > 10 not already named.

    Parameters
    ----------
    spend : (T, C) weekly spend.
    names : the C channel names.
    """
    if spend.shape[1] < 2:
        return []
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(spend, rowvar=False)
    issues, named = [], set()
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            r = corr[a, b]
            if np.isfinite(r) and abs(r) > CORRELATION_LIMIT:
                named |= {a, b}
                issues.append(Issue(
                    "collinear_channels", "warning",
                    f"'{names[a]}' and '{names[b]}' move together (spend correlation "
                    f"r = {r:.2f}): the model cannot tell their effects apart well. A lift "
                    "test on one of them, or varying them independently, would help.",
                    (names[a], names[b])))
    if spend.shape[1] < 3:
        return issues
    for c, vif in enumerate(variance_inflation(spend)):
        if vif > VIF_LIMIT and c not in named:
            issues.append(Issue(
                "collinear_channels", "warning",
                f"'{names[c]}' is largely explained by the other channels together (variance "
                f"inflation factor {vif:.1f} > {VIF_LIMIT:.0f}): its effect will be hard to "
                "separate from theirs. A lift test on it would help.", (names[c],)))
    return issues


def variance_inflation(spend: np.ndarray) -> np.ndarray:
    """(C,) variance inflation factor of each column regressed on the others.

    1 means unrelated to the others; a constant column gets 1 (it is flagged elsewhere).
    """
    n, k = spend.shape
    std = spend.std(axis=0)
    z = (spend - spend.mean(axis=0)) / np.where(std > 0, std, 1.0)
    out = np.ones(k)
    for c in range(k):
        if std[c] == 0:
            continue
        others = np.column_stack([np.ones(n), np.delete(z, c, axis=1)])
        coef, *_ = np.linalg.lstsq(others, z[:, c], rcond=None)
        r2 = 1.0 - (z[:, c] - others @ coef).var() / z[:, c].var()
        out[c] = 1.0 / max(1.0 - r2, 1e-9)
    return out


def _spend_share_and_variation(spend: np.ndarray, names: tuple[str, ...]) -> list[Issue]:
    totals = spend.sum(axis=0)
    share = totals / max(totals.sum(), 1e-12)
    issues = []
    for c, name in enumerate(names):
        if share[c] < MIN_SPEND_SHARE:
            issues.append(Issue(
                "low_spend_share", "warning",
                f"'{name}' is only {100 * share[c]:.1f}% of total spend ({totals[c]:,.0f} of "
                f"{totals.sum():,.0f}): its ROI will be uncertain and mostly set by the "
                "prior.", (name,)))
        mean = spend[:, c].mean()
        cv = spend[:, c].std() / mean if mean > 0 else 0.0
        if cv < MIN_VARIATION:
            issues.append(Issue(
                "low_spend_variation", "warning",
                f"'{name}' barely varies week to week (coefficient of variation {cv:.3g} < "
                f"{MIN_VARIATION}): its effect is confounded with the baseline. Vary its "
                "spend, or run a lift test.", (name,)))
    return issues


def spend_to_kpi(data: Dataset) -> float | None:
    """Total paid spend over the KPI's total value; None where the KPI has no value in
    currency (conversions without ``revenue_per_kpi``: their ROI prior follows the data)."""
    if not data.kpi_in_currency:
        return None
    value = float((data.y * data.value_per_kpi()).sum())
    return float(data.spend.sum()) / value if value > 0 else None


def spend_unit_factor(data: Dataset) -> float | None:
    """How many KPI units spend's unit likely holds when spend is far below the KPI's
    value: the smallest power of 1,000 that lifts paid spend to 0.1% of it (spend exported
    in thousands: 1,000; in millions: 1,000,000). None when spend is not that small
    (example: :func:`spend_scale_mismatch`).
    """
    ratio = spend_to_kpi(data)
    if ratio is None or ratio <= 0 or ratio >= SPEND_TO_KPI[0]:
        return None
    return 1000.0 ** math.ceil(math.log(SPEND_TO_KPI[0] / ratio, 1000) - 1e-9)


def breakeven_roi(data: Dataset) -> float | None:
    """The ROI (or mROI) at which spend pays for itself in the file's units: 1, or
    :func:`spend_unit_factor` where spend is in thousands (millions) of the KPI's unit.
    None where the KPI has no value in currency (conversions without
    ``revenue_per_kpi``): nothing can be said to pay for itself then, and channels are
    compared with one another (:func:`mixcast.analysis.hurdle.mroi_hurdle`)."""
    if not data.kpi_in_currency:
        return None
    return spend_unit_factor(data) or 1.0


def spend_scale_mismatch(data: Dataset) -> str | None:
    """Why spend and the KPI look like different units, or None when they do not.

    Examples
    --------
    >>> from mixcast.data.dataset import Dataset
    >>> dates = np.arange(3) * np.timedelta64(7, "D") + np.datetime64("2024-01-01")
    >>> data = Dataset(dates=dates, geos=("national",), channels=("tv",),
    ...                y=np.full((1, 3), 5000.0), spend=np.full((1, 3, 1), 0.5),
    ...                media=np.full((1, 3, 1), 0.5))
    >>> spend_scale_mismatch(data)[:52]
    'paid spend is 0.01% of the KPI (1.50 against 15.0k),'
    >>> spend_unit_factor(data)        # so spend is likely in thousands of the KPI's unit
    1000.0
    """
    ratio = spend_to_kpi(data)
    if ratio is None or SPEND_TO_KPI[0] <= ratio <= SPEND_TO_KPI[1]:
        return None
    spend = float(data.spend.sum())
    value = spend / ratio
    amounts = f"({compact_number(spend)} against {compact_number(value)})"
    factor = spend_unit_factor(data)
    if factor is not None:
        unit = UNIT_WORDS.get(factor, f"units of {factor:,.0f}")
        return (f"paid spend is {_percent(ratio)} of the KPI {amounts}, where advertising "
                f"runs at 1-30% of sales: spend is probably in {unit} of the KPI's unit")
    return (f"paid spend is {ratio:,.2g}x the KPI {amounts}: at ROIs near 1 media would drive "
            "all of it or more, so the KPI is probably in larger units than spend "
            "(thousands?), a count (then kpi_type: conversions) or a margin rather than "
            "revenue")


UNIT_WORDS = {1e3: "thousands", 1e6: "millions", 1e9: "billions"}


def _percent(ratio: float) -> str:
    return f"{100 * ratio:.2g}%" if ratio >= 1e-6 else f"{100 * ratio:.1e}%"


def _spend_scale(data: Dataset) -> list[Issue]:
    why = spend_scale_mismatch(data)
    if why is None:
        return []
    factor = spend_unit_factor(data)
    prior = (f"The default ROI prior is then centred on {factor:,.0f} (1 per currency unit "
             "spent) rather than 1" if factor is not None else
             "The default ROI prior then puts media at a quarter of the KPI at its median "
             "rather than centring on 1")
    return [Issue("spend_kpi_scale", "warning",
                  f"{why[0].upper()}{why[1:]}. {prior}, and each ROI is KPI per unit of spend "
                  "as the file has them. Put spend and the KPI in one currency unit to read "
                  "ROIs as revenue per unit spent; or state the ROIs to expect: model: "
                  "{roi_priors: {default: {lo90: L, hi90: H}}}.", data.channels)]


def _calendar_controls(data: Dataset) -> list[Issue]:
    if not data.control_names:
        return []
    parts = date_parts(pd.Series(data.dates))
    issues = []
    for k, name in enumerate(data.control_names):
        part = calendar_part(pd.Series(data.controls[0, :, k]), parts)
        if part:
            issues.append(Issue(
                "calendar_control", "warning",
                f"Control '{name}' is {part}: the model has its own trend and yearly "
                "seasonality, which a calendar column as a linear control duplicates (or "
                "saws through). Remove it from controls.", (name,)))
    return issues


def _baseline_basis(y: np.ndarray, drivers: np.ndarray,
                    periods_per_year: float) -> np.ndarray:
    """Columns: intercept, linear trend, then the standardised (T, k) ``drivers`` (spend,
    controls, events) when there are enough rows, then yearly Fourier terms."""
    t = np.arange(len(y), dtype=float)
    columns = [np.ones_like(t), t / max(len(y), 1)]
    if len(y) > 4 * (drivers.shape[1] + 8):  # enough rows to fit the drivers as well
        std = drivers.std(axis=0)
        columns += list(((drivers - drivers.mean(axis=0))[:, std > 0] / std[std > 0]).T)
    if len(y) >= periods_per_year:
        order = 3 if len(y) >= 2 * periods_per_year else 2
        for k in range(1, order + 1):
            angle = 2 * np.pi * k * t / periods_per_year
            columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


def _baseline_residual(y: np.ndarray, drivers: np.ndarray, periods_per_year: float, *,
                       step_at: int | None = None) -> np.ndarray:
    """The KPI less a least-squares fit of a linear trend, yearly Fourier seasonality and
    the (T, k) ``drivers`` (spend, controls, events), so that media-driven peaks and ordinary
    seasons are not mistaken for outliers or shifts. ``step_at`` adds a level step there
    (a known shift would otherwise inflate the noise scale and hide outliers)."""
    basis = _baseline_basis(y, drivers, periods_per_year)
    if step_at is not None:
        basis = np.column_stack([basis, np.arange(len(y)) >= step_at])
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return y - basis @ coef


def _robust_scale(x: np.ndarray) -> float:
    """Median absolute deviation scaled to a normal's standard deviation."""
    return float(np.median(np.abs(x - np.median(x))) * 1.4826)


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), exactly (a data check should not load SciPy's
    statistics for one sum).

    >>> round(binomial_tail(2, 3, 0.2), 3)
    0.104
    """
    return float(sum(math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k, n + 1)))


def _holiday_columns(data: Dataset, countries: tuple[str, ...], cadence_days: int
                     ) -> np.ndarray:
    """(T, H) weekly holiday indicators of ``countries`` (none for coarser data)."""
    if not countries or cadence_days != 7:
        return np.zeros((data.n_times, 0))
    return weekly_holidays(data.dates, tuple(countries)).indicators


def _holiday_hint(data: Dataset, outliers: np.ndarray) -> str:
    """The hint " 8 of them hold public holidays in DE ..." when one market's calendar explains
    the outlier weeks better than chance could (a binomial tail below HOLIDAY_P over the
    markets tried, at the share of the data's weeks that hold one of its holidays); else ""."""
    best: list[tuple[str, set[str]]] = []
    most = 0
    for country in HOLIDAY_MARKETS:
        found = weekly_holidays(data.dates, (country,))
        hit = found.indicators[outliers] > 0                       # (outliers, H)
        covered = int(hit.any(axis=1).sum())
        base_rate = float((found.indicators > 0).any(axis=1).mean()) if covered else 1.0
        chance = binomial_tail(covered, len(outliers), base_rate)
        if covered < 2 or chance * len(HOLIDAY_MARKETS) >= HOLIDAY_P or covered < most:
            continue
        names = {found.names[h] for h in np.flatnonzero(hit.any(axis=0))}
        if covered > most:
            best, most = [], covered
        best.append((country, names))
    if not best:
        return ""
    countries = " or ".join(c for c, _ in best[:3])
    first, names = best[0]
    return (f" {most} of them hold public holidays in {countries} ({first}: "
            f"{listing(sorted(names), 4)}): if you sell there, add holidays: {first} to the "
            "config.")


def _kpi_outliers(y: np.ndarray, drivers: np.ndarray, data: Dataset,
                  periods_per_year: float, *, step_at: int | None,
                  holidays: tuple[str, ...] = (), weekly: bool = True) -> list[Issue]:
    resid = _baseline_residual(y, drivers, periods_per_year, step_at=step_at)
    scale = _robust_scale(resid)
    if not scale > 0:
        return []
    z = np.abs(resid - np.median(resid)) / scale
    outliers = np.flatnonzero(z > OUTLIER_Z)
    if outliers.size == 0:
        return []
    dates = listing([f"{day_text(data.dates[i])} (z = {z[i]:.1f})" for i in outliers])
    hint = _holiday_hint(data, outliers) if weekly and not holidays else ""
    after = "events and holidays" if holidays else "events"
    return [Issue(
        "kpi_outliers", "warning",
        f"'{data.target}' has {counted(int(outliers.size), 'outlier week')} "
        f"(robust z-score > {OUTLIER_Z:.0f} after trend, seasonality, spend, controls and "
        f"{after}): {dates}.{hint} If something happened then, add it as an event; "
        "otherwise check the data, or use model: {likelihood: student_t}.",
        (data.target,))]


def level_shift(y: np.ndarray, drivers: np.ndarray, periods_per_year: float,
                window: int) -> tuple[int, float] | None:
    """The best single step in the KPI's level, fitted jointly with trend, seasonality and
    the (T, k) ``drivers``, if it is a real one.

    Every period with ``window`` periods on each side is tried as the step; the best fit
    wins. Fitting the step jointly matters: a step left out of the fit is partly absorbed
    by the trend and seasonal terms, which shrinks and misplaces it. The step counts when
    it exceeds 5 noise standard deviations (noise from the median absolute first
    difference of the residual), 15% of the level before it, and shows, with the same
    sign, in the medians of the ``window`` periods either side of the KPI less its seasonal
    and driver terms (a trend-plus-step sawtooth can mimic a recurring peak; this rejects it).

    Returns
    -------
    (index of the first period after the step, relative size), or None.
    """
    n = len(y)
    if n < 3 * window:
        return None
    basis = _baseline_basis(y, drivers, periods_per_year)
    t = np.arange(n)
    fits = []
    for k in range(window, n - window + 1):
        design = np.column_stack([basis, t >= k])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        fits.append((float(np.sum((y - design @ coef) ** 2)), k, coef))
    _, index, coef = min(fits, key=lambda fit: fit[0])
    resid = y - np.column_stack([basis, t >= index]) @ coef
    noise = _robust_scale(np.diff(resid)) / np.sqrt(2) + 1e-12
    level = max(abs(float(np.mean((basis[:, :2] @ coef[:2])[:index]))), 1e-12)
    size = float(coef[-1]) / level
    plain, *_ = np.linalg.lstsq(basis, y, rcond=None)  # no step: seasons and drivers only
    adjusted = y - basis[:, 2:] @ plain[2:]
    local = (np.median(adjusted[index:index + window]) -
             np.median(adjusted[index - window:index])) / level
    if abs(coef[-1]) < 5 * noise or abs(size) < SHIFT_MIN_SIZE or local * size <= 0 \
            or abs(local) < SHIFT_MIN_SIZE / 2:
        return None
    return index, size


def _kpi_level_shift(shift: tuple[int, float] | None, data: Dataset) -> list[Issue]:
    if shift is None:
        return []
    index, size = shift
    return [Issue(
        "kpi_level_shift", "warning",
        f"'{data.target}' shifts level by {100 * size:+.0f}% around "
        f"{day_text(data.dates[index])} (a step fitted with trend, season and drivers). "
        "If something changed then (tracking, pricing, distribution), add it as an event "
        "starting that week; otherwise media may be credited with the change.",
        (data.target,))]
