"""A region's packs (`cpmetrics pack --region DIR`): the regional pack and every council's.

```
outputs/region-<slug>/<period>/
  index.html, <notebook>.html, tables/, charts/, tables.xlsx, metrics.json, ...
                the regional pack (the notebooks in notebooks/region/), aggregates only
  350/ 351/ ... one council's full pack each (the notebooks in notebooks/), its index showing
                "the region now" beside the published figures
  352.failed/   a council whose data or pack failed: its kept build (not for sharing)
```

Each council's pack is the period's params with `data` = DIR/<la> and `la` = <la>,
plus the notebook parameter `region_now`: the region pooled from the councils'
own data for the same period (`cpmetrics.region_now.region_now`), worked out once
per period in this process. The regional notebooks get `region_dir` (a view of
the region holding only the councils whose data could be read and cover the
period), `period_end`, `suppression_threshold` and `pack_dir`.

Every notebook of every council, of the regional pack and of every period runs
in one `run_notebooks` call (one pool of warm kernels), the regional notebooks
first (they load every council), then council by council, each council's
longest first, so the kernels hold few data sets at a time.

A council fails alone: data that cannot be read or do not cover the period
(found before any notebook runs), a failed notebook or a failed check keep its
build as `<la>.failed/` and leave its previous pack, if any; the regional
index gives the reason, and says which councils are missing from the pooled
figures. Every pack is checked against every council's child ids and dates of
birth. The regional pack is finished last, when every council's is: it is
built beside the period's folder, the council folders are moved into it and
the two swapped by a rename.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cpmetrics.errors import InputError
from cpmetrics.pack.ahead import _Ahead, _now, _secrets, _tables, check_coverage
from cpmetrics.pack.build import PackJob, run_packs
from cpmetrics.pack.checks import Secrets, check_file, check_pack
from cpmetrics.pack.engine import NotebookResult, find_notebooks, project_root
from cpmetrics.pack.index import link_lists
from cpmetrics.pack.pages import _CSS, METHODS_PAGE, methods_page
from cpmetrics.pack.publish import (
    FAILED_SUFFIX,
    PackResult,
    _keep_failed,
    _meta,
    _publish,
    _replace_text,
    finish_pack,
    write_workbook,
)
from cpmetrics.params import Params
from cpmetrics.region import Council, Region, write_region

#: the name of the file a council's kept build holds when its data failed before any notebook
FAILED_FILE = "FAILED.txt"
_COUNCIL_FOLDER = re.compile(rf"\d{{3}}({re.escape(FAILED_SUFFIX)})?")


@dataclass
class CouncilOutcome:
    """How one council's pack went in a region's run: published, or why not."""

    la: str
    name: str
    ok: bool
    reason: str = ""  # the whole reason (stderr, the kept build), never published
    public: str = ""  # what the regional index says (no value from the data)
    pooled: bool = True  # its data are in the region's pooled figures
    pack: PackResult | None = None


@dataclass
class RegionResult:
    """One period of a region's run: the regional pack and every council's outcome."""

    region: Region
    period: str
    dest: Path
    pack: PackResult | None = None
    councils: list[CouncilOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.pack is not None and self.pack.ok and all(c.ok for c in self.councils)


def council_params(params: Params, council: Council) -> Params:
    """The period's params for one council: its data and its DfE number (itself left out of the
    named comparators)."""
    return dataclasses.replace(
        params, data=str(council.data), la=council.la,
        comparators=tuple(c for c in params.comparators if c != council.la))


def _data_failure(params: Params, root: Path) -> tuple[str, str] | None:
    """Why this council's data cannot make its pack for this period (the whole reason, and what
    the regional index may say: no value from the data), or None when they can."""
    try:
        _tables(params.data_path(root))  # read once per process, kept for the pack
    except InputError as exc:
        where = " ".join(p for p in (Path(exc.file).name if exc.file else None, exc.place) if p)
        return exc.line(), f"its data could not be read ({where or 'see the kept build'})"
    except Exception as exc:  # noqa: BLE001 - one council's unreadable data fail that council
        return (f"{params.data}: {type(exc).__name__}: {exc}",
                f"its data could not be read ({type(exc).__name__})")
    try:
        check_coverage(params, root)
    except InputError as exc:
        return exc.line(), f"its data do not cover the period: {exc.problem}"
    return None


def _pooled_view(region: Region, councils: list[Council], folder: Path) -> Path:
    """A region folder holding only `councils` (links to their data), for the regional
    notebooks to pool; private, like the builds."""
    folder.mkdir(mode=0o700)
    write_region(folder, region.name, [(c.la, c.name) for c in councils], region.code)
    for c in councils:
        (folder / c.la).symlink_to(c.data.resolve(), target_is_directory=c.data.is_dir())
    return folder


def _union(secrets: list[Secrets]) -> Secrets:
    return Secrets(frozenset().union(*(s.ids for s in secrets)),
                   frozenset().union(*(s.dates for s in secrets)))


def _keep_reason(dest: Path, reason: str) -> Path:
    """A council that failed before any notebook ran: its kept build is the reason alone."""
    kept = dest.with_name(dest.name + FAILED_SUFFIX)
    if kept.exists():
        shutil.rmtree(kept)
    kept.mkdir(mode=0o700)
    (kept / FAILED_FILE).write_text(reason + "\n", encoding="utf-8")
    return kept


def _outcome(c: Council, r: PackResult) -> CouncilOutcome:
    if r.ok:
        return CouncilOutcome(c.la, c.name, True, pack=r)
    failed = [n for n in r.notebooks if not n.ok]
    public = (f"notebook {failed[0].notebook} failed" if failed
              else f"its pack failed the checks before publishing ({len(r.problems)} problem(s))")
    reason = "; ".join(r.problems[:3]) + (f" (and {len(r.problems) - 3} more)"
                                           if len(r.problems) > 3 else "")
    return CouncilOutcome(c.la, c.name, False, reason, public, pack=r)


def build_region(
    region: Region,
    params_list: list[Params],
    *,
    out_dir: Path,
    notebooks_dir: Path | None = None,
    region_notebooks_dir: Path | None = None,
    jobs: int | None = None,
    progress: bool = True,
    root: Path | None = None,
    scheduler: str | None = None,
) -> list[RegionResult]:
    """Every period's regional pack and council packs in `out_dir/region-<slug>/<period>/`,
    all notebooks in one pool; a council that fails leaves the others to complete."""
    from cpmetrics.region_now import region_now

    root = root or project_root()
    notebooks = find_notebooks(notebooks_dir or root / "notebooks")
    region_notebooks = find_notebooks(region_notebooks_dir or root / "notebooks" / "region")
    months = [p.month for p in params_list]
    dupes = sorted({m for m in months if months.count(m) > 1})
    if dupes:
        raise InputError(None, None, f"more than one params file for {', '.join(dupes)}")
    base = out_dir / f"region-{region.slug}"
    base.mkdir(parents=True, exist_ok=True)
    unreadable: dict[str, tuple[str, str]] = {}  # la -> why, for every period
    periods = []  # (params, run, the region now, the pooled view, [(council params, council)])
    views: list[Path] = []
    for p in params_list:  # every council's data read and checked before any notebook runs
        run = RegionResult(region, p.month, base / p.month)
        run.dest.mkdir(exist_ok=True)
        members = []
        for c in region.councils:
            cp = council_params(p, c)
            why = unreadable.get(c.la) or _data_failure(cp, root)
            if why is None:
                members.append((cp, c))
                run.councils.append(CouncilOutcome(c.la, c.name, True))  # until its pack says
                continue
            if "could not be read" in why[1]:
                unreadable[c.la] = why
            kept = _keep_reason(run.dest / c.la, why[0])
            failed = PackResult(p.month, run.dest / c.la, problems=[why[0]], kept=kept, la=c.la)
            run.councils.append(CouncilOutcome(c.la, c.name, False, why[0], why[1],
                                               pooled=False, pack=failed))
        tables = {c.la: _tables(cp.data_path(root)) for cp, c in members}
        now = region_now(tables, p.period, region.name) if tables else None
        del tables
        view = region.folder.resolve()
        if len(members) < len(region.councils):
            view = _pooled_view(region, [c for _, c in members],
                                base / f".{p.month}.pooled-{uuid.uuid4().hex[:8]}")
            views.append(view)
        periods.append((p, run, now, view, members))
    ahead = _Ahead([cp for *_, members in periods for cp, _ in members], root)
    everyone: list[Secrets] = []

    def secrets() -> Secrets:
        """Every council's child ids and dates of birth: no pack of the run may hold any."""
        if not everyone:
            everyone.append(_union([_secrets(cp.data_path(root))
                                    for *_, members in periods for cp, _ in members]))
        return everyone[0]

    job_list: list[PackJob] = []
    for p, run, now, view, members in periods:
        if not members:  # nothing to pool: no regional pack either
            run.pack = PackResult(p.month, run.dest, problems=["no council's data could be read"
                                                               " for this period"])
            continue
        regional = _region_job(run, p, now, view, region_notebooks, root, secrets)
        job_list.append(regional)
        for cp, c in members:
            build = run.dest / f".{c.la}.building-{uuid.uuid4().hex[:8]}"

            def finish(build: Path, results: list[NotebookResult],
                       cp: Params = cp, c: Council = c, run: RegionResult = run,
                       now: dict | None = now) -> PackResult:
                r = finish_pack(cp, build, run.dest / c.la, results, root, ahead, la=c.la,
                                region_now=now, secrets=secrets())
                stale = run.dest / f"{c.la}{FAILED_SUFFIX}"
                if r.ok and stale.exists():  # an earlier run's failure, mended now
                    shutil.rmtree(stale, ignore_errors=True)
                run.councils = [_outcome(c, r) if o.la == c.la else o for o in run.councils]
                return r

            key = f"{p.month} {c.la}"
            job_list.append(PackJob(key, notebooks, build,
                                    {**cp.notebook_parameters(build), "region_now": now}, finish))
            regional.after += (key,)
    desc = f"region-{region.slug} " + (months[0] if len(months) == 1 else f"{len(months)} periods")
    try:
        run_packs(job_list, out_dir=base, ahead=ahead, root=root, jobs=jobs, progress=progress,
                  desc=desc, scheduler=scheduler)
    finally:
        for v in views:
            shutil.rmtree(v, ignore_errors=True)
    return [run for _, run, *_ in periods]


