"""mixcast.storage: files are written whole or not at all, and a folder given as a file is
the user's mistake, said plainly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mixcast.errors import UserError
from mixcast.storage import write_text_atomic


def test_a_text_file_is_written_whole_and_no_staging_file_is_left(tmp_path):
    write_text_atomic(tmp_path / "deep" / "plan.csv", "channel,spend\ntv,1\n")
    assert (tmp_path / "deep" / "plan.csv").read_text() == "channel,spend\ntv,1\n"
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["plan.csv"]


def test_a_folder_given_as_the_file_is_a_user_error_and_nothing_is_written(tmp_path):
    (tmp_path / "kept.txt").write_text("mine")
    with pytest.raises(UserError, match="is a folder, not a file"):
        write_text_atomic(tmp_path, "x")
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


def test_the_cli_exits_2_when_out_is_a_folder(small_run, tmp_path):
    args = ["scenario", "--run", str(small_run), "--spec", "increase tv_spend by 10%",
            "--out", str(tmp_path)]
    done = subprocess.run([sys.executable, "-c", "from mixcast.cli import main; main()", *args],
                          capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "is a folder, not a file" in done.stderr
