"""The headline measures as a monthly series, vectorised over the whole plan table.

Counts at many month ends come from one pass: each plan's start and end are
placed among the month-end thresholds (`searchsorted`) and a 2-D histogram of
(start bin, end bin), cumulated, answers every "started by a and not ended by b"
question at once. Children recorded with overlapping plans (a quality finding,
rare) are counted exactly, month by month, so each child is counted once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpmetrics.durations import TWO_YEARS
from cpmetrics.measures import current_plans
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


def _messy_children(plans: pd.DataFrame) -> pd.Series:
    """Children with a plan starting before their previous plan ended (overlaps, two open)."""
    prev_end = plans["previous_end_date"]
    overlap = plans["earlier_plan_in_data"] & (prev_end.isna() | (plans["start_date"] < prev_end))
    return plans["child_id"].isin(plans.loc[overlap.to_numpy(), "child_id"])


class _Dominance:
    """Counts of plans with start <= a and end <= b, for thresholds a, b among `edges`."""

    def __init__(self, start: np.ndarray, end: np.ndarray, edges: np.ndarray) -> None:
        n = len(edges) + 1
        i_s = np.searchsorted(edges, start, side="left")
        i_e = np.searchsorted(edges, end, side="left")
        grid = np.bincount(i_s * n + i_e, minlength=n * n).reshape(n, n)
        self.cum = grid.cumsum(0).cumsum(1)
        self.edges = edges
        self.total_by_start = grid.sum(1).cumsum()
        self.total_by_end = grid.sum(0).cumsum()

    def _k(self, x: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.edges, x)

    def started_by(self, a: np.ndarray) -> np.ndarray:
        return self.total_by_start[self._k(a)]

    def ended_by(self, b: np.ndarray) -> np.ndarray:
        return self.total_by_end[self._k(b)]

    def open_at(self, b: np.ndarray, started_by: np.ndarray | None = None) -> np.ndarray:
        """Started on or before `started_by` (default b) and not ended by b."""
        a = b if started_by is None else started_by
        ka, kb = self._k(a), self._k(b)
        return self.total_by_start[ka] - self.cum[ka, kb]


def monthly_series(plans: pd.DataFrame, first: pd.Timestamp | str, last: pd.Timestamp | str
                   ) -> pd.DataFrame:
    """The headline measures for every month end from `first` to `last`.

    On-plan columns are at the month end (distinct children); starts and ended
    count plans in the calendar month. Each row equals `measures` at that month
    end for a period of that one month.
    """
    months = month_ends(first, last)
    m = months.to_numpy(dtype="datetime64[D]").astype("int64")
    prev = m - (months.day.to_numpy())  # last day of the month before
    two_y = m - (TWO_YEARS - 1)
    edges = np.unique(np.concatenate([m, prev, two_y]))

    messy = _messy_children(plans).to_numpy()
    start, end = _days(plans["start_date"]), _days(plans["end_date"])
    replan = plans["is_replan"].to_numpy(dtype=bool)
    duration = np.where(end == _NEVER, -1, end - start + 1)

    def dom(mask: np.ndarray) -> _Dominance:
        return _Dominance(start[mask], end[mask], edges)

    everything = np.ones(len(plans), dtype=bool)
    all_, sos = dom(everything), dom(replan)
    long_ended = dom(duration >= TWO_YEARS)
    c_all, c_sos = dom(~messy), dom(~messy & replan)

    out = pd.DataFrame(index=pd.DatetimeIndex(months, name="month_end"))
    out["on_plan"] = c_all.open_at(m)
    out["on_plan_second_or_subsequent"] = c_sos.open_at(m)
    out["on_plan_2y_plus"] = c_all.open_at(m, started_by=two_y)
    out["starts"] = all_.started_by(m) - all_.started_by(prev)
    out["starts_second_or_subsequent"] = sos.started_by(m) - sos.started_by(prev)
    out["ended"] = all_.ended_by(m) - all_.ended_by(prev)
    out["ended_2y_plus"] = long_ended.ended_by(m) - long_ended.ended_by(prev)

    if messy.any():
        _add_messy(out, plans[messy])
    return out.astype("int64")


def _add_messy(out: pd.DataFrame, plans: pd.DataFrame) -> None:
    """Children with overlapping plans, counted exactly once per month end."""
    for month in out.index:
        cur = current_plans(plans, month)
        days = (month - cur["start_date"]).dt.days + 1
        out.loc[month, "on_plan"] += len(cur)
        out.loc[month, "on_plan_second_or_subsequent"] += int(cur["is_replan"].sum())
        out.loc[month, "on_plan_2y_plus"] += int((days >= TWO_YEARS).sum())
