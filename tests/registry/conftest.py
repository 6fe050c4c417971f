"""Fixtures for the registry tests: a data stream arriving in monthly chunks with a planted
change and a planted anomaly, a small closed-form model standing in for NUTS (so that a
refresh takes milliseconds and a forked child needs no JAX), and both registry backends
(DuckDB in a temporary folder; a throwaway PostgreSQL cluster on a free local port)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mixcast.data.serialize import save_dataset
from mixcast.registry.fitter import Prediction
from mixcast.registry.store import Registry
from mixcast.storage import finish_run, staged_directory, write_json, write_json_atomic

HISTORY_WEEKS, CHUNK_WEEKS, N_CHUNKS = 104, 4, 7
CHANGE_CHUNK, ANOMALY_CHUNK = 5, 2   # 1-based refresh numbers (refresh 0 is the history)
CHANGED_CHANNEL = "social_spend"
TRUE_ROI = {"tv_spend": 1.5, "search_spend": 1.0, "social_spend": 0.5}
CHANGED_ROI = 2.0
ANOMALY_LIFT = 1.3                   # the KPI reads 30% high for the anomaly's four weeks
NOISE_SD = 3_000.0


def stream_frame(seed: int = 11) -> pd.DataFrame:
    """History plus every chunk: weekly KPI linear in spend, with the planted events."""
    rng = np.random.default_rng(seed)
    n = HISTORY_WEEKS + CHUNK_WEEKS * N_CHUNKS
    dates = pd.date_range("2023-01-02", periods=n, freq="7D")
    spend = {"tv_spend": 30_000 * rng.choice([0.2, 1.8], n) * rng.uniform(0.8, 1.2, n),
             "search_spend": 20_000 * rng.uniform(0.6, 1.4, n),
             "social_spend": 15_000 * rng.gamma(2.0, 0.5, n)}
    chunk = np.maximum(0, (np.arange(n) - HISTORY_WEEKS) // CHUNK_WEEKS + 1)
    roi = {c: np.where((chunk >= CHANGE_CHUNK) & (c == CHANGED_CHANNEL), CHANGED_ROI, r)
           for c, r in TRUE_ROI.items()}
    y = 300_000 + sum(roi[c] * spend[c] for c in spend) + rng.normal(0, NOISE_SD, n)
    y = np.where(chunk == ANOMALY_CHUNK, y * ANOMALY_LIFT, y)
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "revenue": y, **spend})


def write_project(folder: Path, frame: pd.DataFrame, refresh: int, *, extra_weeks: int = 0
                  ) -> Path:
    """config.yaml and data.csv holding the history and the first ``refresh`` chunks (and
    ``extra_weeks`` more weeks)."""
    folder.mkdir(parents=True, exist_ok=True)
    weeks = HISTORY_WEEKS + CHUNK_WEEKS * refresh + extra_weeks
    frame.iloc[:weeks].to_csv(folder / "data.csv", index=False)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({"data": "data.csv", "date": "date",
                                      "target": "revenue", "channels": list(TRUE_ROI)}))
    return config


@dataclass(frozen=True)
class LinearFitter:
    """KPI = intercept + ROI x spend, least squares over the last ``window`` weeks, with
    Gaussian posterior draws: a real (if simple) model with intervals, in milliseconds.
    ``pause`` seconds are spent "sampling", so that a kill can land inside the fit."""

    window: int = 8
    draws: int = 400
    pause: float = 0.0

    def fit_and_save(self, project, out: Path) -> None:
        data = project.data
        X, y = self._design(data.spend.sum(axis=0)), data.y.sum(axis=0)
        X, y = X[-self.window:], y[-self.window:]
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ beta
        sigma = float(np.sqrt(resid @ resid / (len(y) - X.shape[1])))
        cov = sigma ** 2 * np.linalg.inv(X.T @ X)
        rng = np.random.default_rng(int(data.fingerprint()[:8], 16))
        betas = rng.multivariate_normal(beta, cov, self.draws)
        time.sleep(self.pause)
        spend = data.spend.sum(axis=(0, 1))
        contribution = betas[:, 1:] * spend
        share = contribution / contribution.sum(axis=1, keepdims=True)
        from mixcast.posterior.intervals import scalar_interval

        channels = {c: {"spend": float(spend[i]), "roi": scalar_interval(betas[:, 1 + i]),
                        "mroi": scalar_interval(betas[:, 1 + i]),
                        "contribution_share": scalar_interval(share[:, i])}
                    for i, c in enumerate(data.channels)}
        with staged_directory(out) as staging:
            write_json(staging / "summary.json", {"channels": channels, "diagnostics": {
                "rhat_max": 1.0, "ess_bulk_min": float(self.draws), "divergences": 0,
                "fit_seconds": self.pause}})
            time.sleep(self.pause / 2)
            write_json(staging / "params.json", {"beta": beta, "cov": cov, "sigma": sigma})
            save_dataset(data, staging)      # as every run directory holds its data
            finish_run(staging, fingerprint=data.fingerprint(), model="linear-stub")

    def validate(self, run: Path) -> dict:
        document = {"overall": {"verdict": "solid", "reasons": []}, "channels": {},
                    "checks": {}}
        write_json_atomic(run / "validation.json", document)
        return document

    def predict(self, run: Path, data, start: int, stop: int, *, weekly_spend=None
                ) -> Prediction:
        params = json.loads((run / "params.json").read_text())
        spend = data.spend.sum(axis=0)[start:stop]
        if weekly_spend is not None:
            spend = np.broadcast_to(weekly_spend, spend.shape)
        rng = np.random.default_rng(0)
        betas = rng.multivariate_normal(params["beta"], params["cov"], self.draws)
        draws = betas @ self._design(spend).T
        draws = draws + rng.normal(0, params["sigma"], draws.shape)
        return Prediction.of(data.dates[start:stop], draws)

    @staticmethod
    def _design(spend: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones(len(spend)), spend])


# -- backends ---------------------------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql")


def _pg_bin() -> Path | None:
    found = sorted(PG_BIN.glob("*/bin/initdb")) if PG_BIN.is_dir() else []
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the 'postgres' user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL cluster on a free local port; skipped only when PostgreSQL
    is not installed on a developer's machine (`make test` installs it; in CI it must run)."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (scripts/install-postgres.sh)")
        pytest.skip("PostgreSQL not installed (`make postgres` installs it)")
    folder = Path(tempfile.mkdtemp(prefix="mixcast-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run(_as_postgres_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                                      "-U", "mixcast", "--no-sync", "-E", "UTF8"]),
                   check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                                      "-l", str(folder / "log"), "-w", "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql://mixcast@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m",
                                          "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


BACKENDS = ["duckdb", "postgres"]
_databases = iter(range(1_000_000))


def new_registry(request, backend: str, folder: Path) -> Registry:
    """An empty registry: a DuckDB file in ``folder``, or a fresh PostgreSQL database."""
    if backend == "duckdb":
        return Registry.at(folder / "runs" / "registry.duckdb")
    import psycopg

    base = request.getfixturevalue("postgres_url")
    name = f"t{os.getpid()}_{next(_databases)}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return Registry.at(base.rsplit("/", 1)[0] + "/" + name, runs_root=folder / "runs")


@pytest.fixture(params=BACKENDS)
def registry(request, tmp_path) -> Registry:
    """An empty registry on each backend."""
    return new_registry(request, request.param, tmp_path)
