"""A region's packs on Dask: packs per minute on one worker and on two, and what a pack costs.

    .venv/bin/python benchmarks/region_speed.py [--region DIR] [--periods 2018-06,2018-07,2018-08]
                                                [--workers 1,2] [--skip-all]

The region is the 23 synthetic North West councils (`synth --region "North West"`,
written into outputs/ first if `--region` is not given), for three months. For
each worker count a Dask LocalCluster of that many worker processes (one thread
and one warm kernel each) runs every council's pack and the regional pack of
every month through `build_region`, as `pack --region --scheduler` does. Reported:

- packs per minute (council packs plus regional packs, over the whole run's wall time,
  process start of the cluster included) and scaling efficiency, rate on two
  workers / (2 x rate on one); goal 0.85 or better;
- peak memory per worker: the worker process and its kernel together (resident set,
  sampled every 0.25 s), and the pack's own process;
- the cost of a pack: wall seconds per pack in the regional run against wall seconds
  per pack of `pack --all` (18 months of the embedded council) on the same number of
  workers of the same kind, measured in the same run.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from cpmetrics.pack import build_packs, project_root
from cpmetrics.pack.regions import build_region
from cpmetrics.params import load_params, params_files
from cpmetrics.region import read_region

ROOT = project_root()


class Peak:
    """The largest resident set seen, per watched process tree, sampled in a thread."""

    def __init__(self, pids: dict[str, int], every: float = 0.25) -> None:
        self.pids, self.every = pids, every
        self.peak = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree_rss(self, pid: int) -> int:
        try:
            proc = psutil.Process(pid)
            total = proc.memory_info().rss
            if pid == os.getpid():  # the pack's own process: its cluster's workers are its children
                return total
            for child in proc.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            return total
        except psutil.Error:
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], self._tree_rss(pid))
            self._stop.wait(self.every)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cluster(workers: int):
    from distributed import Client, LocalCluster

    c = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                     dashboard_address=None, silence_logs=logging.ERROR)
    return c, Client(c)


def run_region(region_dir: Path, periods: list[str], workers: int, out: Path) -> dict:
    region = read_region(region_dir)
    params = [load_params(ROOT / "params" / f"{p}.yaml") for p in periods]
    started = time.perf_counter()
    c, client = cluster(workers)
    try:
        pids = {f"worker {i + 1}": pid for i, pid in enumerate(client.run(os.getpid).values())}
        pids["pack process"] = os.getpid()
        with Peak(pids) as peak:
            runs = build_region(region, params, out_dir=out, jobs=workers, progress=False,
                                root=ROOT, scheduler=c.scheduler_address)
    finally:
        client.close()
        c.close()
    wall = time.perf_counter() - started
    packs = sum(len(r.councils) + 1 for r in runs)
    ok = sum(sum(c.ok for c in r.councils) + (r.pack is not None and r.pack.ok) for r in runs)
    failed = [f"{r.period} {c.la}: {c.public or c.reason}" for r in runs for c in r.councils
              if not c.ok]
    return {"wall": wall, "packs": packs, "ok": ok, "failed": failed, "peak": peak.peak}


def run_all(workers: int, out: Path) -> dict:
    params = [load_params(f) for f in params_files(ROOT / "params")]
    started = time.perf_counter()
    c, client = cluster(workers)
    try:
        packs = build_packs(params, out_dir=out, jobs=workers, progress=False, root=ROOT,
                            scheduler=c.scheduler_address)
    finally:
        client.close()
        c.close()
    wall = time.perf_counter() - started
    return {"wall": wall, "packs": len(packs), "ok": sum(p.ok for p in packs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", type=Path, help="a region folder (default: synth North West)")
    ap.add_argument("--periods", default="2018-06,2018-07,2018-08")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--skip-all", action="store_true", help="leave out the pack --all run")
    a = ap.parse_args()
    periods = a.periods.split(",")
    counts = [int(w) for w in a.workers.split(",")]
    (ROOT / "outputs").mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".region-speed-", dir=ROOT / "outputs"))
    try:
        region_dir = a.region
        if region_dir is None:
            region_dir = tmp / "north-west"
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cpmetrics", "synth", "--region", "North West",
                            "--out", str(region_dir)], check=True, capture_output=True)
            print(f"synth --region 'North West': {time.perf_counter() - t:.1f} s", flush=True)
        n = len(read_region(region_dir).councils)
        results = {}
        for w in counts:
            r = run_region(region_dir, periods, w, tmp / f"region-{w}")
            results[w] = r
            shutil.rmtree(tmp / f"region-{w}", ignore_errors=True)
            print(f"{n} councils x {len(periods)} months on {w} worker(s): {r['wall']:.1f} s,"
                  f" {r['ok']} of {r['packs']} packs published,"
                  f" {60 * r['packs'] / r['wall']:.2f} packs/min", flush=True)
            for name, rss in r["peak"].items():
                print(f"  peak memory, {name}: {rss / 2**20:.0f} MiB", flush=True)
            for line in r["failed"]:
                print(f"  failed: {line}", flush=True)
        if 1 in results and 2 in results:
            rate = {w: results[w]["packs"] / results[w]["wall"] for w in (1, 2)}
            print(f"scaling efficiency 1 -> 2 workers: {rate[2] / (2 * rate[1]):.2f}"
                  " (goal 0.85)", flush=True)
        if not a.skip_all:
            w = max(counts)
            r = run_all(w, tmp / "all")
            per_all = r["wall"] / r["packs"]
            per_region = results[w]["wall"] / results[w]["packs"]
            print(f"pack --all (18 months of data/synthetic) on {w} worker(s): {r['wall']:.1f} s,"
                  f" {r['ok']} of {r['packs']} packs, {per_all:.2f} s per pack", flush=True)
            print(f"a pack in the regional run: {per_region:.2f} s = {per_region / per_all:.2f}x"
                  " a pack in pack --all", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
