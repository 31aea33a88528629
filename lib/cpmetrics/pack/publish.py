"""Finishing a pack: its pack-level files written, everything checked, then published atomically.

A pack is built beside its destination and moved into place by a rename only
when every notebook succeeded and every check passed; otherwise the previous
pack stays as it was and the build is kept as `<period>.failed/`.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpmetrics.pack.ahead import _Ahead, _now
from cpmetrics.pack.checks import Secrets, check_file, check_pack
from cpmetrics.pack.engine import NotebookResult
from cpmetrics.pack.index import index_page
from cpmetrics.pack.pages import METHODS_PAGE, methods_page
from cpmetrics.params import Params

FAILED_SUFFIX = ".failed"


@dataclass
class PackResult:
    """One period's pack: published, or failed with the reasons and where the build was kept."""

    period: str
    dest: Path
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    kept: Path | None = None
    notebooks: list[NotebookResult] = field(default_factory=list)
    #: the council's DfE number, for a council's pack in a region's run
    la: str | None = None

    @property
    def label(self) -> str:
        """How the report names it: "2018-09", or "2018-09 358" for a region's council."""
        return f"{self.period} {self.la}" if self.la else self.period



def _write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    import pandas as pd

    pd.DataFrame(rows, columns=["item", "description", "count"]).to_csv(path, index=False)


def _meta(build: Path, kind: str) -> list[dict[str, Any]]:
    folder = build / "_meta"
    return [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob(f"*.{kind}.json"))] if folder.is_dir() else []


def write_workbook(build: Path, tables: list[dict[str, Any]], params: Params) -> Path | None:
    """Every table in one accessible workbook (`cpmetrics.workbook`): a sheet each, titled, with
    the period, the legend of the markers and the source above it, and plain headings; first,
    the data dictionary, saying what each heading means and which CSV column it is."""
    import csv

    from cpmetrics import data_dictionary, workbook

    if not tables:
        return None
    t = params.suppression_threshold

    def read(path: Path) -> tuple[list[str], list[list[Any]]]:
        with open(path, newline="", encoding="utf-8") as f:
            header, *rows = list(csv.reader(f)) or [[]]
        return ([data_dictionary.heading(h) for h in header],
                [[workbook.cell_value(v) for v in r] for r in rows])

    about_dictionary = ("This worksheet contains one table.",
                        "A row for each column of the tables: its name in the CSV files, the"
                        " heading the other sheets give it, what it means, its unit and the CSV"
                        " files that have it.")
    header, rows = read(build / data_dictionary.FILE)
    sheets = [workbook.Sheet("Data dictionary", "Data dictionary: what each column means",
                             header, rows, above=about_dictionary)]
    for meta in tables:
        header, rows = read(build / "tables" / f"{meta['name']}.csv")
        sheets.append(workbook.Sheet(meta["name"], meta["title"], header, rows))
    return workbook.write_workbook(
        build / "tables.xlsx", sheets,
        title=f"Child protection plans: period pack {params.month}",
        intro=[f"Tables for the reporting period ending {params.period.end:%d %B %Y}.",
               f"Counts from 1 to {t - 1} are shown as <{t} (disclosure control)."],
        about=["Definitions follow the DfE Children in Need statistics.",
               "Each table is also in the pack as a CSV file, in the folder tables, its columns"
               " named as the sheet Data dictionary gives them (also data_dictionary.csv)."],
        above=[f"Reporting period {params.period.start:%d %B %Y} to {params.period.end:%d %B %Y}",
               "This worksheet contains one table.",
               f"<{t} = a count from 1 to {t - 1}, not shown to protect children's privacy",
               "[c] = not shown because it would reveal a count below the threshold",
               "[x] = not available",
               f"Source: {params.data}, cpmetrics period pack {params.month}"],
    )



def _replace_text(folder: Path, old: str, new: str) -> None:
    """Point the executed notebooks' `pack_dir` at the published folder, not the build folder."""
    for path in folder.rglob("*"):
        if path.suffix in (".ipynb", ".html") and path.is_file():
            text = path.read_text(encoding="utf-8")
            if old in text:
                path.write_text(text.replace(old, new), encoding="utf-8")


def _publish(build: Path, dest: Path) -> None:
    """Swap the new pack into place; the old one is removed only after the swap."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{uuid.uuid4().hex[:8]}")
        dest.rename(old)
    try:
        build.rename(dest)
    except OSError:
        if old is not None:
            old.rename(dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _keep_failed(build: Path, dest: Path) -> Path:
    kept = dest.with_name(dest.name + FAILED_SUFFIX)
    if kept.exists():
        shutil.rmtree(kept)
    build.rename(kept)
    return kept


def finish_pack(params: Params, build: Path, dest: Path, results: list[NotebookResult],
                root: Path, ahead: _Ahead | None = None, *, la: str | None = None,
                region_now: dict | None = None, secrets: Secrets | None = None) -> PackResult:
    """Write the pack-level files, check everything, publish or keep the build for debugging.

    In a region's run (`cpmetrics.pack.regions`): `la` names the council, `region_now` (the
    pooled region's figures, `cpmetrics.region_now`) goes into metrics.json, suppressed, and
    beside the published figures on the index, and `secrets` (every council's) replace the
    council's own in the checks."""
    result = PackResult(params.month, dest, notebooks=results, la=la)
    failed = [r for r in results if not r.ok]
    if failed:
        result.problems = [f"{r.notebook} failed at {r.error}" for r in failed]
        result.kept = _keep_failed(build, dest)
        return result
    from cpmetrics import data_dictionary

    try:
        tables, charts = _meta(build, "table"), _meta(build, "chart")
        missing = _meta(build, "unavailable")
        metrics, quality, own = (ahead or _Ahead([params], root)).get(params)
        secrets = secrets or own
        metrics["pack"]["made_at"] = _now()
        if region_now is not None:
            from cpmetrics.disclosure import suppress_metrics

            metrics["pack"]["region_now"] = suppress_metrics(region_now,
                                                             params.suppression_threshold)
        (build / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        _write_csv(quality, build / "quality.csv")
        data_dictionary.write(build)
        shutil.rmtree(build / "_meta", ignore_errors=True)
        _replace_text(build, str(build), str(dest))
        (build / METHODS_PAGE).write_text(methods_page(root), encoding="utf-8")
        result.problems = check_pack(build, secrets, params.suppression_threshold)
        has_wb = write_workbook(build, tables, params) is not None
        page = index_page(params, metrics, results, tables, charts, has_wb, missing)
        index = build / "index.html"
        index.write_text(page.replace(str(build), str(dest)), encoding="utf-8")
        result.problems += check_file(index, build, secrets, params.suppression_threshold)
    except Exception as exc:  # noqa: BLE001 - any failure here fails this pack, not the others
        result.problems = [f"finishing the pack: {type(exc).__name__}: {exc}"]
    if result.problems:
        result.kept = _keep_failed(build, dest)
        return result
    _publish(build, dest)
    result.ok = True
    return result
