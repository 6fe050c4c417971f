"""Property-based fuzzing of everything that reads user input: any input gives a result or
a MixcastError, never another exception.

Covered: the data loader (raw bytes of a CSV, and generated tables), the config parser,
the lift-test and event readers, and the scenario --spec parser.
"""

from __future__ import annotations

import string
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixcast.config import VALID_KEYS, parse_config, read_config
from mixcast.data.events import parse_events
from mixcast.data.lift_tests import parse_lift_tests
from mixcast.data.load import load_dataset
from mixcast.errors import MixcastError
from mixcast.optimize.scenario import parse_money, parse_scenario
from tests.data.tables import weekly_frame, write_project

FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
CHANNELS = ("tv_spend", "search_spend", "social_spend")
WORDS = st.sampled_from(["tv_spend", "search_spend", "social_spend", "price", "revenue",
                         "date", "geo", "", " ", "2023-01-01", "2024-13-45", "1e400", "-1",
                         "nan", "inf", "1,5", "€3", "na", "日本", "\x00", "0", "5000"])
CELLS = st.one_of(WORDS, st.text(max_size=12), st.floats(allow_nan=True),
                  st.integers(-10**20, 10**20), st.none())


def outcome(call):
    """Run ``call``; a MixcastError is an answer, anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call()
        except MixcastError:
            return None


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("fuzz"), weekly_frame(30))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return load_dataset(read_config(write_project(tmp_path_factory.mktemp("data"),
                                                  weekly_frame(30))))


@FAST
@given(content=st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_loader_on_any_bytes(project, content):
    (project.parent / "data.csv").write_bytes(content)
    outcome(lambda: load_dataset(read_config(project)))


@FAST
@given(rows=st.integers(0, 30), edits=st.lists(
    st.tuples(st.integers(0, 29), st.sampled_from(["date", *CHANNELS, "price", "revenue"]),
              CELLS), max_size=8))
def test_loader_on_edited_tables(project, rows, edits):
    frame = weekly_frame(30).astype(object).iloc[:rows].copy()
    for row, column, value in edits:
        if row < len(frame):
            frame.iat[row, frame.columns.get_loc(column)] = value
    config = read_config(project)
    outcome(lambda: load_dataset(config, frame=frame))


YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
              WORDS, st.text(max_size=10)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.one_of(WORDS, st.text(max_size=8)), inner, max_size=4),
    max_leaves=12)


@FAST
@given(raw=st.dictionaries(st.sampled_from(VALID_KEYS) | st.text(max_size=8), YAML_VALUES,
                           max_size=10) | YAML_VALUES)
def test_config_parser_on_any_structure(project, raw):
    outcome(lambda: parse_config(raw, path=project))


@FAST
@given(text=st.text(alphabet=string.printable + "é日€\x00", max_size=300))
def test_config_reader_on_any_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg", numbered=True) / "config.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    outcome(lambda: read_config(path))


def _table(columns, rows):
    return pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype=object)
                         for c in columns})


LIFT_COLUMNS = ["channel", "start_date", "end_date", "geo", "spend_delta", "lift", "lift_se",
                "measure_end_date", "bau_spend"]


@FAST
@given(columns=st.lists(st.sampled_from(LIFT_COLUMNS + ["extra"]), min_size=1, unique=True),
       rows=st.lists(st.fixed_dictionaries({c: CELLS for c in LIFT_COLUMNS}), max_size=4))
def test_lift_test_reader_on_any_table(data, columns, rows):
    outcome(lambda: parse_lift_tests(_table(columns, rows), data, source="lift.csv"))


@FAST
@given(columns=st.lists(st.sampled_from(["name", "start_date", "end_date", "geo", "notes",
                                         "x"]), min_size=1, unique=True),
       rows=st.lists(st.fixed_dictionaries({c: CELLS for c in ["name", "start_date",
                                                                "end_date", "geo", "notes",
                                                                "x"]}), max_size=4))
def test_event_reader_on_any_table(data, columns, rows):
    outcome(lambda: parse_events(_table(columns, rows), data, source="events.csv"))


SPEC_WORDS = st.sampled_from(["shift", "move", "increase", "decrease", "cut", "set", "turn",
                              "off", "scale", "total", "to", "from", "by", "of", "and", ",",
                              ";", "%", "15%", "-20%", "1e309", "2M", "$3k", "0", "nan",
                              *CHANNELS, "TV_SPEND", "radio"])


@FAST
@given(text=st.lists(SPEC_WORDS | st.text(max_size=6), max_size=10).map(" ".join)
       | st.text(max_size=80))
def test_scenario_spec_parser_on_any_text(text):
    current = np.array([100.0, 50.0, 0.0])
    outcome(lambda: parse_scenario(text, channels=CHANNELS, current=current))
    outcome(lambda: parse_money(text))
