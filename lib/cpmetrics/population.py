"""ONS child population (aged 0-17) and rates per 10,000 children, as DfE calculates them.

DfE's rule: a figure for the year ending 31 March T (or at 31 March T) is
divided by the ONS mid-year estimate for mid-(T-1), and the rate is given to
one decimal place. Trafford at 31 March 2017: 258 / 54,045 x 10,000 = 47.7.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import pandas as pd

from cpmetrics.benchmarks import lookup_la, read_ees
from cpmetrics.errors import InputError
from cpmetrics.measures import on_plan
from cpmetrics.periods import Period
from cpmetrics.rounding import round1
from cpmetrics.tables import Tables


def year_ending(reporting_date: dt.date | str) -> int:
    """The `time_period` T (year ending 31 March T) of the financial year that holds the date."""
    d = pd.Timestamp(reporting_date).date()
    return d.year + 1 if d.month >= 4 else d.year


def mid_year_for(time_period: int) -> int:
    """The ONS mid-year estimate DfE divides by for the year ending 31 March `time_period`."""
    return int(time_period) - 1


@lru_cache(maxsize=1)
def population_table() -> pd.DataFrame:
    """Children aged 0-17 by mid-year and area, from the shipped ONS file.

    Columns: `mid_year`, `geographic_level`, `area` (DfE LA number, region code
    or E92000001 for England), `value` (float, missing where ONS/DfE give a
    marker) and `marker`.
    """
    t = read_ees("population")
    t = t[t["column"] == "population_estimate"]
    out = pd.DataFrame(
        {
            "mid_year": t["time_period"],
            "geographic_level": t["geographic_level"],
            "area": t["area"],
            "value": t["value"],
            "marker": t["marker"],
        }
    )
    return out.reset_index(drop=True)


def population(la: str | int, mid_year: int) -> float | None:
    """ONS estimate of children aged 0-17 in the LA (DfE number, ONS code or name) at mid-year.

    A DfE number is looked up in the population table directly (the table is keyed by it):
    resolving names and ONS codes reads DfE's whole LA list, a tenth of a second that
    `metrics` would pay on every run.
    """
    code = str(la).strip()
    if not re.fullmatch(r"\d{3}", code):
        code = lookup_la(la, int(mid_year) + 1).dfe_number
    t = population_table()
    row = t[(t["mid_year"] == int(mid_year)) & (t["area"] == code)]
    if row.empty or pd.isna(row["value"].iloc[0]):
        return None
    return float(row["value"].iloc[0])


def rate_per_10k(on_plan: int, la: str | int, reporting_date: dt.date | str) -> float | None:
    """`on_plan` per 10,000 children aged 0-17 in the LA, to 1 dp, with DfE's population year.

    The reporting date's financial year ends 31 March T; the denominator is
    the mid-(T-1) estimate (31 March 2017 and any date from 1 April 2016 use
    mid-2016). None when that estimate is not in the shipped file (a year
    newer than the release) or is suppressed; a newer release can be dropped
    in, see `published/README.md`.
    """
    pop = population(la, mid_year_for(year_ending(reporting_date)))
    if not pop:
        return None
    return round1(on_plan / pop * 10_000)


def on_plan_rate(tables: Tables, period: Period, la: str | None = None) -> float | None:
    """Children on a plan at the period's end per 10,000 aged 0-17 (`rate_per_10k`), for `la` or
    else the council the data name; None where neither is known or its population is not."""
    code = la or tables.la
    if not code:
        return None
    try:
        return rate_per_10k(on_plan(tables.plans, period.end), code, period.end)
    except InputError:
        return None
