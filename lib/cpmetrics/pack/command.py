"""`cpmetrics pack`: which periods' packs to build, and one line per pack on how it went
(`--region DIR`: a region's packs, `cpmetrics.pack.regions`, and one summary line on failure)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cpmetrics.errors import InputError
from cpmetrics.pack.build import build_packs
from cpmetrics.pack.engine import project_root, scheduler_from
from cpmetrics.pack.publish import PackResult
from cpmetrics.params import Params, load_params, params_files


def _selected(args: argparse.Namespace, root: Path) -> list[Params]:
    folder = root / "params"
    if getattr(args, "all", False):
        files = params_files(folder)
        if not files:
            raise InputError(folder, None, "holds no YYYY-MM.yaml params files")
        return [load_params(f) for f in files]
    if getattr(args, "params", None):
        return [load_params(args.params)]
    period = args.period or ""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise InputError(None, None, f"--period {period!r} is not YYYY-MM")
    return [load_params(folder / f"{period}.yaml")]


def report(packs: Iterable[PackResult], out: Any = sys.stdout, err: Any = sys.stderr) -> int:
    """One line per pack; 1 when any failed."""
    status = 0
    for p in packs:
        if p.ok:
            print(f"{p.label}: pack written to {p.dest}", file=out)
            continue
        status = 1
        for line in p.problems:
            print(f"error: {p.label}: {line}", file=err)
        where = f"; the previous pack at {p.dest} is unchanged" if p.dest.exists() else ""
        print(f"error: {p.label}: pack not published; build kept for debugging at {p.kept}"
              f" (not for sharing){where}", file=err)
    return status


def main(args: argparse.Namespace) -> int:
    """`cpmetrics pack`: 0 when every pack was published, 1 when a notebook or a check failed."""
    root = project_root()
    params_list = _selected(args, root)
    out = Path(args.out) if getattr(args, "out", None) else root / "outputs"
    jobs = getattr(args, "jobs", None)
    if jobs is not None and jobs < 1:
        raise InputError(None, None, f"--jobs {jobs}: must be 1 or more")
    scheduler = scheduler_from(getattr(args, "scheduler", None))
    started = time.perf_counter()
    notebooks = Path(args.notebooks).resolve() if getattr(args, "notebooks", None) else None
    if getattr(args, "region", None):
        return region_main(args, params_list, out.resolve(), notebooks, jobs, root, started,
                           scheduler)
    packs = build_packs(params_list, out_dir=out.resolve(), notebooks_dir=notebooks, jobs=jobs,
                        root=root, progress=True, scheduler=scheduler)
    status = report(packs)
    print(f"{sum(p.ok for p in packs)} of {len(packs)} pack(s) in "
          f"{time.perf_counter() - started:.1f}s", file=sys.stderr)
    return status


def region_main(args: argparse.Namespace, params_list: list[Params], out: Path,
                notebooks: Path | None, jobs: int | None, root: Path, started: float,
                scheduler: str | None = None) -> int:
    """`cpmetrics pack --region DIR`: 0 when every pack was published; else 1 and one line on
    stderr saying which councils (or which regional pack) failed and why."""
    from cpmetrics.pack.regions import build_region, summary
    from cpmetrics.region import read_region

    region = read_region(Path(args.region).resolve())
    region_nbs = getattr(args, "region_notebooks", None)
    runs = build_region(region, params_list, out_dir=out, notebooks_dir=notebooks,
                        region_notebooks_dir=Path(region_nbs).resolve() if region_nbs else None,
                        jobs=jobs, root=root, progress=True,
                        scheduler=scheduler)
    for r in runs:
        n_ok = sum(c.ok for c in r.councils)
        regional = "regional pack and " if r.pack is not None and r.pack.ok else ""
        print(f"region-{region.slug} {r.period}: {regional}{n_ok} of {len(r.councils)} council"
              f" packs written to {r.dest}", file=sys.stdout)
    print(f"{len(runs)} period(s) of region-{region.slug} in {time.perf_counter() - started:.1f}s",
          file=sys.stdout)
    line = summary(runs)
    if line is None:
        return 0
    print(f"error: {line}", file=sys.stderr)
    return 1
