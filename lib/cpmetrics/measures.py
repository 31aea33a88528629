"""The headline child protection measures of metrics.md, at a reporting date D for a period P0..D.

One function per measure, each over the canonical plan table (`Tables.plans`),
whose `is_replan` column is derived once when the data are loaded. Counts "on
plan" count distinct children; starts and ends count plans.
"""

from __future__ import annotations

import pandas as pd

from cpmetrics.durations import TWO_YEARS, band_counts, days_on_plan
from cpmetrics.linking import linked_dv
from cpmetrics.periods import Period
from cpmetrics.proportion import Proportion
from cpmetrics.tables import CATEGORIES, Tables


def open_at(plans: pd.DataFrame, at: pd.Timestamp) -> pd.Series:
    """Plans open at `at`: started on or before it, not ended by it (ending on `at` is not open)."""
    return (plans["start_date"] <= at) & (plans["end_date"].isna() | (plans["end_date"] > at))


def current_plans(plans: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """Each child on a plan at `at`, once, with the plan they are on.

    A child recorded with two open plans at once (a quality finding) is counted
    once, on the plan that started later.
    """
    open_ = plans[open_at(plans, at)]
    return open_.sort_values(["child_id", "start_date"]).drop_duplicates("child_id", keep="last")


def on_plan(plans: pd.DataFrame, at: pd.Timestamp) -> int:
    """Distinct children with a plan open at `at` (DfE: children on a CPP at 31 March)."""
    return int(current_plans(plans, at)["child_id"].nunique())


def on_plan_second_or_subsequent(plans: pd.DataFrame, at: pd.Timestamp) -> Proportion:
    """Of children on a plan at `at`, those whose plan is second or subsequent."""
    cur = current_plans(plans, at)
    return Proportion(int(cur["is_replan"].sum()), len(cur))


def on_plan_2y_plus(plans: pd.DataFrame, at: pd.Timestamp) -> Proportion:
    """Of children on a plan at `at`, those on it 730 days or more (DfE D5 '2 years or more')."""
    cur = current_plans(plans, at)
    days = days_on_plan(cur["start_date"], cur["end_date"], at)
    return Proportion(int((days >= TWO_YEARS).sum()), len(cur))


def started(plans: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Plans starting in the period, P0 <= start <= D."""
    return plans[period.contains(plans["start_date"])]


def ended_plans(plans: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Plans ending in the period, P0 <= end <= D."""
    return plans[period.contains(plans["end_date"]).fillna(False)]


def starts(plans: pd.DataFrame, period: Period) -> int:
    """Plans started in the period (DfE D3 'CPP_start')."""
    return len(started(plans, period))


def starts_second_or_subsequent(plans: pd.DataFrame, period: Period) -> Proportion:
    """Plans started in the period that are a child's second or subsequent plan (DfE D3)."""
    s = started(plans, period)
    return Proportion(int(s["is_replan"].sum()), len(s))


def ended(plans: pd.DataFrame, period: Period) -> int:
    """Plans ended in the period."""
    return len(ended_plans(plans, period))


def ended_2y_plus(plans: pd.DataFrame, period: Period) -> Proportion:
    """Plans ended in the period that lasted 730 days or more (DfE: ceased, lasting 2 years+)."""
    e = ended_plans(plans, period)
    days = (e["end_date"] - e["start_date"]).dt.days + 1
    return Proportion(int((days >= TWO_YEARS).sum()), len(e))


def starts_dv(tables: Tables, period: Period) -> Proportion | None:
    """Plans started in the period linked to a domestic violence/abuse factor (3A, 3B, 3C).

    None when the source has no assessment data (Annex A): not available, not zero.
    """
    if not tables.has_assessments:
        return None
    s = started(tables.plans, period)
    flags = linked_dv(s, tables.assessments)
    return Proportion(int(flags.sum()), len(s))


def starts_by_initial_category(plans: pd.DataFrame, period: Period) -> pd.Series:
    """Plans started in the period by initial category of abuse (NEG, EMO, PHY, SAB, MUL).

    Codes outside the list are counted under 'unknown', shown only when there are any.
    """
    cat = started(plans, period)["initial_category"]
    cat = cat.where(cat.isin(CATEGORIES), "unknown").fillna("unknown")
    counts = cat.value_counts().reindex([*CATEGORIES, "unknown"], fill_value=0).astype("int64")
    return counts if counts["unknown"] else counts.drop("unknown")


def on_plan_by_duration(plans: pd.DataFrame, at: pd.Timestamp) -> pd.Series:
    """Children on a plan at `at` by DfE duration band of days on plan so far (D5)."""
    cur = current_plans(plans, at)
    return band_counts(days_on_plan(cur["start_date"], cur["end_date"], at))


def ended_by_duration(plans: pd.DataFrame, period: Period) -> pd.Series:
    """Plans ended in the period by DfE duration band of days on plan (D7)."""
    e = ended_plans(plans, period)
    return band_counts((e["end_date"] - e["start_date"]).dt.days + 1)


def headline(tables: Tables, period: Period, rate: float | None = None,
             visit_standard: int | None = None) -> dict:
    """Every headline measure of metrics.md as plain Python values (the `metrics` JSON).

    `rate` is the rate per 10,000 children, where the caller has a population;
    `visit_standard` the local standard for statutory visits in working days (default 10).
    The pathway's measures come from `pathway.headline`.
    """
    from cpmetrics import pathway

    plans, d = tables.plans, period.end
    dv = starts_dv(tables, period)
    out = {
        "period_start": period.start.date().isoformat(),
        "period_end": d.date().isoformat(),
        "on_plan": on_plan(plans, d),
        "on_plan_second_or_subsequent": on_plan_second_or_subsequent(plans, d).as_dict(),
        "on_plan_2y_plus": on_plan_2y_plus(plans, d).as_dict(),
        "starts": starts(plans, period),
        "starts_second_or_subsequent": starts_second_or_subsequent(plans, period).as_dict(),
        "ended": ended(plans, period),
        "ended_2y_plus": ended_2y_plus(plans, period).as_dict(),
        "starts_dv": dv.as_dict() if dv is not None else None,
        "starts_by_initial_category": _ints(starts_by_initial_category(plans, period)),
        "on_plan_by_duration": _ints(on_plan_by_duration(plans, d)),
        "ended_by_duration": _ints(ended_by_duration(plans, period)),
        "rate_per_10k": rate,
        **pathway.headline(tables, period, visit_standard or pathway.VISIT_STANDARD),
        "quality": tables.quality_summary(),
    }
    return out


def _ints(s: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in s.items()}