def _region_job(run: RegionResult, params: Params, now: dict | None, view: Path,
                notebooks: list[Path], root: Path, secrets: Callable[[], Secrets]) -> PackJob:
    """The regional pack's job: its notebooks and their parameters; finished once every
    council's pack of the period is (`after`, filled in by the caller)."""
    build = run.dest.parent / f".{params.month}.building-{uuid.uuid4().hex[:8]}"
    parameters = {"region_dir": str(view), "period_end": params.period_end.date().isoformat(),
                  "suppression_threshold": params.suppression_threshold,
                  "pack_dir": str(build)}

    def finish(build: Path, results: list[NotebookResult]) -> PackResult:
        run.pack = finish_region_pack(run, params, build, results, root, now, secrets())
        return run.pack

    return PackJob(f"{params.month} region", notebooks, build, parameters, finish)


def finish_region_pack(run: RegionResult, params: Params, build: Path,
                       results: list[NotebookResult], root: Path, now: dict | None,
                       secrets: Secrets) -> PackResult:
    """The regional pack's own files (metrics.json, the workbook, the methods page, the index
    naming every council's outcome), checked against every council's secrets, then published:
    the period's council folders are moved into the build and the build swapped into place."""
    from cpmetrics import __version__, data_dictionary
    from cpmetrics.disclosure import suppress_metrics

    dest = run.dest
    result = PackResult(params.month, dest, notebooks=results)
    failed = [r for r in results if not r.ok]
    if failed:
        result.problems = [f"{r.notebook} failed at {r.error}" for r in failed]
        result.kept = _keep_failed(build, dest)
        return result
    t = params.suppression_threshold
    try:
        tables, charts = _meta(build, "table"), _meta(build, "chart")
        made = _now()
        metrics = {
            "region_now": suppress_metrics(now, t) if now is not None else None,
            "councils": [{"la": c.la, "council": c.name, "published": c.ok,
                          "pooled": c.pooled} for c in run.councils],
            "pack": {"region": run.region.name, "region_code": run.region.code,
                     "period": params.month, "params_file": params.file.name,
                     "data": str(run.region.folder), "suppression_threshold": t,
                     "cpmetrics_version": __version__, "made_at": made},
        }
        (build / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n",
                                            encoding="utf-8")
        data_dictionary.write(build)
        shutil.rmtree(build / "_meta", ignore_errors=True)
        _replace_text(build, str(build), str(dest))
        (build / METHODS_PAGE).write_text(methods_page(root), encoding="utf-8")
        result.problems = check_pack(build, secrets, t)
        has_wb = write_workbook(build, tables, dataclasses.replace(
            params, data=str(run.region.folder))) is not None
        page = region_index_page(run, params, results, tables, charts, has_wb, made,
                                 __version__)
        index = build / "index.html"
        index.write_text(page, encoding="utf-8")
        result.problems += check_file(index, build, secrets, t)
    except Exception as exc:  # noqa: BLE001 - any failure here fails the regional pack only
        result.problems = [f"finishing the regional pack: {type(exc).__name__}: {exc}"]
    if result.problems:
        result.kept = _keep_failed(build, dest)
        return result
    for entry in sorted(dest.iterdir()) if dest.exists() else []:
        if entry.is_dir() and _COUNCIL_FOLDER.fullmatch(entry.name):
            entry.rename(build / entry.name)
    try:
        _publish(build, dest)
    except OSError:
        for entry in build.iterdir():  # the council packs go back where they were
            if entry.is_dir() and _COUNCIL_FOLDER.fullmatch(entry.name):
                entry.rename(dest / entry.name)
        raise
    result.ok = True
    return result


