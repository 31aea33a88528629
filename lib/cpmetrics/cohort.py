"""How many children are on a plan, month by month, against the council's reference band.

Children on a plan at each month end (DfE D5 `CPP_At31`, counted at every
month end instead of only 31 March), plans started and ended in each month
(D3 `CPP_start`, plans ceased), the same month a year earlier, and the rate
per 10,000 children against statistical neighbours and England.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cpmetrics.comparison import neighbours_area, published_figure
from cpmetrics.coverage import first_date
from cpmetrics.measures import on_plan
from cpmetrics.periods import DateLike, as_date, month_end
from cpmetrics.series import monthly_series
from cpmetrics.tables import Tables


@dataclass(frozen=True)
class ReferenceBand:
    """A reference level and a tolerance either side (250 +/- 4% is 240 to 260)."""

    level: float
    tolerance_pct: float

    @property
    def lower(self) -> float:
        return self.level * (1 - self.tolerance_pct / 100)

    @property
    def upper(self) -> float:
        return self.level * (1 + self.tolerance_pct / 100)

    def position(self, value: float) -> str:
        """"above", "below" or "within" the band (its edges are within)."""
        if value > self.upper:
            return "above"
        if value < self.lower:
            return "below"
        return "within"

    def label(self) -> str:
        return (f"{self.level:g} ± {self.tolerance_pct:g}% "
                f"({self.lower:g} to {self.upper:g})")


def cohort_trend(tables: Tables, end: DateLike, *, reference_level: float = 250,
                 tolerance_pct: float = 4.0, months: int = 24) -> pd.DataFrame:
    """Children on a plan at each of the last `months` month ends up to `end`, against the band.

    Columns: `on_plan`, `same_month_last_year`, `starts`, `ended` (plans in the
    calendar month), `lower`, `upper`, `position` ("above"/"below"/"within")
    and `outside` (True when outside the band). The last row is the month end
    on or before `end`. Months before the data begin are left out; a year-ago
    month before them is blank.
    """
    band = ReferenceBand(reference_level, tolerance_pct)
    d = as_date(end)
    last = d if d == month_end(d) else month_end(d) - pd.offsets.MonthEnd(1)
    first = last - pd.offsets.MonthEnd(months + 11)
    s = monthly_series(tables.plans, first, last)
    start = first_date(tables)
    covered = pd.Series(True, index=s.index) if start is None else pd.Series(
        s.index >= start + pd.offsets.MonthEnd(0), index=s.index)
    out = pd.DataFrame(index=s.index)
    out["on_plan"] = s["on_plan"].astype("Int64").where(covered)
    out["same_month_last_year"] = out["on_plan"].shift(12)
    out["starts"] = s["starts"].astype("Int64").where(covered)
    out["ended"] = s["ended"].astype("Int64").where(covered)
    out["lower"] = band.lower
    out["upper"] = band.upper
    out["position"] = pd.array(
        [band.position(v) if pd.notna(v) else pd.NA for v in out["on_plan"]], dtype="string")
    out["outside"] = (out["position"] != "within").astype("boolean").where(covered)
    out = out.iloc[-months:]
    out = out[covered.iloc[-months:].to_numpy()]
    out.attrs["band"] = band.label()
    return out


def band_summary(trend: pd.DataFrame) -> dict:
    """What the trend says: months shown, months outside the band, the highest and latest month."""
    shown = trend.dropna(subset=["on_plan"])
    outside = shown[shown["outside"].fillna(False).astype(bool)]
    peak = shown["on_plan"].idxmax() if len(shown) else None
    latest = shown.index[-1] if len(shown) else None
    return {
        "band": trend.attrs.get("band"),
        "months": len(shown),
        "first_month": shown.index[0] if len(shown) else None,
        "months_outside": len(outside),
        "outside": [(m, int(v), p) for m, v, p in
                    zip(outside.index, outside["on_plan"], outside["position"], strict=True)],
        "peak_month": peak,
        "peak": int(shown.loc[peak, "on_plan"]) if peak is not None else None,
        "latest_month": latest,
        "latest": int(shown.loc[latest, "on_plan"]) if latest is not None else None,
        "latest_position": shown.loc[latest, "position"] if latest is not None else None,
        "year_ago": (None if latest is None or pd.isna(shown.loc[latest, "same_month_last_year"])
                     else int(shown.loc[latest, "same_month_last_year"])),
    }


def rate_comparison(tables: Tables, at: DateLike, la: str, sn_grouping: str | None = None
                    ) -> pd.DataFrame:
    """Children on a plan per 10,000 children aged 0-17: the council at `at`, neighbours, England.

    The council's rate uses DfE's population year (population.rate_per_10k);
    neighbours' mean and England are the latest published at `at` (D5 with ONS).
    """
    from cpmetrics.population import rate_per_10k

    d = as_date(at)
    n = on_plan(tables.plans, d)
    try:
        own = rate_per_10k(n, la, d)
    except Exception:  # unknown council number: no population, say so by a blank
        own = None
    pub = published_figure(la, "on_plan_rate_per_10k", d, sn_grouping)
    nb = neighbours_area(pub)
    rows = [
        {"area": f"This council, {d:%d %B %Y}", "rate_per_10k": own, "on_plan": n},
        {"area": nb, "rate_per_10k": pub["neighbours"], "on_plan": None},
        {"area": f"England, 31 March {pub['year']}", "rate_per_10k": pub["england"],
         "on_plan": None},
    ]
    out = pd.DataFrame(rows)
    out["area"] = out["area"].astype("string")
    out["rate_per_10k"] = out["rate_per_10k"].astype("float64")
    out["on_plan"] = out["on_plan"].astype("Int64")
    out.attrs["grouping"] = pub["grouping"]
    return out
