"""The run protocol's shared verbs, on both kinds of run."""

from __future__ import annotations

import shutil

import numpy as np

from mixcast.analysis.forecast import forecast, recent_pace_plan
from mixcast.runs.models import open_run


def test_forecast_ahead_is_todays_pace_through_the_configs_date_column(small_run, tmp_path):
    # A config whose date column is not called "date" (Robyn's data: DATE): the plan file
    # must use it, or reading the plan fails (the MCP forecast's default did).
    run = shutil.copytree(small_run, tmp_path / "run")
    (run / "config.yaml").write_text("date: week_start\n")
    model = open_run(run)
    table = model.forecast_ahead(4).frame()
    assert len(table) == 4 * model.data.n_geos
    expected = forecast(model.fit, recent_pace_plan(model.data, 4)).interval()
    np.testing.assert_allclose(table["mean"], expected["mean"].ravel(), rtol=1e-5)
    np.testing.assert_allclose(table["hi90"], expected["hi90"].ravel(), rtol=1e-5)
    last = np.datetime64(model.data.dates[-1], "D")
    assert table["date"].iloc[0] == str(last + np.timedelta64(7, "D"))
