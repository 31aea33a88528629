"""Reporting dates and periods as metrics.md defines them (financial years, quarters, months)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

DateLike = str | dt.date | pd.Timestamp


def as_date(value: DateLike) -> pd.Timestamp:
    """A calendar date (midnight Timestamp) from a string, date or Timestamp."""
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"not a date: {value!r}")
    return ts.normalize()


def financial_year_start(day: DateLike) -> pd.Timestamp:
    """1 April of the financial year holding `day` (31 March 2018 is in 2017-18)."""
    d = as_date(day)
    year = d.year if d.month >= 4 else d.year - 1
    return pd.Timestamp(year=year, month=4, day=1)


def financial_year_end(day: DateLike) -> pd.Timestamp:
    """31 March that ends the financial year holding `day`."""
    return financial_year_start(day) + pd.DateOffset(years=1) - pd.Timedelta(days=1)


def collection_year(day: DateLike) -> int:
    """DfE's `time_period` for the year ending 31 March that holds `day` (2017 = 2016-17)."""
    return financial_year_end(day).year


def financial_quarter(day: DateLike) -> str:
    """Financial quarter label: Q1 April-June ... Q4 January-March."""
    d = as_date(day)
    return f"Q{((d.month - 4) % 12) // 3 + 1}"


def month_end(day: DateLike) -> pd.Timestamp:
    """Last day of the month holding `day`."""
    return as_date(day) + pd.offsets.MonthEnd(0)


@dataclass(frozen=True)
class Period:
    """A reporting period P0..D, both days included; P0 defaults to the financial year start."""

    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def ending(cls, end: DateLike, start: DateLike | None = None) -> Period:
        """The period ending on `end`, year to date unless `start` is given."""
        d = as_date(end)
        p0 = as_date(start) if start is not None else financial_year_start(d)
        if p0 > d:
            raise ValueError(f"period start {p0.date()} is after period end {d.date()}")
        return cls(p0, d)

    @classmethod
    def financial_year(cls, time_period: int) -> Period:
        """DfE's year ending 31 March `time_period`."""
        return cls(pd.Timestamp(time_period - 1, 4, 1), pd.Timestamp(time_period, 3, 31))

    def contains(self, dates: pd.Series) -> pd.Series:
        """True where a date falls in the period (missing dates are False)."""
        return (dates >= self.start) & (dates <= self.end)

    def year_earlier(self) -> Period:
        """The same period one year before."""
        return Period(self.start - pd.DateOffset(years=1), self.end - pd.DateOffset(years=1))

    def label(self) -> str:
        return f"{self.start.date():%d %B %Y} to {self.end.date():%d %B %Y}"

    def __str__(self) -> str:
        return f"{self.start.date()}..{self.end.date()}"
