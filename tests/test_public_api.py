"""The public face of mixcast: what `import mixcast` offers and the CLI's verbs.

Changing either is a decision (README, DESIGN.md), not a side effect of a refactor, so
both are pinned here.
"""

from __future__ import annotations

import os
import subprocess
import sys

import typer.main

import mixcast
from mixcast.cli import app

PUBLIC_API = {
    "Adstock", "ConvergenceWarning", "DataWarning", "Dataset", "Fit", "FittedModel",
    "LiftTest", "Likelihood", "MixcastError", "MixcastWarning", "ModelSpec", "Project",
    "RoiPrior", "SamplerConfig", "UserError", "__version__", "channel_metrics",
    "contributions", "fit", "load", "load_run", "roi_table", "sample_config_path",
    "save_run", "simulate", "summarize",
}
CLI_VERBS = {"adopt", "analyze-test", "ask", "check", "compare", "demo", "design-test", "diff",
             "fit", "fit-many", "forecast", "init", "mcp", "optimize", "plan-tests", "refresh",
             "report", "runs", "scenario", "serve", "summary", "validate"}


def test_all_is_pinned_and_every_name_exists():
    assert set(mixcast.__all__) == PUBLIC_API
    for name in mixcast.__all__:
        assert getattr(mixcast, name) is not None


def test_cli_verbs_are_pinned():
    assert set(typer.main.get_command(app).commands) == CLI_VERBS


def test_version_has_one_source():
    from importlib.metadata import version

    from mixcast._version import __version__

    assert mixcast.__version__ == __version__ == version("mixcast")


def test_import_changes_no_global_state():
    """`import mixcast` sets no XLA flags and starts no JAX backend."""
    code = ("import os, sys; import mixcast; "
            "print(os.environ.get('XLA_FLAGS', '')); "
            "import jax._src.xla_bridge as xb; print(bool(xb._backends))")
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.split("\n")
    assert out[0] == "" and out[1] == "False"
