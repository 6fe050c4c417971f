"""`mixcast ask` and the narrative of `mixcast summary` through the console entry point."""

from __future__ import annotations

import json

from tests.assist.conftest import assist_runs  # noqa: F401  (the runs folder fixture)
from tests.cli.test_cli_errors import flat, run_main


def test_ask_prints_the_reading_then_the_answer(assist_runs, monkeypatch, capsys):
    run = str(assist_runs / "validated")
    code, out, _ = run_main(monkeypatch, capsys, "ask", "--run", run, "cut FB by 20%")
    assert code == 0
    assert flat(out).startswith("I read this as: cut social_spend by 20% over the data window.")
    assert "90% range" in out and "test it before moving its budget" in flat(out)
    code, out, _ = run_main(monkeypatch, capsys, "ask", "--run", run, "--json",
                            "how sure are we about tv")
    assert code == 0 and json.loads(out)["call"]["kind"] == "certainty"


def test_ask_errors_exit_2(assist_runs, tmp_path, monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "ask", "--run", str(tmp_path / "none"), "x")
    assert code == 2 and "no such run directory" in flat(err)
    code, _, err = run_main(monkeypatch, capsys, "ask", "--run",
                            str(assist_runs / "validated"), "shift 10% from tv to radio")
    assert code == 2 and "no channel called 'radio'" in flat(err) and "Traceback" not in err


def test_summary_prints_the_narrative(assist_runs, monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "summary", "--run",
                            str(assist_runs / "validated"))
    assert code == 0
    for title in ("What drove the outcome", "Saturated or underfunded", "What to test next",
                  "Not yet trustworthy"):
        assert title in out
    code, out, _ = run_main(monkeypatch, capsys, "summary", "--run",
                            str(assist_runs / "validated"), "--no-narrative")
    assert code == 0 and "What drove the outcome" not in out
