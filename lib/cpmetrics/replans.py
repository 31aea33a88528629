"""Second or subsequent plans ("re-plans"): how many, when, and how soon after the last one.

Matches DfE table D3 (`CPP_subsequent`, `CPP_subsequent_percent`: plans
started in the year that were a child's second or subsequent) and applies the
same definition to children on a plan at a date. A plan is second or
subsequent when `is_replan` is true (metrics.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cpmetrics.comparison import neighbours_area, proportion_rows, published_figure
from cpmetrics.measures import on_plan_second_or_subsequent, started
from cpmetrics.periods import (
    DateLike,
    Period,
    as_date,
    financial_quarter,
    financial_year_start,
    month_end,
)
from cpmetrics.proportion import Proportion
from cpmetrics.series import monthly_series
from cpmetrics.tables import Tables

#: how long after the previous plan ended a re-plan started, in days (upper bound of each band)
GAP_BANDS: tuple[tuple[str, int | None], ...] = (
    ("within 3 months", 91),
    ("3 to 6 months", 182),
    ("6 months to 1 year", 365),
    ("1 to 2 years", 730),
    ("more than 2 years", None),
)
NOT_IN_DATA = "previous plan not in the data"
NOT_ENDED = "previous plan had not ended"


def _year_label(start: pd.Timestamp) -> str:
    return f"{start.year}-{(start.year + 1) % 100:02d}"


def cohort_replans(plans: pd.DataFrame, at: DateLike) -> pd.DataFrame:
    """Children on a plan who are on a second or subsequent plan, at `at` and a year earlier."""
    d = as_date(at)
    ago = d - pd.DateOffset(years=1)
    return proportion_rows({
        f"On a plan at {d:%d %B %Y}": on_plan_second_or_subsequent(plans, d),
        f"On a plan at {ago:%d %B %Y}": on_plan_second_or_subsequent(plans, ago),
    }, label="children")


def starts_replans(plans: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Plans started that were re-plans: this period, a year earlier, last full year (D3)."""
    prev_start = financial_year_start(period.start) - pd.DateOffset(years=1)
    prev = Period(prev_start, financial_year_start(period.start) - pd.Timedelta(days=1))
    ago = period.year_earlier()

    def share(p: Period) -> Proportion:
        s = started(plans, p)
        return Proportion(int(s["is_replan"].sum()), len(s))

    return proportion_rows({
        f"Started {period.label()}": share(period),
        f"Started {ago.label()}": share(ago),
        f"Started in {_year_label(prev.start)} (full year)": share(prev),
    }, label="plans")


