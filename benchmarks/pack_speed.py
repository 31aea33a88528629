"""Time one period pack and `--all` next to their floor, measured in the same run.

    .venv/bin/python benchmarks/pack_speed.py [--repeat 2] [--jobs N] [--skip-all]

Floor: as many notebooks as the pack runs, each holding only the parameters
cell and `import cpmetrics`, run with papermill the plain way (a fresh kernel
per notebook, `jobs` at once in worker processes), which is what any pack
must at least pay. Also shown: the same import-only notebooks through the
pack's own runner (one reused kernel per worker). Target: one pack within
1.5x of the floor. All 18 packs (`--all`) against one pack is reported, with
no target (about 7x on 2 cores).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from cpmetrics import pack
from cpmetrics.params import load_params, params_files

ROOT = pack.project_root()


def import_only_notebooks(folder: Path, n: int) -> list[Path]:
    """`n` notebooks holding only a parameters cell and `import cpmetrics`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        p = nbformat.v4.new_code_cell('period_end = "2018-09-30"\npack_dir = None')
        p.metadata["tags"] = ["parameters"]
        nb.cells = [nbformat.v4.new_markdown_cell(f"# Floor {i}"), p,
                    nbformat.v4.new_code_cell("import cpmetrics")]
        path = folder / f"{i:02d}_floor.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def _plain(path: str) -> None:
    import papermill as pm

    pm.execute_notebook(path, path.replace(".ipynb", ".out.ipynb"), kernel_name="python3",
                        progress_bar=False, parameters={"pack_dir": None})


def floor_plain(paths: list[Path], jobs: int) -> float:
    """Import-only notebooks with papermill, a fresh kernel each, `jobs` at once."""
    started = time.perf_counter()
    with cf.ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_plain, [str(p) for p in paths]))
    return time.perf_counter() - started


def floor_runner(paths: list[Path], jobs: int, out: Path) -> float:
    """Import-only notebooks through the pack's runner (kernel reuse), no pack files."""
    params = load_params(ROOT / "params" / "2018-09.yaml")
    out.mkdir(parents=True, exist_ok=True)
    tasks = [pack.Task("floor", p, out, params.notebook_parameters(out), ROOT) for p in paths]
    started = time.perf_counter()
    results = list(pack.run_notebooks(tasks, jobs, progress=False))
    assert all(r.ok for r in results), results
    return time.perf_counter() - started


def one_pack(out: Path, jobs: int | None, period: str = "2018-09") -> float:
    started = time.perf_counter()
    packs = pack.build_packs([load_params(ROOT / "params" / f"{period}.yaml")], out_dir=out,
                             jobs=jobs, progress=False)
    assert all(p.ok for p in packs), [p.problems for p in packs]
    return time.perf_counter() - started


def all_packs(out: Path, jobs: int | None) -> float:
    files = params_files(ROOT / "params")
    started = time.perf_counter()
    packs = pack.build_packs([load_params(f) for f in files], out_dir=out, jobs=jobs,
                             progress=False)
    assert all(p.ok for p in packs), [p.problems for p in packs if not p.ok]
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--skip-all", action="store_true")
    args = ap.parse_args()
    n = len(pack.find_notebooks(ROOT / "notebooks"))
    jobs = args.jobs or min(n, os.cpu_count() or 2)
    times: dict[str, list[float]] = {"floor (plain papermill)": [], "floor (pack runner)": [],
                                     "one pack": [], "all 18 packs": []}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        paths = import_only_notebooks(t / "floor", n)
        for i in range(args.repeat):
            times["floor (plain papermill)"].append(floor_plain(paths, jobs))
            times["floor (pack runner)"].append(floor_runner(paths, jobs, t / f"fr{i}"))
            times["one pack"].append(one_pack(t / f"one{i}", jobs))
            if not args.skip_all:
                times["all 18 packs"].append(all_packs(t / f"all{i}", jobs))
    med = {k: statistics.median(v) for k, v in times.items() if v}
    print(f"{n} notebooks, {jobs} at once, {os.cpu_count()} CPUs, median of {args.repeat}:",
          file=sys.stderr)
    for k, v in med.items():
        print(f"  {k:26s} {v:6.1f}s   ({', '.join(f'{x:.1f}' for x in times[k])})")
    floor = med["floor (plain papermill)"]
    print(f"  one pack / floor          {med['one pack'] / floor:6.2f}x  (target 1.5x)")
    if "all 18 packs" in med:
        print(f"  all 18 / one pack         {med['all 18 packs'] / med['one pack']:6.2f}x")


if __name__ == "__main__":
    main()
