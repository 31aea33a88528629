"""Which assessments a plan is linked to, and so which plans domestic violence/abuse drives.

metrics.md: a plan is linked to the assessments of the same CIN episode whose
authorisation date (or, where that is empty, actual start date) is on or
before the plan's start date.
"""

from __future__ import annotations

import pandas as pd

from cpmetrics.tables import DV_FACTORS


def factor_flags(factors: pd.Series, codes: tuple[str, ...] = DV_FACTORS) -> pd.Series:
    """True where a comma-separated factor list holds any of `codes`."""
    sets = factors.fillna("").astype("string").str.split(",")
    wanted = set(codes)
    return sets.map(lambda fs: bool(wanted.intersection(fs))).astype(bool)


def linked_assessments(plans: pd.DataFrame, assessments: pd.DataFrame) -> pd.DataFrame:
    """Linked (plan, assessment) pairs: same episode, assessed on or before the plan started."""
    a = assessments.assign(
        assessed=assessments["authorisation_date"].fillna(assessments["actual_start_date"])
    )
    pairs = plans[["plan_id", "episode_id", "start_date"]].merge(
        a[["episode_id", "assessed", "factors"]], on="episode_id", how="inner"
    )
    return pairs[pairs["assessed"] <= pairs["start_date"]]


def linked_factor(
    plans: pd.DataFrame, assessments: pd.DataFrame, codes: tuple[str, ...] = DV_FACTORS
) -> pd.Series:
    """For each plan (aligned to `plans`), True if a linked assessment records any of `codes`."""
    pairs = linked_assessments(plans, assessments)
    hit = set(pairs.loc[factor_flags(pairs["factors"], codes).to_numpy(), "plan_id"])
    return plans["plan_id"].isin(hit)


def linked_dv(plans: pd.DataFrame, assessments: pd.DataFrame) -> pd.Series:
    """For each plan, True if a linked assessment records domestic violence/abuse (3A/3B/3C)."""
    return linked_factor(plans, assessments, DV_FACTORS)
