"""Guardrail diagnostics: usable data with a known weakness. Pure; returns Issues."""

from __future__ import annotations

import numpy as np

from mixcast.data.dataset import Dataset, Issue

MIN_WEEKS = 78
CORRELATION_LIMIT = 0.8
VIF_LIMIT = 10.0
MIN_SPEND_SHARE = 0.02
MIN_VARIATION = 0.1
OUTLIER_Z = 5.0


def diagnose(data: Dataset, *, cadence_days: int = 7) -> tuple[Issue, ...]:
    """Every guardrail finding for ``data`` (warnings and infos), in a stable order."""
    issues: list[Issue] = []
    issues += _history(data, cadence_days)
    issues += _collinearity(data)
    issues += _spend_share_and_variation(data)
    issues += _kpi_shape(data)
    if not data.control_names:
        issues.append(Issue("no_controls", "info",
                            "No controls given. Consider price, promotions, competitor "
                            "activity or macro indicators: without them their effect can be "
                            "credited to media."))
    return tuple(issues)


def _history(data: Dataset, cadence_days: int) -> list[Issue]:
    issues = []
    if cadence_days >= 28:
        issues.append(Issue("coarse_granularity", "warning",
                            f"The data is monthly (one row every ~{cadence_days} days). "
                            "Carryover and short-term effects cannot be separated at this "
                            "grain; use weekly data if you have it."))
    weeks = data.n_times * cadence_days / 7
    if weeks < MIN_WEEKS:
        issues.append(Issue("short_history", "warning",
                            f"Only {weeks:.0f} weeks of history (under 18 months / "
                            f"{MIN_WEEKS} weeks): seasonality and media effects will be "
                            "poorly separated and intervals wide."))
    return issues


def _collinearity(data: Dataset) -> list[Issue]:
    spend = data.spend.sum(axis=0)  # national weekly totals (T, C)
    if spend.shape[1] < 2:
        return []
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(spend, rowvar=False)
    issues = []
    names = data.channels
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            r = corr[a, b]
            if np.isfinite(r) and abs(r) > CORRELATION_LIMIT:
                issues.append(Issue("collinear_channels", "warning",
                                    f"'{names[a]}' and '{names[b]}' move together "
                                    f"(correlation {r:.2f}): the model cannot tell their "
                                    "effects apart well. A lift test on one of them, or "
                                    "varying them independently, would help.",
                                    (names[a], names[b])))
    for c, vif in enumerate(_vif(spend)):
        if vif > VIF_LIMIT:
            issues.append(Issue("high_vif", "warning",
                                f"'{names[c]}' is largely explained by the other channels "
                                f"(VIF {vif:.1f} > {VIF_LIMIT:.0f}).", (names[c],)))
    return issues


def _vif(spend: np.ndarray) -> np.ndarray:
    """Variance inflation factor of each column against the others (least squares)."""
    n, k = spend.shape
    std = spend.std(axis=0)
    z = (spend - spend.mean(axis=0)) / np.where(std > 0, std, 1.0)
    out = np.ones(k)
    for c in range(k):
        others = np.column_stack([np.ones(n), np.delete(z, c, axis=1)])
        coef, *_ = np.linalg.lstsq(others, z[:, c], rcond=None)
        resid = z[:, c] - others @ coef
        r2 = 1 - resid.var() / max(z[:, c].var(), 1e-12)
        out[c] = 1 / max(1 - r2, 1e-9)
    return out


def _spend_share_and_variation(data: Dataset) -> list[Issue]:
    totals = data.spend.sum(axis=(0, 1))
    share = totals / max(totals.sum(), 1e-12)
    weekly = data.spend.sum(axis=0)
    issues = []
    for c, name in enumerate(data.channels):
        if share[c] < MIN_SPEND_SHARE:
            issues.append(Issue("low_spend_share", "warning",
                                f"'{name}' is only {100 * share[c]:.1f}% of spend: its ROI "
                                "will be uncertain.", (name,)))
        mean = weekly[:, c].mean()
        cv = weekly[:, c].std() / mean if mean > 0 else 0.0
        if cv < MIN_VARIATION:
            issues.append(Issue("low_spend_variation", "warning",
                                f"'{name}' barely varies week to week (coefficient of "
                                f"variation {cv:.2f}): its effect is confounded with the "
                                "baseline. Vary its spend, or add a lift test.", (name,)))
    return issues


def _kpi_shape(data: Dataset) -> list[Issue]:
    y = data.y.sum(axis=0)
    issues = []
    median = np.median(y)
    mad = np.median(np.abs(y - median)) * 1.4826
    if mad > 0:
        z = np.abs(y - median) / mad
        outliers = np.flatnonzero(z > OUTLIER_Z)
        if outliers.size:
            dates = ", ".join(str(data.dates[i])[:10] for i in outliers[:5])
            issues.append(Issue("kpi_outliers", "warning",
                                f"The KPI has {outliers.size} outlier week(s) ({dates}). "
                                "Add an event for them, or use likelihood: student_t."))
    shift = _level_shift(y)
    if shift is not None:
        index, size = shift
        issues.append(Issue("kpi_level_shift", "warning",
                            f"The KPI shifts level by {100 * size:+.0f}% around "
                            f"{str(data.dates[index])[:10]}. If something changed then "
                            "(tracking, pricing, distribution), add an event or use "
                            "model: {trend_knots: 4}."))
    return issues


def _level_shift(y: np.ndarray, window: int = 13) -> tuple[int, float] | None:
    """Largest step between the medians of 13 weeks before and after a week, measured on
    the KPI less a yearly seasonal fit (so ordinary seasons are not mistaken for shifts)."""
    if len(y) < 3 * window:
        return None
    from mixcast.transforms.seasonality import fourier_features

    t = np.arange(len(y), dtype=float)
    basis = np.column_stack([np.ones_like(t), fourier_features(t, order=3)])
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    resid = y - basis @ coef
    noise = np.median(np.abs(np.diff(resid))) * 1.4826 / np.sqrt(2) + 1e-12
    steps = [abs(np.median(resid[t:t + window]) - np.median(resid[t - window:t]))
             for t in range(window, len(y) - window)]
    best_at = int(np.argmax(steps)) + window
    best = steps[best_at - window]
    level = abs(np.median(y))
    if best < 5 * noise or best < 0.15 * level:
        return None
    before = np.median(y[best_at - window:best_at])
    return best_at, (np.median(y[best_at:best_at + window]) - before) / max(abs(before), 1e-12)
