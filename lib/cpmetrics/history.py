"""Assemble raw records from one or more files into one plan history.

Every source (CIN census XML, Annex A, tidy CSV) hands over its plan records
with values as written. Here each record is either loaded or rejected with its
reason (records read = loaded + rejected), the same plan seen in several files
is kept once (keyed by child id and start date; the later collection wins), and
the columns the measures share (`is_replan`, `earlier_plan_in_data`) are derived.
"""

from __future__ import annotations

import pandas as pd

from cpmetrics.tables import (
    DATE,
    FINDING_COLUMNS,
    PLAN_COLUMNS,
    REJECT_COLUMNS,
    LoadCounts,
    conform,
    empty,
)

ISO = "%Y-%m-%d"


def parse_dates(values: pd.Series) -> pd.Series:
    """ISO dates (or already-parsed datetimes) to datetime64; anything else becomes NaT."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype(DATE).dt.normalize()
    text = values.astype("string").str.strip().str[:10]
    return pd.to_datetime(text, format=ISO, errors="coerce").astype(DATE)


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    return conform(pd.DataFrame(rows), FINDING_COLUMNS) if rows else empty(FINDING_COLUMNS)


def build_plans(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, LoadCounts]:
    """Raw plan records to (plans, rejects, findings, counts).

    `raw` has the canonical plan columns with dates as text or datetimes, plus
    `source_file`, `location`, `collection_year` and `file_order` (a later file
    has a larger number). Rejected: no child id, no usable start date, an end
    date that is not a date, an end before the start. Everything else is loaded.
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)
    for col in ("start_date", "end_date", "child_id", "previous_plans"):
        if col not in raw:
            raw[col] = pd.Series([pd.NA] * n, dtype="object")
    child = raw["child_id"].astype("string").str.strip()
    start = parse_dates(raw["start_date"])
    end = parse_dates(raw["end_date"])
    end_given = ~_blank(raw["end_date"])

    reason = pd.Series(pd.NA, index=raw.index, dtype="string")

    def _text(col: str) -> pd.Series:
        return raw[col].astype("string").fillna("")

    bad_end = end_given & end.isna()
    reason = reason.mask(
        bad_end & reason.isna(), "CPPendDate '" + _text("end_date") + "' is not a date"
    )
    reason = reason.mask(
        (end < start) & reason.isna(),
        "plan ends (" + end.dt.strftime(ISO).fillna("") + ") before it starts ("
        + start.dt.strftime(ISO).fillna("") + ")",
    )
    no_start = _blank(raw["start_date"])
    reason = reason.mask(no_start, "no CPPstartDate: the plan cannot be measured")
    reason = reason.mask(
        ~no_start & start.isna(), "CPPstartDate '" + _text("start_date") + "' is not a date"
    )
    reason = reason.mask(_blank(child), "no child id (LAchildID): the plan cannot be measured")
    rejected = reason.notna()

    rejects = conform(
        pd.DataFrame(
            {
                "source_file": raw["source_file"],
                "location": raw["location"],
                "child_id": child,
                "start_date": raw["start_date"].astype("string"),
                "end_date": raw["end_date"].astype("string"),
                "reason": reason,
            }
        )[rejected],
        REJECT_COLUMNS,
    )
    findings = [
        {
            "source_file": r.source_file,
            "location": r.location,
            "child_id": r.child_id,
            "rule": "L01",
            "message": r.reason,
            "action": "record rejected: not in any measure",
        }
        for r in rejects.itertuples()
    ]

    kept = raw[~rejected].copy()
    kept["child_id"] = child[~rejected]
    kept["start_date"] = start[~rejected]
    kept["end_date"] = end[~rejected]
    prev_text = kept["previous_plans"].astype("string").str.strip()
    prev = pd.to_numeric(prev_text, errors="coerce")
    whole = prev.notna() & (prev >= 0) & (prev == prev.round())
    for r in kept[~whole].itertuples():
        given = r.previous_plans if isinstance(r.previous_plans, str) else None
        given = given if given is not None and not pd.isna(r.previous_plans) else None
        findings.append(
            {
                "source_file": r.source_file,
                "location": r.location,
                "child_id": r.child_id,
                "rule": "L02",
                "message": (
                    "NumberOfPreviousCPP is missing"
                    if given is None or not str(given).strip()
                    else f"NumberOfPreviousCPP '{given}' is not a whole number of 0 or more"
                ),
                "action": "measured; re-plan status taken from the plan history alone",
            }
        )
    kept["previous_plans"] = prev.where(whole).astype("Int64")

    counts = LoadCounts(read=n, loaded=len(kept), rejected=int(rejected.sum()))

    # one plan per child and start date: the later collection (then the later file) wins
    order = ["child_id", "start_date", "collection_year", "file_order", "_row"]
    kept["_row"] = range(len(kept))
    kept = kept.sort_values(order, kind="stable")
    dup = kept.duplicated(["child_id", "start_date"], keep="last")
    same_file = kept.duplicated(["child_id", "start_date", "source_file"], keep="last")
    for r in kept[same_file].itertuples():
        findings.append(
            {
                "source_file": r.source_file,
                "location": r.location,
                "child_id": r.child_id,
                "rule": "L03",
                "message": f"the plan starting {r.start_date:%Y-%m-%d} is recorded twice"
                " in this file",
                "action": "measured once",
            }
        )
    counts.merged = int(dup.sum())
    plans = kept[~dup].drop(columns=["_row", "file_order"], errors="ignore")
    plans = conform(plans, PLAN_COLUMNS)
    plans = derive(plans)
    counts.check("plan records")
    return plans, rejects, findings_frame(findings), counts


def derive(plans: pd.DataFrame) -> pd.DataFrame:
    """Add the columns every measure shares, computed once.

    - `plan_id`: child id and start date, the key of a plan
    - `earlier_plan_in_data`: the child has another plan in the data starting earlier
    - `is_replan`: second or subsequent plan (DfE): NumberOfPreviousCPP >= 1 or an earlier plan
    - `replan_disagrees`: NumberOfPreviousCPP says 0 but an earlier plan is in the data
    - `previous_end_date`: end of the child's previous plan in the data, where there is one
    - `child_overlaps`: some plan of this child starts before its previous plan ended (a
      quality finding; the series counts such children plan by plan, so each counts once)
    """
    plans = plans.sort_values(["child_id", "start_date"], kind="stable").reset_index(drop=True)
    plans["plan_id"] = plans["child_id"] + "|" + plans["start_date"].dt.strftime(ISO)
    first = ~plans["child_id"].duplicated()
    plans["earlier_plan_in_data"] = ~first
    prev = plans["previous_plans"]
    plans["is_replan"] = (prev.fillna(0) >= 1).astype(bool) | plans["earlier_plan_in_data"]
    plans["replan_disagrees"] = (prev == 0).fillna(False).astype(bool) & plans[
        "earlier_plan_in_data"
    ]
    prev_end = plans.groupby("child_id", sort=False)["end_date"].shift(1)
    plans["previous_end_date"] = prev_end.where(~first).astype(DATE)
    prev_end = plans["previous_end_date"]
    overlap = ~first & (prev_end.isna() | (plans["start_date"] < prev_end))
    by_child = overlap.groupby(plans["child_id"], sort=False)
    plans["child_overlaps"] = by_child.transform("any").astype(bool)
    return plans
