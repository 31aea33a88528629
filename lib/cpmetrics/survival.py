"""Time to return after a plan ends, and time on a plan: Kaplan-Meier estimates censored at D.

metrics.md, "Monitoring over time":

- **Returns after a plan ends**: each plan ended on or before the reporting date
  D, timed from its end to the same child's next plan start; a child not back on
  a plan by D is censored at D. The share back on a plan within 3, 6, 12 and 24
  months, with 95% intervals, overall and by domestic abuse, initial category
  and how long the ended plan lasted.
- **Time on plan**: each plan from its start; a plan still open at D is censored
  at D. The median days on plan and the share still on the plan at 6, 12, 18
  and 24 months.

The estimator is statsmodels' `SurvfuncRight` (Kaplan-Meier, Greenwood's
standard error), not one of ours; lifelines, the first choice, cannot be
installed beside pandas 3 (see docs/methods.md). Decisions, each in
docs/methods.md ("Time to return and time on plan") and tested:

- **A month is 365/12 days** (`month_days`), so the horizons fall on DfE's
  duration band edges and on `replans.GAP_BANDS`: back **within m months** when
  the next plan started at most `month_days(m)` days after the end (3, 6, 12, 24
  months: 91, 182, 365, 730 days); **still on the plan at m months** when its
  days on plan (both ends counted) reach `month_days(m)` (6, 12, 18, 24 months:
  183, 365, 548, 730 days; 24 months is DfE's "2 years or more"). Calendar
  months (`DateOffset`) would make a horizon depend on the month a plan ended
  in, and put 1 August to 1 November (92 days) "within 3 months".
- **Time to return** is `next start - end` in days, as `replans.replan_returns`
  counts the gap. A next plan starting the day the last one ended is a return
  at day 0 (within every horizon), counted in `attrs["same_day"]`.
- **Overlapping plans**: an ended plan is left out when the child was still on
  another plan when it ended (started before that day, not ended by it), or
  another of the child's plans ended the same day (it counts once): the child
  did not come off a plan (`attrs["overlapping"]`). Its return is timed from
  the end of the plan the child was on last.
- **Time on plan** counts plans started on or after `since`: by default 1 April
  of the financial year of the earliest plan end in the data, taken as where the
  data begin. A plan started earlier is in the data only because it was still
  open then, so long plans would be over-represented (`attrs["before_since"]`).
- Each plan counts, not each child: a child with two ended plans is in the
  returns twice (the intervals take the plans as independent).
- A share is given only up to the longest follow-up: beyond it (no plan
  followed that long and the curve not yet at zero) it is blank, not carried
  flat. The 95% interval is the log-log ("exponential Greenwood") interval, as
  lifelines and Stata give; where the estimate is 0% or 100% it has none.
- The median is statsmodels' (the first day the share still on a plan falls
  below a half), with its 95% interval (`quantile_ci`, complementary log-log).

Every table holds, beside each share, the counts it rests on (`plans`, the
events by the horizon, and `at_risk`), and `DEPENDS` says which, for
`disclosure.suppress_table(depends=...)`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from cpmetrics.drivers import CATEGORY_LABELS
from cpmetrics.linking import linked_dv
from cpmetrics.periods import DateLike, as_date, financial_year_start
from cpmetrics.stats import Z95
from cpmetrics.tables import CATEGORIES, Tables
from cpmetrics.unavailable import NotAvailable, no_assessments

#: days in a year for `month_days`: DfE's duration bands' 1 year (365 days on plan)
YEAR_DAYS = 365
#: the horizons of the returns table (metrics.md)
RETURN_MONTHS: tuple[int, ...] = (3, 6, 12, 24)
#: the horizons of the time-on-plan table (metrics.md; "the share reaching 18 months and 2 years")
ON_PLAN_MONTHS: tuple[int, ...] = (6, 12, 18, 24)
#: the monthly points a chart's curve is drawn through
CURVE_MONTHS: tuple[int, ...] = tuple(range(25))

#: the counts each share rests on, for `disclosure.suppress_table(depends=...)`
RETURNS_DEPENDS = {c: ("plans", "returned", "at_risk") for c in ("pct", "ci_low", "ci_high")}
ON_PLAN_DEPENDS = {c: ("plans", "ended", "at_risk") for c in ("pct", "ci_low", "ci_high")}
SUMMARY_DEPENDS = {c: ("plans", "ended") for c in ("median_days", "median_ci_low",
                                                   "median_ci_high")}

ALL = "All ended plans"
BY_DV = "Domestic abuse"
BY_CATEGORY = "Initial category"
BY_LENGTH = "Length of the ended plan"
DV_YES = "Linked to domestic abuse (3A, 3B, 3C)"
DV_NO = "Not linked to domestic abuse"
SHORT = "3 months or less"
LONGER = "More than 3 months"
UNKNOWN = "Unknown"


def month_days(months: float) -> float:
    """Days in `months` months: 365/12 a month (3 months 91.25 days, 24 months 730)."""
    return YEAR_DAYS * months / 12


def within_days(months: float) -> int:
    """The most days after a plan ended that count as back "within `months` months" (3: 91)."""
    return math.floor(month_days(months))


def reach_days(months: float) -> int:
    """The fewest days on plan that count as "still on the plan at `months` months" (6: 183)."""
    return math.ceil(month_days(months))


def _day(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts:%B %Y}"


def _label(months: int) -> str:
    return f"{months} month" + ("" if months == 1 else "s")


class Curve:
    """A Kaplan-Meier curve of the share without the event after each day (statsmodels).

    `days` are whole days from the start of follow-up to the event (where
    `events` is true) or to the end of follow-up (censored: no event by then).
    `surviving(t)` is S(t), the estimated share with no event in the first `t`
    days (P(T > t)); blank beyond the longest follow-up.
    """

    def __init__(self, days: Iterable[int], events: Iterable[bool]) -> None:
        self.days = np.asarray(list(days), dtype="int64")
        self.events = np.asarray(list(events), dtype=bool)
        if len(self.days) != len(self.events):
            raise ValueError("days and events differ in length")
        self.fit = None
        if len(self.days):
            from statsmodels.duration.survfunc import SurvfuncRight

            self.fit = SurvfuncRight(self.days.astype("float64"), self.events.astype("float64"))

    @property
    def n(self) -> int:
        return len(self.days)

    def _index(self, t: float) -> int:
        """Position in the fit's event days of the last one on or before `t` (-1: none)."""
        return int(np.searchsorted(self.fit.surv_times, t, side="right")) - 1

    def estimable(self, t: float) -> bool:
        """True when S(t) is known: some plan was followed `t` days, or the curve reached 0."""
        if not self.n:
            return False
        if t <= self.days.max():
            return True
        return bool(len(self.fit.surv_prob)) and float(self.fit.surv_prob[-1]) == 0.0

    def surviving(self, t: float) -> float | None:
        """S(t): the estimated share with no event in the first `t` days; None when not known."""
        if not self.estimable(t):
            return None
        i = self._index(t)
        return 1.0 if i < 0 else float(self.fit.surv_prob[i])

    def interval(self, t: float, z: float = Z95) -> tuple[float, float] | None:
        """Log-log 95% interval for S(t); None where S(t) is unknown, 1 or 0."""
        s = self.surviving(t)
        if s is None or s <= 0.0 or s >= 1.0:
            return None
        se = float(self.fit.surv_prob_se[self._index(t)])
        if not np.isfinite(se):
            return None
        sd = (se / s) / abs(math.log(s))  # sd of log(-log S), from Greenwood's variance
        return s ** math.exp(z * sd), s ** math.exp(-z * sd)

    def events_by(self, t: float) -> int:
        """Events on or before day `t`."""
        return int((self.events & (self.days <= t)).sum())

    def at_risk_after(self, t: float) -> int:
        """Followed beyond day `t` with no event by then."""
        return int((self.days > t).sum())

    def median(self) -> float | None:
        """The first day S falls below a half (statsmodels' `quantile(0.5)`); None if it has not."""
        if not self.n:
            return None
        q = float(self.fit.quantile(0.5))
        return None if math.isnan(q) else q

    def median_interval(self) -> tuple[float | None, float | None]:
        """95% interval for the median (statsmodels' `quantile_ci`); None for an open end."""
        if self.median() is None:
            return None, None
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0), log(1) off the curve's ends
            lo, hi = self.fit.quantile_ci(0.5)
        return (None if not np.isfinite(lo) else float(lo),
                None if not np.isfinite(hi) else float(hi))


