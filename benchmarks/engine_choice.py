"""Which engine `make pack` uses on this machine: a local process pool or a local Dask cluster.

    .venv/bin/python benchmarks/engine_choice.py [--repeat 5] [--period 2018-09] [--all]

Runs the command a user runs (`python -m cpmetrics pack --period P`, a new
process each time, process start and imports included) alternately with the
default engine and with `--scheduler local` (a Dask LocalCluster of as many
workers as the pool has), and prints each run, the best and the median. The
faster one is `cpmetrics.pack.engine.LOCAL_ENGINE`; the pool's own run is the
floor the cluster is measured against. The packs' tables are compared too: the
engines must make the same pack.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = {"pool": [], "local Dask cluster": ["--scheduler", "local"]}


def run(args: list[str], out: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "CPMETRICS_SCHEDULER"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cpmetrics", "pack", *args, "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"pack failed ({' '.join(args)}):\n{done.stderr[-2000:]}")
    return took


def tables(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("tables/*.csv"))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--period", default="2018-09")
    ap.add_argument("--all", action="store_true", help="time `pack --all` instead")
    a = ap.parse_args()
    what = ["--all"] if a.all else ["--period", a.period]
    times: dict[str, list[float]] = {name: [] for name in ENGINES}
    with tempfile.TemporaryDirectory(prefix="engine-choice-", dir=ROOT / "outputs"
                                     if (ROOT / "outputs").is_dir() else None) as tmp:
        outs = {name: Path(tmp) / name.replace(" ", "-") for name in ENGINES}
        run(what, Path(tmp) / "warm")  # the first run after install compiles bytecode
        for i in range(a.repeat):
            order = list(ENGINES) if i % 2 == 0 else list(reversed(ENGINES))
            for name in order:
                took = run(what + ENGINES[name], outs[name])
                times[name].append(took)
                print(f"run {i + 1} {name}: {took:.2f} s", flush=True)
        same = tables(outs["pool"]) == tables(outs["local Dask cluster"])
    print(f"\n`pack {' '.join(what)}` on {os.cpu_count()} cores,"
          f" {a.repeat} runs each, alternating:")
    floor = statistics.median(times["pool"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:20s} best {min(ts):6.2f} s  median {med:6.2f} s  "
              f"= {med / floor:.2f}x the pool's median")
    faster = min(times, key=lambda n: statistics.median(times[n]))
    print(f"faster: {faster}; tables identical: {same}")


if __name__ == "__main__":
    main()
