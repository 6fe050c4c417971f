"""Check 9, plausibility and prior-data conflict: numbers no marketer should act on.

A model can converge, fit well and still tell an impossible story: one channel earning
100 per unit of spend, or paid media driving most of the business. That is nearly always
the baseline left unmodelled (seasonality, holidays, a trend, promotions) and absorbed by
whichever channel's spend happens to move with it. Four rules, per channel and overall:

1. **Prior-data conflict.** The posterior median ROI lies beyond the prior's 99th
   percentile (``PRIOR_TAIL_CARE``; z > 2.33 on log ROI) — the data pulled the estimate
   where the prior put less than 1% of its mass; beyond the 99.9th (z > 3.09,
   ``PRIOR_TAIL_STRONG``) the conflict is strong. Only the upper tail is flagged: an ROI
   far below the prior (a channel that does not work) is common and plausible.
2. **ROI beyond what any channel of its kind earns** (revenue KPIs, or conversions with a
   revenue per KPI): the posterior median ROI above the kind's ceiling in
   :data:`ROI_CEILING` (strong).
3. **Media's share.** Paid media's posterior-mean share of the KPI above 60%
   (``MEDIA_SHARE_MAX``, strong, overall); one channel above 80% of media's outcome
   (``DOMINANT_SHARE``) with under 50% of media spend (``DOMINANT_SPEND``) (care; strong
   together with rule 1 or 2).
4. **Units.** Paid spend below 0.1% of the KPI's value, or above it
   (:data:`mixcast.data.guardrails.SPEND_TO_KPI`; advertising-to-sales ratios run ~1-30%):
   spend and KPI are in different units. The default ROI prior then follows the data
   (:func:`mixcast.model.mmm.default_roi_prior`) and each ROI is KPI per unit of spend in
   the file's units, not revenue per unit spent: rule 2's ceilings do not apply, and the
   finding says how to read the ROIs (care, overall; none when the config states the
   ROI prior).

Literature behind the ceilings (kept far above the published ranges, so that a flag
means "implausible", not "unusual"):

- Sethuraman, Tellis & Briesch (2011, J. Marketing Research 48(3)), meta-analysis of 751
  short-term advertising elasticities: mean 0.12, long-term 0.24. ROI = elasticity x
  KPI / spend, so at a typical 2-10% advertising-to-sales ratio a channel's revenue ROI
  is of order 1-10 even at the long-term mean; 20 needs an elasticity several times the
  meta-analytic mean at a low ad-to-sales ratio.
- Industry MMM benchmarks (Nielsen and Analytic Partners' published ROI studies; Google
  Meridian's default ROI prior LogNormal(0.2, 0.9), 90% within about 0.3-5.4) put paid
  media's revenue ROI mostly between 0.3 and 5; paid search is the usual high end, as its
  measured ROI includes demand it captures rather than creates.
- Base (non-media) sales are typically 70-90% of the KPI in published MMM decompositions;
  more than 60% from paid media is implausible for an established business.

Each finding names the likely cause (baseline structure not absorbed; a collinear
channel; too few controls) and what to try (holidays/events, ``trend_knots``, tighter
``roi_priors``, a lift test).
"""

from __future__ import annotations

import numpy as np

from mixcast.analysis.identification import identification
from mixcast.analysis.metrics import ChannelMetrics, channel_metrics
from mixcast.data.channel_kinds import AFFILIATE, PAID_MEDIA, SEARCH, channel_kind
from mixcast.data.dataset import Issue
from mixcast.data.guardrails import spend_scale_mismatch
from mixcast.posterior.fitted import Fit

PRIOR_TAIL_CARE = 2.326     # z of the prior's 99th percentile (log ROI)
PRIOR_TAIL_STRONG = 3.090   # 99.9th
MEDIA_SHARE_MAX = 0.60
DOMINANT_SHARE, DOMINANT_SPEND = 0.80, 0.50
TRACKS_KPI = 0.5            # |r| of weekly spend with the KPI or with time: "moves with it"
# Revenue ROI above which no channel of the kind is plausible (see the module docstring).
ROI_CEILING = {SEARCH: 30.0, AFFILIATE: 30.0, PAID_MEDIA: 20.0}
SEVERITY = {"ok": 0, "care": 1, "strong": 2}


