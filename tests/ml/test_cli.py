"""`mixcast fit --model ml` and `mixcast compare`, in process (tiny tuning patched in)."""

from __future__ import annotations

import dataclasses
import json
import sys

import pytest

from tests.cli.test_cli_core import write_project
from tests.ml.conftest import TINY


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    from mixcast.cli import main

    monkeypatch.setattr(sys, "argv", ["mixcast", *args])
    try:
        main()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def quick_ml(monkeypatch):
    import mixcast.ml.run

    monkeypatch.setattr(mixcast.ml.run, "DEFAULT_CONFIG",
                        dataclasses.replace(TINY, n_bootstrap=3))


def test_fit_model_ml_writes_a_run_and_states_limits(tmp_path, monkeypatch, capsys, quick_ml):
    config = write_project(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "fit", "--config", str(config),
                             "--out", str(tmp_path / "ml"), "--model", "ml", "--quiet")
    assert code == 0, err
    summary = json.loads((tmp_path / "ml" / "summary.json").read_text())
    assert summary["model"] == "ml" and set(summary["channels"]) == {
        "tv_spend", "search_spend", "social_spend"}
    assert "Out-of-sample" in out and "ML challenger" in out
    assert "Trees do not extrapolate" in err and "not causation" in err
    code, out, _ = run_cli(monkeypatch, capsys, "summary", "--run", str(tmp_path / "ml"))
    assert code == 0 and "no MCMC diagnostics" in out


def test_config_model_type_ml_selects_the_challenger(tmp_path, monkeypatch, capsys, quick_ml):
    config = write_project(tmp_path)
    config.write_text(config.read_text()
                      + "model: {type: ml, interactions: ['tv_spend:search_spend']}\n")
    code, _, err = run_cli(monkeypatch, capsys, "fit", "--config", str(config),
                           "--out", str(tmp_path / "run"), "--quiet")
    assert code == 0, err
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["model"] == "ml"
    # The config's model.interactions (the key the Bayesian model reads) becomes a
    # TV x search feature of the trees.
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["features"]["interactions"] == [["tv_spend", "search_spend"]]
    names = json.loads((tmp_path / "run" / "ml_model.json").read_text())["feature_names"]
    assert "tv_spend__x__search_spend" in names


def test_compare_verb_prints_and_writes_json(small_run, ml_run, small_sim, tmp_path,
                                             monkeypatch, capsys):
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps(small_sim.roi))
    out = tmp_path / "cmp" / "compare.json"
    code, stdout, err = run_cli(monkeypatch, capsys, "compare", "--bayes", str(small_run),
                                "--ml", str(ml_run), "--holdout", "0", "--truth", str(truth),
                                "--no-twin", "--out", str(out), "--quiet")
    assert code == 0, err
    text = " ".join(stdout.split())   # rich wraps lines at the test's terminal width
    assert "Bayesian model vs ML challenger" in text and "ROI error" in text
    assert "Against the known truth" in text
    assert json.loads(out.read_text())["recovery"]["bayes"]["n_channels"] == 3


def test_compare_user_errors_exit_2(small_run, ml_run, tmp_path, monkeypatch, capsys):
    code, _, err = run_cli(monkeypatch, capsys, "compare", "--bayes", str(ml_run),
                           "--ml", str(small_run), "--holdout", "0")
    assert code == 2 and "Swap them" in err and "Traceback" not in err
    code, _, err = run_cli(monkeypatch, capsys, "compare", "--bayes", str(small_run),
                           "--ml", str(ml_run), "--holdout", "0",
                           "--truth", str(tmp_path / "none.json"))
    assert code == 2 and "no such file" in err


def test_help_has_an_example(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "compare", "--help")
    assert code == 0 and "Example: mixcast compare" in out
