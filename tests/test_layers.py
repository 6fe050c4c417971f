"""The layering rule (README, "Architecture") holds and is enforced.

`make test` runs `lint-imports` on the package; these tests show that the contract is
kept and that it would catch a planted violation (a lazy import inside a function, the
kind that used to hide cycles), and keep NumPyro's samplers inside the inference layer.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"),
                           "--no-cache"], cwd=root, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    shutil.copytree(ROOT / "mixcast", copy / "mixcast",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    return copy


def test_contracts_are_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_planted_upward_import_and_cycle_are_caught(planted):
    mean = planted / "mixcast" / "model" / "mean.py"
    mean.write_text(mean.read_text() + "\n\ndef _planted():\n"
                    "    from mixcast.analysis.metrics import channel_metrics\n"
                    "    return channel_metrics\n")
    result = _lint(planted)
    assert result.returncode != 0
    assert "mixcast.model is not allowed to import mixcast.analysis" in result.stdout
    assert "No import cycles" in result.stdout and "BROKEN" in result.stdout


def test_only_the_inference_layer_uses_numpyro_infer():
    users = set()
    for path in (ROOT / "mixcast").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            if any(n.startswith("numpyro.infer") for n in names):
                users.add(path.relative_to(ROOT / "mixcast").parts[0])
    assert users == {"inference"}
