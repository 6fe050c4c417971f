"""Shared fixtures: small simulated datasets with known truth and short fits on them.

Fits are session-scoped: compiled once, reused by every test that only reads them.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# As mixcast.executor.ray_cluster does: without it, Ray's native failure handler (installed
# in a test worker by the executor tests) spins when XLA aborts, and the run hangs.
os.environ.setdefault("RAY_DISABLE_FAILURE_SIGNAL_HANDLER", "1")

# JAX compiles on first call, so per-example deadlines are meaningless; derandomize so
# that CI runs the same examples every time.
settings.register_profile("mixcast", deadline=None, derandomize=True, max_examples=50)
settings.load_profile("mixcast")

from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate
from mixcast.spec import SamplerConfig

# Short chains: tests of other things keep their first draws (continuing chains whose
# R-hat exceeds 1.01 is tested in tests/inference/test_continue.py).
SHORT = SamplerConfig(chains=2, warmup=300, draws=300, seed=7, progress=False,
                      continue_unconverged=False)


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs():
    """Drop every compiled program after each test module.

    XLA's CPU runtime maps each compiled kernel's code and data into pages of their own,
    and a process may hold at most vm.max_map_count (65,530) mappings. A test worker that
    keeps every program of the whole suite went past that and crashed inside XLA (and
    Ray's failure handler, installed by the executor tests, then spun instead of exiting).
    The on-disk compilation cache makes the programs a later module needs cheap to load.
    """
    yield
    from mixcast.inference.sampler import release_compiled_programs

    release_compiled_programs()


def small_spec(seed: int = 3, n_weeks: int = 104) -> SimulationSpec:
    channels = {
        "tv_spend": ChannelTruth(roi=2.0, decay=0.5, half_saturation=1.0, slope=1.5,
                                 pattern="flighting", weekly_spend=30_000),
        "search_spend": ChannelTruth(roi=1.0, decay=0.2, half_saturation=1.0, slope=1.2,
                                     pattern="always_on", weekly_spend=20_000),
        "social_spend": ChannelTruth(roi=0.5, decay=0.3, half_saturation=1.2, slope=1.0,
                                     pattern="bursty", weekly_spend=15_000),
    }
    return SimulationSpec(channels=channels, n_weeks=n_weeks, baseline_level=300_000.0,
                          noise=0.04, seed=seed)


@pytest.fixture(scope="session")
def small_sim():
    return simulate(small_spec())


@pytest.fixture(scope="session")
def small_fit(small_sim):
    from mixcast.inference.fit import fit

    return fit(small_sim.data, sampler=SHORT)


@pytest.fixture(scope="session")
def small_run(small_fit, tmp_path_factory):
    from mixcast.runs.directory import save_run

    return save_run(small_fit, tmp_path_factory.mktemp("runs") / "small")


@pytest.fixture(scope="session")
def ray_instance():
    """A real local Ray instance with 2 CPUs, started here (no cluster needed). Its
    workers import mixcast from where this process does (this checkout)."""
    import sys

    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}})
    yield ray
    ray.shutdown()
