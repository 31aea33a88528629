"""Building packs: one pool of warm kernels for every pack asked for, each pack published on
its own as soon as its notebooks are done.

`run_packs` is the general form: any number of `PackJob`s (a period's pack, a region's
council packs and its regional pack) share one `run_notebooks` call; a job may wait for
others to finish before it is finished itself (the regional index names every council's
outcome). `build_packs` is `cpmetrics pack --period/--params/--all`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpmetrics.errors import InputError
from cpmetrics.pack.ahead import _Ahead, check_coverage
from cpmetrics.pack.engine import NotebookResult, Task, find_notebooks, project_root, run_notebooks
from cpmetrics.pack.publish import PackResult, finish_pack
from cpmetrics.params import Params

#: how a job is finished: (its build folder, its notebooks' results) -> its PackResult
Finish = Callable[[Path, list[NotebookResult]], PackResult]


@dataclass
class PackJob:
    """One pack to build: its notebooks and their parameters, where it is built, how it is
    finished, and the jobs (by key) that must be finished before it is."""

    key: str
    notebooks: list[Path]
    build: Path
    parameters: dict[str, Any]
    finish: Finish
    after: tuple[str, ...] = ()
    results: list[NotebookResult] = field(default_factory=list)


def longest_first(notebooks: list[Path]) -> list[Path]:
    """Longest first, so no worker is left with a long notebook while the others idle: the
    committed notebooks' sizes (mostly their charts) say roughly how long each takes."""
    return sorted(notebooks, key=lambda nb: nb.stat().st_size, reverse=True)


def run_packs(jobs_list: list[PackJob], *, out_dir: Path, ahead: _Ahead, root: Path,
              jobs: int | None = None, progress: bool = True, desc: str = "packs",
              scheduler: str | None = None) -> list[PackResult]:
    """Run every job's notebooks in one `run_notebooks` call, in the order given (each job's
    longest first), and finish each job once its notebooks and the jobs it waits for are done.

    The data the kernels load are left in a private shared folder in `out_dir` by `ahead`
    while the kernels start. Every job's build folder is removed at the end unless its finish
    published or kept it."""
    # data shared with the kernels: child-level, so beside the builds (never in the system's
    # temporary folder), private (0700) and removed below
    shared = Path(tempfile.mkdtemp(prefix=".shared-", dir=out_dir))
    tasks = []
    for job in jobs_list:
        job.build.mkdir(parents=True)
        tasks.extend(Task(job.key, nb, job.build, job.parameters, root, str(shared))
                     for nb in longest_first(job.notebooks))
    by_key = {job.key: job for job in jobs_list}
    finished: dict[str, PackResult] = {}

    def finish_ready() -> None:
        """Finish every job whose notebooks are all back and whose `after` jobs are finished,
        until none is left (finishing one can make another ready)."""
        while True:
            job = next((j for j in jobs_list
                        if j.key not in finished and len(j.results) == len(j.notebooks)
                        and all(k in finished for k in j.after)), None)
            if job is None:
                return
            finished[job.key] = job.finish(job.build, job.results)

    n = max(1, min(jobs or os.cpu_count() or 2, len(tasks) or 1))
    # Read each data set and work out each pack's metrics in this process while the kernels
    # start and the notebooks run.
    ahead.promise(str(shared))
    prefetch = threading.Thread(target=ahead.run, args=(str(shared),), daemon=True)
    try:
        finish_ready()  # a job without notebooks (none today) is finished at once
        if tasks:
            for r in run_notebooks(tasks, n, progress=progress, desc=desc,
                                   started=prefetch.start, scheduler=scheduler):
                by_key[r.period].results.append(r)
                finish_ready()
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        for job in jobs_list:
            if job.build.exists():
                shutil.rmtree(job.build, ignore_errors=True)
    return [finished[job.key] for job in jobs_list if job.key in finished]


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
    ahead = _Ahead(params_list, root)
    job_list = []
    for p in params_list:
        build = out_dir / f".{p.month}.building-{uuid.uuid4().hex[:8]}"

        def finish(build: Path, results: list[NotebookResult], p: Params = p) -> PackResult:
            return finish_pack(p, build, out_dir / p.month, results, root, ahead)

        job_list.append(PackJob(p.month, notebooks, build, p.notebook_parameters(build), finish))
    desc = f"pack {months[0]}" if len(months) == 1 else f"{len(months)} packs"
    packs = run_packs(job_list, out_dir=out_dir, ahead=ahead, root=root, jobs=jobs,
                      progress=progress, desc=desc, scheduler=scheduler)
    return sorted(packs, key=lambda r: r.period)
