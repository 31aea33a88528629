"""Data-quality rules for child protection plans, after the CIN census validation rules.

One rule, one small function registered with its number and the sentence an
analyst reads. A rule returns a boolean Series over the plan table: True where
the plan breaks it. Rules with no DfE number carry a local code beginning "L".
Findings never remove a plan from the measures; the action says what was done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from cpmetrics.history import findings_frame
from cpmetrics.tables import CATEGORIES, FINDING_COLUMNS, Tables, conform


@dataclass(frozen=True)
class Rule:
    code: str
    message: str
    action: str
    check: Callable[[pd.DataFrame], pd.Series]


RULES: list[Rule] = []


def rule(code: str, message: str, action: str = "measured as recorded"):
    """Register a plan-level rule."""

    def wrap(check: Callable[[pd.DataFrame], pd.Series]) -> Callable[[pd.DataFrame], pd.Series]:
        RULES.append(Rule(code, message, action, check))
        return check

    return wrap


@rule("8840", "A child protection plan cannot start and end on the same day")
def same_day_plan(plans: pd.DataFrame) -> pd.Series:
    return (plans["start_date"] == plans["end_date"]).fillna(False)


@rule(
    "L04",
    "The child has more than one open child protection plan",
    "measured; the child is counted once on plan",
)
def more_than_one_open_plan(plans: pd.DataFrame) -> pd.Series:
    open_ = plans["end_date"].isna()
    return open_ & open_.groupby(plans["child_id"]).transform("sum").gt(1)


@rule(
    "L05",
    "The plan overlaps the child's previous plan (it starts before that plan ended)",
    "measured; the child is counted once on plan",
)
def overlapping_plans(plans: pd.DataFrame) -> pd.Series:
    # plans are sorted by child and start (history.derive); an open previous plan never ends
    prev_end = plans["previous_end_date"]
    before_end = prev_end.isna() | (plans["start_date"] < prev_end)
    return (plans["earlier_plan_in_data"] & before_end).astype(bool)


@rule(
    "L06",
    "The category of abuse is not in the CIN census code list (NEG, EMO, PHY, SAB, MUL)",
    "measured; shown as 'unknown' in category breakdowns",
)
def category_not_in_list(plans: pd.DataFrame) -> pd.Series:
    init = ~plans["initial_category"].isin(CATEGORIES).fillna(False)
    latest = plans["latest_category"].notna() & ~plans["latest_category"].isin(CATEGORIES).fillna(
        False
    )
    return (init | latest).astype(bool)


@rule(
    "L07",
    "NumberOfPreviousCPP is 0 but the child has an earlier plan in the data",
    "counted as a second or subsequent plan (DfE: any earlier plan, however long ago)",
)
def previous_plans_disagree(plans: pd.DataFrame) -> pd.Series:
    return plans["replan_disagrees"]


def _year_bounds(plans: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    year = plans["collection_year"].astype("Float64")
    ref = pd.to_datetime(year.astype("Int64").astype("string") + "-03-31", errors="coerce")
    return ref - pd.DateOffset(years=1) + pd.Timedelta(days=1), ref


@rule(
    "L08",
    "The plan starts after the collection's reference date (31 March)",
    "measured as recorded",
)
def start_after_reference_date(plans: pd.DataFrame) -> pd.Series:
    _, ref = _year_bounds(plans)
    return (plans["start_date"] > ref).fillna(False).astype(bool)


@rule(
    "L09",
    "The plan's end date is outside the collection year",
    "measured as recorded",
)
def end_outside_collection_year(plans: pd.DataFrame) -> pd.Series:
    first, ref = _year_bounds(plans)
    end = plans["end_date"]
    return ((end < first) | (end > ref)).fillna(False).astype(bool)


def run_rules(plans: pd.DataFrame) -> pd.DataFrame:
    """Every registered rule over the plan table, as a findings table."""
    frames = []
    for r in RULES:
        hit = r.check(plans)
        if not hit.any():
            continue
        sub = plans.loc[hit.to_numpy(), ["source_file", "location", "child_id", "start_date"]]
        frames.append(
            pd.DataFrame(
                {
                    "source_file": sub["source_file"],
                    "location": sub["location"],
                    "child_id": sub["child_id"],
                    "rule": r.code,
                    "message": r.message
                    + " (plan starting "
                    + sub["start_date"].dt.strftime("%Y-%m-%d")
                    + ")",
                    "action": r.action,
                }
            )
        )
    if not frames:
        return findings_frame([])
    return conform(pd.concat(frames, ignore_index=True), FINDING_COLUMNS)


def check(tables: Tables) -> Tables:
    """Tables with the plan rules' findings added to those found while loading."""
    found = run_rules(tables.plans)
    parts = [f for f in (tables.findings, found) if len(f)]
    tables.findings = (
        conform(pd.concat(parts, ignore_index=True), FINDING_COLUMNS) if parts else found
    )
    return tables


def describe_rules() -> pd.DataFrame:
    """The rule book: code, message and action of every registered rule."""
    return pd.DataFrame(
        [{"rule": r.code, "message": r.message, "action": r.action} for r in RULES]
    )
