"""The report's "Recommendations tracked" section: adopted plans from the registry beside
the run (or given), predicted vs actual, inside the interval or not; no registry, no
section. The registry is built by the registry tests' stand-in model (milliseconds)."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import pandas as pd
import pytest

from mixcast.errors import UserError
from mixcast.registry.adopt import adopt
from mixcast.registry.refresh import refresh
from mixcast.registry.store import Registry
from mixcast.report import sections
from mixcast.report.tracked import tracked_plans
from tests.registry.conftest import TRUE_ROI, LinearFitter, stream_frame, write_project
from tests.report.conftest import Page


@pytest.fixture(scope="module")
def tracked_registry(tmp_path_factory):
    """runs/registry.duckdb: a first run, a plan adopted from it for 8 weeks, and two
    refreshes scoring it (the second month holds the planted +30% KPI anomaly)."""
    folder = tmp_path_factory.mktemp("tracked")
    registry = Registry.at(folder / "runs" / "registry.duckdb")
    frame, fitter = stream_frame(), LinearFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = refresh(write_project(folder / "p", frame, 0), registry, fitter=fitter)
        weekly = {c: float(frame[c].iloc[104:108].mean()) for c in TRUE_ROI}
        plan = folder / "plan.csv"
        pd.DataFrame({"channel": list(weekly),
                      "recommended_spend": [8 * v for v in weekly.values()]}
                     ).to_csv(plan, index=False)
        adoption = adopt(registry, first.run["id"], plan, weeks=8)
        later = [refresh(write_project(folder / "p", frame, k), registry, fitter=fitter)
                 for k in (1, 2)]
    return registry, first.run, adoption, later


def test_tracked_plans_come_from_the_registry_beside_the_run(tracked_registry):
    registry, first, adoption, later = tracked_registry
    plans = tracked_plans(first["path"])            # runs/<id> -> runs/registry.duckdb
    assert plans == tracked_plans(first["path"], registry.location)
    plan, = plans
    assert plan["id"] == adoption["id"] and plan["from_this_run"]
    score, stored = plan["score"], later[1].adoption_scores[0]
    assert score["weeks_scored"] == 8               # the latest score, not the first
    assert score["actual"] == pytest.approx(stored["actual"])
    assert score["predicted_mean"] == pytest.approx(stored["predicted_mean"])
    assert score["inside"] is False                 # the anomalous month: advice proved wrong
    assert not tracked_plans(later[1].run["path"])[0]["from_this_run"]


def test_section_shows_predicted_vs_actual_and_the_verdict(tracked_registry):
    _, first, adoption, later = tracked_registry
    html = sections.recommendations_tracked(SimpleNamespace(tracked=tracked_plans(first["path"])))
    page = Page()
    page.feed(html)
    assert page.sections() == ["recommendations-tracked"]
    row = next(a for t, a, _ in page.elements if t == "tr" and "data-adoption" in a)
    assert row == {"data-adoption": adoption["id"], "data-inside": "false"}
    values = {a["data-metric"]: float(a["data-value"]) for _, a, ctx in page.elements
              if ctx.get("data-table") == "tracked" and "data-metric" in a}
    stored = later[1].adoption_scores[0]
    assert values == pytest.approx({"predicted_mean": stored["predicted_mean"],
                                    "predicted_lo90": stored["predicted_lo90"],
                                    "predicted_hi90": stored["predicted_hi90"],
                                    "actual": stored["actual"]})
    assert values["actual"] > values["predicted_hi90"]
    assert "outside — advice proved wrong" in "".join(page.text)


def test_no_registry_no_section(tmp_path):
    run = tmp_path / "runs" / "some-run"
    run.mkdir(parents=True)
    assert tracked_plans(run) is None
    assert sections.recommendations_tracked(SimpleNamespace(tracked=None)) == ""
    empty = sections.recommendations_tracked(SimpleNamespace(tracked=[]))
    assert 'data-section="recommendations-tracked"' in empty and "mixcast adopt" in empty
    with pytest.raises(UserError, match="no such registry file"):
        tracked_plans(run, str(tmp_path / "nowhere.duckdb"))


def test_report_without_a_registry_leaves_the_section_out_of_page_and_nav(rendered_report):
    html, page, _ = rendered_report
    assert "recommendations-tracked" not in page.sections()
    assert 'href="#recommendations-tracked"' not in html


def test_cli_report_with_registry_shows_the_section(small_run, tracked_registry, tmp_path):
    from typer.testing import CliRunner

    from mixcast.cli import app

    registry, _, adoption, _ = tracked_registry
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", "--run", str(small_run), "--out", str(out),
                                      "--quiet", "--registry", registry.location])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    assert page.sections()[-1] == "recommendations-tracked"
    assert 'href="#recommendations-tracked"' in html and adoption["id"] in html
