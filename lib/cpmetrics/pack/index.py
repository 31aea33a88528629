"""A pack's front page (index.html): the headline measures beside DfE's published figures,
and links to every page and file."""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cpmetrics.benchmarks import la_names
from cpmetrics.pack.engine import NotebookResult
from cpmetrics.pack.pages import _CSS, METHODS_PAGE, PAGE_SUFFIX
from cpmetrics.params import Params

_LABELS = {
    "on_plan": "Children on a child protection plan at the reporting date",
    "on_plan_second_or_subsequent": "of whom on a second or subsequent plan",
    "on_plan_2y_plus": "of whom on their plan two years or more",
    "starts": "Plans started in the period",
    "starts_second_or_subsequent": "of which second or subsequent plans",
    "starts_dv": "of which linked to domestic violence or abuse",
    "ended": "Plans ended in the period",
    "ended_2y_plus": "of which lasted two years or more",
    "rate_per_10k": "Children on a plan per 10,000 children aged 0-17",
    "icpc_within_15_days": "Initial conferences in the period within 15 working days of the"
                           " enquiry starting",
    "reviews_in_time": "Children on a plan 3 months or more reviewed in time",
}
#: the published measure (`comparison.published_figure`) beside each headline key, for
#: metrics.json's `pack.published` and the index's neighbours and England columns
PUBLISHED = {
    "starts_second_or_subsequent": "starts_second_or_subsequent_pct",
    "on_plan_2y_plus": "on_plan_2y_plus_pct",
    "ended_2y_plus": "ended_2y_plus_pct",
    "rate_per_10k": "on_plan_rate_per_10k",
    "icpc_within_15_days": "icpc_within_15_days_pct",
    "reviews_in_time": "reviews_in_time_pct",
}


def _shown(v: Any) -> str:
    if v is None:
        return "not available"
    if isinstance(v, dict):
        n, of, pct = v.get("n"), v.get("of"), v.get("pct")
        share = f" ({pct:.1f}%)" if isinstance(pct, int | float) else ""
        return f"{n} of {of}{share}"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def _beside(value: float | None, pub: dict) -> str:
    """A published figure for the index: "80.5% (2016-17)", blank when there is none."""
    if value is None:
        return ""
    unit = "" if pub.get("measure") == "on_plan_rate_per_10k" else "%"
    return f"{value:.1f}{unit} ({pub['year']})" if pub.get("year") else f"{value:.1f}{unit}"


def published_beside(params: Params) -> dict[str, dict]:
    """metrics.json's `pack.published`: for each headline key with a published counterpart
    (`PUBLISHED`), DfE's figure for the statistical neighbours (mean) and England in the year to
    compare with at the reporting date: `{measure, year, neighbours, england}`, None where
    unpublished."""
    from cpmetrics.comparison import published_figure

    out = {}
    for key, measure in PUBLISHED.items():
        f = published_figure(params.la, measure, params.period.end, params.sn_grouping)
        out[key] = {"measure": measure, "year": f["year_label"], "neighbours": f["neighbours"],
                    "england": f["england"]}
    return out


def _missing(missing: Iterable[dict]) -> list[str]:
    """What the data set cannot show (the pack's unavailable artefacts), a sentence a reason."""
    from cpmetrics.unavailable import NotAvailable, in_short

    return in_short([NotAvailable(m["what"], m["reason"]) for m in missing])


def link_lists(results: Iterable[NotebookResult], files: list[tuple[str, str]],
               tables: list[dict[str, Any]], charts: list[dict[str, Any]]
               ) -> tuple[str, str, str, str]:
    """A pack index's lists of links, as `<li>` items: its pages (in notebook order), its files
    ((name, what it is)), its tables and its charts (with their alt text)."""
    e = html.escape
    pages = "".join(
        f'<li><a href="{e(Path(r.notebook).stem)}{PAGE_SUFFIX}">{e(r.title)}</a></li>'
        for r in sorted(results, key=lambda r: r.notebook))
    files_html = "".join(f'<li><a href="{e(f)}">{e(f)}</a>: {e(d)}</li>' for f, d in files)
    tables_html = "".join(
        f'<li><a href="tables/{e(t["name"])}.csv">{e(t["title"])}</a></li>' for t in tables)
    charts_html = "".join(
        f'<li><a href="charts/{e(c["name"])}.png">{e(c["name"])}</a>: {e(c["alt"])}</li>'
        for c in charts)
    return pages, files_html, tables_html, charts_html


