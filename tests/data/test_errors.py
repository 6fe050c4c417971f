"""Every user mistake raises one UserError naming the file, column, rows, value and fix.

The CLI side of the same cases (exit code 2, no traceback) is tests/cli/test_cli_errors.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mixcast.config import read_config
from mixcast.data.load import load_dataset
from mixcast.errors import ConfigError, DataError, UserError
from tests.data.cases import BAD_INPUTS, Case
from tests.data.tables import weekly_frame, write_project


def load(config_path):
    return load_dataset(read_config(config_path))


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_bad_input_message_names_file_column_rows_value_and_fix(case: Case, tmp_path):
    config = case.make(tmp_path)
    with pytest.raises(UserError) as caught:
        load(config)
    message = str(caught.value)
    for fragment in case.expect:
        assert fragment in message, f"{fragment!r} not in: {message}"


def test_every_problem_is_reported_at_once(tmp_path):
    frame = weekly_frame().astype({"search_spend": object})
    frame.loc[12, "tv_spend"] = -500.0
    frame.loc[3, "search_spend"] = "$1200"
    frame.loc[40, "revenue"] = float("nan")
    with pytest.raises(DataError) as caught:
        load(write_project(tmp_path, frame))
    assert len(caught.value.issues) == 3
    message = str(caught.value)
    assert "'tv_spend'" in message and "'search_spend'" in message and "'revenue'" in message


def test_text_cells_are_not_reported_twice_as_missing(tmp_path):
    frame = weekly_frame().astype({"tv_spend": object})
    frame["tv_spend"] = "lots"
    with pytest.raises(DataError) as caught:
        load(write_project(tmp_path, frame))
    assert len(caught.value.issues) == 1, caught.value.issues
    assert "'lots'" in str(caught.value) and "'tv_spend'" in str(caught.value)


def test_missing_config_file_names_the_path(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml"):
        read_config(tmp_path / "nope.yaml")


def test_wrong_file_type_says_which_types_work(tmp_path):
    (tmp_path / "data.xlsx").write_bytes(b"PK\x03\x04 not really excel")
    config = write_project(tmp_path, data_name="data.csv")
    config.write_text(config.read_text().replace("data: data.csv", "data: data.xlsx"))
    with pytest.raises(DataError, match=r"\.xlsx.*(csv|CSV).*[Pp]arquet"):
        load(config)


# Anything a user can hand us must end in a UserError, never another exception.
def _write(tmp_path, content: bytes | str):
    return write_project(tmp_path, content)


@pytest.mark.parametrize("content, expect", [
    (b"", "empty"),
    ("date,revenue,tv_spend,search_spend,social_spend,price\n", "no data rows"),
    ("date,revenue,tv_spend,search_spend,social_spend,price\n2024-01-07,1,2,3,4,5\n"
     .encode("utf-16"), "only 1 period"),   # read (BOM), then too short
    ("date;revenue;tv_spend;search_spend;social_spend;price\n2024-01-07;1;2;3;4;5\n",
     "only 1 period"),                       # read (';' sniffed), then too short
    (b"\x00\x01\x02garbage\xff\xfe", ""),
], ids=["empty_file", "header_only", "utf16", "semicolons", "binary"])
def test_unreadable_files_raise_user_errors(tmp_path, content, expect):
    with pytest.raises(UserError) as caught:
        load(_write(tmp_path, content))
    assert "data.csv" in str(caught.value)
    assert expect in str(caught.value)


def test_latin1_file_names_the_encoding_problem(tmp_path):
    text = weekly_frame().to_csv(index=False).replace("price", "prix_é")
    config = write_project(tmp_path, text.encode("latin-1"))
    config.write_text(config.read_text().replace("- price", "- prix_é"))
    with pytest.raises(UserError, match="UTF-8"):
        load(config)


def test_data_path_that_is_a_folder(tmp_path):
    config = write_project(tmp_path)
    (tmp_path / "folder").mkdir()
    config.write_text(config.read_text().replace("data: data.csv", "data: folder"))
    with pytest.raises(UserError, match="folder"):
        load(config)


def test_channel_column_entirely_text(tmp_path):
    frame = weekly_frame().astype({"tv_spend": object})
    frame["tv_spend"] = "n/a"
    with pytest.raises(DataError, match=r"'tv_spend'.*'n/a'"):
        load(write_project(tmp_path, frame))


def test_corrupt_parquet(tmp_path):
    config = write_project(tmp_path, data_name="data.parquet")
    (tmp_path / "data.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match="data.parquet"):
        load(config)


def test_excel_byte_order_mark_is_ignored(tmp_path):
    text = weekly_frame().to_csv(index=False)
    data = load(write_project(tmp_path, ("\ufeff" + text).encode("utf-8")))
    assert data.n_times == 104


def test_infinite_values_are_rejected(tmp_path):
    frame = weekly_frame().astype({"tv_spend": object})
    frame.loc[8, "tv_spend"] = "inf"
    with pytest.raises(DataError, match=r"'tv_spend'.*row 10"):
        load(write_project(tmp_path, frame))


def test_date_column_of_numbers_is_an_error_not_a_crash(tmp_path):
    frame = weekly_frame()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y%m%d").astype(int)
    try:
        data = load(write_project(tmp_path, frame))
    except UserError as error:
        assert "'date'" in str(error)
    else:  # accepted as yyyymmdd: then the dates must be right
        assert str(data.dates[0]) == "2023-01-01"
