"""The registry verbs end to end in-process (refresh, runs, diff, adopt), with the
closed-form model standing in for NUTS; a user mistake exits 2 with one message."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from mixcast.cli import main
from tests.registry.conftest import LinearFitter, stream_frame, write_project


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["mixcast", *args])
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code or 0
    out, err = capsys.readouterr()
    return code, " ".join(out.split()), " ".join(err.split())


@pytest.fixture
def stub_model(monkeypatch):
    # The CLI builds its fitter from mixcast.registry.fitter (with an executor): stub it
    # there, or the real NUTS runs here (it has its own test: test_bayes_refresh).
    monkeypatch.setattr("mixcast.registry.fitter.BayesFitter", lambda **_: LinearFitter())


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_refresh_runs_diff_adopt(stub_model, tmp_path, monkeypatch, capsys):
    frame, registry = stream_frame(), str(tmp_path / "runs" / "registry.duckdb")
    ids = []
    for chunk in (0, 1, 2):
        config = write_project(tmp_path / "p", frame, chunk)
        code, out, err = run_main(monkeypatch, capsys, "refresh", "--config", str(config),
                                  "--registry", registry)
        assert code == 0, err
        ids.append(out.split("Run ")[1].split()[0])
    assert "ALERT kpi_level_shift" in out and "look at:" in out
    alerts = json.loads((tmp_path / "runs" / "alerts.json").read_text())
    assert alerts["run"] == ids[-1] and {a["kind"] for a in alerts["alerts"]} >= {
        "kpi_level_shift"}
    code, out, _ = run_main(monkeypatch, capsys, "refresh", "--config", str(config),
                            "--registry", registry)
    assert code == 0 and "No new data" in out
    code, out, _ = run_main(monkeypatch, capsys, "runs", "--registry", registry)
    assert code == 0 and all(i in out for i in ids)
    code, out, _ = run_main(monkeypatch, capsys, "diff", ids[0], ids[1], "--registry", registry)
    assert code == 0 and "social_spend" in out and "beyond noise" in out
    # Prefixes name the runs; the title gives their full ids.
    code, out, _ = run_main(monkeypatch, capsys, "diff", ids[0][:12], ids[1][:12],
                            "--registry", registry)
    assert code == 0 and f"ROI: {ids[0]} → {ids[1]}" in out
    plan = tmp_path / "plan.csv"
    pd.DataFrame({"channel": ["tv_spend"], "recommended_spend": [1e5]}).to_csv(plan, index=False)
    code, out, _ = run_main(monkeypatch, capsys, "adopt", "--run", ids[-1], "--plan", str(plan),
                            "--registry", registry)
    assert code == 0 and "Adopted" in out


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_user_mistakes_exit_2(stub_model, tmp_path, monkeypatch, capsys):
    frame = stream_frame()
    registry = str(tmp_path / "runs" / "registry.duckdb")
    doubled = pd.concat([frame.iloc[:104], frame.iloc[100:104]])
    config = write_project(tmp_path / "p", doubled, 0, extra_weeks=4)
    code, _, err = run_main(monkeypatch, capsys, "refresh", "--config", str(config),
                            "--registry", registry)
    assert code == 2 and "appear more than once" in err and "Traceback" not in err
    code, _, err = run_main(monkeypatch, capsys, "diff", "nope", "nada", "--registry", registry)
    assert code == 2 and "not in the registry" in err
