"""The hardening catalogue: bad or awkward inputs a tired analyst gives mixcast.

Each :class:`Case` writes its files into a fresh folder and says what must happen, through
both entry points (the ``mixcast`` command run in-process, and the Python API):

- ``handled``: the CLI exits 0 and the API returns; ``check`` asserts the numbers are right
  (never a quietly wrong table).
- ``error``: the CLI prints one ``error:`` line and exits 2, the API raises a UserError,
  and both messages contain every fragment of ``says`` (file, column, rows, fix).

Config cases go through ``mixcast check --config C`` and ``mixcast.load(C)``; run-directory
cases through ``mixcast summary --run R`` and ``mixcast.load_run(R)``. Row numbers are
spreadsheet rows (header = row 1), so the frame's position ``i`` is row ``i + 2``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from tests.data.tables import geo_frame, weekly_frame, write_project

HEADER = "date,tv_spend,search_spend,social_spend,price,revenue"


@dataclass(frozen=True)
class Case:
    """One row of the catalogue.

    ``build(folder, good_run)`` writes the input and returns the config (kind "config") or
    the run directory (kind "run"); ``good_run`` is a complete run to copy from.
    """

    name: str
    build: Callable[[Path, Path], Path]
    expect: str                                    # "handled" | "error"
    says: tuple[str, ...] = ()
    check: Callable[[object], None] | None = None
    kind: str = "config"                           # "config" | "run"
    what: str = field(default="")


def _clean(folder: Path, _run: Path) -> Path:
    return write_project(folder)


def _text(frame: pd.DataFrame, **options) -> str:
    return frame.to_csv(index=False, **options)


def _same_numbers(expected: pd.DataFrame, column: str = "tv_spend"):
    def check(project) -> None:
        got = project.data.spend[0, :, project.data.channels.index(column)]
        assert np.allclose(got, expected[column].to_numpy(float)), "values changed on load"
    return check


def _shape(n_geos: int, n_weeks: int):
    def check(project) -> None:
        assert (project.data.n_geos, project.data.n_times) == (n_geos, n_weeks), (
            project.data.n_geos, project.data.n_times)
    return check


FRAME = weekly_frame()


# --- encodings and separators ------------------------------------------------------------

def _bom(folder, _run):
    return write_project(folder, b"\xef\xbb\xbf" + _text(FRAME).encode())


def _utf16(folder, _run):
    return write_project(folder, _text(FRAME).encode("utf-16"))


def _latin1(folder, _run):
    text = _text(FRAME.rename(columns={"price": "prix_é"}))
    config = write_project(folder, text.encode("latin-1"))
    config.write_text(config.read_text(encoding="utf-8").replace("- price", "- prix_é"),
                      encoding="utf-8")
    return config


def _semicolon_decimal_comma(folder, _run):
    return write_project(folder, _text(FRAME, sep=";", decimal=","))


def _semicolon_dot(folder, _run):
    return write_project(folder, _text(FRAME, sep=";"))


def _tabs(folder, _run):
    return write_project(folder, _text(FRAME, sep="\t"))


def _thousands(folder, _run):
    frame = FRAME.astype({"tv_spend": object})
    frame.loc[4, "tv_spend"] = "12,345.50"
    return write_project(folder, frame)


def _currency(folder, _run):
    frame = FRAME.astype({"search_spend": object})
    frame.loc[6, "search_spend"] = "$1200"
    frame.loc[7, "search_spend"] = "€1200"
    return write_project(folder, frame)


def _crlf(folder, _run):
    return write_project(folder, _text(FRAME).replace("\n", "\r\n").encode())


def _quoted(folder, _run):
    return write_project(folder, _text(FRAME, quoting=1))


def _binary(folder, _run):
    return write_project(folder, b"\x00\x01\x02garbage\xff\xfe" * 50)


def _empty(folder, _run):
    return write_project(folder, b"")


def _header_only(folder, _run):
    return write_project(folder, HEADER + "\n")


def _xlsx(folder, _run):
    config = write_project(folder)
    (folder / "data.xlsx").write_bytes(b"PK\x03\x04 not really excel")
    return _set(config, data="data.xlsx")


# --- dates --------------------------------------------------------------------------------

def _dates(transform):
    def build(folder, _run):
        frame = FRAME.copy()
        frame["date"] = transform(pd.to_datetime(frame["date"]), frame["date"])
        return write_project(folder, frame)
    return build


def _mixed_dates(folder, _run):
    frame = FRAME.copy()
    frame.loc[10, "date"] = pd.Timestamp(frame.loc[10, "date"]).strftime("%d/%m/%Y")
    frame.loc[11, "date"] = pd.Timestamp(frame.loc[11, "date"]).strftime("%m/%d/%Y")
    return write_project(folder, frame)


def _impossible_date(folder, _run):
    frame = FRAME.copy()
    frame.loc[5, "date"] = "2023-02-30"
    return write_project(folder, frame)


def _tz_parquet(folder, _run):
    frame = FRAME.copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.tz_localize("Europe/Berlin")
    config = write_project(folder, frame, data_name="data.parquet")
    return config


def _unsorted(folder, _run):
    return write_project(folder, FRAME.sample(frac=1.0, random_state=1))


def _daily(folder, _run):
    return write_project(folder, weekly_frame(7 * 30, freq="D"))


def _daily_aggregated(folder, _run):
    return _set(_daily(folder, _run), aggregate_daily=True)


def _duplicate_week(folder, _run):
    frame = pd.concat([FRAME, FRAME.iloc[[20]]], ignore_index=True)
    return write_project(folder, frame)


def _missing_weeks(folder, _run):
    return write_project(folder, FRAME.drop(index=[40, 41, 42]).reset_index(drop=True))


def _irregular(folder, _run):
    frame = FRAME.copy()
    frame.loc[50:, "date"] = (pd.to_datetime(frame.loc[50:, "date"])
                              + pd.Timedelta(days=3)).dt.strftime("%Y-%m-%d")
    return write_project(folder, frame)


# --- columns, names and values -----------------------------------------------------------

def _duplicate_column(folder, _run):
    text = _text(FRAME.assign(extra=FRAME["tv_spend"] * 2))
    text = text.replace(",extra\n", ",tv_spend\n", 1)
    return write_project(folder, text)


def _duplicate_channel_in_config(folder, _run):
    return _set(write_project(folder), channels=["tv_spend", "tv_spend", "search_spend"])


def _target_is_channel(folder, _run):
    return _set(write_project(folder), target="tv_spend")


def _header_spaces(folder, _run):
    text = _text(FRAME).replace("tv_spend,", " tv_spend ,", 1)
    return write_project(folder, text)


def _unicode_names(folder, _run):
    frame = FRAME.rename(columns={"tv_spend": "télé spend", "search_spend": "検索 spend",
                                  "social_spend": "soziale Medien €"})
    config = write_project(folder, frame)
    return _set(config, channels=["télé spend", "検索 spend", "soziale Medien €"])


def _values(column, rows, value):
    def build(folder, _run):
        frame = FRAME.astype({column: object})
        for row in rows:
            frame.loc[row, column] = value
        return write_project(folder, frame)
    return build


def _all_zero(folder, _run):
    return write_project(folder, FRAME.assign(social_spend=0.0))


def _huge_scale(folder, _run):
    frame = FRAME.copy()
    for column in ("tv_spend", "search_spend", "social_spend", "revenue"):
        frame[column] = frame[column] * 1e9
    return write_project(folder, frame)


def _tiny_scale(folder, _run):
    frame = FRAME.copy()
    for column in ("tv_spend", "search_spend", "social_spend", "revenue"):
        frame[column] = frame[column] * 1e-9
    return write_project(folder, frame)


def _spend_in_thousands(folder, _run):
    frame = FRAME.copy()
    for column in ("tv_spend", "search_spend", "social_spend"):
        frame[column] = frame[column] / 1e3          # exported in $k beside revenue in $
    return write_project(folder, frame)


def _warned(code: str):
    def check(project) -> None:
        assert code in {issue.code for issue in project.data.issues}, project.data.issues
    return check


def _booleans(folder, _run):
    frame = FRAME.astype({"price": object})
    frame["price"] = np.where(np.arange(len(frame)) % 2, "TRUE", "FALSE")
    return write_project(folder, frame)


def _short(folder, _run):
    return write_project(folder, weekly_frame(8))


# --- geos ---------------------------------------------------------------------------------

def _empty_geo_label(folder, _run):
    frame = geo_frame()
    frame.loc[[3, 4], "geo"] = ""
    return write_project(folder, frame)


def _one_row_geo(folder, _run):
    frame = geo_frame()
    lonely = frame.iloc[[0]].assign(geo="island")
    return write_project(folder, pd.concat([frame, lonely], ignore_index=True))


def _geo_ranges(folder, _run):
    frame = geo_frame()
    late = (frame["geo"] == "west") & (frame.groupby("geo").cumcount() < 10)
    return write_project(folder, frame[~late].reset_index(drop=True))


def _geo_population_varies(folder, _run):
    frame = geo_frame()
    frame.loc[5, "population"] = 5
    return write_project(folder, frame)


def _geo_unicode(folder, _run):
    frame = geo_frame()
    frame["geo"] = frame["geo"].map({"north": "Île-de-France", "south": "São Paulo",
                                     "west": "東京 23区"})
    return write_project(folder, frame)


# --- the config and the files it points at ------------------------------------------------

def _set(config: Path, **changes) -> Path:
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document.update(changes)
    config.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
                      encoding="utf-8")
    return config


def _missing_data(folder, _run):
    return _set(write_project(folder), data="sales_2024.csv")


def _data_is_directory(folder, _run):
    (folder / "exports").mkdir(parents=True)
    return _set(write_project(folder), data="exports")


def _symlink_loop(folder, _run):
    config = write_project(folder)
    os.symlink(folder / "loop_b.csv", folder / "loop_a.csv")
    os.symlink(folder / "loop_a.csv", folder / "loop_b.csv")
    return _set(config, data="loop_a.csv")


def _config_missing(folder, _run):
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "config.yaml"


def _config_is_directory(folder, _run):
    (folder / "config.yaml").mkdir(parents=True)
    return folder / "config.yaml"


def _config_bad_yaml(folder, _run):
    config = write_project(folder)
    config.write_text("data: data.csv\nchannels: [tv_spend, search_spend\n")
    return config


def _config_unknown_key(folder, _run):
    config = write_project(folder)
    config.write_text(config.read_text() + "chanels: [tv_spend]\n")
    return config


def _config_empty(folder, _run):
    config = write_project(folder)
    config.write_text("")
    return config


def _config_wrong_type(folder, _run):
    return _set(write_project(folder), channels="tv_spend, search_spend")


LIFT_HEADER = "channel,start_date,end_date,geo,spend_delta,lift,lift_se\n"


def _lift(rows: str):
    def build(folder, _run):
        config = write_project(folder)
        (folder / "lift.csv").write_text(LIFT_HEADER + rows)
        return _set(config, lift_tests="lift.csv")
    return build


def _lift_missing(folder, _run):
    return _set(write_project(folder), lift_tests="lift_tests.csv")


def _events(rows: str):
    def build(folder, _run):
        config = write_project(folder)
        (folder / "events.csv").write_text("name,start_date,end_date,geo\n" + rows)
        return _set(config, events="events.csv")
    return build


def _huge_file(folder, _run):
    """Ten million rows, written in a second (one short line repeated)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = write_project(folder)
    line = b"2023-01-01,1,1,1,1,1\n"
    with open(folder / "big.csv", "wb") as stream:
        stream.write(HEADER.encode() + b"\n")
        block = line * 1_000_000
        for _ in range(10):
            stream.write(block)
    return _set(config, data="big.csv")


