"""bench_recovery.py with model options forced onto every case's default config, to
measure an option before making it a default (issue 14 part 5, priors).

Usage (same arguments as bench_recovery.py; run from the repository root):
    MIXCAST_VARIANT='{"roi_pooling": true}' python bench/recovery_variants.py --cases ...
    MIXCAST_SHARE_FACTOR=1.5 python bench/recovery_variants.py --cases ...
    MIXCAST_POOL_TAU=1.0 ...   # scale of the pooled spread's HalfNormal (default 0.6)

MIXCAST_SHARE_FACTOR=f sets media_share_prior to [s/f, s*f] around the case's TRUE
paid-media share s = sum(true ROI x spend) / KPI value: a user who roughly knows it.
That is oracle information, so such runs show what the option can do, not a default.
"""
import dataclasses, json, os, runpy, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import cases as case_lib
import mixcast
from mixcast.spec import ModelSpec
opts = json.loads(os.environ.get("MIXCAST_VARIANT", "{}"))
factor = float(os.environ.get("MIXCAST_SHARE_FACTOR", "0"))
_write, _load, last = case_lib.write, mixcast.load, {}
def write(*a, **k):
    config, truth = _write(*a, **k)
    last["truth"] = truth
    return config, truth
case_lib.write = write
def load(config):
    project = _load(config)
    merged = dict(project.spec.as_options()); merged.update(opts)
    if factor:
        t, d = last["truth"], project.data
        s = sum(t["roi"][c] * t["spend"][c] for c in t["roi"]) / float((d.y * d.value_per_kpi()).sum())
        merged["media_share_prior"] = {"lo90": s / factor, "hi90": min(s * factor, 0.99)}
    spec = ModelSpec.from_options(merged, channels=project.data.channels)
    print("variant spec:", {k: getattr(spec, k) for k in ("roi_pooling", "media_share_prior")}, file=sys.stderr)
    return dataclasses.replace(project, spec=spec)
mixcast.load = load
tau = os.environ.get("MIXCAST_POOL_TAU")
if tau:
    import mixcast.inference.fit as fit_mod
    _resolve = fit_mod.resolve_priors
    fit_mod.resolve_priors = lambda data, spec: dataclasses.replace(
        _resolve(data, spec), pool_tau_scale=float(tau))
sys.argv = ["bench_recovery.py"] + sys.argv[1:]
runpy.run_path(str(Path(__file__).parent / "bench_recovery.py"), run_name="__main__")
