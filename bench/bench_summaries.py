"""Post-fit summaries: ROI and mROI of every channel and draw, evaluated channel by
channel against every plan whole, side by side in one run.

Usage::

    python bench/bench_summaries.py [--grid 10x104x5 50x156x15 200x156x15] [--draws 200]
                                    [--json bench/results/summaries.json]

Per panel (``GEOSxWEEKSxCHANNELS``, bench_scale's simulated channels): ``--draws`` prior
draws of the default model stand in for a posterior (the cost does not depend on the
values), then :func:`mixcast.analysis.metrics.channel_metrics_of`'s 1 + 2C plans (the
observed one, each channel off, each channel up 1%) are evaluated twice: by
:func:`mixcast.model.counterfactual.plan_outcomes` (each distinct channel column once)
and by evaluating every plan whole (what it did before, still its path for declared
interactions). Each is timed after a warm-up call (compilation apart), and the largest
difference between the two is printed beside the ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def time_one(shape: str, n_draws: int) -> dict:
    import jax
    import jax.numpy as jnp
    import numpy as np
    from numpyro.infer import Predictive

    from bench_scale import parse_shape, simulated  # bench/bench_scale.py
    from mixcast.analysis.metrics import MROI_STEP
    from mixcast.inference.fit import build_model
    from mixcast.model import counterfactual
    from mixcast.model.plans import metric_plans
    from mixcast.spec import ModelSpec

    sim = simulated(*parse_shape(shape))
    model, (inputs, _) = build_model(sim.data, ModelSpec().resolved())
    draws = Predictive(model, num_samples=n_draws)(jax.random.PRNGKey(0), inputs, None)
    params = counterfactual.media_params({k: np.asarray(v) for k, v in draws.items()})
    plans = metric_plans(inputs.media, MROI_STEP)
    weights = jnp.asarray(counterfactual.outcome_weights(inputs), jnp.float32)
    batch = counterfactual._batch(plans.shape, model.structure)

    def by_channel():
        return counterfactual.plan_outcomes(params, plans, inputs, model.structure)

    def whole():
        return np.asarray(counterfactual._plan_outcomes(
            params, jnp.asarray(plans), inputs, weights, model.structure, batch), np.float64)

    seconds, results = {}, {}
    for name, run in (("by_channel", by_channel), ("whole_plans", whole)):
        run()                                  # compile apart
        started = time.perf_counter()
        results[name] = run()
        seconds[name] = time.perf_counter() - started
    scale = np.abs(results["whole_plans"]).max()
    return {"shape": shape, "draws": n_draws, "plans": len(plans),
            "by_channel_s": seconds["by_channel"], "whole_plans_s": seconds["whole_plans"],
            "speedup": seconds["whole_plans"] / seconds["by_channel"],
            "max_rel_diff": float(np.abs(results["by_channel"]
                                         - results["whole_plans"]).max() / scale)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", nargs="+", default=["10x104x5", "50x156x15", "200x156x15"])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from mixcast.runtime import configure

    configure()
    rows = []
    print("| panel | draws | plans | channel by channel s | every plan whole s | speedup "
          "| max rel. diff |\n|---|---:|---:|---:|---:|---:|---:|")
    for shape in args.grid:
        row = time_one(shape, args.draws)
        rows.append(row)
        print(f"| {shape} | {row['draws']} | {row['plans']} | {row['by_channel_s']:.2f} | "
              f"{row['whole_plans_s']:.2f} | {row['speedup']:.1f}x | "
              f"{row['max_rel_diff']:.1e} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
