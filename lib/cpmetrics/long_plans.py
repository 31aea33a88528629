"""Plans lasting two years or more: children on one now, plans ending after one, and who is close.

Matches DfE table D5 (children on a plan at 31 March by duration, `2_years_or_more`)
and D7 / LAIT `CPPlans2yrs` (plans ceasing in the year that had lasted two
years or more). Two years or more is 730+ days on plan, both ends counted.
"""

from __future__ import annotations

import pandas as pd

from cpmetrics.comparison import neighbours_label, proportion_rows, published_figure
from cpmetrics.durations import BAND_LABELS, TWO_YEARS, days_on_plan
from cpmetrics.measures import current_plans, ended_2y_plus, ended_by_duration, on_plan_2y_plus
from cpmetrics.measures import on_plan_by_duration as _on_plan_by_duration
from cpmetrics.periods import DateLike, Period, as_date, financial_year_start

#: published D5 measure key for each duration band (benchmarks.MEASURES)
BAND_MEASURES = dict(zip(BAND_LABELS, ("on_plan_3m_or_less_pct", "on_plan_3m_to_6m_pct",
                                       "on_plan_6m_to_1y_pct", "on_plan_1y_to_2y_pct",
                                       "on_plan_2y_plus_pct"), strict=True))
#: "approaching two years": on a plan this many months or more, not yet 730 days
APPROACHING_MONTHS = 18
#: days still to go before two years, for the approaching-two-years count
TO_GO_BANDS: tuple[tuple[str, int], ...] = (
    ("within 1 month", 31), ("1 to 3 months", 92), ("3 to 6 months", 184))


def long_plan_shares(plans: pd.DataFrame, period: Period) -> pd.DataFrame:
    """On a plan 2 years+ now and a year ago (D5); plans ended this period, a year ago and last
    full year that had lasted 2 years+ (D7)."""
    d = period.end
    ago = d - pd.DateOffset(years=1)
    fy = financial_year_start(period.start)
    prev = Period(fy - pd.DateOffset(years=1), fy - pd.Timedelta(days=1))
    return proportion_rows({
        f"Children on a plan at {d:%d %B %Y}": on_plan_2y_plus(plans, d),
        f"Children on a plan at {ago:%d %B %Y}": on_plan_2y_plus(plans, ago),
        f"Plans ended {period.label()}": ended_2y_plus(plans, period),
        f"Plans ended {period.year_earlier().label()}": ended_2y_plus(plans, period.year_earlier()),
        f"Plans ended {prev.start.year}-{(prev.start.year + 1) % 100:02d} (full year)":
            ended_2y_plus(plans, prev),
    }, label="who")


def long_plan_benchmark(plans: pd.DataFrame, period: Period, la: str,
                        sn_grouping: str | None = None) -> pd.DataFrame:
    """This period's shares beside the latest published neighbours' mean and England's
    (D5 `2_years_or_more_percent`; LAIT `CPPlans2yrs`)."""
    rows = []
    for key, label, own in (
        ("on_plan_2y_plus_pct", "Children on a plan 2 years or more",
         on_plan_2y_plus(plans, period.end)),
        ("ended_2y_plus_pct", "Plans ended that lasted 2 years or more",
         ended_2y_plus(plans, period)),
    ):
        pub = published_figure(la, key, period.end, sn_grouping)
        ci = own.wilson()
        rows.append({"measure": label, "n": own.n, "of": own.of, "pct": own.pct,
                     "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None,
                     "neighbours_pct": pub["neighbours"],
                     "neighbours_n": neighbours_label(pub),
                     "england_pct": pub["england"], "published_year": pub["year_label"]})
    out = pd.DataFrame(rows)
    out["measure"] = out["measure"].astype("string")
    return out


def duration_profile(plans: pd.DataFrame, period: Period, la: str | None = None,
                     sn_grouping: str | None = None) -> pd.DataFrame:
    """Children on a plan at the period end and plans ended in it, by DfE duration band (D5, D7),
    with England's and the neighbours' published D5 shares of children on a plan."""
    on = _on_plan_by_duration(plans, period.end)
    ended = ended_by_duration(plans, period)
    out = pd.DataFrame({
        "on_plan": on,
        "on_plan_pct": 100 * on / on.sum() if on.sum() else float("nan"),
        "ended": ended,
        "ended_pct": 100 * ended / ended.sum() if ended.sum() else float("nan"),
    })
    out.index.name = "duration"
    if la is not None:
        pubs = {b: published_figure(la, m, period.end, sn_grouping)
                for b, m in BAND_MEASURES.items()}
        out["england_on_plan_pct"] = [pubs[b]["england"] for b in out.index]
        out["neighbours_on_plan_pct"] = [pubs[b]["neighbours"] for b in out.index]
        first = next(iter(pubs.values()))
        out.attrs["published_year"] = first["year_label"]
        out.attrs["grouping"] = first["grouping"]
    return out.astype({c: "float64" for c in out.columns if c.endswith("pct")})


def _approaching(plans: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    cur = current_plans(plans, at)
    days = days_on_plan(cur["start_date"], cur["end_date"], at)
    since = at - pd.DateOffset(months=APPROACHING_MONTHS)
    near = cur[(cur["start_date"] <= since) & (days < TWO_YEARS)]
    d = days[near.index]
    return near.assign(days_on_plan=d,
                       reaches_two_years=near["start_date"] + pd.Timedelta(days=TWO_YEARS - 1),
                       days_to_go=TWO_YEARS - d)


def approaching_two_years_summary(plans: pd.DataFrame, at: DateLike) -> pd.DataFrame:
    """Children on a plan 18 months or more but under two years, by time left before two years."""
    near = _approaching(plans, as_date(at))
    counts = {}
    lo = 0
    for label, hi in TO_GO_BANDS:
        counts[label] = int(((near["days_to_go"] > lo) & (near["days_to_go"] <= hi)).sum())
        lo = hi
    out = pd.DataFrame({"children": pd.Series(counts, dtype="int64")})
    out.index.name = "reaches two years"
    out.loc["all approaching two years"] = len(near)
    return out


def approaching_two_years(plans: pd.DataFrame, at: DateLike, show_child_level: bool = False
                          ) -> pd.DataFrame | None:
    """The children on a plan 18 months or more but under two years, one row each (child level).

    Returns None unless `show_child_level` is true: child identifiers never go into a pack.
    """
    if not show_child_level:
        return None
    near = _approaching(plans, as_date(at))
    cols = ["child_id", "start_date", "days_on_plan", "reaches_two_years", "latest_category",
            "is_replan"]
    return near[cols].sort_values("reaches_two_years").reset_index(drop=True)