def region_index_page(run: RegionResult, params: Params, results: list[NotebookResult],
                      tables: list[dict], charts: list[dict], has_workbook: bool, made: str,
                      version: str) -> str:
    """The regional pack's front page: the region, the period, every council with a link to its
    pack or the reason it has none, links to the regional pages and files, where the data came
    from, the version and the time made."""
    e = html.escape
    period = params.period
    rows = []
    for c in run.councils:
        if c.ok:
            outcome = f'<a href="{e(c.la)}/index.html">{e(c.name)}: period pack</a>'
        else:
            outcome = f"No pack: {e(c.public)}"
            if (run.dest / c.la / "index.html").exists():
                outcome += (f'. <a href="{e(c.la)}/index.html">{e(c.name)}: the pack of an'
                            " earlier run</a> is kept")
        pooled = "yes" if c.pooled else "no"
        rows.append(f'<tr><th scope="row">{e(c.la)}</th><td>{e(c.name)}</td><td>{outcome}</td>'
                    f"<td>{pooled}</td></tr>")
    missing = [c for c in run.councils if not c.pooled]
    pooled_note = (
        "<p>Every council's data are in the region's pooled figures.</p>" if not missing else
        "<p><strong>Missing from the region's pooled figures:</strong> "
        + "; ".join(f"{e(c.name)} ({e(c.la)}): {e(c.public)}" for c in missing)
        + ". The pooled figures and the comparisons with the region cover the other"
          f" {len(run.councils) - len(missing)} councils only.</p>")
    n_ok = sum(c.ok for c in run.councils)
    files = [(METHODS_PAGE, "how every figure is worked out (docs/methods.md)"),
             ("data_dictionary.csv", "what each column of the CSV files means"),
             ("metrics.json", "the region now (pooled) and each council's outcome, as JSON")]
    if has_workbook:
        files.insert(0, ("tables.xlsx", "every regional table in one Excel workbook"))
    pages, files_html, tables_html, charts_html = link_lists(results, files, tables, charts)
    t = params.suppression_threshold
    code = f" ({e(run.region.code)})" if run.region.code else ""
    title = f"Child protection plans: {e(run.region.name)}, regional pack {e(params.month)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{_CSS}</style></head>
