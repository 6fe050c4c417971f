import json

import numpy as np
import pytest

from mixcast.errors import RunError
from mixcast.runs.directory import load_run, save_run
from mixcast.storage import read_manifest
from mixcast.analysis.summary import summarize


def test_run_directory_has_contract_files(small_run):
    names = {p.name for p in small_run.iterdir()}
    assert {"summary.json", "posterior.nc", "manifest.json", "spec.json",
            "dataset.npz", "dataset.json"} <= names
    manifest = read_manifest(small_run)
    assert manifest["format_version"] == 1
    assert len(manifest["fingerprint"]) == 64


def test_posterior_is_arviz_readable(small_run, small_fit):
    import arviz as az

    idata = az.from_netcdf(small_run / "posterior.nc")
    assert "roi" in idata.posterior
    assert az.rhat(idata, var_names=["roi"])["roi"].shape == (len(small_fit.channels),)


def test_loaded_run_gives_identical_numbers(small_run, small_fit):
    loaded = load_run(small_run)
    assert loaded.data.fingerprint() == small_fit.data.fingerprint()
    saved = json.loads((small_run / "summary.json").read_text())
    again = summarize(loaded)
    for name, entry in saved["channels"].items():
        for key in ("roi", "mroi", "contribution_share"):
            for stat in ("mean", "lo90", "hi90"):
                assert again["channels"][name][key][stat] == entry[key][stat]
    np.testing.assert_array_equal(loaded.draws("roi"), small_fit.draws("roi"))


def test_a_failed_write_leaves_the_old_run_intact(small_fit, tmp_path, monkeypatch):
    out = save_run(small_fit, tmp_path / "run")
    before = (out / "summary.json").read_text()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(small_fit.idata), "to_netcdf", boom)
    with pytest.raises(OSError):
        save_run(small_fit, out)
    assert (out / "summary.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_newer_format_is_refused_with_a_clear_message(small_fit, tmp_path):
    out = save_run(small_fit, tmp_path / "run")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["format_version"] = 99
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RunError, match="newer than this mixcast"):
        load_run(out)


def test_missing_and_foreign_directories(tmp_path, small_fit):
    with pytest.raises(RunError, match="no such run directory"):
        load_run(tmp_path / "nope")
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_text("meow")
    with pytest.raises(RunError, match="refusing to overwrite"):
        save_run(small_fit, foreign)
    assert (foreign / "cat.jpg").exists()