def _as_at(plans: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """The history as known at `at`: plans started by then, an end after it not yet known."""
    p = plans[plans["start_date"] <= at].copy()
    p["end_date"] = p["end_date"].where(p["end_date"] <= at)
    return p


def _category(values: pd.Series) -> pd.Series:
    c = values.astype("string")
    return c.where(c.isin(CATEGORIES), UNKNOWN).fillna(UNKNOWN)


def return_times(tables: Tables, at: DateLike) -> pd.DataFrame:
    """Each plan ended by `at`: days to the same child's next plan start, or followed to `at`.

    Plan level (holds child ids): for analysis; packs use `returns_table`.
    Columns: `child_id`, `plan_id`, `end_date`, `next_start` (empty: not back by
    `at`), `days` (to the next start, or to `at`), `returned`, `days_on_plan` of
    the ended plan, `initial_category` (NEG..MUL or "Unknown") and `dv` (linked
    to a 3A/3B/3C assessment; empty when the source has no assessments).
    attrs: `overlapping` (ended plans left out: the child was on another plan
    when it ended), `same_day` (returns on the day the plan ended).
    """
    d = as_date(at)
    p = _as_at(tables.plans, d)
    ended = p[p["end_date"].notna()]
    ended = ended.sort_values(["child_id", "end_date", "start_date"])
    same_end = ended.duplicated(["child_id", "end_date"], keep="last")
    others = p[["plan_id", "child_id", "start_date", "end_date"]].rename(
        columns={"plan_id": "other", "start_date": "o_start", "end_date": "o_end"})
    pairs = ended[["plan_id", "child_id", "end_date"]].merge(others, on="child_id")
    pairs = pairs[pairs["other"] != pairs["plan_id"]]
    still_on = (pairs["o_start"] < pairs["end_date"]) & (
        pairs["o_end"].isna() | (pairs["o_end"] > pairs["end_date"]))
    left_out = set(pairs.loc[still_on, "plan_id"]) | set(ended.loc[same_end, "plan_id"])
    nxt = pairs[pairs["o_start"] >= pairs["end_date"]].groupby("plan_id")["o_start"].min()
    e = ended[~ended["plan_id"].isin(left_out)]
    next_start = pd.Series(e["plan_id"].map(nxt.to_dict()), index=e.index,
                           dtype=e["end_date"].dtype)
    returned = next_start.notna()
    days = (next_start.where(returned, d) - e["end_date"]).dt.days
    if tables.has_assessments:
        dv = linked_dv(e, tables.assessments).astype("boolean")
    else:
        dv = pd.Series(pd.NA, index=e.index, dtype="boolean")
    out = pd.DataFrame({
        "child_id": e["child_id"],
        "plan_id": e["plan_id"],
        "end_date": e["end_date"],
        "next_start": next_start,
        "days": days.astype("int64"),
        "returned": returned.astype(bool),
        "days_on_plan": ((e["end_date"] - e["start_date"]).dt.days + 1).astype("int64"),
        "initial_category": _category(e["initial_category"]),
        "dv": dv,
    }).reset_index(drop=True)
    out.attrs.update({"overlapping": len(left_out), "same_day": int((returned & (days == 0)).sum()),
                      "at": d, "has_assessments": tables.has_assessments})
    return out


def _groups(r: pd.DataFrame) -> list[tuple[str, str, pd.Series]]:
    """(breakdown, group, mask) for the returns table, in the order rows are shown."""
    out = [(ALL, ALL, pd.Series(True, index=r.index))]
    if r.attrs.get("has_assessments", True):
        dv = r["dv"].fillna(False).astype(bool)
        out += [(BY_DV, DV_YES, dv), (BY_DV, DV_NO, ~dv)]
    cats = [*CATEGORIES, UNKNOWN] if (r["initial_category"] == UNKNOWN).any() else CATEGORIES
    out += [(BY_CATEGORY, CATEGORY_LABELS.get(c, c), r["initial_category"] == c) for c in cats]
    short = r["days_on_plan"] < month_days(3)
    out += [(BY_LENGTH, SHORT, short), (BY_LENGTH, LONGER, ~short)]
    return out


def _return_row(curve: Curve, months: int) -> dict:
    t = within_days(months)
    s, ci = curve.surviving(t), curve.interval(t)
    return {"within": _label(months), "plans": curve.n, "returned": curve.events_by(t),
            "at_risk": curve.at_risk_after(t),
            "pct": None if s is None else 100 * (1 - s),
            "ci_low": None if ci is None else 100 * (1 - ci[1]),
            "ci_high": None if ci is None else 100 * (1 - ci[0])}


def _frame(rows: list[dict], labels: list[str], counts: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=[*labels, *counts, "pct", "ci_low", "ci_high"])
    for c in labels:
        out[c] = out[c].astype("string")
    for c in counts:
        out[c] = out[c].astype("Int64")
    for c in ("pct", "ci_low", "ci_high"):
        out[c] = out[c].astype("float64")
    return out


def returns_table(tables: Tables, at: DateLike, months: Iterable[int] = RETURN_MONTHS
                  ) -> pd.DataFrame:
    """Share of ended plans whose child was back on a plan within each horizon (Kaplan-Meier).

    One row per group and horizon: `breakdown` (all; domestic abuse, left out
    when the source has no assessments; initial category; length of the ended
    plan, 3 months or less against longer), `group`, `within` ("3 months"),
    `plans` (ended plans in the group), `returned` (back on a plan by the
    horizon), `at_risk` (followed beyond it and not back), `pct` and its 95%
    interval `ci_low`, `ci_high` (blank beyond the longest follow-up).
    attrs: `at`, `overlapping`, `same_day`, and `note` when domestic abuse
    cannot be shown.
    """
    r = return_times(tables, at)
    months = list(months)
    rows = []
    for breakdown, group, mask in _groups(r):
        sub = r[mask.to_numpy()]
        curve = Curve(sub["days"], sub["returned"])
        rows += [{"breakdown": breakdown, "group": group, **_return_row(curve, m)}
                 for m in months]
    out = _frame(rows, ["breakdown", "group", "within"], ["plans", "returned", "at_risk"])
    out.attrs.update({k: r.attrs[k] for k in ("at", "overlapping", "same_day")})
    if not tables.has_assessments:
        out.attrs["note"] = ("The source holds no assessments, so plans cannot be split by "
                             "domestic abuse (3A, 3B, 3C).")
    out.attrs["months"] = months
    return out


def default_since(plans: pd.DataFrame) -> pd.Timestamp | None:
    """Where the data are taken to begin: 1 April of the financial year of the earliest plan end.

    A return lists the plans ended in its year, so the earliest end dates the
    earliest year the data cover. None when no plan has ended.
    """
    ends = plans["end_date"].dropna()
    return financial_year_start(ends.min()) if len(ends) else None


def plan_times(plans: pd.DataFrame, at: DateLike, since: DateLike | None = None) -> pd.DataFrame:
    """Each plan started from `since` to `at`: days on plan to its end, or so far at `at` (open).

    Plan level (holds child ids). `since` defaults to `default_since`. Columns:
    `child_id`, `plan_id`, `start_date`, `days` (days on plan, both ends
    counted), `ended`. attrs: `since`, `before_since` (plans started earlier,
    left out).
    """
    d = as_date(at)
    p = _as_at(plans, d)
    s = as_date(since) if since is not None else default_since(p)
    keep = p["start_date"] >= s if s is not None else pd.Series(True, index=p.index)
    q = p[keep]
    ended = q["end_date"].notna()
    until = q["end_date"].where(ended, d)
    out = pd.DataFrame({
        "child_id": q["child_id"], "plan_id": q["plan_id"], "start_date": q["start_date"],
        "days": ((until - q["start_date"]).dt.days + 1).astype("int64"),
        "ended": ended.astype(bool),
    }).reset_index(drop=True)
    out.attrs.update({"at": d, "since": s, "before_since": int((~keep).sum())})
    return out


def _plan_curve(t: pd.DataFrame) -> Curve:
    return Curve(t["days"], t["ended"])


def time_on_plan_table(plans: pd.DataFrame, at: DateLike, since: DateLike | None = None,
                       months: Iterable[int] = ON_PLAN_MONTHS) -> pd.DataFrame:
    """Share of plans still open at each horizon after they started (Kaplan-Meier).

    One row per horizon: `on_plan_at` ("18 months"), `plans` (started from
    `since` to `at`), `ended` (ended before reaching the horizon), `at_risk`
    (seen to reach it still on the plan), `pct` (share still on the plan) and
    its 95% interval. A plan open at `at` is censored there.
    """
    t = plan_times(plans, at, since)
    curve = _plan_curve(t)
    rows = []
    for m in months:
        k = reach_days(m) - 1  # still on the plan at m months: days on plan > k
        s, ci = curve.surviving(k), curve.interval(k)
        rows.append({"on_plan_at": _label(m), "plans": curve.n, "ended": curve.events_by(k),
                     "at_risk": curve.at_risk_after(k),
                     "pct": None if s is None else 100 * s,
                     "ci_low": None if ci is None else 100 * ci[0],
                     "ci_high": None if ci is None else 100 * ci[1]})
    out = _frame(rows, ["on_plan_at"], ["plans", "ended", "at_risk"])
    out.attrs.update(t.attrs)
    return out


def time_on_plan_summary(plans: pd.DataFrame, at: DateLike, since: DateLike | None = None
                         ) -> pd.DataFrame:
    """One row: plans started from `since` to `at`, how many ended, and the median days on plan
    with its 95% interval (blank while fewer than half have ended, or for an open end)."""
    t = plan_times(plans, at, since)
    curve = _plan_curve(t)
    lo, hi = curve.median_interval()
    s = t.attrs["since"]
    out = pd.DataFrame([{
        "started": f"{_day(s)} to {_day(t.attrs['at'])}" if s is not None else
        f"to {_day(t.attrs['at'])}",
        "plans": curve.n, "ended": int(t["ended"].sum()), "still_open": int((~t["ended"]).sum()),
        "median_days": curve.median(), "median_ci_low": lo, "median_ci_high": hi,
    }])
    out["started"] = out["started"].astype("string")
    for c in ("plans", "ended", "still_open"):
        out[c] = out[c].astype("Int64")
    for c in ("median_days", "median_ci_low", "median_ci_high"):
        out[c] = out[c].astype("float64")
    out.attrs.update(t.attrs)
    return out


def return_curves(tables: Tables, at: DateLike, breakdown: str = ALL,
                  months: Iterable[int] = CURVE_MONTHS) -> pd.DataFrame | NotAvailable:
    """`returns_table` at every month from 0 to 24 for one breakdown: what a chart draws.

    By domestic abuse from a source with no assessments: a `NotAvailable` saying so, which the
    chart and `show_table` pass through, so a page builds from every source.
    """
    if breakdown == BY_DV and (na := no_assessments(
            tables, "the returns to a plan split by domestic abuse")) is not None:
        return na
    t = returns_table(tables, at, months)
    out = t[t["breakdown"] == breakdown].reset_index(drop=True)
    out.attrs.update(t.attrs)
    out.attrs["breakdown"] = breakdown
    return out


def time_on_plan_curve(plans: pd.DataFrame, at: DateLike, since: DateLike | None = None,
                       months: Iterable[int] = CURVE_MONTHS) -> pd.DataFrame:
    """`time_on_plan_table` at every month from 0 to 24: what a chart draws."""
    return time_on_plan_table(plans, at, since, months)
