"""Trust verdicts: per channel and overall, solid / care / do_not_act, with plain reasons.

Every finding carries a severity; a channel's verdict is its worst finding's. Channel
findings come from the data guardrails (collinearity, flat or tiny spend, short history),
the width of the ROI interval, convergence of its ROI, stability, prior contraction,
recovery on the simulated twin, held-out lift tests and plausibility (an implausible ROI
or a strong prior-data conflict is do_not_act). The overall verdict adds the model-wide
checks (convergence, fit, backtests, media's share of the KPI).
"""

from __future__ import annotations

import numpy as np

from mixcast.data.dataset import Dataset, Issue
from mixcast.formatting import compact_number as fmt
from mixcast.validation import priors as prior_check
from mixcast.validation import stability as stability_check

SOLID, CARE, DO_NOT_ACT = "solid", "care", "do_not_act"
_RANK = {SOLID: 0, CARE: 1, DO_NOT_ACT: 2}
COLLINEAR_DO_NOT_ACT = 0.95
WIDTH_CARE, WIDTH_DO_NOT_ACT = 5.0, 15.0
Finding = tuple[str, str]


def worst(severities) -> str:
    """The most severe of ``severities`` (solid when empty)."""
    return max(severities, key=_RANK.__getitem__, default=SOLID)


def channel_verdicts(data: Dataset, issues: tuple[Issue, ...], roi: dict, checks: dict) -> dict:
    """``{channel: {"verdict", "reasons"}}`` from the data, ROI intervals and checks.

    ``roi`` maps each channel to its ``{"mean", "lo90", "hi90"}`` ROI.
    """
    out = {}
    for c, name in enumerate(data.channels):
        found: list[Finding] = []
        found += _data_findings(data, issues, name)
        found += _interval_findings(roi[name])
        found += _check_findings(checks, name)
        found += _contraction_escalation(found, checks, name)
        reasons = [reason for _, reason in sorted(found, key=lambda f: -_RANK[f[0]])]
        verdict = worst(s for s, _ in found)
        if verdict == SOLID:
            reasons = [f"ROI {fmt(roi[name]['mean'])} "
                       f"({fmt(roi[name]['lo90'])}–{fmt(roi[name]['hi90'])}); every check "
                       "passed"]
        out[name] = {"verdict": verdict, "reasons": reasons}
    return out


def overall_verdict(data: Dataset, issues: tuple[Issue, ...], channels: dict,
                    checks: dict) -> dict:
    """The run's verdict: model-wide checks first, then how many channels can be used."""
    found: list[Finding] = []
    conv = checks.get("convergence", {})
    if conv.get("status") == "fail":
        found.append((DO_NOT_ACT, f"the sampler did not converge ({conv['summary']}). "
                      + " ".join(conv.get("advice", [])[:1])))
    elif conv.get("status") == "warn":
        found.append((CARE, f"convergence is marginal ({conv['summary']})"))
    fit = checks.get("fit", {})
    if fit.get("status") in ("warn", "fail"):
        found.append((DO_NOT_ACT if fit["status"] == "fail" else CARE,
                      f"in-sample fit: {fit['summary']}"))
    for key, label in (("backtest", "backtests"), ("spend_shift", "spend-shift backtests")):
        check = checks.get(key, {})
        if check.get("status") in ("warn", "fail"):
            found.append((DO_NOT_ACT if check["status"] == "fail" else CARE,
                          f"{label}: {check['summary']}"))
    plausible = checks.get("plausibility", {})
    if plausible.get("status") in ("warn", "fail"):
        found.append((DO_NOT_ACT if plausible.get("strong") else CARE,
                      (f"{plausible.get('label', 'implausible numbers')}: "
                       f"{plausible['summary']}. "
                       + " ".join(plausible.get("advice", [])[1:3])).rstrip(". ")))
    for issue in issues:
        if issue.code in ("short_history", "coarse_granularity", "kpi_level_shift"):
            found.append((CARE, issue.message))
    verdicts = [v["verdict"] for v in channels.values()]
    bad = [n for n, v in channels.items() if v["verdict"] == DO_NOT_ACT]
    unsure = [n for n, v in channels.items() if v["verdict"] == CARE]
    if bad and len(bad) == len(verdicts):
        found.append((DO_NOT_ACT, "no channel's ROI is reliable enough to act on"))
    elif bad:
        found.append((CARE, f"do not move budget on {', '.join(bad)}"))
    if unsure:
        found.append((CARE, f"use with care: {', '.join(unsure)}"))
    verdict = worst(s for s, _ in found)
    reasons = [r for _, r in sorted(found, key=lambda f: -_RANK[f[0]])]
    if verdict == SOLID:
        reasons = ["the model converged, fits and forecasts well, and every channel's ROI "
                   "passed its checks"]
    return {"verdict": verdict, "reasons": reasons}


def _data_findings(data: Dataset, issues: tuple[Issue, ...], name: str) -> list[Finding]:
    found: list[Finding] = []
    for issue in issues:
        if name not in issue.columns and issue.code != "short_history":
            continue
        if issue.code == "collinear_channels":
            other = next(c for c in issue.columns if c != name)
            r = _correlation(data, name, other)
            severity = DO_NOT_ACT if abs(r) >= COLLINEAR_DO_NOT_ACT else CARE
            found.append((severity, f"collinear with {other} (r={r:.2f}): the data cannot "
                          "separate their effects; a lift test on one of them would"))
        elif issue.code == "low_spend_variation":
            found.append((CARE, f"spend barely varies (coefficient of variation "
                          f"{_cv(data, name):.2f}): its effect is confounded with the "
                          "baseline; vary its spend or run a lift test"))
        elif issue.code == "low_spend_share":
            found.append((CARE, f"only {100 * _share(data, name):.1f}% of spend: too small "
                          "to measure precisely"))
        elif issue.code == "high_vif":
            found.append((CARE, "largely explained by the other channels' spend "
                          "(high VIF): its ROI trades off against theirs"))
        elif issue.code == "short_history":
            found.append((CARE, f"short history ({data.n_times} weeks): seasonality and "
                          "media are poorly separated"))
    return found


