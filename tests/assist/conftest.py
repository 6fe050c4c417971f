"""A folder with the shared small run twice: as fitted, and with a validation.json that
says do_not_act on social_spend (so the trust rules have something to hold back)."""

from __future__ import annotations

import json
import shutil

import pytest

VALIDATION = {
    "overall": {"verdict": "care", "reasons": ["social_spend is unstable across refits"]},
    "channels": {"tv_spend": {"verdict": "solid", "reasons": []},
                 "search_spend": {"verdict": "care", "reasons": ["wide ROI interval"]},
                 "social_spend": {"verdict": "do_not_act",
                                  "reasons": ["its ROI moves by 80% between refits"]}},
    "checks": {"convergence": {"status": "pass", "summary": "R-hat 1.01"}}}


@pytest.fixture(scope="session")
def assist_runs(small_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("assist-runs")
    shutil.copytree(small_run, root / "small")
    shutil.copytree(small_run, root / "validated")
    (root / "validated" / "validation.json").write_text(json.dumps(VALIDATION))
    (root / "validated" / "config.yaml").write_text(
        "channel_aliases: {social_spend: [zuck ads]}\n")
    return root


@pytest.fixture(scope="session")
def validated_model(assist_runs):
    from mixcast.runs.models import open_run

    return open_run(assist_runs / "validated")


@pytest.fixture(scope="session")
def ranking(validated_model):
    """The engine's own channel ranking, computed once."""
    from mixcast.analysis.curves import channel_ranking

    return channel_ranking(validated_model.fit)
