"""User mistakes through the command line: one red message, exit code 2, no traceback.

The in-process tests call ``mixcast.cli.main`` (the console script's entry point) with
``sys.argv`` set, so they exercise the same error path as the installed command; two
cases also run the real ``mixcast`` executable in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mixcast.cli import main
from tests.data.cases import BAD_INPUTS, Case
from tests.data.tables import weekly_frame, write_project

EXECUTABLE = Path(sys.executable).parent / "mixcast"


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["mixcast", *args])
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code or 0
    out, err = capsys.readouterr()
    return code, out, err


def flat(text: str) -> str:
    """Terminal output with line breaks removed (a long message may be wrapped)."""
    return " ".join(line.strip() for line in text.splitlines())


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_check_prints_the_message_and_exits_2(case: Case, tmp_path, monkeypatch, capsys):
    config = case.make(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "check", "--config", str(config))
    assert code == 2
    assert "Traceback" not in err + out
    assert err.startswith("error:")
    for fragment in case.expect:
        assert fragment in err, f"{fragment!r} not in: {err}"


def test_bracketed_text_in_a_message_is_printed_not_eaten(tmp_path, monkeypatch, capsys):
    config = write_project(tmp_path)
    config.write_text(config.read_text() + "model: [not, a, mapping]\n")
    code, _, err = run_main(monkeypatch, capsys, "check", "--config", str(config))
    assert code == 2 and "Traceback" not in err
    assert "not" in err and "mapping" in err


def test_check_on_good_data_exits_0(tmp_path, monkeypatch, capsys):
    config = write_project(tmp_path, weekly_frame(60))
    code, out, _ = run_main(monkeypatch, capsys, "check", "--config", str(config))
    assert code == 0
    assert "60 weeks" in flat(out) and "short_history" in flat(out)


@pytest.mark.skipif(not EXECUTABLE.exists(), reason="console script not installed")
@pytest.mark.parametrize("case_id", ["negative_spend", "unknown_config_key"])
def test_installed_command_exits_2_without_traceback(case_id, tmp_path):
    case = next(c for c in BAD_INPUTS if c.id == case_id)
    config = case.make(tmp_path)
    done = subprocess.run([str(EXECUTABLE), "check", "--config", str(config)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for fragment in case.expect:
        assert fragment in flat(done.stderr) or fragment in done.stderr