def _interval_findings(roi: dict) -> list[Finding]:
    lo, hi = roi["lo90"], roi["hi90"]
    ratio = hi / lo if lo > 0 else np.inf
    text = f"ROI interval spans {fmt(lo)}–{fmt(hi)}"
    if ratio > WIDTH_DO_NOT_ACT:
        return [(DO_NOT_ACT, f"{text} (very wide: the top is {ratio:.0f}x the bottom)")]
    if ratio > WIDTH_CARE:
        return [(CARE, f"{text} (wide)")]
    return []


def _check_findings(checks: dict, name: str) -> list[Finding]:
    found: list[Finding] = []
    rhat = checks.get("convergence", {}).get("roi_rhat", {}).get(name)
    if rhat is not None and rhat > 1.1:
        found.append((DO_NOT_ACT, f"chains disagree on its ROI (R-hat {rhat:.2f})"))
    elif rhat is not None and rhat > 1.05:
        found.append((CARE, f"chains do not fully agree on its ROI (R-hat {rhat:.2f})"))
    stab = checks.get("stability", {}).get("channels", {}).get(name)
    if stab:
        move = stab["max_relative_change"]
        if move > stability_check.MOVE_CARE:
            severity = DO_NOT_ACT if move > stability_check.MOVE_DO_NOT_ACT else CARE
            found.append((severity, f"estimate moved {100 * move:.0f}% when the last "
                          f"{stab['worst_drop']} weeks were dropped"))
    prior = checks.get("priors", {}).get("channels", {}).get(name)
    if prior and prior["contraction"] < prior_check.CONTRACTION_CARE:
        shift = prior.get("shift_in_prior_sd", 0.0)
        if abs(shift) >= prior_check.SHIFT_FAR:
            # The location moved, the width did not: a weak signal, perhaps a spurious one.
            found.append((CARE, f"the data moved its ROI {abs(shift):.1f} prior sds "
                          f"{'above' if shift > 0 else 'below'} the prior's median "
                          f"({fmt(prior['prior_roi_median'])}) without narrowing it "
                          f"(contraction {prior['contraction']:.2f}): a weak signal, maybe "
                          "a spurious one; run a lift test before moving its budget"))
        else:
            found.append((CARE, f"posterior barely moved from the prior (contraction "
                          f"{prior['contraction']:.2f}): the data says little"))
    elif prior and prior.get("mostly_prior"):
        found.append((CARE, f"weakly identified: the data narrowed its ROI interval by only "
                      f"{100 * (1 - prior['width_ratio']):.0f}% from the prior's; run a lift "
                      "test before moving its budget"))
    found += _plausibility_findings(checks, name)
    twin = checks.get("recovery", {}).get("channels", {}).get(name)
    if twin and twin["coverage90"] == 0 and twin["relative_error"] > 0.5:
        # The ROIs themselves, not a relative error: near a true ROI of 0 that reads 9000%.
        pairs = ", ".join(f"{fmt(est)} for a true {fmt(true)}"
                          for true, est in zip(twin["true"], twin["estimate"]))
        found.append((CARE, f"on simulated data like yours the model missed the true ROI: "
                      f"it estimated {pairs}, outside its 90% interval"))
    for test in checks.get("experiments", {}).get("tests", []):
        if test["channel"] == name and not test["covered"]:
            found.append((CARE, f"held-out lift test '{test['label']}' measured "
                          f"{fmt(test['measured_lift'])}, the model predicted "
                          f"{fmt(test['lo90'])}–{fmt(test['hi90'])}"))
    return found


def _plausibility_findings(checks: dict, name: str) -> list[Finding]:
    """An implausible ROI or a prior-data conflict, with its likely cause and a fix."""
    entry = checks.get("plausibility", {}).get("channels", {}).get(name)
    if not entry or entry["severity"] == "ok":
        return []
    severity = DO_NOT_ACT if entry["severity"] == "strong" else CARE
    cause = f"; likely cause: {entry['causes'][0]}" if entry.get("causes") else ""
    fix = f"; try: {entry['advice'][0]}" if entry.get("advice") else ""
    return [(severity, "implausible: " + "; ".join(entry["findings"]) + cause + fix)]


def _contraction_escalation(found: list[Finding], checks: dict, name: str) -> list[Finding]:
    """Flat spend or collinearity and a prior-driven posterior: nothing to act on."""
    prior = checks.get("priors", {}).get("channels", {}).get(name)
    weak_data = any("barely varies" in r or "collinear" in r for _, r in found)
    prior_driven = prior and (prior["contraction"] < prior_check.CONTRACTION_CARE
                              or prior.get("mostly_prior"))
    if weak_data and prior_driven:
        return [(DO_NOT_ACT, "its ROI is the prior's, not the data's: do not act on it")]
    return []


def _correlation(data: Dataset, a: str, b: str) -> float:
    spend = data.spend.sum(axis=0)
    x, y = spend[:, data.channels.index(a)], spend[:, data.channels.index(b)]
    if x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def _cv(data: Dataset, name: str) -> float:
    weekly = data.spend.sum(axis=0)[:, data.channels.index(name)]
    return float(weekly.std() / weekly.mean()) if weekly.mean() > 0 else 0.0


def _share(data: Dataset, name: str) -> float:
    totals = data.spend.sum(axis=(0, 1))
    return float(totals[data.channels.index(name)] / max(totals.sum(), 1e-12))
