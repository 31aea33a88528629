"""Local figures set out as tables, beside the published neighbours' and England's figures.

Two things every analysis notebook needs: a row per proportion with its 95%
Wilson interval, and the published figure to compare it with. "Published"
means what a council could have read on its reporting date: DfE releases the
year ending 31 March T in the autumn of T (taken here as 1 November), so a
pack for September 2018 compares with 2016-17, as a scrutiny report written
then did. Where a table starts later than that year (C3 begins in 2017-18),
the earliest published year is used and its label says so.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cpmetrics.periods import DateLike, as_date
from cpmetrics.proportion import Proportion

#: month in which DfE's Children in need release for the year just ended is taken as published
PUBLICATION_MONTH = 11


def proportion_rows(rows: Mapping[str, Proportion | None], label: str = "measure") -> pd.DataFrame:
    """One row per proportion: n, of, pct and its 95% Wilson interval (pct columns in %).

    A missing proportion (None: the source has no such data) is a row of blanks, never zeros.
    """
    out = []
    for name, p in rows.items():
        if p is None:
            out.append({label: name, "n": pd.NA, "of": pd.NA, "pct": None, "ci_low": None,
                        "ci_high": None})
            continue
        ci = p.wilson()
        out.append({label: name, "n": p.n, "of": p.of, "pct": p.pct,
                    "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None})
    df = pd.DataFrame(out, columns=[label, "n", "of", "pct", "ci_low", "ci_high"])
    df[label] = df[label].astype("string")
    for c in ("n", "of"):
        df[c] = df[c].astype("Int64")
    for c in ("pct", "ci_low", "ci_high"):
        df[c] = df[c].astype("float64")
    return df


def latest_published_year(at: DateLike) -> int:
    """DfE `time_period` of the latest Children in need release out by `at` (2018-09-30 -> 2017)."""
    d = as_date(at)
    return d.year if d.month >= PUBLICATION_MONTH else d.year - 1


def _values(measure: str) -> pd.DataFrame:
    from cpmetrics.benchmarks import published_measure

    return published_measure(measure)


def comparison_year(at: DateLike, measure: str) -> int:
    """The published year to compare with at `at`: the latest out by then, within the table."""
    from cpmetrics.benchmarks import ENGLAND

    v = _values(measure)
    years = sorted(v.loc[(v["area"] == ENGLAND) & v["value"].notna(), "time_period"].unique())
    want = latest_published_year(at)
    if not years:
        return want
    earlier = [y for y in years if y <= want]
    return int(earlier[-1] if earlier else years[0])


def neighbours(la: str, year: int, sn_grouping: str | None = None) -> tuple[list[str], str]:
    """The council's statistical neighbours (DfE numbers) and the grouping's name.

    `sn_grouping` None or "auto" (as params files say): the grouping in force
    that year; otherwise a key of `benchmarks.GROUPINGS` ("april_2021",
    "may_2025") to use instead.
    """
    from cpmetrics import benchmarks as b

    if sn_grouping in (None, "auto"):
        nb = b.statistical_neighbours(la, year)
        return [str(x) for x in nb["la"]], str(nb.attrs["grouping"])
    g = {x.key: x for x in b.GROUPINGS}[sn_grouping]
    table = b._grouping_table(g.file)
    mine = table[table["la"] == b.lookup_la(la).dfe_number].sort_values("rank")
    return [str(x) for x in mine["neighbour"]], g.name


def neighbours_label(pub: dict) -> str:
    """How many neighbours a `published_figure` mean rests on: "10 of 10", "none of 10
    published", or "not available" when the neighbours could not be found (never "0 of 0")."""
    if not pub.get("neighbours_of"):
        return "not available"
    if not pub.get("neighbours_n"):
        return f"none of {pub['neighbours_of']} published"
    return f"{pub['neighbours_n']} of {pub['neighbours_of']}"


def neighbours_area(pub: dict) -> str:
    """The neighbours' row label: "Statistical neighbours' mean, 2016-17 (10 of 10)"."""
    year = f", {pub['year_label']}" if pub.get("year_label") else ""
    return f"Statistical neighbours' mean{year} ({neighbours_label(pub)})"


def published_figure(la: str, measure: str, at: DateLike, sn_grouping: str | None = None
                     ) -> dict:
    """Neighbours' mean and England for one published measure, in the year to compare with at `at`.

    Keys: `year` (time_period), `year_label` ("2016-17"), `neighbours`
    (plain mean of the published values, suppressed ones left out),
    `neighbours_n`, `neighbours_of`, `grouping`, `england`, `note` (why a
    figure is missing). Values are None when unpublished or unavailable; they
    never become zero.
    """
    from cpmetrics import benchmarks as b

    out = {"measure": measure, "year": None, "year_label": None, "neighbours": None,
           "neighbours_n": 0, "neighbours_of": 0, "grouping": None, "england": None, "note": None}
    try:
        year = comparison_year(at, measure)
        out.update(year=year, year_label=b.year_label(year))
        v = _values(measure)
        v = v[v["time_period"] == year].set_index("area")["value"]
        eng = v.get(b.ENGLAND)
        out["england"] = None if eng is None or pd.isna(eng) else float(eng)
        codes, grouping = neighbours(la, year, sn_grouping)
        vals = [v.get(c) for c in codes]
        mean, n = b.neighbours_mean([None if x is None or pd.isna(x) else float(x) for x in vals])
        out.update(neighbours=mean, neighbours_n=n, neighbours_of=len(codes), grouping=grouping)
    except Exception as exc:  # benchmarks unavailable for this council or year: say so, go on
        out["note"] = str(exc)
    return out
