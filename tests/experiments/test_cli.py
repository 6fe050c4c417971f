"""plan-tests, design-test and analyze-test through the command line (national run)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import pandas as pd

from mixcast.analysis.simulate import simulate
from mixcast.cli import main
from mixcast.data.lift_tests import parse_lift_tests
from tests.conftest import small_spec


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["mixcast", *args])
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code or 0
    out, err = capsys.readouterr()
    return code, out, err


def _after(weeks: int, *, cut: float) -> pd.DataFrame:
    """The run's simulation continued past its data, search cut to ``cut`` x its spend
    in the extra weeks (the test)."""
    data = simulate(small_spec(n_weeks=104 + weeks)).data
    frame = pd.DataFrame({"date": pd.DatetimeIndex(data.dates).strftime("%Y-%m-%d"),
                          "revenue": data.y[0]})
    for c, name in enumerate(data.channels):
        frame[name] = data.spend[0, :, c]
    frame.loc[104:, "search_spend"] *= cut
    return frame


def test_design_then_analyze_writes_a_lift_test_row(small_run, small_sim, tmp_path,
                                                    monkeypatch, capsys):
    design = tmp_path / "design.json"
    code, out, err = run_main(monkeypatch, capsys, "design-test", "--run", str(small_run),
                              "--channel", "search_spend", "--weeks", "4,6",
                              "--out", str(design))
    assert code == 0, err
    doc = json.loads(design.read_text())
    assert doc["method"].startswith("time-based") and not doc["geo_level"]
    assert "weaker" not in doc["caveat"] or doc["caveat"]
    for option in doc["options"]:
        assert 0.0 <= option["power"] <= 1.0 and 0.0 <= option["assurance"] <= 1.0
        assert option["spend_change"] < 0 and option["predicted_lift"]["mean"] < 0
    weeks = doc["recommended_weeks"]
    after = tmp_path / "after.csv"
    _after(weeks + doc["options"][0]["cooldown"], cut=0.0).to_csv(after, index=False)
    lift_tests = tmp_path / "lift_tests.csv"
    code, out, err = run_main(monkeypatch, capsys, "analyze-test", "--design", str(design),
                              "--data", str(after), "--lift-tests", str(lift_tests))
    assert code == 0, err
    assert "Incremental effect" in out and "Pre-period placebo" in out
    code, _, err = run_main(monkeypatch, capsys, "analyze-test", "--design", str(design),
                            "--data", str(tmp_path / "none.csv"))
    assert code == 2
    after_short = tmp_path / "short.csv"
    pd.read_csv(after).drop(columns=["revenue"]).to_csv(after_short, index=False)
    code, _, err = run_main(monkeypatch, capsys, "analyze-test", "--design", str(design),
                            "--data", str(after_short))
    assert code == 2 and "missing column(s) revenue" in err
    rows = pd.read_csv(lift_tests)
    assert {"channel", "start_date", "end_date", "geo", "spend_delta", "lift", "lift_se",
            "measure_end_date"} <= set(rows.columns)
    assert rows["spend_delta"].iloc[0] < 0 and rows["lift_se"].iloc[0] > 0
    longer = simulate(small_spec(n_weeks=104 + weeks + 2)).data
    tests = parse_lift_tests(rows, longer, source="lift_tests.csv")
    assert tests[0].start == 104 and tests[0].end == 104 + weeks - 1
    assert tests[0].last_week == 104 + weeks + 1


def test_steps_report_each_step(small_run, tmp_path, monkeypatch, capsys):
    design = tmp_path / "design.json"
    assert run_main(monkeypatch, capsys, "design-test", "--run", str(small_run), "--channel",
                    "search_spend", "--change", "+20%", "--weeks", "4", "--cooldown", "0",
                    "--out", str(design))[0] == 0
    after = tmp_path / "after.csv"
    _after(8, cut=1.1).to_csv(after, index=False)
    code, out, err = run_main(monkeypatch, capsys, "analyze-test", "--design", str(design),
                              "--data", str(after), "--steps", "2")
    assert code == 0, err
    assert "Gradual shift" in out and ("continue" in out or "pause" in out or "stop" in out)


def test_mistakes_exit_2_with_the_fix(small_run, tmp_path, monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "design-test", "--run", str(small_run),
                            "--channel", "radio", "--out", str(tmp_path / "d.json"))
    assert code == 2 and "not one of the run's channels" in err
    code, _, err = run_main(monkeypatch, capsys, "design-test", "--run", str(small_run),
                            "--channel", "tv_spend", "--weeks", "four",
                            "--out", str(tmp_path / "d.json"))
    assert code == 2 and "--weeks takes whole numbers" in err
    design = tmp_path / "design.json"
    design.write_text(json.dumps({"channel": "tv_spend"}))
    code, _, err = run_main(monkeypatch, capsys, "analyze-test", "--design", str(design),
                            "--data", str(design))
    assert code == 2 and "not a design written by `mixcast design-test`" in err
    assert "Traceback" not in err


def test_plan_tests_puts_the_mostly_prior_channel_first(small_run, tmp_path, monkeypatch,
                                                       capsys):
    plans = tmp_path / "plans.json"
    code, out, err = run_main(monkeypatch, capsys, "plan-tests", "--run", str(small_run),
                              "--weeks", "6", "--out", str(plans))
    assert code == 0, err
    assert "Which test next" in out and "--channel search_spend" in flat(out)
    ranked = json.loads(plans.read_text())["plans"]
    assert {p["channel"] for p in ranked} == {"tv_spend", "search_spend", "social_spend"}
    assert ranked[0]["channel"] == "search_spend" and ranked[0]["mostly_prior"]
    assert all(0.0 <= p["narrowing"] <= 1.0 for p in ranked)


def flat(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines())


def test_conversions_without_a_value_are_not_priced_as_money(small_fit, tmp_path,
                                                            monkeypatch, capsys):
    """A go-dark test's cost had added the conversions it forgoes to the money it spends
    (both as currency). Without a value per conversion the cost is the extra spend only,
    the forgone conversions are said, and plan-tests' settled outcome is in the KPI."""
    import dataclasses

    from mixcast.experiments.design import design_test
    from mixcast.experiments.planning import plan_tests
    from mixcast.runs.directory import save_run

    conv = dataclasses.replace(small_fit, data=dataclasses.replace(
        small_fit.data, kpi_type="conversions", target="orders"))
    valued = dataclasses.replace(small_fit, data=dataclasses.replace(
        conv.data, revenue_per_kpi=np.full_like(conv.data.y, 2.0)))
    unpriced = design_test(conv, "tv_spend", factor=0.0, weeks=(4,)).options[0]
    priced = design_test(valued, "tv_spend", factor=0.0, weeks=(4,)).options[0]
    assert unpriced.spend_change < 0 and unpriced.cost == 0.0
    assert priced.cost == pytest.approx(-priced.outcome_change["mean"], rel=1e-9)
    assert priced.cost > 0
    assert [p.value_in for p in plan_tests(conv, weeks=(4,), budget_moves=False)] == \
        ["orders"] * 3
    save_run(conv, tmp_path / "run")
    code, out, err = run_main(monkeypatch, capsys, "design-test", "--run",
                              str(tmp_path / "run"), "--channel", "tv_spend", "--weeks", "4",
                              "--out", str(tmp_path / "design.json"))
    assert code == 0, err
    assert "Cost is the extra spend only: the KPI has no value per conversion" in flat(out)
    assert json.loads((tmp_path / "design.json").read_text())["kpi_valued"] is False