def check_plausibility(fit: Fit, issues: tuple[Issue, ...] = (),
                       metrics: ChannelMetrics | None = None, *,
                       with_prior: bool = True) -> dict:
    """Prior-data conflict, ROI plausibility per channel kind and media's share of the KPI.

    ``with_prior=False`` leaves out rule 1 (for a model without an ROI prior, the ML
    challenger: ``fit`` then needs only ``data`` and ``channels``, ``metrics`` is given).

    Returns
    -------
    dict : ``status`` (pass | warn | fail), ``summary``, ``advice``, ``media_share`` (mean,
        lo90, hi90 of paid media's share of the KPI), ``strong`` (whether the verdict must
        be do_not_act) and ``channels`` {name: {roi_median, prior_tail_z, kind, ceiling,
        share_of_media, spend_share, severity ("ok" | "care" | "strong"), findings,
        causes, advice}}.
    """
    metrics = metrics or channel_metrics(fit)
    ident = identification(fit) if with_prior else {}
    data = fit.data
    mismatch = spend_scale_mismatch(data)
    # ROI ceilings are revenue per unit spent: meaningless when spend and KPI differ in unit.
    valued = data.kpi_in_currency and not mismatch
    spend = metrics.spend
    spend_share = spend / max(float(spend.sum()), 1e-12)
    media_share_draws = metrics.incremental_kpi.sum(axis=1) / max(float(data.y.sum()), 1e-12)
    media_share = _band(media_share_draws)
    share_of_media = np.nanmean(metrics.contribution_share, axis=0)
    channels = {}
    for c, name in enumerate(fit.channels):
        channels[name] = _channel(fit, c, name, metrics, ident.get(name), valued,
                                  float(share_of_media[c]), float(spend_share[c]), issues,
                                  with_prior)
    strong_channels = [n for n, e in channels.items() if e["severity"] == "strong"]
    flagged = [n for n, e in channels.items() if e["severity"] != "ok"]
    findings = []
    stated = with_prior and fit.spec.roi_prior is not None
    units = None if stated else mismatch
    if units:
        findings.append(f"{units}: each ROI is KPI per unit of spend in the file's units, not "
                        "revenue per unit spent")
    if media_share["mean"] > MEDIA_SHARE_MAX:
        findings.append(f"paid media drives {100 * media_share['mean']:.0f}% of the KPI "
                        f"({100 * media_share['lo90']:.0f}–{100 * media_share['hi90']:.0f}%);"
                        f" more than {100 * MEDIA_SHARE_MAX:.0f}% is implausible: the baseline "
                        "is under-modelled")
    for name in flagged:
        findings.append(f"{name}: {channels[name]['findings'][0]}")
    strong = bool(strong_channels) or media_share["mean"] > MEDIA_SHARE_MAX
    status = "fail" if strong else ("warn" if flagged or units else "pass")
    advice = _overall_advice(fit, channels, flagged, strong, bool(units)) if findings else []
    # Without a value in currency there is no ceiling to be within: say what was checked.
    within = ("its kind's plausible range and the prior's bulk" if valued else
              "the prior's bulk (no ROI ceilings: " + (
                  "spend and the KPI are in different units)" if mismatch else
                  "the KPI has no value in currency)"))
    summary = ("; ".join(findings) if findings else
               f"every ROI within {within}; paid media "
               f"{100 * media_share['mean']:.0f}% of the KPI")
    label = ("spend and KPI in different units" if units and not flagged and not strong
             else "implausible numbers")
    return {"status": status, "summary": summary, "advice": advice, "strong": strong,
            "label": label,
            "media_share": media_share, "channels": channels,
            "thresholds": {"prior_tail_z_care": PRIOR_TAIL_CARE,
                           "prior_tail_z_strong": PRIOR_TAIL_STRONG,
                           "roi_ceiling": dict(ROI_CEILING) if valued else None,
                           "media_share_max": MEDIA_SHARE_MAX,
                           "dominant_share": DOMINANT_SHARE,
                           "dominant_spend": DOMINANT_SPEND}}


def _channel(fit: Fit, c: int, name: str, metrics: ChannelMetrics, ident, valued: bool,
             share: float, spend_share: float, issues, with_prior: bool) -> dict:
    roi = metrics.roi[:, c]
    roi = roi[np.isfinite(roi)]
    median = float(np.median(roi)) if roi.size else float("nan")
    z = float("nan")
    if ident is not None and np.isfinite(median) and median > 0:
        z = (np.log(median) - np.log(ident.prior_median)) / ident.prior_log_sd
    kind = channel_kind(name)
    ceiling = ROI_CEILING[kind] if valued else None
    findings, severity = [], "ok"

    def flag(level: str, text: str) -> None:
        nonlocal severity
        severity = max(severity, level, key=SEVERITY.__getitem__)
        findings.append(text)

    if ceiling is not None and median > ceiling:
        flag("strong", f"ROI {median:.1f} is beyond what any {kind} channel earns (> "
             f"{ceiling:g})")
    if np.isfinite(z) and z > PRIOR_TAIL_CARE:
        flag("strong" if z > PRIOR_TAIL_STRONG else "care",
             f"ROI {median:.1f} lies in the prior's far tail ({z:.1f} prior sds above its "
             f"median {ident.prior_median:.2g}; the prior gave it under "
             f"{'0.1' if z > PRIOR_TAIL_STRONG else '1'}%): the data and the prior conflict")
    if share > DOMINANT_SHARE and spend_share < DOMINANT_SPEND:
        flag("strong" if severity != "ok" else "care",
             f"{100 * share:.0f}% of media's outcome from {100 * spend_share:.0f}% of its "
             "spend")
    causes = _causes(fit, c, name, issues) if findings else []
    return {"roi_median": median, "prior_tail_z": z, "kind": kind, "ceiling": ceiling,
            "share_of_media": share, "spend_share": spend_share, "severity": severity,
            "findings": findings, "causes": causes,
            "advice": _channel_advice(name, causes, with_prior) if findings else []}