# --- run directories ----------------------------------------------------------------------

def _run_copy(folder: Path, good: Path) -> Path:
    target = folder / "run"
    shutil.copytree(good, target)
    return target


def _run_missing_file(name):
    def build(folder, good):
        run = _run_copy(folder, good)
        (run / name).unlink()
        return run
    return build


def _run_future(folder, good):
    run = _run_copy(folder, good)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["format_version"] = 99
    (run / "manifest.json").write_text(json.dumps(manifest))
    return run


def _run_truncated(name):
    def build(folder, good):
        run = _run_copy(folder, good)
        data = (run / name).read_bytes()
        (run / name).write_bytes(data[: len(data) // 3])
        return run
    return build


def _run_staged_leftover(folder, good):
    leftover = folder / ".run.k2j3h4"
    shutil.copytree(good, leftover)
    (leftover / "manifest.json").unlink()
    return leftover


def _run_absent(folder, _good):
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "never_fitted"


def _run_is_file(folder, _good):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run").write_text("not a run")
    return folder / "run"


def _day(position: int) -> str:
    return str(FRAME.loc[position, "date"])


CASES: tuple[Case, ...] = (
    Case("clean table (control)", _clean, "handled", check=_shape(1, 104)),
    # encodings and separators
    Case("UTF-8 byte-order mark", _bom, "handled", check=_same_numbers(FRAME)),
    Case("UTF-16 with BOM (Excel 'Unicode text')", _utf16, "handled",
         check=_same_numbers(FRAME)),
    Case("Latin-1 encoded header", _latin1, "error", ("data.csv", "UTF-8", "Save")),
    Case("';' separator and decimal commas", _semicolon_decimal_comma, "handled",
         check=_same_numbers(FRAME)),
    Case("';' separator, decimal points", _semicolon_dot, "handled",
         check=_same_numbers(FRAME)),
    Case("tab separated .csv", _tabs, "handled", check=_same_numbers(FRAME)),
    Case("Windows line endings", _crlf, "handled", check=_same_numbers(FRAME)),
    Case("every cell quoted", _quoted, "handled", check=_same_numbers(FRAME)),
    Case("thousands separator in a cell", _thousands, "error",
         ("data.csv", "'tv_spend'", "row 6", "'12,345.50'", "thousands separators")),
    Case("currency symbols", _currency, "error",
         ("data.csv", "'search_spend'", "rows 8, 9", "'$1200'", "currency signs")),
    Case("binary garbage", _binary, "error", ("data.csv", "CSV")),
    Case("empty file", _empty, "error", ("data.csv", "empty", "header row")),
    Case("header, no rows", _header_only, "error", ("data.csv", "no data rows")),
    Case("Excel file", _xlsx, "error", ("data.xlsx", ".csv or .parquet")),
    # dates
    Case("day-first dates (ambiguous)", _dates(lambda d, raw: d.dt.strftime("%d/%m/%Y")),
         "error", ("data.csv", "'date'", "not a date", "YYYY-MM-DD")),
    Case("month-first dates", _dates(lambda d, raw: d.dt.strftime("%m/%d/%Y")), "error",
         ("data.csv", "'date'", "rows 2, 3", "YYYY-MM-DD")),
    Case("mixed date formats", _mixed_dates, "error",
         ("data.csv", "'date'", "rows 12, 13", "YYYY-MM-DD")),
    Case("impossible date", _impossible_date, "error",
         ("data.csv", "'date'", "row 7", "'2023-02-30'")),
    Case("ISO timestamps with UTC offset", _dates(
        lambda d, raw: d.dt.strftime("%Y-%m-%dT00:00:00+02:00")), "handled",
        check=_shape(1, 104)),
    Case("ISO timestamps with Z", _dates(lambda d, raw: d.dt.strftime("%Y-%m-%dT09:30:00Z")),
         "handled", check=_shape(1, 104)),
    Case("time-zone-aware Parquet dates", _tz_parquet, "handled",
         check=_same_numbers(FRAME)),
    Case("rows out of order", _unsorted, "handled", check=_same_numbers(FRAME)),
    Case("daily rows", _daily, "error", ("data.csv", "daily", "aggregate_daily: true")),
    Case("daily rows, aggregate_daily: true", _daily_aggregated, "handled",
         check=_shape(1, 30)),
    Case("duplicated week", _duplicate_week, "error",
         ("data.csv", "duplicate", _day(20), "one row per")),
    Case("missing weeks", _missing_weeks, "error",
         ("data.csv", "missing", _day(40), "Add")),
    Case("dates shift mid-file", _irregular, "error", ("data.csv", "date")),
    Case("too few weeks", _short, "error", ("data.csv", "8", "weeks")),
    # columns and names
    Case("duplicated column", _duplicate_column, "error",
         ("data.csv", "'tv_spend'", "twice", "Rename")),
    Case("channel listed twice in config", _duplicate_channel_in_config, "error",
         ("config.yaml", "tv_spend", "more than once")),
    Case("target also a channel", _target_is_channel, "error",
         ("config.yaml", "'tv_spend'")),
    Case("spaces around a header name", _header_spaces, "handled",
         check=_same_numbers(FRAME)),
    Case("unicode and spaces in channel names", _unicode_names, "handled",
         check=lambda p: p.data.channels == ("télé spend", "検索 spend", "soziale Medien €")),
    # values
    Case("negative spend", _values("tv_spend", [12], -500.0), "error",
         ("data.csv", "'tv_spend'", "negative", "row 14", "-500")),
    Case("negative KPI (net of refunds)", _values("revenue", [3], -10.0), "handled",
         check=lambda p: p.data.y[0, 3] == -10.0),
    Case("NaN spend", _values("social_spend", [40], float("nan")), "error",
         ("data.csv", "'social_spend'", "row 42", "fill_missing")),
    Case("NaN KPI", _values("revenue", [20, 21], float("nan")), "error",
         ("data.csv", "'revenue'", "rows 22, 23", "fill_missing")),
    Case("infinite spend", _values("tv_spend", [9], "inf"), "error",
         ("data.csv", "'tv_spend'", "infinite", "row 11")),
    Case("-infinity in a control", _values("price", [9], "-inf"), "error",
         ("data.csv", "'price'", "infinite", "row 11")),
    Case("absurdly huge value", _values("tv_spend", [7], 1e300), "error",
         ("data.csv", "'tv_spend'", "row 9", "too large")),
    Case("whole table in billions", _huge_scale, "handled", check=_shape(1, 104)),
    Case("whole table in nano-units", _tiny_scale, "handled", check=_shape(1, 104)),
    Case("spend in thousands, revenue in units", _spend_in_thousands, "handled",
         check=_warned("spend_kpi_scale")),
    Case("text in the KPI", _values("revenue", [2], "n/a?"), "error",
         ("data.csv", "'revenue'", "row 4", "'n/a?'")),
    Case("TRUE/FALSE control (a promo flag)", _booleans, "handled",
         check=lambda p: set(np.unique(p.data.controls)) == {0.0, 1.0}),
    Case("channel with all-zero spend", _all_zero, "error",
         ("data.csv", "'social_spend'", "zero in every row", "Remove it")),
    # geos
    Case("empty geo label", _empty_geo_label, "error",
         ("data.csv", "'geo'", "rows 5, 6", "Give every row its geo")),
    Case("geo with one row", _one_row_geo, "error", ("data.csv", "island")),
    Case("geos with different date ranges", _geo_ranges, "error", ("data.csv", "west")),
    Case("population varies within a geo", _geo_population_varies, "error",
         ("data.csv", "'population'")),
    Case("unicode geo names", _geo_unicode, "handled", check=_shape(3, 90)),
    # config and the files it names
    Case("config: data file missing", _missing_data, "error",
         ("sales_2024.csv", "not found", "config")),
    Case("config: data is a directory", _data_is_directory, "error",
         ("exports", "is a folder")),
    Case("config: data is a symlink loop", _symlink_loop, "error",
         ("loop_a.csv", "symbolic link")),
    Case("config file missing", _config_missing, "error", ("config.yaml", "not found")),
    Case("config path is a directory", _config_is_directory, "error",
         ("config.yaml", "is a folder")),
    Case("config: YAML syntax error", _config_bad_yaml, "error",
         ("config.yaml", "line", "YAML")),
    Case("config: unknown key", _config_unknown_key, "error",
         ("config.yaml", "'chanels'", "Did you mean 'channels'")),
    Case("config: empty", _config_empty, "error", ("config.yaml", "empty")),
    Case("config: channels as one string", _config_wrong_type, "error",
         ("config.yaml", "channels")),
    # lift tests and events
    Case("lift test outside the data", _lift("tv_spend,2030-01-07,2030-02-04,,5000,9000,800\n"),
         "error", ("lift.csv", "row 2", "bau_spend")),
    Case("lift test on an unknown channel",
         _lift(f"tv_spnd,{_day(30)},{_day(33)},,5000,9000,800\n"), "error",
         ("lift.csv", "row 2", "'tv_spnd'", "Did you mean 'tv_spend'")),
    Case("lift-test file missing", _lift_missing, "error", ("lift_tests.csv", "not found")),
    Case("lift test with lift_se 0", _lift(f"tv_spend,{_day(30)},{_day(33)},,5000,9000,0\n"),
         "error", ("lift.csv", "row 2", "lift_se")),
    Case("event on an unknown geo", _events(f"launch,{_day(10)},{_day(12)},mars\n"), "error",
         ("events.csv", "row 2", "'mars'")),
    Case("event with a bad date", _events("launch,next tuesday,,\n"), "error",
         ("events.csv", "row 2", "YYYY-MM-DD")),
    # size
    Case("10-million-row file", _huge_file, "error",
         ("big.csv", "10,000,000 rows", "at most", "Aggregate")),
    # run directories
    Case("run: posterior deleted", _run_missing_file("posterior.nc"), "error",
         ("run", "incomplete", "posterior.nc", "Fit it again"), kind="run"),
    Case("run: manifest deleted", _run_missing_file("manifest.json"), "error",
         ("run", "not a mixcast run"), kind="run"),
    Case("run: future format version", _run_future, "error",
         ("run", "newer", "Upgrade mixcast"), kind="run"),
    Case("run: truncated posterior", _run_truncated("posterior.nc"), "error",
         ("posterior.nc", "damaged", "Fit it again"), kind="run"),
    Case("run: truncated dataset arrays", _run_truncated("dataset.npz"), "error",
         ("dataset.npz", "damaged", "Fit it again"), kind="run"),
    Case("run: truncated summary", _run_truncated("summary.json"), "error",
         ("summary.json", "damaged", "Fit it again"), kind="run"),
    Case("run: truncated manifest", _run_truncated("manifest.json"), "error",
         ("manifest.json", "damaged"), kind="run"),
    Case("run: staged leftover of a crash", _run_staged_leftover, "error",
         ("not a mixcast run",), kind="run"),
    Case("run: never fitted", _run_absent, "error",
         ("never_fitted", "no such run directory"), kind="run"),
    Case("run: path is a file", _run_is_file, "error", ("run",), kind="run"),
)
