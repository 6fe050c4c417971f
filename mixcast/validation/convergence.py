"""Check 1, convergence: R-hat, bulk/tail ESS per parameter, divergences, tree-depth
saturation and energy (E-BFMI), with a verdict and what to do about it."""

from __future__ import annotations

import arviz as az
import numpy as np

from mixcast.posterior.fitted import SAMPLED_FOR_DIAGNOSTICS, Fit

RHAT_WARN, RHAT_FAIL = 1.05, 1.1
ESS_WARN_PER_CHAIN = 50
BFMI_WARN = 0.3
DIVERGENCE_FAIL_SHARE = 0.01
SATURATION_WARN = 0.05


def check_convergence(fit: Fit) -> dict:
    """Per-parameter R-hat and ESS plus sampler health, as the ``convergence`` check.

    Returns
    -------
    dict : ``status`` (pass | warn | fail), ``summary``, ``advice`` (list), worst figures,
        ``parameters`` (one row per scalar parameter) and ``roi_rhat`` per channel.
    """
    posterior = fit.idata.posterior
    names = [n for n in SAMPLED_FOR_DIAGNOSTICS if n in posterior]
    rows = _parameter_rows(posterior, names)
    n_chains = int(posterior.sizes["chain"])
    stats = fit.idata.sample_stats
    divergences = int(np.asarray(stats["diverging"]).sum())
    n_draws = int(np.asarray(stats["diverging"]).size)
    steps = np.asarray(stats["n_steps"])
    saturated = float(np.mean(steps >= 2 ** fit.sampler.max_tree_depth - 1))
    bfmi = [float(b) for b in np.atleast_1d(az.bfmi(fit.idata))]
    rhat_max = max((r["rhat"] for r in rows if np.isfinite(r["rhat"])), default=float("nan"))
    ess_min = min((r["ess_bulk"] for r in rows if np.isfinite(r["ess_bulk"])), default=0.0)
    tail_min = min((r["ess_tail"] for r in rows if np.isfinite(r["ess_tail"])), default=0.0)
    findings, advice, status = _judge(rhat_max, ess_min, tail_min, divergences, n_draws,
                                      saturated, bfmi, n_chains, rows)
    roi_rhat = {}
    if "roi" in posterior:
        values = np.atleast_1d(np.asarray(az.rhat(posterior, var_names=["roi"])["roi"]))
        roi_rhat = {c: float(v) for c, v in zip(fit.channels, values)}
    return {
        "status": status,
        "summary": "; ".join(findings) if findings else
        f"chains agree (R-hat max {rhat_max:.3f}), ESS ≥ {ess_min:.0f}, no divergences",
        "advice": advice, "rhat_max": rhat_max, "ess_bulk_min": ess_min,
        "ess_tail_min": tail_min, "divergences": divergences, "n_draws": n_draws,
        "tree_depth_saturated": saturated, "bfmi": bfmi, "roi_rhat": roi_rhat,
        "parameters": rows,
    }


def _parameter_rows(posterior, names: list[str]) -> list[dict]:
    rhat = az.rhat(posterior, var_names=names)
    bulk = az.ess(posterior, var_names=names, method="bulk")
    tail = az.ess(posterior, var_names=names, method="tail")
    rows = []
    for name in names:
        values = np.atleast_1d(np.asarray(rhat[name], dtype=float))
        labels = _labels(posterior[name], name)
        b = np.atleast_1d(np.asarray(bulk[name], dtype=float)).ravel()
        t = np.atleast_1d(np.asarray(tail[name], dtype=float)).ravel()
        for i, label in enumerate(labels):
            rows.append({"parameter": label, "rhat": float(values.ravel()[i]),
                         "ess_bulk": float(b[i]), "ess_tail": float(t[i])})
    return rows


def _labels(variable, name: str) -> list[str]:
    dims = [d for d in variable.dims if d not in ("chain", "draw")]
    if not dims:
        return [name]
    coords = [list(map(str, variable.coords[d].values)) for d in dims]
    grid = np.array(np.meshgrid(*coords, indexing="ij")).reshape(len(dims), -1).T
    return [f"{name}[{', '.join(cell)}]" for cell in grid]


def _judge(rhat_max, ess_min, tail_min, divergences, n_draws, saturated, bfmi, n_chains,
           rows) -> tuple[list[str], list[str], str]:
    findings, advice, status = [], [], "pass"
    worst = max(rows, key=lambda r: r["rhat"] if np.isfinite(r["rhat"]) else 0.0,
                default={"parameter": "?"})
    if rhat_max > RHAT_WARN:
        status = "fail" if rhat_max > RHAT_FAIL else "warn"
        findings.append(f"R-hat {rhat_max:.3f} on {worst['parameter']}: chains disagree")
        advice.append("Run longer warm-up (sampler.warmup: 2000) and more draws; if it "
                      "persists, tighten the priors of the parameters named.")
    if ess_min < ESS_WARN_PER_CHAIN * n_chains or tail_min < ESS_WARN_PER_CHAIN * n_chains:
        status = "warn" if status == "pass" else status
        findings.append(f"effective sample size only {min(ess_min, tail_min):.0f}")
        advice.append("Run more draws (sampler.draws) so that intervals are stable.")
    if divergences:
        share = divergences / max(n_draws, 1)
        status = "fail" if share > DIVERGENCE_FAIL_SHARE else ("warn" if status == "pass"
                                                               else status)
        findings.append(f"{divergences} divergent transitions ({100 * share:.1f}%)")
        advice.append("Raise sampler.target_accept to 0.95; if divergences remain, "
                      "reparameterise or simplify the model (fewer trend knots, no "
                      "time-varying effects) or tighten priors.")
    if saturated > SATURATION_WARN:
        status = "warn" if status == "pass" else status
        findings.append(f"{100 * saturated:.0f}% of steps hit the maximum tree depth")
        advice.append("Raise sampler.max_tree_depth to 12, or tighten weakly identified "
                      "priors.")
    if bfmi and min(bfmi) < BFMI_WARN:
        status = "warn" if status == "pass" else status
        findings.append(f"low energy E-BFMI {min(bfmi):.2f} (< {BFMI_WARN})")
        advice.append("Longer warm-up helps the sampler adapt; heavy-tailed posteriors "
                      "may need tighter priors.")
    return findings, advice, status
