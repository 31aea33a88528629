"""Working days in England and Wales, as metrics.md counts them.

A working day is Monday to Friday and not a bank holiday of England and Wales.
The bank holidays are GOV.UK's list (https://www.gov.uk/bank-holidays) as the
`govuk-bank-holidays` package ships it, read from its cached copy only: nothing
is fetched at run time. That copy covers 1 January 2012 to 31 December 2028
(`COVERED`).

The working days from date `a` to date `b` are the working days `d` with
`a < d <= b`: an enquiry started on Monday 5 March 2018 with its conference on
Monday 26 March is 15 working days; on Tuesday 27 March, 16. When `b` is before
`a` the count is negative (minus the working days `d` with `b < d <= a`), so a
conference dated before its enquiry shows as such rather than as 0.

**Outside the shipped years** the bank holidays are not known, and a count whose
days `a < d <= b` (or `b < d <= a`) reach before 1 January 2012 or after
31 December 2028 is missing (`None` for two dates, `<NA>` in a Series), never
a guess that would treat an unknown bank holiday as a working day. The measures
and the validation rules leave such a record out of a working-day test rather
than pass or fail it. A newer release of the package, pinned in
requirements.txt, extends the years.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

#: first and last day whose bank holidays the shipped list covers
COVERED = (pd.Timestamp("2012-01-01"), pd.Timestamp("2028-12-31"))


@lru_cache(maxsize=1)
def bank_holidays() -> np.ndarray:
    """England and Wales bank holidays from the package's cached copy, as datetime64[D].

    The JSON file the package ships (what `BankHolidays(use_cached_holidays=True)`
    reads) is read directly: the package's module would import `requests` (76 ms)
    to offer a download this project never wants.
    """
    shipped = resources.files("govuk_bank_holidays").joinpath("bank-holidays.json")
    events = json.loads(shipped.read_text(encoding="utf-8"))["england-and-wales"]["events"]
    dates = sorted(dt.date.fromisoformat(e["date"]) for e in events)
    years = (dates[0].year, dates[-1].year) if dates else None
    if years != (COVERED[0].year, COVERED[1].year):
        # a different release of the package: COVERED must say what it ships
        raise RuntimeError(f"govuk-bank-holidays ships the years {years}, not those of COVERED")
    return np.array(dates, dtype="datetime64[D]")


def _days(values) -> tuple[np.ndarray, np.ndarray]:
    """Dates as datetime64[D] and a mask of the missing ones."""
    s = pd.to_datetime(pd.Series(values), errors="coerce")
    missing = s.isna().to_numpy()
    return s.to_numpy(dtype="datetime64[D]"), missing


def working_days(a, b):
    """Working days d with a < d <= b (negative when b is before a); see the module docstring.

    `a` and `b` are two dates (anything pandas reads as one) or two Series (or
    arrays) of dates of one length. Two dates give an int, or None when either
    is missing or the count reaches outside the shipped bank holidays; Series give
    an Int64 Series (index of `a` where it is a Series) with <NA> there.
    """
    scalar = np.ndim(a) == 0 and np.ndim(b) == 0
    index = a.index if isinstance(a, pd.Series) else (
        b.index if isinstance(b, pd.Series) else None)
    da, miss_a = _days([a] if scalar else a)
    db, miss_b = _days([b] if scalar else b)
    if len(da) != len(db):
        raise ValueError(f"working_days: {len(da)} start dates but {len(db)} end dates")
    missing = miss_a | miss_b
    first, last = (np.datetime64(c.date(), "D") for c in COVERED)
    lo = np.where(missing, first, np.minimum(da, db))
    hi = np.where(missing, first, np.maximum(da, db))
    # the days counted are lo < d <= hi: every one must be a covered day
    outside = ~missing & ((lo + 1 < first) | (hi > last))
    missing = missing | outside
    one = np.timedelta64(1, "D")
    start = np.where(missing, first, da) + one
    end = np.where(missing, first, db) + one
    counts = np.busday_count(start, end, holidays=bank_holidays())
    out = pd.array(counts, dtype="Int64")
    out[missing] = pd.NA
    if scalar:
        return None if missing[0] else int(counts[0])
    return pd.Series(out, index=index, name=None)


def is_weekend(dates: pd.Series) -> pd.Series:
    """Saturday or Sunday (False where the date is missing)."""
    return (dates.dt.day_of_week >= 5).fillna(False).astype(bool)




def working_day_after(a, n: int) -> pd.Series:
    """The `n`th working day after each date of `a` (n >= 1): the date `b` that is a working
    day with `working_days(a, b) == n`; the deadline of a standard counted in working days
    (a conference by the 15th working day after its enquiry started, a visit by the 10th after
    the last). NaT where `a` is missing or the days reach outside the shipped bank holidays.

    A Series of dates gives a Series on its index (datetime64[s]).
    """
    if n < 1:
        raise ValueError(f"working_day_after: n must be 1 or more, not {n}")
    index = a.index if isinstance(a, pd.Series) else None
    da, missing = _days(a)
    first, last = (np.datetime64(c.date(), "D") for c in COVERED)
    safe = np.where(missing, first, da)
    # rolled back to a working day first: the first working day after a Saturday is Monday,
    # which is the first after Friday too
    out = np.busday_offset(safe, n, roll="backward", holidays=bank_holidays())
    outside = missing | (safe + 1 < first) | (out > last)
    out = np.where(outside, np.datetime64("NaT", "D"), out).astype("datetime64[s]")
    return pd.Series(out, index=index, dtype="datetime64[s]")
