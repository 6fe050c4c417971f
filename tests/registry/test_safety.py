"""Must-show: kill -9 at random points of a refresh (20 trials per backend) leaves the
registry readable and consistent; two refreshes at once are safe. Refreshes run in
children forked from this process (the closed-form model: no JAX in the child)."""

from __future__ import annotations

import json
import os
import signal
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from mixcast.registry.refresh import refresh
from mixcast.storage import read_manifest
from tests.registry.conftest import CHUNK_WEEKS, N_CHUNKS, LinearFitter, stream_frame, write_project

TRIALS = 20
METRICS_PER_RUN = 9      # 3 channels x (roi, mroi, contribution_share)
CHILD_TIMEOUT_S = 60.0

# The children never touch JAX (the closed-form model), so forking after another test
# started JAX's threads is safe here; a child that hangs anyway is killed and fails.
pytestmark = pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")


def _wait(pid: int) -> int:
    """The child's wait status; a child still running after CHILD_TIMEOUT_S fails the test."""
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"a refresh in child {pid} hung for {CHILD_TIMEOUT_S:.0f} s")


def _child_refresh(config: Path, registry, fitter, result_file: Path | None = None) -> int:
    """Fork a child that refreshes and exits (0 when it stored or found the run)."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = refresh(config, registry, fitter=fitter)
        if result_file is not None:
            result_file.write_text(json.dumps({"created": result.created,
                                               "run": result.run["id"]}))
        code = 0
    finally:
        os._exit(code)


def assert_consistent(registry) -> None:
    """Every row points to a complete run with all its rows; nothing else looks like one."""
    past = registry.snapshot()
    ids = {r["id"] for r in past["runs"]}
    for run in past["runs"]:
        read_manifest(run["path"])
        metrics = [m for m in past["channel_metrics"] if m["run_id"] == run["id"]]
        assert len(metrics) == METRICS_PER_RUN, run["id"]
    for table in ("channel_metrics", "forecast_checks", "alerts"):
        assert {row["run_id"] for row in past[table]} <= ids, table
    for folder in registry.runs_root.iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            read_manifest(folder)  # a visible folder is always a complete run


def test_kill_9_at_random_points_leaves_the_registry_consistent(registry, tmp_path):
    frame, fitter = stream_frame(), LinearFitter(pause=0.03)
    project = tmp_path / "project"
    refresh(write_project(project, frame, 0), registry, fitter=fitter)
    started = time.monotonic()
    pid = _child_refresh(write_project(project, frame, 1), registry, fitter)
    assert _wait(pid) == 0
    full = time.monotonic() - started
    rng = np.random.default_rng(2026)
    # Later refreshes run faster than the timed one (warm caches) and the machine's load
    # varies: a kill that came after the child finished aims the next one earlier, until
    # TRIALS kills have landed inside a refresh.
    scale, killed, attempts = 1.2 * full, 0, 0
    while killed < TRIALS and attempts < 3 * TRIALS:
        attempts += 1
        # New weeks whenever the last child got to store its run, so no trial is a no-op.
        extra = min(len(registry.runs()), CHUNK_WEEKS * (N_CHUNKS - 1))
        pid = _child_refresh(write_project(project, frame, 1, extra_weeks=extra), registry,
                             fitter)
        time.sleep(rng.uniform(0.0, scale))
        os.kill(pid, signal.SIGKILL)
        if os.WIFSIGNALED(_wait(pid)):
            killed += 1
        else:
            scale *= 0.7
        assert_consistent(registry)
    assert killed >= TRIALS
    final = refresh(write_project(project, frame, N_CHUNKS), registry, fitter=fitter)
    assert registry.runs()[-1]["id"] == final.run["id"]
    assert_consistent(registry)
    leftovers = [f.name for f in registry.runs_root.iterdir() if f.name.startswith(".2")]
    assert leftovers == []  # the last refresh swept what the killed ones left


def test_two_refreshes_at_once_store_one_run(registry, tmp_path):
    frame, fitter = stream_frame(), LinearFitter(pause=0.1)
    project = tmp_path / "project"
    refresh(write_project(project, frame, 0), registry, fitter=fitter)
    config = write_project(project, frame, 1)
    outcomes = [tmp_path / "a.json", tmp_path / "b.json"]
    pids = [_child_refresh(config, registry, fitter, out) for out in outcomes]
    assert [_wait(pid) for pid in pids] == [0, 0]
    results = [json.loads(out.read_text()) for out in outcomes]
    assert sorted(r["created"] for r in results) == [False, True]
    assert results[0]["run"] == results[1]["run"]
    assert len(registry.runs()) == 2
    assert_consistent(registry)
