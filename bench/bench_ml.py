"""Time the ML challenger's tuning and fit on the benchmark datasets, and score its ROI.

Usage: python bench/bench_ml.py [--datasets national_5ch_156w national_10ch_156w]
                                [--trials 25] [--bootstrap 20]

Prints per dataset: Optuna search seconds (media hyper-parameters x time-ordered folds),
total fit seconds, out-of-sample (CV) MAPE and R², and ROI MAPE / 90% coverage against the
truth JSON beside the data (a predictive attribution scored against causal truth; see
mixcast.ml.run.LIMITS). Single-threaded learners, so the time is per core; CPU seconds
are printed beside wall seconds because a busy machine inflates the wall clock.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+",
                        default=["national_5ch_156w", "national_10ch_156w"])
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--bootstrap", type=int, default=20)
    args = parser.parse_args()
    import dataclasses

    from mixcast.ml import MLConfig, fit_ml
    from mixcast.ml.compare import score_against_truth, truth_roi
    from mixcast.ml.run import ml_summary
    from mixcast.project import load

    for name in args.datasets:
        project = load(DATA / f"{name}.yaml")
        config = dataclasses.replace(MLConfig(), n_trials=args.trials,
                                     n_bootstrap=args.bootstrap)
        started, cpu_started = time.perf_counter(), time.process_time()
        marks: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "tuning" and done == total:
                marks["tuning_cpu"] = time.process_time() - cpu_started

        fitted = fit_ml(project.data, config, progress=progress)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        summary = ml_summary(fitted)
        truth = truth_roi(json.loads((DATA / f"{name}.truth.json").read_text()))
        score = score_against_truth(summary, truth)
        print(json.dumps({
            "dataset": name, "weeks": project.data.n_times,
            "channels": len(project.data.channels), "trials_per_learner": args.trials,
            "bootstrap": args.bootstrap,
            "tuning_seconds": round(fitted.tuning_seconds, 1),
            "tuning_cpu_seconds": round(marks["tuning_cpu"], 1),
            "fit_seconds": round(fitted.fit_seconds, 1), "wall_seconds": round(wall, 1),
            "fit_cpu_seconds": round(cpu, 1), "load_average_1min": os.getloadavg()[0],
            "notes": list(fitted.notes),
            "cv_mape": round(fitted.cv["mape"], 4), "cv_r2": round(fitted.cv["r2"], 3),
            "roi_mape_vs_truth": round(score["roi_mape"], 3),
            "roi_coverage": f"{score['coverage']}/{score['n_channels']}"}), flush=True)


if __name__ == "__main__":
    main()
