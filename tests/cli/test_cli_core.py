"""End-to-end CLI: check, fit, summary on a small config; user errors exit 2."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mixcast.analysis.simulate import simulate
from tests.conftest import small_spec

MIXCAST = [sys.executable, "-m", "mixcast.cli"]


def write_project(folder: Path) -> Path:
    sim = simulate(small_spec(seed=5))
    data = sim.data
    frame = pd.DataFrame({"date": pd.to_datetime(data.dates).strftime("%Y-%m-%d"),
                          "revenue": data.y[0]})
    for c, name in enumerate(data.channels):
        frame[name] = data.spend[0, :, c]
    frame["control_1"] = data.controls[0, :, 0]
    frame.to_csv(folder / "data.csv", index=False)
    (folder / "config.yaml").write_text(
        "data: data.csv\ndate: date\ntarget: revenue\n"
        f"channels: [{', '.join(data.channels)}]\ncontrols: [control_1]\n"
        "sampler: {chains: 2, warmup: 150, draws: 150, seed: 3}\n")
    return folder / "config.yaml"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MIXCAST, *args], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_check_fit_summary_end_to_end(tmp_path):
    config = write_project(tmp_path)
    checked = run("check", "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert "104 weeks" in checked.stdout
    fitted = run("fit", "--config", str(config), "--out", str(tmp_path / "run"), "--quiet")
    assert fitted.returncode == 0, fitted.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert set(summary["channels"]) == {"tv_spend", "search_spend", "social_spend"}
    assert "ROI" in fitted.stdout and "tv_spend" in fitted.stdout
    shown = run("summary", "--run", str(tmp_path / "run"), "--json")
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["channels"]["tv_spend"]["roi"] == summary["channels"]["tv_spend"]["roi"]


def test_user_errors_exit_2_without_traceback(tmp_path):
    missing = run("check", "--config", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2
    assert "config file not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    no_run = run("summary", "--run", str(tmp_path / "norun"))
    assert no_run.returncode == 2 and "no such run directory" in no_run.stderr
    bad_flag = run("fit", "--config")
    assert bad_flag.returncode == 2 and "Traceback" not in bad_flag.stderr


def test_every_verb_has_help_with_an_example():
    from typer.main import get_command

    from mixcast.cli import app

    command = get_command(app)
    for name, verb in command.commands.items():
        assert "Example: mixcast" in (verb.help or ""), name


def test_the_command_list_gives_each_verb_its_first_paragraph_on_one_line():
    from typer.main import get_command

    from mixcast.cli import app

    command = get_command(app)
    for name, verb in command.commands.items():
        first_paragraph = verb.help.split("\n\n")[0]
        assert verb.short_help == " ".join(first_paragraph.split()), name
    listing = subprocess.run([*MIXCAST, "--help"], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "COLUMNS": "200"}).stdout
    # Wide enough for any summary: a sentence that spans two docstring lines is one line.
    assert "would narrow its ROI interval and the money that moves; channels whose" in listing


def test_verb_help_paragraphs_are_reflowed_to_the_terminal():
    # Rich keeps a docstring's line breaks: on 80 columns every 88-column source line
    # broke in two ("Alerts go to the / console, / alerts.json").
    listing = subprocess.run([*MIXCAST, "refresh", "--help"], capture_output=True, text=True,
                             timeout=120, env={**os.environ, "COLUMNS": "80"}).stdout
    words = " ".join(line.strip(" │") for line in listing.splitlines())
    assert "Alerts go to the console, alerts.json (in the run" in " ".join(words.split())
    lines = [line.rstrip() for line in listing.splitlines()]
    assert not any(line.strip() == "console," for line in lines)


def test_the_command_list_follows_the_work_under_one_heading_per_step():
    from typer.main import get_command

    from mixcast.cli import app
    from mixcast.cli._app import WORKFLOW

    in_order = [verb for _, verbs in WORKFLOW for verb in verbs]
    assert sorted(in_order) == sorted(get_command(app).commands)     # every verb, once
    listing = subprocess.run([*MIXCAST, "--help"], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "COLUMNS": "200"}).stdout
    lines = listing.splitlines()
    # Each heading, then its verbs, in the order of WORKFLOW.
    positions = [next(i for i, line in enumerate(lines) if line.startswith(f"│ {verb} "))
                 for verb in in_order]
    assert positions == sorted(positions)
    headings = [next(i for i, line in enumerate(lines) if f"─ {panel} ─" in line)
                for panel, _ in WORKFLOW]
    assert headings == sorted(headings) and "─ Other ─" not in listing
    first_of_each = [positions[in_order.index(verbs[0])] for _, verbs in WORKFLOW]
    assert all(h < v for h, v in zip(headings, first_of_each))


def test_every_option_help_is_shown_whole():
    """Rich reads "[word]" in help text as markup and drops it: every option's help, as
    written, must reach the screen (escape brackets as "\\[")."""
    import re

    from typer.main import get_command
    from typer.testing import CliRunner

    from mixcast.cli import app

    runner = CliRunner()
    for name, verb in get_command(app).commands.items():
        shown = " ".join(runner.invoke(app, [name, "--help"], terminal_width=1000,
                                       env={"COLUMNS": "1000"}).output.split())
        for param in verb.params:
            text = " ".join(re.sub(r"\\\[", "[", getattr(param, "help", None) or "").split())
            assert text in shown, (name, param.name, text)


def test_init_proposes_a_config_that_check_reads_and_never_overwrites(tmp_path):
    from mixcast.project import sample_config_path

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    sample = sample_config_path().parent
    (data_dir / "robyn.csv").write_bytes((sample / "robyn_weekly.csv").read_bytes())
    (data_dir / "events.csv").write_bytes((sample / "robyn_events.csv").read_bytes())
    config = tmp_path / "configs" / "mmm.yaml"
    config.parent.mkdir()
    done = run("init", str(data_dir / "robyn.csv"), "--out", str(config))
    assert done.returncode == 0, done.stderr
    assert "date DATE, target revenue (revenue), 5 channels, 2 controls" in done.stdout
    assert "data: ../data/robyn.csv" in config.read_text()    # relative to the config
    assert "events: ../data/events.csv" in config.read_text()  # found beside the data
    checked = run("check", "--config", str(config))
    assert checked.returncode == 0 and "208 weeks" in checked.stdout, checked.stderr
    from mixcast.project import load

    assert load(config).data.event_names == ("event1", "event2")
    before = config.read_text()
    again = run("init", str(data_dir / "robyn.csv"), "--out", str(config))
    assert again.returncode == 2 and "already exists; nothing was written" in again.stderr
    assert config.read_text() == before and "Traceback" not in again.stderr
    missing = run("init", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x.yaml"))
    assert missing.returncode == 2 and "file not found" in missing.stderr


def test_check_counts_monthly_rows_as_months(tmp_path):
    config = write_project(tmp_path)
    frame = pd.read_csv(tmp_path / "data.csv").head(36)
    frame["date"] = pd.date_range("2021-01-01", periods=36, freq="MS").strftime("%Y-%m-%d")
    frame.to_csv(tmp_path / "data.csv", index=False)
    checked = run("check", "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert "36 months (2021-01-01 … 2023-12-01)" in checked.stdout
    assert "coarse_granularity" in checked.stdout and "36 weeks" not in checked.stdout
