"""mixcast.storage: files are written whole or not at all, and a folder given as a file is
the user's mistake, said plainly."""

from __future__ import annotations

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


def test_a_verb_given_a_folder_as_out_raises_the_user_error(small_run, tmp_path):
    # the CLI's entry point turns a UserError into one line and exit code 2
    from typer.testing import CliRunner

    from mixcast.cli import app

    result = CliRunner().invoke(app, ["scenario", "--run", str(small_run), "--spec",
                                      "increase tv_spend by 10%", "--out", str(tmp_path)])
    assert isinstance(result.exception, UserError), result.output
    assert "is a folder, not a file" in str(result.exception)
