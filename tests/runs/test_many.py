"""fit-many: one run directory per config, a broken config reported without losing the
others, re-running resumes; through a real local Ray instance (2 CPUs) and through local
processes. Tiny fits (52 weeks, 2 channels, 2 chains of 50 + 50): plumbing, not statistics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mixcast.errors import UserError
from mixcast.runs.many import plan_fits
from tests.data.helpers import weekly_frame, write_project

TINY = {"chains": 2, "warmup": 50, "draws": 50, "seed": 1}


def brands(root: Path) -> str:
    """Two good configs of the same shape (one compiled program) and one whose channel
    is not in its data."""
    for seed, name in enumerate(("acme", "bolt")):
        write_project(root / "brands" / name, weekly_frame(52, seed=seed), sampler=TINY)
    write_project(root / "brands" / "broken", weekly_frame(52, seed=9), sampler=TINY,
                  channels=["tv_spend", "radio_spend"])
    return str(root / "brands" / "*" / "config.yaml")


def stamps(out: Path) -> dict[str, float]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/manifest.json")}


def assert_two_fitted_one_reported(out: Path, output: str) -> None:
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["acme",
                                                                                   "bolt"]
    for name in ("acme", "bolt"):
        summary = json.loads((out / name / "summary.json").read_text())
        assert set(summary["channels"]) == {"tv_spend", "search_spend"}
    assert "broken" in output and "radio_spend" in output and "not found" in output
    assert "2 fitted, 1 failed, 0 skipped" in output


@pytest.mark.slow
def test_fit_many_on_ray_reports_the_broken_config_and_resumes(tmp_path, ray_instance):
    from mixcast.cli import app

    pattern, out = brands(tmp_path), tmp_path / "runs"
    args = ["fit-many", "--configs", pattern, "--out", str(out), "--executor", "ray",
            "--quiet"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 1, first.output
    assert "Ray instance already running" in first.output   # the test's, with 2 CPUs
    assert_two_fitted_one_reported(out, first.output)
    before = stamps(out)
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1
    assert "0 fitted, 1 failed, 2 skipped" in again.output
    assert stamps(out) == before                       # nothing refitted


@pytest.mark.slow
def test_fit_many_on_local_processes_reports_the_broken_config_and_resumes(tmp_path):
    pattern, out = brands(tmp_path), tmp_path / "runs"
    command = [sys.executable, "-m", "mixcast.cli", "fit-many", "--configs", pattern,
               "--out", str(out), "--executor", "local", "--workers", "2", "--quiet"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    assert_two_fitted_one_reported(out, first.stdout)
    before = stamps(out)
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 1 and "0 fitted, 1 failed, 2 skipped" in again.stdout
    assert stamps(out) == before


def test_runs_are_named_after_their_folders_and_a_clash_is_a_user_error(tmp_path):
    for name in ("a/acme", "b/acme"):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        (folder / "config.yaml").write_text("data: x.csv\n")
    with pytest.raises(UserError, match="share a name.*acme"):
        plan_fits(str(tmp_path / "*" / "*" / "config.yaml"), tmp_path / "runs")
    planned = plan_fits(str(tmp_path / "a" / "*" / "config.yaml"), tmp_path / "runs")
    assert [(p.name, p.out, p.done) for p in planned] == [("acme", tmp_path / "runs" / "acme",
                                                           False)]


def test_an_empty_glob_exits_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mixcast.cli", "fit-many", "--configs",
                           str(tmp_path / "*.yaml"), "--out", str(tmp_path / "runs")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "matches no file" in done.stderr
    assert "Traceback" not in done.stderr
