"""Start-up time of the command line: what a user waits for before anything is computed.

Usage: python bench/bench_startup.py [--repeat 5] [--compare PATH]

Times, as separate processes (best of ``--repeat``): ``import mixcast``, ``mixcast --help``,
``mixcast check`` on the bundled demo data (its KPI outliers take the holiday-calendar
path), and ``import mixcast; mixcast.fit`` (JAX, NumPyro and ArviZ loaded: what a fit pays
before compiling). ``--compare PATH`` runs the same against another checkout's package
(``PYTHONPATH=PATH``), side by side, as ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "mixcast" / "sample_data"


def commands(folder: Path) -> dict[str, list[str]]:
    py = sys.executable
    cli = [py, "-m", "mixcast.cli"]
    return {
        "import mixcast": [py, "-c", "import mixcast"],
        "mixcast --help": [*cli, "--help"],
        "mixcast check (demo)": [*cli, "check", "-c", str(folder / "robyn_config.yaml")],
        "import mixcast; mixcast.fit": [py, "-c", "import mixcast; mixcast.fit"],
    }


def best_of(command: list[str], repeat: int, env: dict[str, str], cwd: Path) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        # Run outside any checkout: ``python -c`` puts the working directory first on the
        # path, ahead of PYTHONPATH.
        done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False)
        if done.returncode not in (0, 2):      # check exits 2 only on a user error
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another checkout's root to time beside")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("robyn_config.yaml", "robyn_weekly.csv", "robyn_events.csv"):
            shutil.copy(SAMPLE / name, folder / name)
        roots = {"this": ROOT} | ({"other": args.compare.resolve()} if args.compare else {})
        print(f"{'command':<30}" + "".join(f"{name:>10}" for name in roots)
              + ("     this/other" if args.compare else ""))
        for label, command in commands(folder).items():
            seconds = {}
            for name, root in roots.items():
                env = {**os.environ, "PYTHONPATH": str(root)}
                seconds[name] = best_of(command, args.repeat, env, folder)
            ratio = (f"{seconds['this'] / seconds['other']:>15.2f}" if args.compare else "")
            print(f"{label:<30}" + "".join(f"{s:>9.2f}s" for s in seconds.values()) + ratio)
    return 0


if __name__ == "__main__":
    sys.exit(main())
