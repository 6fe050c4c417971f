"""read_table: CSV and Parquet as stored, with a clear DataError for every bad file."""

from __future__ import annotations

import pytest

from mixcast.data import read_table
from mixcast.errors import DataError


def test_read_table_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"data\.csv: file not found\. Check the path"):
        read_table(tmp_path / "data.csv")


def test_read_table_unsupported_extension(tmp_path):
    (tmp_path / "data.xlsx").write_bytes(b"PK")
    with pytest.raises(DataError, match=r"unsupported file type '\.xlsx'\. Save the data as "
                                        r"\.csv or \.parquet"):
        read_table(tmp_path / "data.xlsx")


def test_read_table_unreadable_files(tmp_path):
    (tmp_path / "data.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="could not be read as parquet"):
        read_table(tmp_path / "data.parquet")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="the file is empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "bad.csv").write_bytes(b"date,x\n2024-01-01,\xff\xfe\x00\n")
    with pytest.raises(DataError, match="is not UTF-8 text .* Save it as .CSV UTF-8"):
        read_table(tmp_path / "bad.csv")


def test_read_table_keeps_na_text_as_a_value(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\nna,\nx,NA\n")
    table = read_table(tmp_path / "t.csv")
    assert table["a"].tolist() == ["na", "x"] and table["b"].isna().all()
