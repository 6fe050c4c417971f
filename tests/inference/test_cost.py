"""Cost estimate before a fit: sizes, the memory budget and its refusal, `fit --dry-run`."""

from __future__ import annotations

import dataclasses
import os
import subprocess

import pytest

from mixcast.errors import UserError
from mixcast.inference.cost import (CostEstimate, check_memory, cost_of, draws_that_fit,
                                    estimate_cost)
from mixcast.spec import SamplerConfig
from tests.cli.test_cli_core import MIXCAST, write_project

SAMPLER = SamplerConfig(chains=2, warmup=200, draws=200, seed=1, progress=False)


def sized(geos: int, weeks: int, channels: int, *, draws: int = 200,
          available: int | None = None, laplace: bool = True) -> CostEstimate:
    """The cost model on a panel of this size (parameters grow as geos x channels)."""
    return cost_of(**_sized_args(geos, weeks, channels, available=available, laplace=laplace),
                   sampler=dataclasses.replace(SAMPLER, draws=draws))


def _sized_args(geos: int, weeks: int, channels: int, *, available: int | None = None,
                laplace: bool = True) -> dict:
    return dict(geos=geos, weeks=weeks, channels=channels, lags=8,
                params=geos * (channels + 2) + weeks + 4 * channels,
                kept_per_draw=geos * (2 * channels + 3) + weeks + 6 * channels,
                laplace=laplace, parallel=2, device="cpu",
                gradient_seconds=1e-7 * geos * weeks * channels, compile_seconds=2.0,
                available_bytes=available)


def test_estimate_grows_with_every_dimension_of_the_panel():
    base = sized(10, 52, 5)
    assert base.est_peak_bytes > 0 and base.est_wall_seconds > 0
    for bigger in (sized(100, 52, 5), sized(10, 156, 5), sized(10, 52, 15),
                   sized(10, 52, 5, draws=2000)):
        assert bigger.est_peak_bytes > base.est_peak_bytes
        assert bigger.est_wall_seconds > base.est_wall_seconds
    # The must-show panel (200 x 156 x 15) is planned within the 8 GB budget.
    assert sized(200, 156, 15, draws=500).est_peak_bytes < 8e9


def test_estimate_of_real_data_probes_the_gradient(small_sim):
    estimate = estimate_cost(small_sim.data, None, SAMPLER, probe_seconds=0.2)
    assert (estimate.geos, estimate.weeks, estimate.channels) == (1, 104, 3)
    assert estimate.params >= 3 * 4        # at least ROI, decay, slope, saturation
    assert estimate.kept_per_draw > estimate.params
    assert 0 < estimate.gradient_seconds < 0.5
    assert estimate.est_wall_seconds > estimate.est_compile_seconds > 0
    assert 1e8 < estimate.est_peak_bytes < 4e9
    assert not estimate.laplace            # national data: adapted mass matrix


def test_check_memory_refuses_with_the_options():
    check_memory(sized(200, 156, 15, available=None))        # unknown budget: no refusal
    check_memory(sized(10, 52, 5, available=64 * 2 ** 30))
    tight = sized(200, 156, 15, draws=5000, available=int(4e9))
    fitting = draws_that_fit(tight)
    assert 10 <= fitting < 5000
    assert not tight.fits_in_memory
    with pytest.raises(UserError) as refused:
        check_memory(tight)
    message = str(refused.value)
    for option in (f"--draws {fitting}", "--chains", "fewer geos per batch", "float32",
                   "chunks", "MIXCAST_MEMORY_LIMIT", "Nothing was sampled"):
        assert option in message
    # Fewer draws, as the message says, fit the same budget.
    assert sized(200, 156, 15, draws=fitting, available=int(4e9)).fits_in_memory
    with pytest.raises(UserError, match="fewer draws alone will not do"):
        check_memory(sized(200, 156, 15, available=10 ** 6))


def test_fit_dry_run_prints_the_estimate_and_refuses_over_budget(tmp_path):
    config = write_project(tmp_path)
    fit = [*MIXCAST, "fit", "--config", str(config), "--out", str(tmp_path / "run")]
    dry = subprocess.run([*fit, "--dry-run"], capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, MIXCAST_MEMORY_LIMIT="64G"))
    assert dry.returncode == 0, dry.stderr
    for row in ("Cost estimate", "expected peak memory", "expected wall time",
                "gradient (timed)", "1 geos x 104 weeks x 3 channels", "68.7 GB"):
        assert row in dry.stdout
    assert not (tmp_path / "run").exists()            # nothing sampled, nothing written
    refused = subprocess.run([*fit, "--quiet"], capture_output=True, text=True, timeout=600,
                             env=dict(os.environ, MIXCAST_MEMORY_LIMIT="1M"))
    assert refused.returncode == 2
    assert "Nothing was sampled" in refused.stderr and "MIXCAST_MEMORY_LIMIT=1M" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "run").exists()