def replans_by_quarter(plans: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Plans started and re-plans in each financial quarter of last year and this year to date."""
    fy = financial_year_start(period.end)
    first = fy - pd.DateOffset(years=1)
    s = plans[(plans["start_date"] >= first) & (plans["start_date"] <= period.end)]
    year = np.where(s["start_date"] >= fy, _year_label(fy), _year_label(first))
    q = s["start_date"].map(financial_quarter)
    g = pd.DataFrame({"year": year, "quarter": q, "is_replan": s["is_replan"].to_numpy()})
    counts = g.groupby(["year", "quarter"])["is_replan"].agg(["sum", "size"])
    rows = {}
    for y, start in ((_year_label(first), first), (_year_label(fy), fy)):
        for k in range(4):
            q_start = start + pd.DateOffset(months=3 * k)
            if q_start > period.end:
                break
            key = (y, f"Q{k + 1}")
            n, of = (int(counts.loc[key, "sum"]), int(counts.loc[key, "size"])) \
                if key in counts.index else (0, 0)
            q_end = q_start + pd.DateOffset(months=3) - pd.Timedelta(days=1)
            part = " (to date)" if q_end > period.end else ""
            rows[f"{y} Q{k + 1}{part}"] = Proportion(n, of)
    out = proportion_rows(rows, label="quarter")
    out.insert(1, "year", out["quarter"].str.slice(0, 7))
    return out


def rolling_replans(plans: pd.DataFrame, end: DateLike, months: int = 24) -> pd.DataFrame:
    """Share of plans started in the 12 months to each month end that were second or subsequent."""
    last = month_end(as_date(end))
    if last > as_date(end):
        last = last - pd.offsets.MonthEnd(1)
    s = monthly_series(plans, last - pd.offsets.MonthEnd(months + 10), last)
    r = s[["starts", "starts_second_or_subsequent"]].rolling(12).sum().iloc[-months:]
    rows = {m: Proportion(int(b), int(a)) for m, a, b in
            zip(r.index, r["starts"], r["starts_second_or_subsequent"], strict=True)}
    out = proportion_rows(rows, label="month_end").drop(columns="month_end")
    out.index = pd.DatetimeIndex(list(rows), name="month_end")
    return out


def recent_replans(plans: pd.DataFrame, end: DateLike, months: int = 2) -> Proportion:
    """Re-plans among plans started in the last `months` calendar months to `end` (n of starts)."""
    d = as_date(end)
    first = month_end(d) - pd.offsets.MonthEnd(months) + pd.Timedelta(days=1)
    s = started(plans, Period(first, d))
    return Proportion(int(s["is_replan"].sum()), len(s))


def _gap_band(days: pd.Series) -> pd.Series:
    edges = [b for _, b in GAP_BANDS[:-1]]
    idx = np.searchsorted(np.asarray(edges), days.fillna(0).to_numpy(), side="left")
    return pd.Series([GAP_BANDS[i][0] for i in idx], index=days.index, dtype="string")


def replan_returns(tables: Tables, period: Period) -> pd.DataFrame:
    """Each re-plan started in the period: how long after the previous plan ended it came.

    Plan level, for analysis only (holds child ids; packs use `return_profile`).
    Columns: `child_id`, `start_date`, `previous_end_date`, `gap_days`,
    `gap_band`, `same_cin_episode` (the previous plan was in the same CIN
    episode: the case stayed open between the plans) and `cin_plan_between`
    (a CIN plan ran at some time between the previous plan's end and this
    start: stepped down and came back; blank when the source records no CIN
    plans at all).
    """
    plans = tables.plans.sort_values(["child_id", "start_date"])
    prev_episode = plans.groupby("child_id", sort=False)["episode_id"].shift(1)
    s = plans.assign(previous_episode=prev_episode)
    s = s[period.contains(s["start_date"]) & s["is_replan"]]
    gap = (s["start_date"] - s["previous_end_date"]).dt.days
    band = _gap_band(gap)
    band = band.where(s["earlier_plan_in_data"], NOT_IN_DATA)
    band = band.where(~(s["earlier_plan_in_data"] & gap.isna()), NOT_ENDED)
    out = pd.DataFrame({
        "child_id": s["child_id"],
        "plan_id": s["plan_id"],
        "start_date": s["start_date"],
        "previous_end_date": s["previous_end_date"],
        "gap_days": gap.astype("Int64"),
        "gap_band": band.astype("string"),
        "same_cin_episode": (s["episode_id"] == s["previous_episode"]).astype("boolean")
        .where(s["earlier_plan_in_data"]),
    })
    cin = tables.cin_plans
    if cin is None or cin.empty:
        out["cin_plan_between"] = pd.array([pd.NA] * len(out), dtype="boolean")
    else:
        pairs = out[["plan_id", "child_id", "start_date", "previous_end_date"]].merge(
            cin[["child_id", "start_date", "end_date"]].rename(
                columns={"start_date": "cin_start", "end_date": "cin_end"}),
            on="child_id")
        hit = (pairs["cin_start"] < pairs["start_date"]) & (
            pairs["cin_end"].isna() | (pairs["cin_end"] >= pairs["previous_end_date"]))
        between = out["plan_id"].isin(set(pairs.loc[hit, "plan_id"]))
        out["cin_plan_between"] = between.astype("boolean").where(
            out["previous_end_date"].notna())
    return out.reset_index(drop=True)


def return_profile(tables: Tables, period: Period) -> pd.DataFrame:
    """Re-plans started in the period by time since the previous plan ended (counts only).

    Columns: `replans`, `same_cin_episode` (case open throughout),
    `cin_plan_between` (stepped down to a CIN plan, then came back; blank when
    no CIN plans are recorded).
    """
    r = replan_returns(tables, period)
    order = [b for b, _ in GAP_BANDS] + [NOT_ENDED, NOT_IN_DATA]
    g = r.groupby("gap_band")
    out = pd.DataFrame({
        "replans": g.size(),
        "same_cin_episode": g["same_cin_episode"].sum(),
        "cin_plan_between": g["cin_plan_between"].sum(min_count=1),
    }).reindex(order)
    out["replans"] = out["replans"].fillna(0)
    out["same_cin_episode"] = out["same_cin_episode"].fillna(0)
    no_cin = r["cin_plan_between"].isna().all()
    out["cin_plan_between"] = pd.NA if no_cin else out["cin_plan_between"].fillna(0)
    out = out.astype("Int64")
    out = out[(out["replans"] > 0) | out.index.isin([b for b, _ in GAP_BANDS])]
    out.index.name = "time since the previous plan ended"
    total = pd.DataFrame(out.sum(min_count=1)).T.astype("Int64")
    total.index = pd.Index(["all re-plans"], name=out.index.name)
    return pd.concat([out, total])


def replan_benchmark(plans: pd.DataFrame, period: Period, la: str,
                     sn_grouping: str | None = None, comparators: Sequence[str | int] = ()
                     ) -> pd.DataFrame:
    """This year's share of starts that are re-plans beside the latest published neighbours' and
    England's figures (D3 `CPP_subsequent_percent`), then each named comparator council's (a
    row each, after England's: "Cheshire East, 2016-17")."""
    s = started(plans, period)
    own = Proportion(int(s["is_replan"].sum()), len(s))
    pub = published_figure(la, "starts_second_or_subsequent_pct", period.end, sn_grouping,
                           comparators)
    rows = proportion_rows({f"This council, {period.label()}": own}, label="area")
    named = [(f"{c['name']}, {pub['year_label']}"
              + ("" if c["value"] is not None else " (not published)"), c["value"])
             for c in pub["comparators"]]
    extra = pd.DataFrame({
        "area": [neighbours_area(pub), f"England, {pub['year_label']}", *(a for a, _ in named)],
        "pct": [pub["neighbours"], pub["england"], *(v for _, v in named)],
    })
    out = pd.concat([rows, extra], ignore_index=True)
    out["area"] = out["area"].astype("string")
    out.attrs["grouping"] = pub["grouping"]
    out.attrs["year"] = pub["year"]
    return out


def replan_funnel(plans: pd.DataFrame, period: Period, at: DateLike | None = None
                  ) -> pd.DataFrame:
    """Every council's published re-plan share (latest year at `at`) with funnel limits around
    England's, and this council's own figure for the period as the row `la` = "this council"."""
    from cpmetrics.benchmarks import funnel_data
    from cpmetrics.comparison import comparison_year
    from cpmetrics.stats import funnel_table

    year = comparison_year(at or period.end, "starts_second_or_subsequent_pct")
    f = funnel_data("starts_second_or_subsequent", year)
    s = started(plans, period)
    own = funnel_table(pd.DataFrame({"la": ["this council"], "name": [period.label()],
                                     "n": [int(s["is_replan"].sum())], "of": [len(s)]}),
                       float(f["target_pct"].iloc[0]))
    out = pd.concat([f, own], ignore_index=True)
    out.attrs["year"] = year
    return out


def recent_replans_table(plans: pd.DataFrame, end: DateLike, months: int = 2) -> pd.DataFrame:
    """`recent_replans` as a one-row table with its interval."""
    d = as_date(end)
    first = month_end(d) - pd.offsets.MonthEnd(months) + pd.Timedelta(days=1)
    recent = recent_replans(plans, d, months)
    return proportion_rows({f"Started {Period(first, d).label()}": recent}, label="plans")


def funnel_positions(funnel: pd.DataFrame) -> pd.DataFrame:
    """How many councils sit in each band of a funnel plot, and where this council sits."""
    others = funnel[funnel["la"] != "this council"]
    order = ["above 99.8% limit", "above 95% limit", "within 95% limits", "below 95% limit",
             "below 99.8% limit"]
    out = pd.DataFrame({"councils": others["position"].value_counts().reindex(order, fill_value=0)})
    mine = funnel.loc[funnel["la"] == "this council", "position"]
    out["this_council"] = [p == (mine.iloc[0] if len(mine) else None) for p in order]
    out.index.name = "position"
    return out.astype({"councils": "int64"})
