"""Report variants: validation results, platform-attributed data, the CLI and exports."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tests.report.conftest import Page


def _parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def validated_run(small_run, tmp_path_factory):
    run = tmp_path_factory.mktemp("validated") / "run"
    shutil.copytree(small_run, run)
    doc = {"overall": {"verdict": "care", "reasons": ["social_spend is weakly identified"]},
           "channels": {"tv_spend": {"verdict": "solid", "reasons": []},
                        "search_spend": {"verdict": "care", "reasons": ["wide interval"]},
                        "social_spend": {"verdict": "do_not_act",
                                         "reasons": ["backtest error 30%"]}},
           "checks": {
               "backtest": {"status": "pass", "summary": "2 rolling-origin forecasts: MAPE 2.8%",
                            "mape": 0.028, "folds": [{"origin": "2023-10-02", "mape": 0.024}]},
               "stability": {"status": "warn", "summary": "ROI moved 31% without 13 weeks",
                             "advice": ["Add data or lift tests."]},
               "experiments": {"status": "skipped", "summary": "no lift tests"}}}
    (run / "validation.json").write_text(json.dumps(doc))
    return run


def test_validation_verdicts_rendered(validated_run, small_fit):
    from mixcast.report.gather import gather
    from mixcast.report.html import render_html

    html = render_html(gather(validated_run, fit=small_fit))
    page = _parse(html)
    chips = {ctx["data-channel"]: a["data-verdict"] for _, a, ctx in page.elements
             if ctx.get("data-table") == "trust" and "data-verdict" in a}
    assert chips == {"tv_spend": "solid", "search_spend": "care", "social_spend": "do_not_act"}
    actions = {a["data-channel"]: a["data-action"] for t, a, ctx in page.elements
               if ctx.get("data-table") == "board" and "data-action" in a}
    assert actions["social_spend"] == "test first"
    checks = {a["data-check"]: a["data-status"] for _, a, _ in page.elements
              if "data-check" in a and "data-status" in a}
    # In the suite's order, whatever order the file has.
    assert list(checks) == ["backtest", "stability", "experiments"]
    assert checks == {"backtest": "pass", "stability": "warn", "experiments": "skipped"}
    assert "ROI moved 31% without 13 weeks" in html and "Add data or lift tests." in html


def test_platform_comparison_numbers(small_fit, small_run):
    from mixcast.analysis.metrics import channel_metrics
    from mixcast.posterior.fitted import Fit
    from mixcast.report.gather import gather
    from mixcast.report.html import render_html

    claimed = {"search_spend": small_fit.data.spend[..., 1] * 3.0}
    data = dataclasses.replace(small_fit.data, platform_attributed=claimed)
    fit = Fit(data=data, spec=small_fit.spec, sampler=small_fit.sampler,
              idata=small_fit.idata, fit_seconds=small_fit.fit_seconds)
    page = _parse(render_html(gather(small_run, fit=fit)))
    values = page.metrics("platform", "search_spend")
    incremental = channel_metrics(small_fit).incremental_kpi[:, 1]
    assert values["platform"] == pytest.approx(float(claimed["search_spend"].sum()))
    # The report thins to at most 500 draws; the mean stays within 3% of the full posterior.
    assert values["mmm_mean"] == pytest.approx(float(incremental.mean()), rel=0.03)
    assert values["ratio"] == pytest.approx(values["platform"] / values["mmm_mean"])
    assert not any(a.get("data-missing") and ctx.get("data-section") == "platform"
                   for _, a, ctx in page.elements)


def test_cli_writes_html(small_run, tmp_path):
    from typer.testing import CliRunner

    from mixcast.cli import app

    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", "--run", str(small_run), "--out", str(out),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert _parse(out.read_text()).sections()[0] == "executive-summary"


def test_cli_bad_input_exits_2_without_traceback(tmp_path):
    args = ["report", "--run", str(tmp_path / "missing"), "--out", str(tmp_path / "r.html")]
    done = subprocess.run([sys.executable, "-c", "from mixcast.cli import main; main()", *args],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "no such run directory" in done.stderr


def test_cli_rejects_unknown_format(small_run, tmp_path):
    from typer.testing import CliRunner

    from mixcast.cli import app
    from mixcast.errors import UserError

    result = CliRunner().invoke(app, ["report", "--run", str(small_run), "--out",
                                      str(tmp_path / "r.doc"), "--format", "doc"])
    assert isinstance(result.exception, UserError)
    assert "--format must be one of html, pdf, png" in str(result.exception)


def test_the_format_follows_the_file_name_and_a_folder_gets_report_html(small_run, tmp_path):
    from mixcast.cli.report import _format_and_path
    from mixcast.errors import UserError

    assert _format_and_path(None, tmp_path / "r.pdf") == ("pdf", tmp_path / "r.pdf")
    assert _format_and_path(None, tmp_path / "r.HTML") == ("html", tmp_path / "r.HTML")
    assert _format_and_path(None, tmp_path / "report") == ("html", tmp_path / "report")
    assert _format_and_path(None, tmp_path) == ("html", tmp_path / "report.html")
    assert _format_and_path("pdf", tmp_path) == ("pdf", tmp_path / "report.pdf")
    assert _format_and_path("png", tmp_path) == ("png", tmp_path)
    with pytest.raises(UserError, match="ends in .pdf but --format is html"):
        _format_and_path("html", tmp_path / "r.pdf")
    from typer.testing import CliRunner

    from mixcast.cli import app

    result = CliRunner().invoke(app, ["report", "--run", str(small_run), "--out", str(tmp_path),
                                      "-q"])
    assert result.exit_code == 0, result.output      # a folder was a traceback
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_matplotlib_fallback_pngs_and_pdf(small_run, small_fit, tmp_path):
    from mixcast.report import export
    from mixcast.report.gather import gather

    ctx = gather(small_run, fit=small_fit)
    files = export.matplotlib_pngs(ctx, tmp_path / "png")
    assert [f.name for f in files] == ["roi.png", "decomposition.png", "response-curves.png"]
    for f in files:
        assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = export.matplotlib_pdf(ctx, tmp_path / "r.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
@pytest.mark.skipif(not __import__("pathlib").Path("/usr/bin/chromium").exists(),
                    reason="Debian chromium not installed (make browser installs it)")
def test_chromium_pdf_and_pngs(small_run, tmp_path):
    from typer.testing import CliRunner

    from mixcast.cli import app

    pdf = tmp_path / "r.pdf"
    result = CliRunner().invoke(app, ["report", "--run", str(small_run), "--out", str(pdf),
                                      "--format", "pdf", "--quiet"])
    assert result.exit_code == 0, result.output
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
    pages = len(__import__("re").findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 3
    result = CliRunner().invoke(app, ["report", "--run", str(small_run), "--out",
                                      str(tmp_path / "png"), "--format", "png", "--quiet"])
    assert result.exit_code == 0, result.output
    pngs = sorted(p.name for p in (tmp_path / "png").glob("*.png"))
    assert {"decomposition.png", "roi.png", "response-curves.png"} <= set(pngs)
    assert np.all([(tmp_path / "png" / p).stat().st_size > 5_000 for p in pngs])


def test_conversions_without_a_value_are_compared_with_the_average_channel(small_fit,
                                                                          tmp_path):
    """No value per conversion: no mROI 'pays for itself', so the board's hurdle and the
    curves' point are the channels' spend-weighted average, and the returns table shows
    the CPA. Against 1, every channel had read 'never pays back 1:1' and 'cut'."""
    from mixcast.report.html import render_report
    from mixcast.runs.directory import save_run

    conv = dataclasses.replace(small_fit, data=dataclasses.replace(
        small_fit.data, kpi_type="conversions", target="orders"))
    save_run(conv, tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    spend = np.array([e["spend"] for e in summary["channels"].values()])
    mroi = np.array([e["mroi"]["mean"] for e in summary["channels"].values()])
    average = float(spend @ mroi / spend.sum())
    html = render_report(tmp_path / "run", tmp_path / "r.html", fit=conv).read_text()
    page = _parse(html)
    hurdles = [float(a["data-value"]) for _, a, _ in page.elements
               if a.get("data-metric") in ("hurdle", "curves_hurdle")]
    assert len(hurdles) == 2 and hurdles == pytest.approx([average] * 2, rel=1e-2)
    assert "the channels' spend-weighted average" in html
    assert "where the next unit returns the channels' average" in html
    assert "never pays back" not in html and "less than it costs" not in html
    assert "CPA (90%)" in html
    assert "conversions, same budget" in html        # the upside is in conversions
