"""The headline measures as a monthly series, vectorised over the whole plan table.

Counts at many month ends come from one pass: each plan's start and end are
placed among the month-end thresholds (`searchsorted`, once) and a 2-D
histogram of (start bin, end bin), cumulated, answers every "started by a and
not ended by b" question at once. Children recorded with overlapping plans (a
quality finding, rare) are counted month by month so that each counts once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpmetrics.durations import TWO_YEARS
from cpmetrics.periods import as_date

SERIES_COLUMNS = (
    "on_plan",
    "on_plan_second_or_subsequent",
    "on_plan_2y_plus",
    "starts",
    "starts_second_or_subsequent",
    "ended",
    "ended_2y_plus",
)
_NEVER = np.iinfo(np.int64).max


def month_ends(first: pd.Timestamp | str, last: pd.Timestamp | str) -> pd.DatetimeIndex:
    """Every month end from the month holding `first` to the one holding `last`."""
    f = as_date(first) + pd.offsets.MonthEnd(0)
    return pd.date_range(f, as_date(last), freq="ME")


def _days(values: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970 (int64); missing dates as 'never'."""
    arr = values.to_numpy(dtype="datetime64[D]")
    out = arr.astype("int64")
    out[np.isnat(arr)] = _NEVER
    return out


class _Grid:
    """Cumulated counts of plans by (start <= edge k, end <= edge l)."""

    def __init__(self, i_s: np.ndarray, i_e: np.ndarray, n: int) -> None:
        grid = np.bincount(i_s * n + i_e, minlength=n * n).reshape(n, n)
        self.cum = grid.cumsum(0).cumsum(1)
        self.by_start = grid.sum(1).cumsum()
        self.by_end = grid.sum(0).cumsum()

    def open_at(self, kb: np.ndarray, ka: np.ndarray | None = None) -> np.ndarray:
        """Started by edge `ka` (default `kb`) and not ended by edge `kb`."""
        ka = kb if ka is None else ka
        return self.by_start[ka] - self.cum[ka, kb]


def monthly_series(
    plans: pd.DataFrame, first: pd.Timestamp | str, last: pd.Timestamp | str
) -> pd.DataFrame:
    """The headline measures for every month end from `first` to `last`.

    On-plan columns are at the month end (distinct children); starts and ended
    count plans in the calendar month. Each row equals `measures` at that month
    end for a period of that one month.
    """
    months = month_ends(first, last)
    m = months.to_numpy(dtype="datetime64[D]").astype("int64")
    prev = m - months.day.to_numpy()  # last day of the month before
    two_y = m - (TWO_YEARS - 1)
    edges = np.unique(np.concatenate([m, prev, two_y]))
    n = len(edges) + 1
    km, kp, k2 = (np.searchsorted(edges, x) for x in (m, prev, two_y))

    start, end = _days(plans["start_date"]), _days(plans["end_date"])
    i_s = np.searchsorted(edges, start, side="left")  # start <= edges[k]  <=>  i_s <= k
    i_e = np.searchsorted(edges, end, side="left")
    replan = plans["is_replan"].to_numpy(dtype=bool)
    messy = plans["child_overlaps"].to_numpy(dtype=bool)
    long_ = (end != _NEVER) & (end - start + 1 >= TWO_YEARS)

    def grid(mask: np.ndarray) -> _Grid:
        return _Grid(i_s[mask], i_e[mask], n)

    every = grid(np.ones(len(plans), dtype=bool))
    sos = grid(replan)
    clean, clean_sos = grid(~messy), grid(~messy & replan)
    long_ended = np.bincount(i_e[long_], minlength=n).cumsum()

    out = pd.DataFrame(index=pd.DatetimeIndex(months, name="month_end"))
    out["on_plan"] = clean.open_at(km)
    out["on_plan_second_or_subsequent"] = clean_sos.open_at(km)
    out["on_plan_2y_plus"] = clean.open_at(km, k2)
    out["starts"] = every.by_start[km] - every.by_start[kp]
    out["starts_second_or_subsequent"] = sos.by_start[km] - sos.by_start[kp]
    out["ended"] = every.by_end[km] - every.by_end[kp]
    out["ended_2y_plus"] = long_ended[km] - long_ended[kp]
    out = out.astype("int64")
    if messy.any():
        _add_messy(out, plans.loc[messy, "child_id"], start[messy], end[messy], replan[messy], m)
    return out


def _add_messy(out: pd.DataFrame, child: pd.Series, start: np.ndarray, end: np.ndarray,
               replan: np.ndarray, month_days: np.ndarray) -> None:
    """Children with overlapping plans: each counted once, on the later-started open plan."""
    codes = pd.factorize(child)[0]
    order = np.lexsort((start, codes))  # by child, then start
    codes, start, end, replan = codes[order], start[order], end[order], replan[order]
    on, sos, long_ = (np.zeros(len(month_days), dtype="int64") for _ in range(3))
    for i, day in enumerate(month_days):
        open_ = (start <= day) & (end > day)
        idx = np.flatnonzero(open_)
        if not len(idx):
            continue
        # the last open plan of each child (sorted by child then start)
        last = idx[np.append(codes[idx][1:] != codes[idx][:-1], True)]
        on[i] = len(last)
        sos[i] = replan[last].sum()
        long_[i] = (day - start[last] + 1 >= TWO_YEARS).sum()
    out["on_plan"] += on
    out["on_plan_second_or_subsequent"] += sos
    out["on_plan_2y_plus"] += long_