def test_the_worst_case_of_continued_chains_is_priced_apart():
    base = sized(20, 104, 5, draws=500)
    # Two continuations of 500 draws: the sampling of 1,000 more draws, and their memory.
    assert base.est_continue_seconds > 0 and base.est_continue_bytes > 0
    # No new warm-up: the cost of 1,000 more draws, not of a second fit.
    longer = sized(20, 104, 5, draws=1500)
    assert base.est_continue_seconds == pytest.approx(
        longer.est_sampling_seconds - base.est_sampling_seconds, rel=1e-6)
    doubled = sized(20, 104, 5, draws=1000)
    assert doubled.est_continue_bytes == pytest.approx(2 * base.est_continue_bytes, rel=1e-6)
    assert any(name.startswith("if R-hat") for name, _ in base.as_rows())
    off = cost_of(**{**_sized_args(20, 104, 5), "sampler": dataclasses.replace(
        SAMPLER, draws=500, continue_unconverged=False)})
    assert off.est_continue_seconds == 0 and off.est_continue_bytes == 0
    assert not any(name.startswith("if R-hat") for name, _ in off.as_rows())


def _measured_rows() -> list:
    """Fits measured by bench/bench_scale.py on the 2-core machine, alone on it: national
    fits at the product default sampler with a cold compilation cache, the geo grid
    (stop 34), and the 200-geo fit at the product default (stop 32). That fit's probe
    timed single calls; the probe now times the gradient as the chains run it, so its
    row takes the probe figures of the same panel re-probed (``--estimate-only``)."""
    import json
    from pathlib import Path

    results = Path(__file__).parents[2] / "bench" / "results"
    rows = []
    # National grid cold; geo 2 x (300 + 300) warm; small geo panels at the product's
    # default sampler (4 x (2000 + 1000)), cold.
    for grid in ("scale_national_stop34", "scale_geo_stop34", "scale_geo_small_stop36"):
        rows += json.loads((results / grid / "scale.json").read_text())
    fit = json.loads((results / "geo200_4x2000+1000_stop32.json").read_text())
    probe, = json.loads((results / "scale_geo_stop34" / "estimates.json").read_text())
    assert (probe["shape"], probe["chains"]) == (fit["shape"], fit["chains"])
    keys = ("gradient_s", "probe_compile_s", "est_params", "est_lags", "est_kept_per_draw")
    return rows + [{**fit, **{key: probe[key] for key in keys}}]


@pytest.mark.parametrize("row", _measured_rows(), ids=lambda row: row["shape"])
def test_the_estimate_is_within_2x_of_measured_fits(row):
    """The cost model, fed the probe figures each run printed, is within 2x of the fit's
    measured wall time and peak memory, from a 1 x 104 x 5 national fit (seconds, mostly
    compilation) to the 200 x 156 x 15 panel (an hour). Where the fit continued its
    chains (R-hat above 1.01; the short geo chains did), the estimate is the one printed
    plus the share of its priced worst case that the fit took."""
    from mixcast.inference.cost import continued_share

    sampler = SamplerConfig(chains=row["chains"], warmup=row["warmup"], draws=row["draws"])
    estimate = cost_of(geos=row["geos"], weeks=row["weeks"], channels=row["channels"],
                       lags=row["est_lags"], params=row["est_params"],
                       kept_per_draw=row["est_kept_per_draw"], sampler=sampler,
                       laplace=sampler.uses_laplace(row["geos"]), parallel=2, device="cpu",
                       gradient_seconds=row["gradient_s"],
                       compile_seconds=row["probe_compile_s"], available_bytes=None)
    taken = continued_share(row["draws"], row["draws_kept"])
    assert 0 <= taken <= 1
    wall = estimate.est_wall_seconds + taken * estimate.est_continue_seconds
    peak = estimate.est_peak_bytes + taken * estimate.est_continue_bytes
    assert 0.5 < row["wall_s"] / wall < 2.0
    assert 0.5 < row["peak_bytes"] / peak < 2.0


def test_a_fit_too_big_for_the_gpu_stops_with_gpu_options():
    """On an accelerator the sampler's arrays live in its memory, not the host's: a
    200-geo fit that fits the host but not a small GPU is refused before sampling, with
    options that help there (not fewer draws: those go to the host)."""
    args = {**_sized_args(200, 156, 15, available=64 * 2 ** 30), "device": "gpu",
            "parallel": 1}
    roomy = cost_of(**args, sampler=SAMPLER, device_available_bytes=40 * 2 ** 30)
    assert roomy.est_device_bytes > 0 and roomy.fits_in_memory
    check_memory(roomy)
    assert any(name == "expected gpu memory" for name, _ in roomy.as_rows())
    small = cost_of(**args, sampler=SAMPLER, device_available_bytes=2 ** 29)
    assert small.fits_on_host and not small.fits_in_memory
    with pytest.raises(UserError) as refused:
        check_memory(small)
    for words in ("gpu memory", "Nothing was sampled", "fit-many", "JAX_PLATFORMS=cpu",
                  "XLA_PYTHON_CLIENT_MEM_FRACTION", "fewer draws do not help"):
        assert words in str(refused.value)
    # Fewer geos need less of the GPU.
    fewer = cost_of(**{**args, **_sized_args(50, 156, 15), "device": "gpu", "parallel": 1},
                    sampler=SAMPLER, device_available_bytes=2 ** 29)
    assert fewer.est_device_bytes < small.est_device_bytes
    # On a CPU the device's memory is the host's: no separate figure.
    assert sized(200, 156, 15).est_device_bytes is None


def test_no_accelerator_memory_on_a_cpu():
    from mixcast.inference.cost import accelerator_memory

    assert accelerator_memory() is None
