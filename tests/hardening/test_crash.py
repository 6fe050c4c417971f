"""Crash safety: a process killed at any instant of fit, validate, optimise or report
leaves the run directory in its old complete state or its new complete state.

Each verb runs once as a subprocess on a tiny dataset. While it runs it is frozen
(SIGSTOP) at random instants, and more often while a staging folder or temporary file
exists (the write itself); the folder of runs is copied, which is exactly what a kill -9
at that instant would leave, and the process resumes (SIGCONT). Every copy must hold the
run as it was before the verb or as it is after it, and no leftover may be listed as a
run. Each verb is also started a second time and really killed (SIGKILL) at a random
instant, with the same assertion.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mixcast.runs.directory import load_run
from mixcast.storage import read_manifest
from mixcast.web.store import RunStore
from tests.data.tables import weekly_frame, write_project

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 20
MAX_SNAPSHOTS = 60          # per verb; beyond it only the random instants are kept
RUN = "r"


def digest(run: Path) -> dict[str, str] | None:
    """What a reader can see of a run: its visible files and their bytes (None: absent)."""
    if not run.exists():
        return None
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(run.iterdir()) if p.is_file() and not p.name.startswith(".")}


def _command(verb: list[str]) -> list[str]:
    return [sys.executable, "-m", "mixcast.cli", *verb]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu"}


def _snapshot(parent: Path, into: Path) -> Path:
    shutil.copytree(parent, into, symlinks=True)
    return into


def _writing(parent: Path) -> bool:
    """A staging folder beside the run, or a temporary file inside it, exists."""
    run = parent / RUN
    inside = run.iterdir() if run.is_dir() else ()
    return any(p.name.startswith(".") for p in (*parent.iterdir(), *inside))


def run_with_snapshots(verb: list[str], parent: Path, store: Path,
                       rng: np.random.Generator) -> list[Path]:
    """Run ``verb`` to completion, copying ``parent`` at frozen instants: random ones, and
    every few milliseconds while it writes."""
    process = subprocess.Popen(_command(verb), env=_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    snapshots: list[Path] = []
    next_random = time.monotonic() + _gap(rng, 0)
    while process.poll() is None:
        writing = _writing(parent) and len(snapshots) < MAX_SNAPSHOTS
        if writing or time.monotonic() >= next_random:
            os.kill(process.pid, signal.SIGSTOP)
            try:
                snapshots.append(_snapshot(parent, store / f"s{len(snapshots):04d}"))
            finally:
                os.kill(process.pid, signal.SIGCONT)
            next_random = time.monotonic() + _gap(rng, len(snapshots))
        time.sleep(0.005 if writing else 0.02)
    _, err = process.communicate()
    assert process.returncode == 0, err.decode()[-2000:]
    return snapshots


def _gap(rng: np.random.Generator, taken: int) -> float:
    """Seconds to the next random freeze: dense until 2 x TRIALS copies are taken (a verb
    can finish in a few seconds on an idle machine), sparse after (a loaded one is slow)."""
    return rng.uniform(0.02, 0.2) if taken < 2 * TRIALS else rng.uniform(0.5, 2.0)


def run_and_kill(verb: list[str], parent: Path, into: Path, after: float) -> tuple[Path, bool]:
    """Start ``verb`` and SIGKILL it ``after`` seconds in, or as soon as it starts writing;
    return a copy of what it left and whether it had finished first."""
    process = subprocess.Popen(_command(verb), env=_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + after
    while process.poll() is None and time.monotonic() < deadline and not _writing(parent):
        time.sleep(0.002)
    finished = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.wait()
    return _snapshot(parent, into), finished


def assert_old_or_new(snapshots: list[Path], old: dict | None, new: dict | None) -> None:
    """Every snapshot's run is the old or the new state; no leftover is listed as a run."""
    for snap in snapshots:
        seen = digest(snap / RUN)
        assert seen in (old, new), (snap, sorted(seen or {}), sorted(old or {}),
                                    sorted(new or {}))
        assert RunStore(snap).names() == ([RUN] if seen is not None else [])
        if seen is not None:
            read_manifest(snap / RUN)                 # complete, of a known format


@pytest.mark.slow
def test_kill_at_random_points_leaves_old_or_new_run(tmp_path):
    rng = np.random.default_rng(20261205)
    write_project(tmp_path / "project", weekly_frame(60),
                  sampler={"chains": 1, "warmup": 60, "draws": 60, "seed": 3})
    config = tmp_path / "project" / "config.yaml"
    parent = tmp_path / "runs"
    parent.mkdir()
    run = parent / RUN
    fit = ["fit", "--config", str(config), "--out", str(run), "-q"]
    verbs = {
        "fit": fit,
        "validate": ["validate", "--run", str(run), "--quick", "-q"],
        "optimize": ["optimize", "--run", str(run), "--out", str(run / "plan.csv")],
        "report": ["report", "--run", str(run), "--out", str(run / "report.html"), "-q"],
        "fit over the run": [*fit, "--seed", "4"],
    }
    trials = {}
    for name, verb in verbs.items():
        old = digest(run)
        started = time.monotonic()
        snapshots = run_with_snapshots(verb, parent, tmp_path / "snap" / name, rng)
        took = time.monotonic() - started
        new = digest(run)
        assert new is not None and new != old
        assert_old_or_new(snapshots, old, new)
        load_run(run)
        # A real kill -9 of the same verb started again from the new state.
        killed, finished = run_and_kill(verb, parent, tmp_path / "killed" / name,
                                        rng.uniform(0.1, 0.4) * took)
        if not finished:
            assert_old_or_new([killed], new, new)
        shutil.rmtree(run)
        shutil.copytree(killed / RUN, run) if (killed / RUN).exists() else None
        for leftover in (p for p in parent.iterdir() if p.name.startswith(".")):
            shutil.rmtree(leftover)
        trials[name] = len(snapshots) + 1
    print(f"crash trials per verb: {trials}")
    assert all(count >= TRIALS for count in trials.values()), trials