<body><main>
<h1>{title}</h1>
<p class="meta">Region {e(run.region.name)}{code}. Reporting date {period.end:%d %B %Y}; period
{period.start:%d %B %Y} to {period.end:%d %B %Y}. Data: each council's folder in
<code>{e(str(run.region.folder))}</code>. Made {e(made)} with cpmetrics {e(version)}.</p>
<h2>Councils</h2>
<p>{n_ok} of {len(run.councils)} council packs published for this period.</p>
{pooled_note}
<table><caption>The region's councils and their packs</caption>
<thead><tr><th scope="col">LA number</th><th scope="col">Council</th>
<th scope="col">Period pack</th><th scope="col">In the pooled figures</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<h2>Regional pages</h2><ul>{pages}</ul>
<p>Counts from 1 to {t - 1} are shown as &lt;{t}, and a percentage that would reveal one is not
shown, so that no child can be identified. The regional pack holds aggregates only.</p>
<h2>Files</h2><ul>{files_html}</ul>
<h2>Tables (CSV)</h2><ul>{tables_html or "<li>none</li>"}</ul>
<h2>Charts (PNG)</h2><ul>{charts_html or "<li>none</li>"}</ul>
</main></body></html>
"""


def summary(runs: list[RegionResult]) -> str | None:
    """One line for stderr when anything failed, else None: `region-north-west 2018-08: 22 of
    23 council packs published; 352 failed: <reason>`."""
    bad = [r for r in runs if not r.ok]
    if not bad:
        return None
    slug = runs[0].region.slug
    councils = [c for r in runs for c in r.councils]
    parts = [f"{sum(c.ok for c in councils)} of {len(councils)} council packs published"]
    many = len(runs) > 1
    for r in bad:
        if r.pack is None or not r.pack.ok:
            why = r.pack.problems[0] if r.pack is not None and r.pack.problems else "not finished"
            parts.append(f"regional pack {r.period} not published: {why}")
    for r in runs:
        for c in r.councils:
            if not c.ok:
                at = f" ({r.period})" if many else ""
                parts.append(f"{c.la}{at} failed: {c.reason}")
    kept = f"; failed builds kept in {runs[0].dest.parent} (not for sharing)"
    periods = ", ".join(r.period for r in runs) if len(runs) <= 3 else \
        f"{runs[0].period} to {runs[-1].period}"
    return f"region-{slug} {periods}: " + "; ".join(parts) + kept