def index_page(params: Params, metrics: dict, results: list[NotebookResult],
               tables: list[dict], charts: list[dict], has_workbook: bool,
               missing: Iterable[dict] = ()) -> str:
    """The pack's front page: headline, links to each page and file, where the numbers came from,
    the dates the data cover and what the data cannot show (`missing`: unavailable artefacts)."""
    e = html.escape
    p = metrics["pack"]
    region = p.get("region_now")  # a region's run only: the pooled region, suppressed
    rows = []
    for key, label in _LABELS.items():
        if key not in metrics:
            continue
        ci = p["wilson_95"].get(key)
        interval = f"{ci[0]:.1f}% to {ci[1]:.1f}%" if ci else ""
        pub = p.get("published", {}).get(key) or {}
        beside = "".join(
            f"<td class=\"num\">{e(_beside(pub.get(who), pub))}</td>"
            for who in ("neighbours", "england"))
        if region is not None:
            beside += f"<td class=\"num\">{e(_shown(region['figures'].get(key)))}</td>"
        rows.append(f"<tr><th scope=\"row\">{e(label)}</th><td class=\"num\">"
                    f"{e(_shown(metrics[key]))}</td><td class=\"num\">{e(interval)}</td>"
                    f"{beside}</tr>")
    files = [(METHODS_PAGE, "how every figure is worked out: its DfE table and definition, the"
              " decisions taken where DfE is silent, and what could make a figure differ from"
              " DfE's (docs/methods.md)"),
             ("data_dictionary.csv", "what each column of the CSV files means: its heading,"
              " meaning and unit"),
             ("metrics.json", "headline measures as JSON"),
             ("quality.csv", "data-quality summary (counts only)")]
    if has_workbook:
        files.insert(0, ("tables.xlsx", "every table in one Excel workbook"))
    pages, files_html, tables_html, charts_html = link_lists(results, files, tables, charts)
    period = params.period
    t = params.suppression_threshold
    council = la_names().get(str(params.la), "") if params.la else ""
    heading = e(f"Child protection plans: {council + ', ' if council else ''}period pack"
                f" {params.month}")
    covered = metrics.get("coverage", {}).get("basis") or ""
    region_head = ("<th scope=\"col\">The region now (pooled, same months)</th>"
                   if region is not None else "")
    region_note = (f"<p>The region now: {e(str(region.get('label', '')))} from the"
                   f" councils' own data for the same period ({e(str(region.get('period_start')))}"
                   f" to {e(str(region.get('period_end')))}), with the same definitions.</p>"
                   if region is not None else "")
    reasons = _missing(missing)
    missing_html = ("<h2>Not available from this data set</h2><ul>"
                    + "".join(f"<li>{e(r)}</li>" for r in reasons) + "</ul>") if reasons else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title><style>{_CSS}</style></head>
<body><main>
<h1>{heading}</h1>
<p class="meta">Reporting date {period.end:%d %B %Y}; period {period.start:%d %B %Y} to
{period.end:%d %B %Y}. Council (DfE number) {e(params.la)}. Data: <code>{e(params.data)}</code>.
Made {e(p["made_at"])} with cpmetrics {e(p["cpmetrics_version"])}.</p>
<p class="meta">{e(covered)}</p>
<table><caption>Headline measures</caption>
<thead><tr><th scope="col">Measure</th><th scope="col">This period</th>
<th scope="col">95% interval</th><th scope="col">Statistical neighbours (published)</th>
<th scope="col">England (published)</th>{region_head}</tr></thead><tbody>{"".join(rows)}</tbody>
</table>
{region_note}<p>Counts from 1 to {t - 1} are shown as &lt;{t}, and a percentage that would reveal
one is not shown, so that no child can be identified.</p>
<h2>Pages</h2><ul>{pages}</ul>
{missing_html}
<h2>Files</h2><ul>{files_html}</ul>
<h2>Tables (CSV)</h2><ul>{tables_html or "<li>none</li>"}</ul>
<h2>Charts (PNG)</h2><ul>{charts_html or "<li>none</li>"}</ul>
</main></body></html>
"""