def _causes(fit: Fit, c: int, name: str, issues) -> list[str]:
    """Likely reasons, most specific first, from what the data shows."""
    data = fit.data
    weekly = data.spend.sum(axis=0)[:, c]
    y = data.y.sum(axis=0)
    causes = []
    r_kpi = _corr(weekly, y)
    if r_kpi > TRACKS_KPI:
        causes.append(f"its spend rises and falls with the KPI (r={r_kpi:.2f}): it may be "
                      "absorbing seasonal peaks, holidays or promotions the baseline does "
                      "not model")
    r_time = _corr(weekly, np.arange(len(weekly), dtype=float))
    if abs(r_time) > TRACKS_KPI:
        causes.append(f"its spend trends over time (r={r_time:.2f} with the week): it may "
                      "be absorbing a trend in the baseline")
    for issue in issues:
        if issue.code == "collinear_channels" and name in issue.columns:
            other = next((x for x in issue.columns if x != name), "another channel")
            causes.append(f"it is collinear with {other}: the model can move effect "
                          "between them")
    if not data.control_names and not data.event_names:
        causes.append("the model has no controls or events: nothing else explains the "
                      "KPI's swings")
    if not causes:
        causes.append("baseline structure (seasonality, holidays, trend) not absorbed, or "
                      "a driver missing from the controls")
    return causes


def _channel_advice(name: str, causes: list[str], with_prior: bool) -> list[str]:
    advice = []
    text = " ".join(causes)
    if "season" in text or "holiday" in text or "baseline" in text:
        advice.append("model the holiday and promotion weeks (config `holidays:` or an "
                      "`events:` file) and a sharper seasonality (model: {fourier_order: 6})")
    if "trend" in text or "baseline" in text:
        advice.append("let the baseline bend (model: {trend_knots: 4})")
    if with_prior:
        advice.append(f"tighten its ROI prior (model: {{roi_priors: {{{name}: {{lo90: 0.3, "
                      "hi90: 5}}}) or add controls for the missing drivers")
    else:
        advice.append("add controls for the missing drivers, or compare with the Bayesian "
                      "model, whose ROI priors keep a channel within reason")
    advice.append(f"run a lift test on {name} (mixcast design-test --channel {name})")
    return advice


UNITS_ADVICE = ("Put spend and the KPI in one currency unit and refit to read each ROI as "
                "revenue per unit spent (spend in thousands: the ROI per unit is a thousandth "
                "of the one shown); or state the ROIs to expect: model: {roi_priors: "
                "{default: {lo90: L, hi90: H}}}.")


def _overall_advice(fit: Fit, channels: dict, flagged: list[str], strong: bool,
                    units: bool) -> list[str]:
    if units and not flagged and not strong:
        return ["Spend and the KPI are in different units.", UNITS_ADVICE]
    advice = ["Do not move budget on these numbers: the decomposition is implausible."]
    if units:
        advice.append(UNITS_ADVICE)
    seen = []
    for name in flagged:
        for item in channels[name]["advice"]:
            if item not in seen and "lift test" not in item:
                seen.append(item)
    if not flagged:
        seen.append("model the holiday and promotion weeks (config `holidays:` or an "
                    "`events:` file), let the baseline bend (model: {trend_knots: 4}) and "
                    "add controls for the missing drivers")
    advice += [s[0].upper() + s[1:] + "." for s in seen]
    if flagged:
        advice.append(f"Run a lift test on {flagged[0]} to anchor its ROI.")
    return advice


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _band(draws: np.ndarray) -> dict:
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return {"mean": float("nan"), "lo90": float("nan"), "hi90": float("nan")}
    lo, hi = np.percentile(finite, [5.0, 95.0])
    return {"mean": float(finite.mean()), "lo90": float(lo), "hi90": float(hi)}
