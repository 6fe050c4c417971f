"""Run the peers (PyMC-Marketing, Meridian) on a benchmark dataset, each in its own process.

The peers are not mixcast dependencies: they live in a separate interpreter, named by
``MIXCAST_PEERS_PYTHON`` (default ``/tmp/peers/bin/python``; create it with
``python -m venv /tmp/peers && /tmp/peers/bin/pip install pymc-marketing google-meridian
numpyro``). A peer that is not installed there is skipped with a note, never faked.
Each peer gets the same cores as mixcast (one XLA host device per core, so NumPyro can
run chains in parallel).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
PEERS = ("meridian", "pymc-marketing")
_MODULES = {"meridian": "meridian", "pymc-marketing": "pymc_marketing"}


def peers_python() -> str:
    return os.environ.get("MIXCAST_PEERS_PYTHON", "/tmp/peers/bin/python")


def installed(tool: str) -> bool:
    python = peers_python()
    if not Path(python).exists():
        return False
    probe = subprocess.run([python, "-c", f"import {_MODULES[tool]}"], capture_output=True)
    return probe.returncode == 0


def run_peer(tool: str, name: str, chains: int, warmup: int, draws: int, seed: int,
             data_dir: Path = HERE / "data") -> dict | None:
    """One peer's results on ``name`` (dict as bench_fit prints), or None if not installed."""
    if not installed(tool):
        print(f"  ({tool} is not installed in {peers_python()}: skipped)", file=sys.stderr)
        return None
    cores = len(os.sched_getaffinity(0))
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={cores}",
               PYTHONWARNINGS="ignore")
    cmd = [peers_python(), str(HERE / "peer_runner.py"), "--tool", tool,
           "--csv", str(data_dir / f"{name}.csv"), "--yaml", str(data_dir / f"{name}.yaml"),
           "--chains", str(chains), "--warmup", str(warmup), "--draws", str(draws),
           "--seed", str(seed)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        print(f"  ({tool} failed on {name}, exit {done.returncode}):\n{tail}", file=sys.stderr)
        return None
    result = json.loads(lines[-1][len("RESULT "):])
    result["dataset"] = name
    return result


def run_peers(name: str, chains: int, warmup: int, draws: int, seed: int) -> list[dict]:
    results = [run_peer(tool, name, chains, warmup, draws, seed) for tool in PEERS]
    return [r for r in results if r is not None]
