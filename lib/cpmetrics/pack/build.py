"""Building packs: one pool of warm kernels for every period asked for, each pack published on
its own as soon as its notebooks are done."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

from cpmetrics.errors import InputError
from cpmetrics.pack.ahead import _Ahead, check_coverage
from cpmetrics.pack.engine import NotebookResult, Task, find_notebooks, project_root, run_notebooks
from cpmetrics.pack.publish import PackResult, finish_pack
from cpmetrics.params import Params


def build_packs(
    params_list: list[Params],
    *,
    out_dir: Path,
    notebooks_dir: Path | None = None,
    jobs: int | None = None,
    progress: bool = True,
    root: Path | None = None,
    scheduler: str | None = None,
) -> list[PackResult]:
    """Build one pack per params, sharing one set of warm kernels (this machine's, or a Dask
    cluster's at `scheduler`); each pack is published atomically."""
    root = root or project_root()
    notebooks = find_notebooks(notebooks_dir or root / "notebooks")
    months = [p.month for p in params_list]
    dupes = sorted({m for m in months if months.count(m) > 1})
    if dupes:
        raise InputError(None, None, f"more than one params file for {', '.join(dupes)}")
    for p in params_list:
        if not p.data_path(root).exists():
            raise InputError(p.file, "key data", f"{p.data}: no such file or folder")
    for p in params_list:  # each data set read once (kept for the pack's own use), then checked
        check_coverage(p, root)
    out_dir.mkdir(parents=True, exist_ok=True)
    builds = {p.month: out_dir / f".{p.month}.building-{uuid.uuid4().hex[:8]}" for p in params_list}
    # data shared with the kernels: child-level, so beside the builds (never in the system's
    # temporary folder), private (0700) and removed below
    shared = Path(tempfile.mkdtemp(prefix=".shared-", dir=out_dir))
    # Longest first, so no worker is left with a long notebook while the others idle: the
    # committed notebooks' sizes (mostly their charts) say roughly how long each takes.
    longest_first = sorted(notebooks, key=lambda nb: nb.stat().st_size, reverse=True)
    tasks = []
    for p in params_list:
        builds[p.month].mkdir()
        values = p.notebook_parameters(builds[p.month])
        tasks.extend(Task(p.month, nb, builds[p.month], values, root, str(shared))
                     for nb in longest_first)
    by_month = {p.month: p for p in params_list}
    waiting = {m: len(notebooks) for m in months}
    done: dict[str, list[NotebookResult]] = {m: [] for m in months}
    packs: list[PackResult] = []
    jobs = max(1, min(jobs or os.cpu_count() or 2, len(tasks)))
    desc = f"pack {months[0]}" if len(months) == 1 else f"{len(months)} packs"
    # Read each data set and work out each pack's metrics in this process while the kernels
    # start and the notebooks run.
    ahead = _Ahead(params_list, root)
    ahead.promise(str(shared))
    prefetch = threading.Thread(target=ahead.run, args=(str(shared),), daemon=True)
    try:
        for r in run_notebooks(tasks, jobs, progress=progress, desc=desc,
                                   started=prefetch.start, scheduler=scheduler):
            done[r.period].append(r)
            waiting[r.period] -= 1
            if waiting[r.period] == 0:
                p = by_month[r.period]
                packs.append(finish_pack(p, builds[p.month], out_dir / p.month, done[p.month],
                                         root, ahead))
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        for b in builds.values():
            if b.exists():
                shutil.rmtree(b, ignore_errors=True)
    return sorted(packs, key=lambda r: r.period)
